#!/usr/bin/env bash
# Issue 4 acceptance, fip + exec group on 2 servers (the disk variant is
# t_rsc_disk.sh): the client reaches the service through the floating IP;
# clpgrp -m moves it; a crash fails it back; CLP_EVENT is START / FAILOVER
# where it should be; kill -9 of the active core, restarted by clpsvc, restarts
# nothing and fails nothing over; a background checker samples every server
# throughout and fails the test if the address is ever on two servers.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/lib_cluster.sh"

FIP=10.32.0.100
bed_up -n 2 --conf "$CLP_SOURCE_DIR/test/data/bed/fip-exec.conf" \
    --scripts "$CLP_SOURCE_DIR/test/data/bed/scripts"
bed start all >/dev/null
checker_start "$FIP"

served_by() {
    [ "$(on client curl -s -m 1 "http://$FIP/" | head -1)" = "$1" ]
}

wait_for 15 served_by srv1
grep -q "^CLP_EVENT=START$" "$CLPBED_DIR/srv1/root/work/exec1.env" || fail "CLP_EVENT is not START"
grep -q "^CLP_SERVER=HOME$" "$CLPBED_DIR/srv1/root/work/exec1.env" || fail "CLP_SERVER is not HOME"
grep -q "^CLP_GROUPNAME=failover1$" "$CLPBED_DIR/srv1/root/work/exec1.env" || fail "CLP_GROUPNAME"
grep -q "^CLP_RESOURCENAME=exec1$" "$CLPBED_DIR/srv1/root/work/exec1.env" || fail "CLP_RESOURCENAME"
log "served by srv1 through $FIP; start script saw CLP_EVENT=START CLP_SERVER=HOME"

# planned move
on srv1 clpgrp -m failover1 >/dev/null
wait_for 5 served_by srv2
grep -q "^CLP_EVENT=START$" "$CLPBED_DIR/srv2/root/work/exec1.env" || fail "a move starts with START"
grep -q "^CLP_SERVER=OTHER$" "$CLPBED_DIR/srv2/root/work/exec1.env" || fail "CLP_SERVER=OTHER on srv2"
grep -q "STOP GROUPMOVE srv1" "$CLPBED_DIR/srv1/root/work/exec1.events" ||
    fail "the stop script on srv1 did not see CLP_FACTOR=GROUPMOVE"
wait_for 5 alert_seen srv1 rc 51 failover1
log "clpgrp -m: served by srv2 (rc 50/51)"

# crash of the active server: back on srv1, as a failover
t0=$(date +%s%3N)
bed crash srv2 >/dev/null
wait_for 15 served_by srv1
t1=$(date +%s%3N)
grep -q "^CLP_EVENT=FAILOVER$" "$CLPBED_DIR/srv1/root/work/exec1.env" ||
    fail "the start script after a crash must see CLP_EVENT=FAILOVER"
wait_for 5 alert_seen srv1 rc 61 failover1
log "crash of srv2: served by srv1 again after $((t1 - t0)) ms (CLP_EVENT=FAILOVER, rc 60/61)"

# kill -9 of the active core: nothing restarted, nothing failed over
bed start srv2 >/dev/null
wait_for 15 server_is srv1 srv2 Online
socat_pid=$(on srv1 ss -lntp | sed -n 's/.*10.32.0.100:80 .*pid=\([0-9]*\).*/\1/p' | head -1)
[ -n "$socat_pid" ] || fail "no HTTP responder on srv1"
starts_before=$(grep -c . "$CLPBED_DIR/srv1/root/work/exec1.events")
downs_before=$(alert_count srv2 nm 2 srv1)
core_pid=$(svc_pid srv1 clusterpro)
bed kill srv1 clusterpro --signal KILL
wait_for 5 svc_restarted srv1 clusterpro "$core_pid"
wait_for 5 group_is srv1 failover1 srv1
# a few heartbeat timeouts later: still the same processes, no failover
t_end=$(($(now_us) + 3000000))
while (($(now_us) < t_end)); do
    served_by srv1 || fail "service interrupted after kill -9 of the core"
    sleep 0.2
done
now_pid=$(on srv1 ss -lntp | sed -n 's/.*10.32.0.100:80 .*pid=\([0-9]*\).*/\1/p' | head -1)
[ "$now_pid" = "$socat_pid" ] || fail "the application was restarted ($socat_pid -> $now_pid)"
[ "$(grep -c . "$CLPBED_DIR/srv1/root/work/exec1.events")" = "$starts_before" ] ||
    fail "the exec resource was started or stopped again"
[ "$(alert_count srv2 nm 2 srv1)" = "$downs_before" ] || fail "srv1 was declared down"
addr_on srv2 "$FIP" && fail "the address appeared on srv2"
log "kill -9 of the active core: restarted by clpsvc, application pid $socat_pid unchanged, no failover"
checker_stop
