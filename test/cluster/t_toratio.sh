#!/usr/bin/env bash
# Issue 3 acceptance, clptoratio (2 servers, heartbeat timeout 1 s):
# - clptoratio -r 5 -t 1m on srv1 applies the ratio on both servers (-s shows
#   it and until when; clpstat -o json says 5);
# - bad options exit 2 and change nothing;
# - with the ratio in force, a crashed srv2 is declared down after about
#   5 s (5 x the 1 s timeout), not 1 s (figure printed);
# - clptoratio -i: back to 1, and a crash is declared down after about 1 s.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/lib_cluster.sh"

ratio_is() { # VIEWER RATIO
    [ "$(status_json "$1" | json_py "print(d['toratio'])")" = "$2" ]
}
both_online() {
    server_is srv1 srv2 Online && server_is srv2 srv1 Online
}
# detect_ms: crash srv2, wait for srv1 to declare it down; prints the delay (ms).
detect_ms() {
    local t0 before
    before=$(alert_count srv1 nm 2 srv2)
    t0=$(date +%s%3N)
    bed crash srv2 >/dev/null
    wait_for 20 alert_more "$before" srv1 nm 2 srv2
    awk -F'\t' -v n="$before" '$4 == "nm" && $5 == 2 && index($10, "srv2") && ++k > n { print $3; exit }' \
        "$CLPBED_DIR/srv1/root/alert/alert.log" | { read -r t; echo $((t - t0)); }
}

bed_up -n 2 --conf "$CLP_SOURCE_DIR/test/data/bed/hb-fast.conf"
bed start all >/dev/null
wait_for 15 both_online

out=$(on srv1 clptoratio -r 5 -t 1m)
[ "$out" = "Command succeeded." ] || fail "clptoratio -r 5 -t 1m: $out"
wait_for 5 ratio_is srv1 5
wait_for 5 ratio_is srv2 5
show=$(on srv2 clptoratio -s)
echo "$show" | grep -q "^present toratio : 5$" || fail "clptoratio -s on srv2: $show"
echo "$show" | grep -q "valid until" || fail "clptoratio -s does not say until when: $show"
log "ratio 5 for 1 minute, seen on both servers: $(echo "$show" | tr '\n' ' ')"

for bad in "-r 0 -t 1m" "-r 10001 -t 1m" "-r 3" "-r 3 -t 31d" "-r 3 -t 5x" "-r x -t 1m" "-i -s" \
    "-s extra" "--bogus"; do
    rc=0
    # shellcheck disable=SC2086
    on srv1 clptoratio $bad >/dev/null 2>"$TEST_TMP/err" || rc=$?
    [ "$rc" = 2 ] || fail "clptoratio $bad exited $rc, not 2"
    grep -q . "$TEST_TMP/err" || fail "clptoratio $bad said nothing on stderr"
done
ratio_is srv1 5 && ratio_is srv2 5 || fail "a refused clptoratio changed the ratio"
log "bad options: exit 2 with a message, ratio unchanged"

dt=$(detect_ms)
log "ratio 5: srv2 crashed, declared down by srv1 after $dt ms (timeout 1000 ms x 5)"
((dt >= 4500)) || fail "srv2 declared down after $dt ms, before 5 x the timeout"
((dt <= 8000)) || fail "srv2 declared down only after $dt ms"

# A server that was down when the ratio was set (its record removed, as if
# it had never seen it) takes the ratio from its peer's heartbeats at start.
rm -f "$CLPBED_DIR/srv2/root/work/toratio"
bed start srv2 >/dev/null
wait_for 20 both_online
wait_for 5 ratio_is srv2 5
grep -q "timeout ratio 5 in force on srv1" "$CLPBED_DIR/srv2/root/log/clusterpro.log" ||
    fail "srv2 has ratio 5 but did not log taking it from srv1"
# A restarted core keeps it (work/toratio).
pid=$(svc_pid srv2 clusterpro)
bed kill srv2 clusterpro --signal KILL
wait_for 5 svc_restarted srv2 clusterpro "$pid"
wait_for 5 ratio_is srv2 5
log "srv2 started after the ratio was set: took ratio 5 from srv1's heartbeats; kept it across a core restart"
out=$(on srv1 clptoratio -i)
[ "$out" = "Command succeeded." ] || fail "clptoratio -i: $out"
wait_for 5 ratio_is srv1 1
wait_for 5 ratio_is srv2 1
dt=$(detect_ms)
log "ratio reset (-i): srv2 crashed, declared down by srv1 after $dt ms (timeout 1000 ms)"
((dt <= 2500)) || fail "with the ratio reset, srv2 declared down after $dt ms"
