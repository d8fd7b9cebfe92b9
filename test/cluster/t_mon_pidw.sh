#!/usr/bin/env bash
# Issue 5 acceptance: pidw on an asynchronous exec resource, recovery target
# exec1 with threshold/restart 3, threshold/fo 1, final action 2 (stop group)
# (test/data/bed/mon-pidw.conf). Killing the application:
#   srv1: 3 reactivations (rm 13, a new pid each time), then a failover to
#         srv2 (rm 14, CLP_EVENT=FAILOVER there);
#   srv2: its own counters: 3 reactivations, then a failover back to srv1;
#   srv1: its counters are spent (3/3, 1/1): the final action, rm 12, the
#         group stops.
# The rm records of each server come in exactly that order and number, the
# counters (clpmonctrl -v) say the same, and a checker never sees the floating
# IP nor the application on two servers.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/lib_rsc.sh"

FIP=10.32.0.100
bed_up -n 2 --conf "$CLP_SOURCE_DIR/test/data/bed/mon-pidw.conf" \
    --scripts "$CLP_SOURCE_DIR/test/data/bed/scripts-pidw"

# app_pid SERVER: the application's pid as the exec resource recorded it.
app_pid() {
    cat "$CLPBED_DIR/$1/root/work/rsc/exec1/pid" 2>/dev/null
}
# app_runs SERVER OLDPIDS...: a recorded pid that is alive in SERVER and none of OLDPIDS.
app_runs() {
    local s=$1 p o
    shift
    p=$(app_pid "$s") || return 1
    [ -n "$p" ] && proc_alive "$p" && proc_on "$s" "$p" || return 1
    for o in "$@"; do [ "$p" != "$o" ] || return 1; done
}
# rm_seq SERVER: the rm 12/13/14 records that SERVER itself wrote, in order.
rm_seq() {
    awk -F'\t' -v s="$1" '$1 == s && $4 == "rm" && ($5 == 12 || $5 == 13 || $5 == 14) { printf "%s ", $5 }' \
        "$CLPBED_DIR/$1/root/alert/alert.log" 2>/dev/null
}
rm_seq_is() {
    [ "$(rm_seq "$1")" = "$2" ]
}
pidw_state() {
    on "$1" clpstat -o json | json_py "
m = next(m for m in d['monitors'] if m['name'] == 'pidw1')
print(next(s['status'] for s in m['servers'] if s['name'] == '$1'))"
}
pidw_is() {
    [ "$(pidw_state "$1")" = "$2" ]
}
group_offline() {
    on srv1 clpstat -o json |
        json_py "sys.exit(0 if next(g for g in d['groups'] if g['name'] == 'failover1')['status'] == 'Offline' else 1)"
}
# counters SERVER: "restart/fo/final" from clpmonctrl -v on SERVER.
counters() {
    on "$1" clpmonctrl -v -m pidw1 | awk -F: '
        /Reactivation Count/ { split($2, a, "/"); r = a[1] + 0 }
        /Failover Count/ { split($2, a, "/"); f = a[1] + 0 }
        /Final Action Count/ { x = $2 + 0 }
        END { printf "%d/%d/%d", r, f, x }'
}

rsc_checker_start "$FIP"
bed start all >/dev/null
wait_for 30 group_is srv1 failover1 srv1
wait_for 10 pidw_is srv1 Normal
wait_for 5 app_runs srv1

# round SERVER OTHER: three kills on SERVER, each reactivated there with a new
# pid, then a fourth that fails the group over to OTHER.
round() {
    local s=$1 o=$2 i p seen=() t0
    for i in 1 2 3; do
        p=$(app_pid "$s")
        seen+=("$p")
        t0=$(now_us)
        kill "$p"
        wait_for 15 rm_seq_is "$s" "$3$(printf '13 %.0s' $(seq "$i"))"
        wait_for 15 app_runs "$s" "${seen[@]}"
        group_is srv1 failover1 "$s" || fail "failover1 left $s at reactivation $i"
        log "$s: kill $i of pid $p -> reactivated as pid $(app_pid "$s") ($((($(now_us) - t0) / 1000)) ms)"
    done
    p=$(app_pid "$s")
    t0=$(now_us)
    kill "$p"
    wait_for 20 group_is srv1 failover1 "$o"
    wait_for 5 app_runs "$o"
    wait_for 5 rm_seq_is "$s" "${3}13 13 13 14 "
    log "$s: kill 4 of pid $p -> failed over to $o ($((($(now_us) - t0) / 1000)) ms), pid $(app_pid "$o")"
}

round srv1 srv2 ""
grep -q "^START FAILOVER srv2 $(app_pid srv2)$" "$CLPBED_DIR/srv2/root/work/exec1.events" ||
    fail "srv2 did not start exec1 with CLP_EVENT=FAILOVER"
[ "$(counters srv1)" = 3/1/0 ] || fail "srv1 counters $(counters srv1), expected 3/1/0"
wait_for 10 pidw_is srv2 Normal

round srv2 srv1 ""
[ "$(counters srv2)" = 3/1/0 ] || fail "srv2 counters $(counters srv2), expected 3/1/0"
wait_for 10 pidw_is srv1 Normal

# srv1 has spent its reactivations and its failover: the final action.
p=$(app_pid srv1)
kill "$p"
wait_for 15 rm_seq_is srv1 "13 13 13 14 12 "
wait_for 15 group_offline
not addr_on srv1 "$FIP" || fail "$FIP is still on srv1 after the final action"
not addr_on srv2 "$FIP" || fail "$FIP is on srv2 after the final action"
[ "$(counters srv1)" = 3/1/1 ] || fail "srv1 counters $(counters srv1), expected 3/1/1"
[ "$(rm_seq srv2)" = "13 13 13 14 " ] || fail "srv2's recovery records: $(rm_seq srv2)"
log "srv1: kill of pid $p -> final action: rm 12, failover1 stopped"
rsc_checker_stop

# The start scripts: 4 starts on srv1 then the failover start there, 4 on srv2;
# every start a different process.
starts() {
    awk '$1 == "START" { printf "%s ", $2 }' "$CLPBED_DIR/$1/root/work/exec1.events"
}
[ "$(starts srv1)" = "START START START START FAILOVER " ] || fail "srv1 starts: $(starts srv1)"
[ "$(starts srv2)" = "FAILOVER START START START " ] || fail "srv2 starts: $(starts srv2)"
n=$(cat "$CLPBED_DIR"/srv[12]/root/work/exec1.events | awk '$1 == "START" { print $4 }' | sort -u | wc -l)
[ "$n" = 9 ] || fail "$n distinct application pids over 9 starts"
log "rm records: srv1 [$(rm_seq srv1)] srv2 [$(rm_seq srv2)]; 9 starts, 9 pids; counters srv1 $(counters srv1), srv2 $(counters srv2)"
