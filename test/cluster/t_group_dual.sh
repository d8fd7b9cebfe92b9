#!/usr/bin/env bash
# Issue 4 acceptance: a dual activation found after a partition heals (rc 92)
# is resolved deterministically. test/data/bed/group-dual.conf has no network
# partition resolution resource, so isolating srv1 (both cables pulled) lets
# each side take the other's group over: failover1 (srv1 first) and failover2
# (srv2 first) end up active on both servers, on purpose. The client, on
# srv2's side, learns failover1's address from srv2 meanwhile.
# Cables back: rc 92 for both groups; for each group the server earlier in its
# failover policy keeps it and the other stops it (CLP_FACTOR=GROUPSTOP):
# failover1 stays on srv1, failover2 on srv2; the keeper announces its
# addresses again, so the client's ARP entry for failover1's address moves
# back to srv1 and the client is served by srv1 without waiting for its ARP
# cache to expire. Afterwards every address is on one server only, and the
# membership did not flap (one nm 2 per side, for the partition).
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/lib_rsc.sh"

FIP1=10.32.0.100 FIP2=10.32.0.101
MAC1=02:32:00:00:00:01 MAC2=02:32:00:00:00:02
bed_up -n 2 --conf "$CLP_SOURCE_DIR/test/data/bed/group-dual.conf" \
    --scripts "$CLP_SOURCE_DIR/test/data/bed/scripts"

served_by() {
    [ "$(on client curl -s -m 1 "http://$FIP1/" | head -1)" = "$1" ]
}
client_mac() {
    on client ip neigh show "$1" | awk '{ for (i = 1; i < NF; i++) if ($i == "lladdr") print $(i + 1) }'
}
client_mac_is() {
    [ "$(client_mac "$1")" = "$2" ]
}
on_both() {
    addr_on srv1 "$1" && addr_on srv2 "$1"
}
own_count() {
    awk -F'\t' -v s="$1" -v m="$2" -v id="$3" -v t="${4:-}" \
        '$1 == s && $4 == m && $5 == id && index($10, t) { n++ } END { print n + 0 }' \
        "$CLPBED_DIR/$1/root/alert/alert.log" 2>/dev/null
}
rc92() {
    (($(own_count srv1 rc 92 "$1") + $(own_count srv2 rc 92 "$1") >= 1))
}

bed start all >/dev/null
wait_for 30 group_is srv1 failover1 srv1
wait_for 30 group_is srv1 failover2 srv2
wait_for 10 served_by srv1
client_mac_is "$FIP1" "$MAC1" || fail "the client's ARP entry for $FIP1 is $(client_mac "$FIP1")"

# Partition: srv1 alone. Each side fails the other's group over.
t0=$(now_us)
bed link srv1 lan1 down
bed link srv1 lan2 down
wait_for 20 on_both "$FIP1"
wait_for 20 on_both "$FIP2"
wait_for 10 group_is srv2 failover1 srv2
wait_for 10 group_is srv1 failover2 srv1
on client ip neigh flush dev lan2 >/dev/null 2>&1 || true
wait_for 10 served_by srv2
client_mac_is "$FIP1" "$MAC2" || fail "the client's ARP entry for $FIP1 is $(client_mac "$FIP1")"
log "partition: both groups active on both servers after $((($(now_us) - t0) / 1000)) ms; the client reaches $FIP1 at srv2"

# Heal.
t0=$(now_us)
bed link srv1 lan1 up
bed link srv1 lan2 up
wait_for 20 rc92 failover1
wait_for 20 rc92 failover2
wait_for 20 not addr_on srv2 "$FIP1"
wait_for 20 not addr_on srv1 "$FIP2"
t1=$(now_us)
addr_on srv1 "$FIP1" || fail "$FIP1 left srv1 too"
addr_on srv2 "$FIP2" || fail "$FIP2 left srv2 too"
wait_for 10 client_mac_is "$FIP1" "$MAC1"
wait_for 10 served_by srv1
log "healed: rc 92 (failover1: srv1 $(own_count srv1 rc 92 failover1), srv2 $(own_count srv2 rc 92 failover1); failover2: srv1 $(own_count srv1 rc 92 failover2), srv2 $(own_count srv2 rc 92 failover2)); resolved in $(((t1 - t0) / 1000)) ms; the client's ARP entry is srv1's again"
grep -q "^STOP GROUPSTOP srv2$" "$CLPBED_DIR/srv2/root/work/exec1.events" ||
    fail "srv2's stop script did not run with CLP_FACTOR=GROUPSTOP: $(cat "$CLPBED_DIR/srv2/root/work/exec1.events")"
grep -q "^STOP" "$CLPBED_DIR/srv1/root/work/exec1.events" && fail "srv1 stopped failover1's exec"

# Settled: one server each, from both views, and it stays so.
rsc_checker_start "$FIP1"
for v in srv1 srv2; do
    wait_for 10 group_is "$v" failover1 srv1
    wait_for 10 group_is "$v" failover2 srv2
done
end=$(($(now_us) + 3000000))
while (($(now_us) < end)); do
    not addr_on srv2 "$FIP1" || fail "$FIP1 came back on srv2"
    not addr_on srv1 "$FIP2" || fail "$FIP2 came back on srv1"
    sleep 0.2
done
rsc_checker_stop
# No flapping membership on heal: one nm 2 per side (the partition itself).
[ "$(own_count srv1 nm 2)" = 1 ] || fail "srv1 declared srv2 down $(own_count srv1 nm 2) times"
[ "$(own_count srv2 nm 2)" = 1 ] || fail "srv2 declared srv1 down $(own_count srv2 nm 2) times"
log "settled: failover1 on srv1, failover2 on srv2 on both views; one nm 2 per side"
