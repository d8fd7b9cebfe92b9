#!/usr/bin/env bash
# Issue 4: stopping or shutting down servers hands groups over, or not, with
# the CLP_* values of the reference (§6.2) in the exec scripts (the start
# script records its environment in work/exec1.env and "EVENT server" in
# work/exec1.events; the stop script "STOP FACTOR server"):
# - clpcl -t on srv1 (active): stop script CLP_FACTOR=SERVERSHUTDOWN on srv1,
#   start script on srv2 CLP_EVENT=FAILOVER CLP_SERVER=OTHER CLP_PRIORITY=2,
#   the client served by srv2;
# - clpcl -s on srv1: it rejoins, the group stays on srv2 (manual failback);
# - clpdown on srv2 (active): SERVERSHUTDOWN on srv2, FAILOVER on srv1, srv2
#   powered off by the bed;
# - clpstdn (from srv1, with srv2 back): returns; CLUSTERSHUTDOWN on srv1, no
#   start anywhere, both servers powered off.
# A checker samples both servers throughout: never the address on two.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/lib_rsc.sh"

FIP=10.32.0.100
bed_up -n 2 --conf "$CLP_SOURCE_DIR/test/data/bed/fip-exec.conf" \
    --scripts "$CLP_SOURCE_DIR/test/data/bed/scripts"

served_by() {
    [ "$(on client curl -s -m 1 "http://$FIP/" | head -1)" = "$1" ]
}
events() {
    cat "$CLPBED_DIR/$1/root/work/exec1.events" 2>/dev/null | tr '\n' ';'
}
envis() {
    grep -qx "$2" "$CLPBED_DIR/$1/root/work/exec1.env" || fail "$1: no $2 in exec1.env: $(tr '\n' ' ' <"$CLPBED_DIR/$1/root/work/exec1.env")"
}
# server_is VIEWER SERVER WORD: SERVER's status word on VIEWER.
server_is() {
    [ "$(on "$1" clpstat -o json | json_py "print(next(s['status'] for s in d['servers'] if s['name'] == '$2'))")" = "$3" ]
}
core_gone() {
    ! [ -s "$CLPBED_DIR/$1/root/run/clusterpro.pid" ] || ! proc_alive "$(cat "$CLPBED_DIR/$1/root/run/clusterpro.pid")"
}

rsc_checker_start "$FIP"
bed start all >/dev/null
wait_for 30 group_is srv1 failover1 srv1
wait_for 10 served_by srv1
envis srv1 CLP_EVENT=START
envis srv1 CLP_SERVER=HOME
envis srv1 CLP_PRIORITY=1
envis srv1 CLP_GROUPNAME=failover1
envis srv1 CLP_RESOURCENAME=exec1
envis srv1 CLP_DISK=SUCCESS

# clpcl -t: this server's cluster service stops, its group fails over.
t0=$(now_us)
[ "$(on srv1 clpcl -t)" = "Command succeeded." ] || fail "clpcl -t on srv1"
wait_for 20 group_is srv2 failover1 srv2
wait_for 10 served_by srv2
[ "$(events srv1)" = "START srv1;STOP SERVERSHUTDOWN srv1;" ] || fail "srv1 events: $(events srv1)"
[ "$(events srv2)" = "FAILOVER srv2;" ] || fail "srv2 events: $(events srv2)"
envis srv2 CLP_EVENT=FAILOVER
envis srv2 CLP_SERVER=OTHER
envis srv2 CLP_PRIORITY=2
wait_for 10 core_gone srv1
log "clpcl -t on srv1: SERVERSHUTDOWN there, FAILOVER on srv2 (CLP_SERVER=OTHER, CLP_PRIORITY=2), served by srv2 after $((($(now_us) - t0) / 1000)) ms"

# clpcl -s: srv1 rejoins; manual failback: the group stays.
t0=$(now_us)
[ "$(on srv1 clpcl -s)" = "Command succeeded." ] || fail "clpcl -s on srv1"
wait_for 30 server_is srv2 srv1 Online
log "clpcl -s on srv1: Online after $((($(now_us) - t0) / 1000)) ms"
end=$(($(now_us) + 2000000))
while (($(now_us) < end)); do
    group_is srv1 failover1 srv2 || fail "failover1 moved when srv1 rejoined"
    sleep 0.2
done
[ "$(events srv1)" = "START srv1;STOP SERVERSHUTDOWN srv1;" ] || fail "srv1 events: $(events srv1)"

# clpdown on the active server: hand over, then the bed powers it off.
t0=$(now_us)
on srv2 clpdown >/dev/null 2>&1 || true
wait_for 20 group_is srv1 failover1 srv1
wait_for 10 served_by srv1
[ "$(events srv2)" = "FAILOVER srv2;STOP SERVERSHUTDOWN srv2;" ] || fail "srv2 events: $(events srv2)"
[ "$(events srv1)" = "START srv1;STOP SERVERSHUTDOWN srv1;FAILOVER srv1;" ] || fail "srv1 events: $(events srv1)"
envis srv1 CLP_EVENT=FAILOVER
envis srv1 CLP_SERVER=HOME
wait_for 20 core_gone srv2
wait_for 20 server_is srv1 srv2 Offline
log "clpdown on srv2: SERVERSHUTDOWN there, FAILOVER on srv1, served by srv1 after $((($(now_us) - t0) / 1000)) ms, srv2 powered off"

# clpstdn: every server, groups stopped, not failed over.
bed start srv2 >/dev/null
wait_for 30 server_is srv1 srv2 Online
t0=$(now_us)
timeout 60 "$CLPBED" --dir "$CLPBED_DIR" exec srv1 clpstdn >"$TEST_TMP/stdn.out" 2>&1 ||
    fail "clpstdn: $(cat "$TEST_TMP/stdn.out")"
grep -qx "Shutdown srv2 : Command succeeded." "$TEST_TMP/stdn.out" || fail "clpstdn said: $(cat "$TEST_TMP/stdn.out")"
log "clpstdn returned after $((($(now_us) - t0) / 1000)) ms: $(tr '\n' ' ' <"$TEST_TMP/stdn.out")"
wait_for 30 core_gone srv1
wait_for 30 core_gone srv2
[ "$(events srv1)" = "START srv1;STOP SERVERSHUTDOWN srv1;FAILOVER srv1;STOP CLUSTERSHUTDOWN srv1;" ] ||
    fail "srv1 events: $(events srv1)"
[ "$(events srv2)" = "FAILOVER srv2;STOP SERVERSHUTDOWN srv2;" ] || fail "srv2 events: $(events srv2)"
not addr_on srv1 "$FIP" || fail "$FIP is still on srv1"
not addr_on srv2 "$FIP" || fail "$FIP is on srv2"
log "clpstdn: CLUSTERSHUTDOWN on srv1, nothing started on srv2, both powered off"
rsc_checker_stop
