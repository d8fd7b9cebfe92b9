#!/usr/bin/env bash
# Issue 3 acceptance, heartbeat authentication (2 servers, heartbeats every
# 200 ms, timeout 1 s), with test/tools/hbinject sending from the client host
# datagrams whose source address is forged to be srv1's on the public LAN
# (lanhb2):
# - heartbeats of srv1 sealed without the cluster key are rejected and counted
#   (hb_lanhb2_rx_bad in srv2's status reply);
# - srv1's own heartbeats, recorded on srv2 and sent again, are rejected and
#   counted (replay window: incarnation + sequence);
# - srv1 crashes while both kinds keep arriving every 50 ms: srv2 still
#   declares it down within the timeout (time printed), and accepts nothing
#   more on lanhb2.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/lib_cluster.sh"

HBI=$CLP_BUILD_DIR/test/tools/hbinject
[ -x "$HBI" ] || fail "$HBI is not built"

# counter SERVER NAME: a counter of SERVER's core status reply.
counter() {
    svc_json "$1" | json_py "print(next(s['counters'].get('$2', 0) for s in d if s['service']=='clusterpro'))"
}
counter_above() {
    [ "$(counter "$1" "$2")" -gt "$3" ]
}

bed_up -n 2 --conf "$CLP_SOURCE_DIR/test/data/bed/hb-fast.conf"
bed start all >/dev/null
wait_for 15 server_is srv2 srv1 Online
wait_for 10 server_is srv1 srv2 Online

# --- forged without the key ----------------------------------------------------------
bad0=$(counter srv2 hb_lanhb2_rx_bad)
on client "$HBI" forge --cluster bedcluster --sender srv1 --path 1 \
    --src 10.32.0.1 --dst 10.32.0.2 --count 20 >/dev/null
wait_for 5 counter_above srv2 hb_lanhb2_rx_bad $((bad0 + 19))
grep -q "lanhb2 from 10.32.0.1.*wrong MAC" "$CLPBED_DIR"/srv2/root/log/clusterpro.log ||
    fail "srv2's log does not name the forged datagrams"
log "20 heartbeats forged without the key: rejected and counted" \
    "(hb_lanhb2_rx_bad $bad0 -> $(counter srv2 hb_lanhb2_rx_bad))"

# --- srv1's own heartbeats recorded and sent again ----------------------------------------
on srv2 "$HBI" capture --src 10.32.0.1 --count 20 --timeout 10 --out "$TEST_TMP/srv1.cap" \
    >"$TEST_TMP/capture.txt"
head -2 "$TEST_TMP/capture.txt" | sed 's/^ */recorded: /' | while read -r l; do log "$l"; done
bad1=$(counter srv2 hb_lanhb2_rx_bad)
on client "$HBI" replay --in "$TEST_TMP/srv1.cap" --src 10.32.0.1 --dst 10.32.0.2 >/dev/null
wait_for 5 counter_above srv2 hb_lanhb2_rx_bad $((bad1 + 19))
log "20 recorded heartbeats of srv1 replayed: rejected and counted" \
    "(hb_lanhb2_rx_bad $bad1 -> $(counter srv2 hb_lanhb2_rx_bad))"
server_is srv2 srv1 Online || fail "srv1 should still be Online on srv2"

# --- crash under a stream of replayed and forged heartbeats --------------------------------
on_bg client "$HBI" replay --in "$TEST_TMP/srv1.cap" --src 10.32.0.1 --dst 10.32.0.2 \
    --repeat 200 --interval 50 >/dev/null
on_bg client "$HBI" forge --cluster bedcluster --sender srv1 --path 1 \
    --src 10.32.0.1 --dst 10.32.0.2 --count 200 --interval 50 >/dev/null
bad2=$(counter srv2 hb_lanhb2_rx_bad)
wait_for 5 counter_above srv2 hb_lanhb2_rx_bad $((bad2 + 40))
t0=$(date +%s%3N)
bed crash srv1 >/dev/null
wait_for 5 alert_seen srv2 nm 2 srv1
dt=$(($(alert_time srv2 nm 2 srv1) - t0))
log "srv1 crashed under the stream: srv2 declared it down $dt ms later (timeout 1000 ms)"
[ "$dt" -le 2000 ] || fail "srv1 declared down after $dt ms"
rx=$(counter srv2 hb_lanhb2_rx)
bad3=$(counter srv2 hb_lanhb2_rx_bad)
wait_for 5 counter_above srv2 hb_lanhb2_rx_bad $((bad3 + 40))
[ "$(counter srv2 hb_lanhb2_rx)" = "$rx" ] || fail "srv2 accepted a heartbeat on lanhb2 after the crash"
server_is srv2 srv1 Offline || fail "srv1 is $(server_status srv2 srv1) on srv2, not Offline"
log "the stream goes on (hb_lanhb2_rx_bad $(counter srv2 hb_lanhb2_rx_bad)), nothing accepted," \
    "srv1 stays Offline"
