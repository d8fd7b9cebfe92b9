#!/usr/bin/env bash
# Issue 5: the cluster-wide switches of the monitor engine, on a one-server
# bed (test/data/bed/mon-norecovery.conf):
# - rm/errordetect/norecovery 1: rm 190 when the cluster service starts; a
#   monitor error (genwfail, recovery target exec1, 1 reactivation) is rm 9
#   and rm 192, and nothing is restarted;
# - monitor delay warning rate 0: every check of genwfast warns (one rm 71 per
#   completed check, as clpmonctrl -v counts them) and it shows Caution.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/lib_cluster.sh"

bed_up -n 1 --conf "$CLP_SOURCE_DIR/test/data/bed/mon-norecovery.conf" \
    --scripts "$CLP_SOURCE_DIR/test/data/bed/scripts-monnorec"
W1=$CLPBED_DIR/srv1/root/work

mon_state() {
    on srv1 clpstat -o json | json_py "
m = next(m for m in d['monitors'] if m['name'] == '$1')
print(next(s['status'] for s in m['servers'] if s['name'] == 'srv1'))"
}
mon_is() {
    local st
    st=$(mon_state "$1")
    [ "$st" = "$2" ] || { echo "$1 is $st"; return 1; }
}
count() {
    alert_count srv1 "$@"
}
check_count() {
    on srv1 clpmonctrl -v -m "$1" | awk -F': ' '/Check Count/ { print $2 }'
}
checks_atleast() {
    [ "$(check_count "$1")" -ge "$2" ]
}

bed start all >/dev/null
wait_for 30 group_is srv1 failover1 srv1
wait_for 10 alert_seen srv1 rm 190 "Recovery action caused by monitor resource error is disabled."

# Delay warning rate 0: every check warns.
wait_for 10 mon_is genwfast Caution
wait_for 15 checks_atleast genwfast 5
on srv1 clpmonctrl -s -m genwfast >/dev/null
n=$(check_count genwfast)
# The alert of the last check may still be on its way to the log.
warnings_are() {
    [ "$(count rm 71 "monitoring genwfast.")" = "$1" ]
}
wait_for 5 warnings_are "$n"
w=$(count rm 71 "monitoring genwfast.")
awk -F'\t' '$4 == "rm" && $5 == 71 && index($10, "genwfast") { print $10; exit }' \
    "$CLPBED_DIR/srv1/root/alert/alert.log" | grep -q "delay warning rate=0)" ||
    fail "rm 71 does not name rate 0"
log "delay warning rate 0: genwfast $n checks, $w rm 71, Caution"

# Recovery disabled: an error, rm 192, nothing restarted.
starts=$(grep -c "^START" "$W1/exec1.events")
touch "$W1/genwfail-fail"
wait_for 10 alert_seen srv1 rm 192 "Ignored the recovery action in monitoring genwfail because recovery action caused by monitor resource error is disabled."
alert_seen srv1 rm 9 "Detected an error in monitoring genwfail." || fail "no rm 9 of genwfail"
mon_is genwfail Error
n=$(check_count genwfail)
wait_for 10 checks_atleast genwfail $((n + 2))
[ "$(count rm 13)" = 0 ] || fail "a reactivation: $(count rm 13)"
[ "$(grep -c "^START" "$W1/exec1.events")" = "$starts" ] || fail "exec1 was restarted"
group_is srv1 failover1 srv1 || fail "failover1 is not online"
rm -f "$W1/genwfail-fail"
wait_for 10 alert_seen srv1 rm 26 "genwfail status changed from error to normal."
log "recovery disabled: genwfail rm 9, rm 192, exec1 not restarted; rm 26 when normal again"
