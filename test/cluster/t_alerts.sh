#!/usr/bin/env bash
# Alert log replication under faults: 3 servers each emit 1,000 alerts
# (clplogcmd --alert) while clusterpro_evt and clusterpro_alertsync are killed
# at random on every server (clpsvc restarts them) and a partition cuts srv3
# off for 10 s. Afterwards every server's alert log must hold the same 3,000
# test records, each exactly once. The heartbeat timeout is raised to 60 s so
# the 10 s partition is not a server failure for the core.
. "$(dirname "$0")/lib.sh"

# start_alert_services SERVER...: clusterpro_evt, _trn and _alertsync under
# clpsvc (the core is not needed here); output through a file, never a pipe.
start_alert_services() {
    local s
    for s in "$@"; do
        on "$s" clpsvc start clusterpro_trn >>"$TEST_TMP/clpsvc-$s.out" 2>&1 </dev/null
        on "$s" clpsvc start clusterpro_alertsync >>"$TEST_TMP/clpsvc-$s.out" 2>&1 </dev/null
    done
}

N_PER_SERVER=${N_PER_SERVER:-1000}
TAG="TALERTS-$$"

conf=$TEST_TMP/clp.conf
cat >"$conf" <<CONF
<?xml version="1.0" encoding="ASCII"?>
<root>
  <all><charset>ASCII</charset><encode>ASCII</encode><serveros>linux</serveros></all>
  <cluster>
    <name>bedcluster</name>
    <heartbeat><interval>1000</interval><timeout>60000</timeout></heartbeat>
  </cluster>
$(for k in 1 2 3; do cat <<SRV
  <server name="srv$k">
    <priority>$((k - 1))</priority>
    <device id="0"><type>lan</type><info>10.31.0.$k</info></device>
    <device id="1"><type>lan</type><info>10.32.0.$k</info></device>
  </server>
SRV
done)
  <heartbeat>
    <types name="lanhb"/>
    <lanhb name="lanhb1"><priority>0</priority><device>0</device></lanhb>
    <lanhb name="lanhb2"><priority>1</priority><device>1</device></lanhb>
  </heartbeat>
  <networkpartition/>
  <webmgr><client><objectnumber>13</objectnumber></client></webmgr>
</root>
CONF

bed_up -n 3 --conf "$conf"
start_alert_services srv1 srv2 srv3

evt_up() {
    on "$1" clpaltlog --status | grep -q '^clusterpro_alertsync state=running'
}
for s in srv1 srv2 srv3; do
    wait_for 30 evt_up "$s"
done

# test_counts SERVER: "<records> <distinct>" of this test's records in SERVER's alert log.
test_counts() {
    on "$1" clpaltlog --module logcmd --grep "$TAG" |
        awk '{ n++; k = $3 " " $NF; if (!(k in seen)) { seen[k] = 1; d++ } }
             END { printf "%d %d\n", n, d }'
}
converged() {
    local s c
    for s in srv1 srv2 srv3; do
        c=$(test_counts "$s")
        [ "$c" = "$((3 * N_PER_SERVER)) $((3 * N_PER_SERVER))" ] || { echo "$s: $c"; return 1; }
    done
}

log "emitting $N_PER_SERVER alerts on each server"
t0=$(now_us)
for s in srv1 srv2 srv3; do
    on_bg "$s" bash -c "for i in \$(seq 1 $N_PER_SERVER); do
            clplogcmd --alert -m \"$TAG $s \$i\" || echo \"clplogcmd failed: \$i\" >&2
        done; touch $TEST_TMP/done-$s" 2>"$TEST_TMP/emit-$s.err"
done

emitters_done() {
    [ -e "$TEST_TMP/done-srv1" ] && [ -e "$TEST_TMP/done-srv2" ] && [ -e "$TEST_TMP/done-srv3" ]
}

# Chaos while the emitters run and until the partition has healed: a random
# kill every 0.5-1.4 s (clpsvc restarts the daemon, after a back-off when one
# keeps dying), and the partition of srv3, 10 s long, from 2 s on.
kills=0
partitioned=0
part_start=0
RANDOM=$$
while ! emitters_done || [ $partitioned != 2 ]; do
    now=$(now_us)
    if [ $partitioned = 0 ] && ((now - t0 > 2000000)); then
        log "partition: srv3 cut off from srv1 and srv2"
        bed block srv3 srv1
        bed block srv3 srv2
        partitioned=1
        part_start=$now
    elif [ $partitioned = 1 ] && ((now - part_start >= 10000000)); then
        bed unblock
        log "partition healed after $(((now - part_start) / 1000)) ms"
        partitioned=2
    fi
    s=srv$((RANDOM % 3 + 1))
    svc=$([ $((RANDOM % 2)) = 0 ] && echo clusterpro_evt || echo clusterpro_alertsync)
    if bed kill "$s" "$svc" 2>/dev/null; then
        kills=$((kills + 1))
    fi
    # a chaos pace, not a wait for a condition
    sleep "0.$((RANDOM % 10 + 5))"
done
log "emitters and faults done after $((($(now_us) - t0) / 1000)) ms; $kills daemons killed"
if grep -h 'clplogcmd failed' "$TEST_TMP"/emit-*.err; then
    fail "clplogcmd failed"
fi

t1=$(now_us)
wait_for 120 converged
log "converged $((($(now_us) - t1) / 1000)) ms after the last alert"
for s in srv1 srv2 srv3; do
    read -r total distinct <<<"$(test_counts "$s")"
    per=$(on "$s" clpaltlog --module logcmd --grep "$TAG" | awk '{ c[$3]++ }
        END { printf "srv1=%d srv2=%d srv3=%d", c["srv1"], c["srv2"], c["srv3"] }')
    log "$s: $total test records, $distinct distinct, $((total - distinct)) duplicated ($per)"
    [ "$total" = "$distinct" ] || fail "$s holds duplicated records"
done
# Order: every origin's records are in sequence order in every log.
for s in srv1 srv2 srv3; do
    on "$s" clpaltlog -o json | python3 -c '
import json, sys
last = {}
for r in json.load(sys.stdin):
    o, q = r["server"], r["seq"]
    if q <= last.get(o, 0):
        sys.exit("origin %s: seq %d after %d" % (o, q, last[o]))
    last[o] = q
' || fail "$s: records out of order"
done
# What the faults exercised: evt restarts and the spool that covered them.
for s in srv1 srv2 srv3; do
    lg=$CLPBED_DIR/$s/root/log/clusterpro_evt.log
    log "$s: evt started $(grep -c 'clusterpro_evt .* running on' "$lg") times," \
        "ingested $(awk '/ingested [0-9]+ spooled events/ { n += $(NF - 2) } END { print n + 0 }' \
            "$lg") spooled events"
done
on srv1 clpaltlog --status |
    grep -E 'evt (events_duplicate|remote_gaps_refused)|alertsync (datagrams_rejected|pulls_sent)' \
        >&2 || true
