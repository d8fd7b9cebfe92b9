#!/usr/bin/env bash
# Issue 5 acceptance: clpmonctrl -s / -r (test/data/bed/mon-ctrl.conf: pidw1
# on the asynchronous exec1, genwok beside it).
# - clpmonctrl -s (every monitor of srv1): rm 31, both Suspend; the
#   application is killed: for 4 intervals nothing happens (no rm 9, no rm 13,
#   no restart), the check counters (clpmonctrl -v "Check Count") and the
#   genw script's own run log do not move; srv2's monitors go on.
# - clpmonctrl -r: rm 32; the dead application is detected (rm 9) and
#   reactivated (rm 13, a new pid).
# - clpmonctrl -s -m pidw1 -h srv1, sent from srv2: rm 29, only pidw1 is
#   suspended (genwok's counter moves); the kill is not acted on until
#   clpmonctrl -r -m pidw1 -h srv1 (rm 30) resumes it.
# - an unknown monitor is refused and changes nothing.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/lib_rsc.sh"

bed_up -n 2 --conf "$CLP_SOURCE_DIR/test/data/bed/mon-ctrl.conf" \
    --scripts "$CLP_SOURCE_DIR/test/data/bed/scripts-monctrl"

mon_is() {
    local st
    st=$(on "$1" clpstat -o json | json_py "
m = next(m for m in d['monitors'] if m['name'] == '$2')
print(next(s['status'] for s in m['servers'] if s['name'] == '$1'))")
    [ "$st" = "$3" ] || { echo "$2 on $1 is $st"; return 1; }
}
# checks SERVER MONITOR: the monitor's completed checks on SERVER.
checks() {
    on "$1" clpmonctrl -v -m "$2" | awk -F: '/Check Count/ { print $2 + 0 }'
}
checks_above() {
    (($(checks "$1" "$2") > $3))
}
own_count() {
    awk -F'\t' -v s="$1" -v id="$2" -v t="${3:-}" '$1 == s && $4 == "rm" && $5 == id && index($10, t) { n++ } END { print n + 0 }' \
        "$CLPBED_DIR/$1/root/alert/alert.log" 2>/dev/null
}
own_is() {
    [ "$(own_count "$1" "$2" "${4:-}")" = "$3" ]
}
app_pid() {
    cat "$CLPBED_DIR/$1/root/work/rsc/exec1/pid" 2>/dev/null
}
app_runs_not() {
    local p
    p=$(app_pid srv1) || return 1
    [ -n "$p" ] && [ "$p" != "$1" ] && proc_alive "$p" && proc_on srv1 "$p"
}
runs() {
    wc -l <"$CLPBED_DIR/$1/root/work/genwok.runs"
}
starts() {
    grep -c '^START' "$CLPBED_DIR/srv1/root/work/exec1.events"
}
# quiet SECS: for SECS seconds, sampled every 200 ms, srv1 reports no error and
# restarts nothing.
quiet() {
    local end=$(($(now_us) + $1 * 1000000)) e9 e13 st
    e9=$(own_count srv1 9) e13=$(own_count srv1 13) st=$(starts)
    while (($(now_us) < end)); do
        [ "$(own_count srv1 9)" = "$e9" ] || fail "rm 9 while suspended: $(grep -P '\trm\t9\t' "$CLPBED_DIR/srv1/root/alert/alert.log" | tail -1)"
        [ "$(own_count srv1 13)" = "$e13" ] || fail "a reactivation (rm 13) while suspended"
        [ "$(starts)" = "$st" ] || fail "exec1 was started again while suspended"
        sleep 0.2
    done
}

bed start all >/dev/null
wait_for 30 group_is srv1 failover1 srv1
for s in srv1 srv2; do wait_for 10 mon_is "$s" genwok Normal; done
wait_for 10 mon_is srv1 pidw1 Normal
wait_for 10 checks_above srv1 pidw1 1
wait_for 10 checks_above srv1 genwok 1

# --- every monitor of srv1 ---
[ "$(on srv1 clpmonctrl -s)" = "Command succeeded." ] || fail "clpmonctrl -s"
wait_for 5 own_is srv1 31 1
mon_is srv1 pidw1 Suspend || fail "pidw1 is not Suspend"
mon_is srv1 genwok Suspend || fail "genwok is not Suspend"
on srv1 clpmonctrl -v -m pidw1 | grep -q "Suspended *: yes" || fail "clpmonctrl -v does not say suspended"
cp=$(checks srv1 pidw1) cg=$(checks srv1 genwok) rg=$(runs srv1) r2=$(runs srv2)
p=$(app_pid srv1)
kill "$p"
wait_for 5 not proc_alive "$p"
quiet 4
[ "$(checks srv1 pidw1)" = "$cp" ] || fail "pidw1 checked while suspended ($cp -> $(checks srv1 pidw1))"
[ "$(checks srv1 genwok)" = "$cg" ] || fail "genwok checked while suspended ($cg -> $(checks srv1 genwok))"
[ "$(runs srv1)" = "$rg" ] || fail "genwok's script ran while suspended ($rg -> $(runs srv1))"
(($(runs srv2) >= r2 + 3)) || fail "srv2's genwok ran only $(($(runs srv2) - r2)) times meanwhile"
group_is srv1 failover1 srv1 || fail "failover1 changed while suspended"
log "all suspended (rm 31): application pid $p killed, 4 s: check counts pidw1 $cp genwok $cg unchanged, no rm 9/13, srv2's genwok ran $(($(runs srv2) - r2)) times"

t0=$(now_us)
[ "$(on srv1 clpmonctrl -r)" = "Command succeeded." ] || fail "clpmonctrl -r"
wait_for 5 own_is srv1 32 1
wait_for 10 own_is srv1 9 1 "pidw1"
wait_for 10 own_is srv1 13 1
wait_for 15 app_runs_not "$p"
checks_above srv1 pidw1 "$cp" || fail "pidw1 did not check after resume"
wait_for 5 checks_above srv1 genwok "$cg"
log "resumed (rm 32): detected and reactivated in $((($(now_us) - t0) / 1000)) ms, new pid $(app_pid srv1)"
wait_for 10 mon_is srv1 pidw1 Normal

# --- one monitor, from the other server ---
[ "$(on srv2 clpmonctrl -s -m pidw1 -h srv1)" = "Command succeeded." ] || fail "clpmonctrl -s -m pidw1 -h srv1"
wait_for 5 own_is srv1 29 1 "Monitoring pidw1 was suspended."
mon_is srv1 pidw1 Suspend || fail "pidw1 is not Suspend"
mon_is srv1 genwok Normal || fail "genwok was suspended with -m pidw1"
mon_is srv2 pidw1 Offline || fail "pidw1 on srv2 changed"
cp=$(checks srv1 pidw1) cg=$(checks srv1 genwok)
p=$(app_pid srv1)
kill "$p"
wait_for 5 not proc_alive "$p"
quiet 4
[ "$(checks srv1 pidw1)" = "$cp" ] || fail "pidw1 checked while suspended"
(($(checks srv1 genwok) >= cg + 3)) || fail "genwok checked only $(($(checks srv1 genwok) - cg)) times in 4 s"
log "pidw1 suspended from srv2 (rm 29): 4 s without a check or a recovery; genwok checked $(($(checks srv1 genwok) - cg)) times"

[ "$(on srv2 clpmonctrl -r -m pidw1 -h srv1)" = "Command succeeded." ] || fail "clpmonctrl -r -m pidw1 -h srv1"
wait_for 5 own_is srv1 30 1 "Monitoring pidw1 was resumed."
wait_for 10 own_is srv1 13 2
wait_for 15 app_runs_not "$p"
log "pidw1 resumed (rm 30): reactivated, new pid $(app_pid srv1)"

# --- bad input ---
if on srv1 clpmonctrl -s -m nosuch >"$TEST_TMP/bad.out" 2>&1; then
    fail "clpmonctrl -s -m nosuch succeeded"
fi
grep -q "nosuch" "$TEST_TMP/bad.out" || fail "the error does not name the monitor: $(cat "$TEST_TMP/bad.out")"
wait_for 10 mon_is srv1 pidw1 Normal
mon_is srv1 genwok Normal || fail "genwok changed after a refused request"
[ "$(own_count srv1 29)$(own_count srv1 31)" = 11 ] || fail "a refused request suspended something"
log "unknown monitor refused: $(cat "$TEST_TMP/bad.out")"
