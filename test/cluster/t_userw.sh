#!/usr/bin/env bash
# Issue 3 acceptance: a stalled core (SIGSTOP) with userw on resets its own
# server before the peer declares it down; both times are printed.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/lib_cluster.sh"

bed_up -n 2 --conf "$CLP_SOURCE_DIR/test/data/bed/userw.conf"
bed start all >/dev/null
wait_for 15 server_is srv2 srv1 Online
wait_for 5 test -S "$CLPBED_DIR/srv1/root/run/watchdog.sock"
t0=$(date +%s%3N)
bed kill srv1 clusterpro --signal STOP
wait_for 10 alert_seen srv2 nm 2 srv1
wait_for 10 grep -q "resetting" "$CLPBED_DIR/srv1/root/log/clpwatchdog.log"
reset_line=$(grep "resetting" "$CLPBED_DIR/srv1/root/log/clpwatchdog.log" | tail -1)
# "YYYY/MM/DD HH:MM:SS.mmm ..." -> ms since the epoch
reset_ms=$(date -d "$(echo "$reset_line" | awk '{print $1" "$2}' | tr / -)" +%s%3N)
down_ms=$(alert_time srv2 nm 2 srv1)
log "SIGSTOP at $t0; srv1 reset itself at $reset_ms (+$((reset_ms - t0)) ms); srv2 declared srv1 down at $down_ms (+$((down_ms - t0)) ms)"
[ "$reset_ms" -lt "$down_ms" ] || fail "srv1 reset itself after srv2 declared it down"
# The reset restarts srv1 (platform reset = crash --restart): it comes back.
wait_for 30 server_is srv2 srv1 Online
log "srv1 back after its reset"
