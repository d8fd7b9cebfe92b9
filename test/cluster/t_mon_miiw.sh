#!/usr/bin/env bash
# Issue 5 acceptance: miiw (link state by netlink) bound to a group. srv1 runs
# {fip 10.32.0.100, exec serving HTTP}; `clpbed link srv1 lan2 down` pulls the
# public cable: miiw1 is Error on srv1 (rm 9 "the link of lan2 is down") within
# interval x (retry + 1) plus margin, the group fails over to srv2 (rm 14) and
# the client is served by srv2; while the link is down a move back to srv1 is
# refused (the monitor error restricts srv1); the cable back: rm 26, Normal,
# the move back works. A checker samples both servers every ~100 ms: never the
# address on two servers; after the failover no HTTP responder is left on srv1.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/lib_rsc.sh"

FIP=10.32.0.100
bed_up -n 2 --conf "$CLP_SOURCE_DIR/test/data/bed/mon-miiw.conf" \
    --scripts "$CLP_SOURCE_DIR/test/data/bed/scripts"

served_by() {
    [ "$(on client curl -s -m 1 "http://$FIP/" | head -1)" = "$1" ]
}
miiw_is() {
    local st
    st=$(on "$1" clpstat -o json | json_py "
m = next(m for m in d['monitors'] if m['name'] == 'miiw1')
print(next(s['status'] for s in m['servers'] if s['name'] == '$1'))")
    [ "$st" = "$2" ] || { echo "miiw1 on $1 is $st"; return 1; }
}
own_alerts() {
    awk -F'\t' -v s="$1" -v id="$2" '$1 == s && $4 == "rm" && $5 == id { print $10 }' \
        "$CLPBED_DIR/$1/root/alert/alert.log" 2>/dev/null
}
alert_ms() {
    awk -F'\t' -v s="$1" -v id="$2" '$1 == s && $4 == "rm" && $5 == id { t = $3 } END { print t }' \
        "$CLPBED_DIR/$1/root/alert/alert.log"
}

rsc_checker_start "$FIP"
bed start all >/dev/null
wait_for 30 group_is srv1 failover1 srv1
wait_for 10 served_by srv1
wait_for 10 miiw_is srv1 Normal
wait_for 10 miiw_is srv2 Normal

t0=$(date +%s%3N)
bed link srv1 lan2 down
wait_for 10 miiw_is srv1 Error
own_alerts srv1 9 | grep -qx "Detected an error in monitoring miiw1. (2 : the link of lan2 is down)" ||
    fail "rm 9 on srv1: $(own_alerts srv1 9)"
detect=$(($(alert_ms srv1 9) - t0))
# interval 1 s x (retry 1 + 1) = 2 s, plus one interval of phase.
((detect <= 4000)) || fail "the error was detected $detect ms after the link went down"
wait_for 20 group_is srv1 failover1 srv2
wait_for 10 served_by srv2
t1=$(date +%s%3N)
own_alerts srv1 14 | grep -qx "Recovery target failover1 failed over because an error was detected in monitoring miiw1." ||
    fail "rm 14 on srv1: $(own_alerts srv1 14)"
[ -z "$(own_alerts srv1 13)" ] || fail "a reactivation although threshold/restart is 0"
miiw_is srv2 Normal || fail "miiw1 is not Normal on srv2"
for p in $(pgrep -f "TCP-LISTEN:80,bind=$FIP"); do
    not proc_on srv1 "$p" || fail "an HTTP responder (pid $p) is left on srv1"
done
log "lan2 of srv1 down: miiw1 Error after $detect ms (rm 9), failed over (rm 14), served by srv2 $((t1 - t0)) ms after the cable was pulled"

# The error restricts srv1: no move back while it lasts.
if on srv2 clpgrp -m failover1 -a srv1 >"$TEST_TMP/move.out" 2>&1; then
    fail "the move to srv1 was accepted while its miiw1 is in error"
fi
log "move to srv1 refused while miiw1 is in error: $(tr '\n' ' ' <"$TEST_TMP/move.out")"
group_is srv2 failover1 srv2 || fail "failover1 left srv2 after the refused move"

bed link srv1 lan2 up
wait_for 10 miiw_is srv1 Normal
own_alerts srv1 26 | grep -qx "miiw1 status changed from error to normal." || fail "no rm 26 on srv1"
on srv2 clpgrp -m failover1 -a srv1 >/dev/null
wait_for 20 group_is srv1 failover1 srv1
wait_for 10 served_by srv1
log "lan2 of srv1 up: rm 26, miiw1 Normal, the group moved back and is served by srv1"
rsc_checker_stop
