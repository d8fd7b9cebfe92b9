#!/usr/bin/env bash
# Issue 3 acceptance, forced stop through the BMC (cluster/forcestop/use), 2
# servers with simulated BMCs (ipmi_sim on the gateway host, lib_bmc.sh), no
# network-partition resource, one fip + exec group:
# - srv1 holds the group; both of its cables are pulled while its processes
#   keep running. srv2 declares it down, powers it off through its BMC (rc 400)
#   and only then takes the group over: the BMC's power-off is complete, and
#   srv1's core dead, before the floating IP is up on srv2 (times printed);
# - roles reversed with srv2's BMC unreachable (its simulator stopped): srv1's
#   forced stop fails (rc 420 and rc 433) and srv1 takes nothing over; once
#   the BMC answers again, the retried forced stop succeeds and srv1 takes over.
# A checker samples both servers throughout: the floating IP is never on two.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/lib_cluster.sh"
. "$(dirname "$0")/lib_bmc.sh"

FIP=10.32.0.100
bed_up -n 2 --conf "$CLP_SOURCE_DIR/test/data/bed/forcestop.conf" \
    --scripts "$CLP_SOURCE_DIR/test/data/bed/scripts"
bmc_start srv1 10.32.0.241 admin pw-srv1
bmc_start srv2 10.32.0.242 admin pw-srv2
log "simulated BMCs answer: srv1 at 10.32.0.241, srv2 at 10.32.0.242"
bed start all >/dev/null
wait_for 20 group_is srv2 failover1 srv1
wait_for 5 addr_on srv1 "$FIP"
checker_start "$FIP"

# --- srv1 cut off, its processes running: powered off before the takeover ---------
core1=$(svc_pid srv1 clusterpro)
[ "$core1" != 0 ] || fail "no core pid on srv1"
# Sampler: the first moment the floating IP is seen on srv2, and whether
# srv1's core was still alive then.
(
    trap - ERR
    set +e
    while [ -d "$TEST_TMP" ]; do
        if addr_on srv2 "$FIP" 2>/dev/null; then
            alive=0
            proc_alive "$core1" && alive=1
            echo "$(date +%s%3N) $alive" >"$TEST_TMP/fip-on-srv2"
            exit 0
        fi
        sleep 0.05
    done
) &
disown $!
t0=$(date +%s%3N)
bed link srv1 lan1 down
bed link srv1 lan2 down
wait_for 15 alert_seen srv2 rc 400 "destination server : srv1"
wait_for 20 group_is srv2 failover1 srv2
wait_for 5 test -s "$TEST_TMP/fip-on-srv2"
read -r t_fip alive <"$TEST_TMP/fip-on-srv2"
t_req=$(alert_time srv2 rc 400 "destination server : srv1")
t_bmc=$(bmc_time srv1 "power off requested")
t_off=$(bmc_time srv1 "power off done")
[ -n "$t_bmc" ] && [ -n "$t_off" ] || fail "srv1's BMC was not asked to power off"
log "cables pulled at +0 ms; srv2: forced stop requested (rc 400) at +$((t_req - t0)) ms," \
    "BMC got power off at +$((t_bmc - t0)) ms, power off done at +$((t_off - t0)) ms," \
    "floating IP up on srv2 at +$((t_fip - t0)) ms"
[ "$alive" = 0 ] || fail "srv1's core (pid $core1) was still alive when srv2 brought the address up"
proc_alive "$core1" && fail "srv1's core survived the power-off"
((t_req <= t_bmc && t_bmc <= t_off && t_off <= t_fip)) ||
    fail "wrong order: request $t_req, BMC $t_bmc, off $t_off, address up $t_fip"
[ "$(alert_count srv2 rc 433)" = 0 ] || fail "srv2 reported a cancelled failover"
log "srv2 powered srv1 off through its BMC before taking the group over"

# --- roles reversed, srv2's BMC unreachable: no takeover ---------------------------
bed link srv1 lan1 up
bed link srv1 lan2 up
echo 1 >"$TEST_TMP/bmc-srv1/power"
bed start srv1 >/dev/null
wait_for 20 server_is srv1 srv2 Online
wait_for 10 server_is srv2 srv1 Online
bmc_stop srv2
log "srv2's BMC stopped; pulling srv2's cables"
t0=$(date +%s%3N)
bed link srv2 lan1 down
bed link srv2 lan2 down
wait_for 15 alert_seen srv1 rc 400 "destination server : srv2"
wait_for 30 alert_seen srv1 rc 420 "destination server : srv2"
wait_for 5 alert_seen srv1 rc 433 "srv2"
t_fail=$(alert_time srv1 rc 433 "srv2")
log "srv1: forced stop of srv2 failed (rc 420, rc 433) at +$((t_fail - t0)) ms"
# Nothing is taken over: watch for three heartbeat timeouts more.
t_end=$(($(now_us) + 3000000))
while (($(now_us) < t_end)); do
    addr_on srv1 "$FIP" && fail "srv1 took the group over although srv2 was not powered off"
    sleep 0.1
done
addr_on srv2 "$FIP" || fail "srv2 (cut off, running) lost its floating IP"
log "no takeover without a successful forced stop; srv2 keeps the group"

# --- the BMC answers again: the forced stop is retried, then the takeover --------
bmc_start srv2 10.32.0.242 admin pw-srv2
t0=$(date +%s%3N)
wait_for 30 group_is srv1 failover1 srv1
t_off=$(bmc_time srv2 "power off done")
[ -n "$t_off" ] || fail "srv1 took the group over without srv2's power-off"
log "srv2's BMC back at +0 ms: retried forced stop powered srv2 off at +$((t_off - t0)) ms," \
    "group on srv1 at +$(($(date +%s%3N) - t0)) ms"
checker_stop
