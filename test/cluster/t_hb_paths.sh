#!/usr/bin/env bash
# Issue 3: every kind of heartbeat path (LAN x2, disk on the shared loop
# device, COM on the bed's serial line), 200 ms / 1.5 s:
# - all four paths Normal on both views;
# - both LANs cut: the servers stay up on disk and COM (no nm 2), the LAN rows
#   show Error, and srv2's view of the group never loses srv1 (disk and COM
#   beats carry no group states: they must not read as "no group");
# - the serial line cut too: only the disk carries the beats, still no nm 2;
# - srv1 crashed: srv2 declares it down within the timeout and takes the group.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/lib_cluster.sh"

FIP=10.32.0.100
bed_up -n 2 --conf "$CLP_SOURCE_DIR/test/data/bed/hb-paths.conf"
bed start all >/dev/null
wait_for 15 server_is srv2 srv1 Online
wait_for 15 group_is srv2 failover1 srv1
for v in srv1 srv2; do
    o=srv2
    [ "$v" = srv2 ] && o=srv1
    for p in lanhb1 lanhb2 diskhb1 comhb1; do
        wait_for 10 hb_is "$v" "$o" "$p" Normal
    done
done
log "lanhb1, lanhb2, diskhb1, comhb1: Normal on both views"

# Sampler of srv2's view of the group: it must say srv1 all along.
VIEW=$TEST_TMP/view
: >"$VIEW"
test_pid=$$
(
    trap - ERR
    set +e
    while kill -0 "$test_pid" 2>/dev/null && [ -d "$TEST_TMP" ]; do
        w=$(status_json srv2 2>/dev/null |
            json_py "g=next(g for g in d['groups'] if g['name']=='failover1'); print(g['current'] or 'None')" 2>/dev/null)
        [ -n "$w" ] && echo "$w" >>"$VIEW"
        sleep 0.1
    done
) &
disown $!

downs=$(alert_count srv2 nm 2)
bed link srv1 lan1 down
bed link srv1 lan2 down
wait_for 5 hb_is srv2 srv1 lanhb1 Error
wait_for 5 hb_is srv2 srv1 lanhb2 Error
# three timeouts on disk and COM only
t_end=$(($(now_us) + 4500000))
while (($(now_us) < t_end)); do
    [ "$(alert_count srv2 nm 2)" = "$downs" ] || fail "srv1 declared down with disk and COM beating"
    sleep 0.2
done
hb_is srv2 srv1 diskhb1 Normal || fail "diskhb1 not Normal: $(hb_status srv2 srv1 diskhb1)"
hb_is srv2 srv1 comhb1 Normal || fail "comhb1 not Normal: $(hb_status srv2 srv1 comhb1)"
addr_on srv1 "$FIP" || fail "srv1 lost the floating IP"
addr_on srv2 "$FIP" && fail "srv2 took the floating IP while srv1 was up"
n=$(wc -l <"$VIEW")
bad=$(grep -cvx srv1 "$VIEW" || true)
[ "$bad" = 0 ] || fail "srv2's view lost the group on srv1 in $bad of $n samples: $(sort "$VIEW" | uniq -c | tr '\n' ' ')"
log "both LANs cut: up on disk and COM for 4.5 s, LAN rows Error, srv2's view held the group on srv1 in $n/$n samples"

# The serial line too: the disk alone.
pkill -f "link=$CLPBED_DIR/srv1/ttyS0" || fail "cannot stop the serial line's socat"
wait_for 5 hb_is srv2 srv1 comhb1 Error
# This loop's own pace shows whether the whole machine stalled (this VM
# froze for seconds at a time, twice in a day, under several test beds): a
# declaration after such a stall longer than the timeout says nothing about
# the disk path, and the rest of the test cannot run: skipped, saying so.
t_end=$(($(now_us) + 3000000)) prev=$(now_us) stall=0
while (($(now_us) < t_end)); do
    now=$(now_us)
    (((now - prev) / 1000 > stall)) && stall=$(((now - prev) / 1000))
    prev=$now
    if [ "$(alert_count srv2 nm 2)" != "$downs" ]; then
        ((stall < 1500)) || { log "srv1 declared down after the machine stalled for $stall ms (timeout 1500 ms): not a finding about the disk path; skipped"; exit 77; }
        fail "srv1 declared down with the disk beating (this loop's longest pause: $stall ms)"
    fi
    sleep 0.2
done
hb_is srv2 srv1 diskhb1 Normal || fail "diskhb1 not Normal: $(hb_status srv2 srv1 diskhb1)"
log "serial line cut too: comhb1 Error, still up on the disk alone for 3 s"

t0=$(date +%s%3N)
bed crash srv1 >/dev/null
wait_for 10 alert_more "$downs" srv2 nm 2 srv1
t=$(alert_time srv2 nm 2 srv1)
log "srv1 crashed: declared down by srv2 after $((t - t0)) ms (timeout 1500 ms, disk path only)"
(( t - t0 <= 2500 )) || fail "srv1 declared down only after $((t - t0)) ms"
wait_for 10 group_is srv2 failover1 srv2
log "failover1 taken over by srv2"
