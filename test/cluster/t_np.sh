#!/usr/bin/env bash
# Issue 3 acceptance, network-partition resolution with 2 servers:
# - ping resolution where only srv2 still reaches the gateway: srv1 shuts down,
#   srv2 stays;
# - disk-lock resolution with both servers reaching the gateway: exactly one
#   survives, in 20 out of 20 repetitions (CLP_NP_REPS to change).
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/lib_cluster.sh"

REPS=${CLP_NP_REPS:-20}

both_online() {
    server_is srv1 srv1 Online && server_is srv1 srv2 Online &&
        server_is srv2 srv1 Online && server_is srv2 srv2 Online
}

# --- ping -----------------------------------------------------------------------------
bed_up -n 2 --conf "$CLP_SOURCE_DIR/test/data/bed/np-ping.conf"
bed start all >/dev/null
wait_for 15 both_online
on srv1 nft add table inet clptest
on srv1 nft add chain inet clptest out '{ type filter hook output priority 0; }'
on srv1 nft add rule inet clptest out ip daddr 10.32.0.254 drop
bed block srv1 srv2
wait_for 15 not svc_answers srv1 clusterpro
svc_answers srv2 clusterpro || fail "srv2 stopped although it reaches the gateway"
wait_for 10 alert_seen srv2 nm 2 srv1
log "ping: srv1 (no gateway) shut down; srv2 stayed and declared srv1 down"
bed down >/dev/null

# --- disk lock, 20 repetitions ----------------------------------------------------------
bed_up -n 2 --conf "$CLP_SOURCE_DIR/test/data/bed/np-disk.conf"
bed start all >/dev/null
wait_for 15 both_online
survivors=""
for ((i = 1; i <= REPS; i++)); do
    bed block srv1 srv2
    # Both resolve; exactly one keeps running.
    wait_for 20 sh -c "! $CLPBED --dir $CLPBED_DIR exec srv1 clpstat --services -o json 2>/dev/null | grep -q '\"service\":\"clusterpro\",\"state\":\"running\"' || ! $CLPBED --dir $CLPBED_DIR exec srv2 clpstat --services -o json 2>/dev/null | grep -q '\"service\":\"clusterpro\",\"state\":\"running\"'"
    # Give a late loser the time to act, then check: one, and only one, runs.
    t_end=$(($(now_us) + 3000000))
    while (($(now_us) < t_end)); do sleep 0.1; done
    up=""
    svc_answers srv1 clusterpro && up="$up srv1"
    svc_answers srv2 clusterpro && up="$up srv2"
    n=$(echo $up | wc -w)
    [ "$n" = 1 ] || fail "repetition $i: $n servers survived the partition (${up:-none})"
    winner=${up# }
    loser=$([ "$winner" = srv1 ] && echo srv2 || echo srv1)
    survivors="$survivors $winner"
    log "repetition $i/$REPS: $winner survived, $loser shut down"
    bed unblock
    bed start "$loser" >/dev/null
    wait_for 20 both_online
done
log "disk lock: exactly one survivor in $REPS of $REPS repetitions (winners:$survivors)"
