#!/usr/bin/env bash
# Issue 5, the recovery sequence around its steps (test/data/bed/mon-recovery.conf,
# scripts in scripts-monrec). Two servers, failover1 {exec1} on srv1:
# - timing Active with a wait before the first check: genwact checks only
#   where exec1 is online (Offline and never run on srv2), its first check at
#   least firstmonwait (3 s) after it started (rm 1), none while the group is
#   stopped (rm 2);
# - an error where the recovery target is not active: genwnot on srv2 → rm 9,
#   rm 25, nothing restarted; while it lasts a start of failover1 on srv2 is
#   refused (rc 66, the monitor error named); normal again → rm 26;
# - the monitor's scripts: genwrec fails on srv1 → the recovery script alone
#   (CLP_ACTION=RECOVERY, rm 170), then the script before the reactivation
#   (RESTART, rm 82) and rm 13, then the script before the failover
#   (FAILOVER, rm 82) and rm 14: failover1 runs on srv2. Each script run
#   logs its environment (CLP_ACTION, CLP_MONITORNAME, the step's count, OS,
#   path, version); counts and order are checked against the alerts;
# - monitor delay warning rate 100: genwslow's checks take 85 % of its timeout
#   and never warn (no rm 71, Normal);
# - cluster/survive/monitor 1: srv2 stopped, genwboot (final action reboot)
#   fails on srv1 → rm 200, the final action is suppressed: srv1 runs on.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/lib_cluster.sh"

bed_up -n 2 --conf "$CLP_SOURCE_DIR/test/data/bed/mon-recovery.conf" \
    --scripts "$CLP_SOURCE_DIR/test/data/bed/scripts-monrec"
W1=$CLPBED_DIR/srv1/root/work
W2=$CLPBED_DIR/srv2/root/work

mon_state() {
    on "$1" clpstat -o json | json_py "
m = next(m for m in d['monitors'] if m['name'] == '$2')
print(next(s['status'] for s in m['servers'] if s['name'] == '$1'))"
}
mon_is() {
    local st
    st=$(mon_state "$1" "$2")
    [ "$st" = "$3" ] || { echo "$2 on $1 is $st"; return 1; }
}
# own SERVER MODULE ID [TEXT]: texts of the records SERVER itself wrote.
own() {
    awk -F'\t' -v s="$1" -v m="$2" -v id="$3" -v t="${4:-}" \
        '$1 == s && $4 == m && $5 == id && (t == "" || index($10, t)) { print $10 }' \
        "$CLPBED_DIR/$1/root/alert/alert.log" 2>/dev/null
}
own_n() {
    own "$@" | wc -l
}
# own_ms SERVER MODULE ID TEXT [N]: wall ms of the N-th (default 1st) such record.
own_ms() {
    awk -F'\t' -v s="$1" -v m="$2" -v id="$3" -v t="$4" -v n="${5:-1}" \
        '$1 == s && $4 == m && $5 == id && index($10, t) && ++k == n { print $3; exit }' \
        "$CLPBED_DIR/$1/root/alert/alert.log"
}
own_has() {
    [ "$(own_n "$@")" -gt 0 ]
}
# own_atleast N SERVER MODULE ID [TEXT]: at least N such records.
own_atleast() {
    local n=$1
    shift
    [ "$(own_n "$@")" -ge "$n" ]
}
lines_more() {
    [ "$(wc -l <"$1")" -gt "$2" ]
}
starts() {
    grep -c "^START" "$1/exec1.events" 2>/dev/null || true
}
check_count() {
    on "$1" clpmonctrl -v -m "$2" | awk -F': ' '/Check Count/ { print $2 }'
}
checks_atleast() {
    [ "$(check_count "$1" "$2")" -ge "$3" ]
}

bed start all >/dev/null
wait_for 30 group_is srv1 failover1 srv1
for m in genwrec genwnot genwslow genwboot; do wait_for 10 mon_is srv1 "$m" Normal; done
for m in genwnot genwboot; do wait_for 10 mon_is srv2 "$m" Normal; done
for m in genwrec genwact; do mon_is srv2 "$m" Offline || fail "$m is not Offline on srv2"; done

# --- timing Active, wait before the first check ------------------------------------
wait_for 10 test -s "$W1/genwact.runs"
t_start=$(own_ms srv1 rm 1 "Monitoring genwact has started.")
first=$(head -1 "$W1/genwact.runs")
wait1=$((first - t_start))
((wait1 >= 2900)) || fail "genwact checked $wait1 ms after it started (firstmonwait 3 s)"
mon_is srv1 genwact Normal
[ ! -e "$W2/genwact.runs" ] || fail "genwact ran on srv2, where exec1 is not online"
log "genwact: first check ${wait1} ms after rm 1 (firstmonwait 3 s); Offline and never run on srv2"

# --- the recovery target not active (rm 25); the start restricted (rc 66) -------------
touch "$W2/genwnot-fail"
wait_for 10 own_has srv2 rm 25 "Recovery will not be executed since the recovery target exec1 is not active."
own_has srv2 rm 9 "Detected an error in monitoring genwnot. (" || fail "no rm 9 of genwnot on srv2"
mon_is srv2 genwnot Error
[ "$(starts "$W1")" = 1 ] || fail "exec1 was restarted: $(starts "$W1") starts"
[ ! -e "$W2/exec1.events" ] || fail "exec1 started on srv2"
log "genwnot in error on srv2 where exec1 is not active: rm 9, rm 25, nothing restarted"

on srv1 clpgrp -t failover1 >/dev/null
wait_for 20 own_has srv1 rm 2 "Monitoring genwact has stopped."
t_stop=$(own_ms srv1 rm 2 "Monitoring genwact has stopped.")
if out=$(on srv1 clpgrp -s failover1 -h srv2 2>&1); then
    fail "failover1 started on srv2 while genwnot is in error there: $out"
fi
reason="a monitor error on server srv2 forbids starting group failover1"
rc66="Server srv2 is not in a condition to start group failover1 (reason: $reason)."
wait_for 10 alert_seen srv1 rc 66 "$rc66"
echo "$out" | grep -q "$reason" || fail "clpgrp -s -h srv2 did not say why: $out"
log "start on srv2 refused: rc 66 ($reason)"
on srv1 clpgrp -s failover1 -h srv1 >/dev/null
wait_for 20 group_is srv1 failover1 srv1
rm -f "$W2/genwnot-fail"
wait_for 10 own_has srv2 rm 26 "genwnot status changed from error to normal."
wait_for 10 mon_is srv2 genwnot Normal

# genwact: nothing while the group was stopped, the wait again after its start.
wait_for 10 own_atleast 2 srv1 rm 1 "Monitoring genwact has started."
t_restart=$(own_ms srv1 rm 1 "Monitoring genwact has started." 2)
gap=$(awk -v a="$t_stop" -v b="$t_restart" '$1 > a && $1 < b { n++ } END { print n + 0 }' "$W1/genwact.runs")
[ "$gap" = 0 ] || fail "genwact ran $gap times while exec1 was stopped"
n_before=$(wc -l <"$W1/genwact.runs")
wait_for 10 lines_more "$W1/genwact.runs" "$n_before"
next=$(awk -v b="$t_restart" '$1 > b { print; exit }' "$W1/genwact.runs")
wait2=$((next - t_restart))
((wait2 >= 2900)) || fail "genwact checked $wait2 ms after it started again"
log "genwact: no check while exec1 was stopped; first check ${wait2} ms after it started again"

# --- the monitor's scripts around recovery ---------------------------------------
starts_before=$(starts "$W1")
t0=$(date +%s%3N)
touch "$W1/genwrec-fail"
wait_for 40 group_is srv1 failover1 srv2
t_fo=$(($(date +%s%3N) - t0))
rm -f "$W1/genwrec-fail"
log "genwrec failing on srv1: failover1 on srv2 after $t_fo ms"
cat "$W1/preaction.log" >&2
[ "$(wc -l <"$W1/preaction.log")" = 3 ] || fail "the script ran $(wc -l <"$W1/preaction.log") times on srv1, not 3"
[ ! -e "$W2/preaction.log" ] || fail "the script ran on srv2: $(cat "$W2/preaction.log")"
ver=$(on srv1 clpstat --version 2>/dev/null | grep -o '[0-9][0-9.]*' | head -1 || true)
line() {
    sed -n "${1}p" "$W1/preaction.log" | cut -d' ' -f2-
}
root1=$CLPBED_DIR/srv1/root
expect_env() {
    local got
    got=$(line "$1")
    case $got in
    "server=srv1 action=$2 monitor=genwrec recovery=$3 restart=$4 failover=$5 os=Linux path=$root1 version="*" major="*) ;;
    *) fail "script run $1: $got (expected action=$2 recovery=$3 restart=$4 failover=$5)" ;;
    esac
}
expect_env 1 RECOVERY 1 unset unset
expect_env 2 RESTART unset 1 unset
expect_env 3 FAILOVER unset unset 1
[ -z "$ver" ] || line 1 | grep -q "version=$ver" || fail "CLP_VERSION_FULL is not $ver: $(line 1)"
ts() {
    sed -n "${1}p" "$W1/preaction.log" | cut -d' ' -f1
}
[ "$(own_n srv1 rm 170 "genwrec")" = 1 ] || fail "rm 170: $(own srv1 rm 170)"
[ "$(own_n srv1 rm 82 "Script before reactivation upon failure in monitor resource genwrec completed.")" = 1 ] ||
    fail "rm 82 (reactivation): $(own srv1 rm 82)"
[ "$(own_n srv1 rm 82 "Script before failover upon failure in monitor resource genwrec completed.")" = 1 ] ||
    fail "rm 82 (failover): $(own srv1 rm 82)"
[ "$(own_n srv1 rm 13 "genwrec")" = 1 ] || fail "rm 13: $(own srv1 rm 13)"
[ "$(own_n srv1 rm 14 "genwrec")" = 1 ] || fail "rm 14: $(own srv1 rm 14)"
[ "$(own_n srv1 rm 9 "monitoring genwrec")" = 3 ] || fail "rm 9 of genwrec: $(own srv1 rm 9 genwrec)"
t_170=$(own_ms srv1 rm 170 genwrec)
t_13=$(own_ms srv1 rm 13 genwrec)
t_14=$(own_ms srv1 rm 14 genwrec)
(($(ts 1) <= t_170 && t_170 <= $(ts 2) && $(ts 2) <= t_13 && t_13 <= $(ts 3) && $(ts 3) <= t_14)) ||
    fail "out of order: script $(ts 1), rm 170 $t_170, script $(ts 2), rm 13 $t_13, script $(ts 3), rm 14 $t_14"
[ "$(starts "$W1")" = $((starts_before + 1)) ] || fail "exec1 started $(starts "$W1") times on srv1"
grep -q "^START FAILOVER" "$W2/exec1.events" || fail "exec1 did not start on srv2 for the failover"
counters=$(on srv1 clpmonctrl -v -m genwrec)
echo "$counters" | grep -q "Reactivation Count : 1 / 1" &&
    echo "$counters" | grep -q "Failover Count     : 1 / 1" &&
    echo "$counters" | grep -q "Script Count       : 1" || fail "counters on srv1: $counters"
wait_for 10 mon_is srv2 genwrec Normal
log "FIGURE: script RECOVERY +$(($(ts 1) - t0)) ms, rm 170 +$((t_170 - t0)), script RESTART +$(($(ts 2) - t0)), rm 13 +$((t_13 - t0)), script FAILOVER +$(($(ts 3) - t0)), rm 14 +$((t_14 - t0)) (after the failure began)"

# --- delay warning rate 100: never ----------------------------------------------
wait_for 20 checks_atleast srv1 genwslow 3
[ "$(own_n srv1 rm 71)" = 0 ] || fail "rm 71 at rate 100: $(own srv1 rm 71)"
mon_is srv1 genwslow Normal
log "genwslow: $(check_count srv1 genwslow) checks of 5.1 s in a 6 s timeout, delay warning rate 100: no rm 71, Normal"

# --- final action suppressed: no other server online (rm 200) -------------------------
core1=$(cat "$CLPBED_DIR/srv1/root/run/clusterpro.pid")
bed stop srv2 >/dev/null
wait_for 20 server_is srv1 srv2 Offline
touch "$W1/genwboot-fail"
text="Since there is no other normally running server. the final action(stop the cluster service and reboot OS) for the error detection of monitor resource genwboot was suppressed."
wait_for 10 own_has srv1 rm 200 "$text"
n=$(check_count srv1 genwboot)
wait_for 10 checks_atleast srv1 genwboot $((n + 2))
[ "$(cat "$CLPBED_DIR/srv1/root/run/clusterpro.pid")" = "$core1" ] || fail "srv1's cluster service was restarted"
[ "$(own_n srv1 rm 17)" = 0 ] || fail "the reboot was required: $(own srv1 rm 17)"
server_is srv1 srv1 Online || fail "srv1 is not Online"
mon_is srv1 genwboot Error
rm -f "$W1/genwboot-fail"
log "srv2 stopped, genwboot in error on srv1: rm 200, no reboot; srv1 runs on"
