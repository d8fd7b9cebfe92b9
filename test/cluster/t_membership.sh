#!/usr/bin/env bash
# Issue 3 acceptance, membership part, on the test bed (3 servers, heartbeats
# every 200 ms, timeout 1 s, majority resolution):
# - a crashed server is reported down by the others within 1.5 s (nm 2 on both);
# - one cable of two pulled: the server stays Online, the rows of that path
#   show Error, nobody is declared down, an alert (nm 4);
# - a total partition {srv1} | {srv2, srv3}: srv1 carries out its npaction
#   (shut down: on the bed, its processes are killed), the others stay.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/lib_cluster.sh"

bed_up -n 3 --conf "$CLP_SOURCE_DIR/test/data/bed/np-majority.conf"
bed start all >/dev/null
for v in srv1 srv2 srv3; do
    for s in srv1 srv2 srv3; do
        wait_for 10 server_is "$v" "$s" Online
    done
done
log "3 servers Online on every view"

# --- one cable pulled: Caution, never down ----------------------------------------
bed link srv1 lan1 down
wait_for 5 hb_is srv2 srv1 lanhb1 Error
wait_for 5 alert_seen srv2 nm 4 "lanhb1 of server srv1"
[ "$(hb_status srv2 srv1 lanhb2)" = Normal ] || fail "lanhb2 of srv1 should stay Normal"
st=$(server_status srv2 srv1)
[ "$st" = Caution ] || [ "$st" = Online ] || fail "srv1 should stay up with one path, is $st"
# wait two timeouts: still nobody down
t_end=$(($(now_us) + 2000000))
while (($(now_us) < t_end)); do
    [ "$(alert_count srv2 nm 2)" = 0 ] || fail "a server was declared down with one path left"
    sleep 0.1
done
bed link srv1 lan1 up
wait_for 5 alert_seen srv2 nm 3 "lanhb1 of server srv1"
log "one path lost: Caution and nm 4, no server down; recovered: nm 3"

# --- crash: reported down within 1.5 s -----------------------------------------------
t0=$(date +%s%3N)
bed crash srv1 >/dev/null
wait_for 5 alert_seen srv2 nm 2 "srv1"
wait_for 5 alert_seen srv3 nm 2 "srv1"
for v in srv2 srv3; do
    t=$(alert_time "$v" nm 2 "srv1")
    dt=$((t - t0))
    log "$v reported srv1 down $dt ms after the crash"
    [ "$dt" -le 1500 ] || fail "$v: srv1 reported down after $dt ms (limit 1500)"
done

# --- partition {srv1} | {srv2, srv3}: srv1 must stop ----------------------------------
bed start srv1 >/dev/null
wait_for 10 server_is srv2 srv1 Online
down_before=$(alert_count srv2 nm 2 srv1)
bed block srv1 srv2
bed block srv1 srv3
# srv1, alone, loses the resolution and shuts down (the bed kills its processes)
wait_for 10 not svc_answers srv1 clusterpro
wait_for 10 alert_seen srv1 nm 30 "srv1"
wait_for 10 alert_more "$down_before" srv2 nm 2 srv1
svc_answers srv2 clusterpro || fail "srv2 stopped"
svc_answers srv3 clusterpro || fail "srv3 stopped"
[ "$(server_status srv2 srv3)" = Online ] || [ "$(server_status srv2 srv3)" = Caution ] ||
    fail "srv3 should stay Online on srv2"
log "partition: srv1 (minority) shut itself down, srv2 and srv3 stayed"
bed unblock
