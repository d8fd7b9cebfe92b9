#!/usr/bin/env bash
# Issue 3 acceptance, HTTP witness network-partition resolution (httpnp) with
# 2 servers against tools/clpwitness running on the gateway host:
# - the witness answers health checks: both servers show httpnp1 Normal;
# - a total partition between the servers, both still reaching the witness:
#   exactly one survives, in every repetition (CLP_NP_HTTP_REPS, default 4),
#   and the witness log shows the one lease it granted;
# - a request recorded from the wire and sent again is refused (403), so is
#   one without the cluster's key;
# - the witness down, then a partition: no side can prove it won, both stop
#   (the documented behaviour: data first; docs/witness.md).
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/lib_cluster.sh"

REPS=${CLP_NP_HTTP_REPS:-4}
WURL=http://10.32.0.254:8080/clp/np/v1

core_runs() {
    svc_answers "$1" clusterpro
}
np_is() { # VIEWER SERVER NP WORD
    [ "$(status_json "$1" | json_py "s=next(s for s in d['servers'] if s['name']=='$2'); print(next(n['status'] for n in s['np'] if n['name']=='$3'))" 2>/dev/null)" = "$4" ]
}
both_online() {
    server_is srv1 srv1 Online && server_is srv1 srv2 Online &&
        server_is srv2 srv1 Online && server_is srv2 srv2 Online
}
one_stopped() {
    ! core_runs srv1 || ! core_runs srv2
}

bed_up -n 2 --conf "$CLP_SOURCE_DIR/test/data/bed/np-http.conf"
on_bg gw "$CLP_BUILD_DIR/bin/clpwitness" --key "bedcluster=$CLPBED_DIR/srv1/root/etc/clp.key" \
    --listen 10.32.0.254 --port 8080 --state "$TEST_TMP/witness.state" >"$TEST_TMP/witness.log" 2>&1
WPID=$BG_PID
wait_for 5 on client curl -sf "$WURL/health"
bed start all >/dev/null
wait_for 15 both_online
wait_for 15 np_is srv1 srv1 httpnp1 Normal
wait_for 15 np_is srv1 srv2 httpnp1 Normal
log "witness on gw:8080 answers; httpnp1 Normal on both servers"

# --- partitions ---------------------------------------------------------------------
survivors=""
for ((i = 1; i <= REPS; i++)); do
    lines=$(wc -l <"$TEST_TMP/witness.log")
    bed block srv1 srv2
    wait_for 20 one_stopped
    # Give a late loser the time to act, then check: one, and only one, runs.
    t_end=$(($(now_us) + 3000000))
    while (($(now_us) < t_end)); do sleep 0.1; done
    up=""
    core_runs srv1 && up="$up srv1"
    core_runs srv2 && up="$up srv2"
    n=$(echo $up | wc -w)
    [ "$n" = 1 ] || fail "repetition $i: $n servers survived the partition (${up:-none})"
    winner=${up# }
    loser=$([ "$winner" = srv1 ] && echo srv2 || echo srv1)
    wait_for 5 alert_seen "$loser" nm 30 "$loser"
    survivors="$survivors $winner"
    decisions=$(tail -n +$((lines + 1)) "$TEST_TMP/witness.log" | grep -E "resolve bedcluster" |
        sed 's/^[^ ]* [^ ]* //' | tr '\n' ';')
    log "repetition $i/$REPS: $winner survived, $loser shut down; witness: $decisions"
    echo "$decisions" | grep -q "resolve bedcluster/$winner: survive" ||
        fail "the witness did not grant the survivor $winner"
    bed unblock
    bed start "$loser" >/dev/null
    wait_for 20 both_online
done
log "HTTP witness: exactly one survivor in $REPS of $REPS partitions (winners:$survivors)"

# --- requests from outside the cluster ---------------------------------------------------
code=$(on client curl -s -o /dev/null -w '%{http_code}' -X POST -H 'X-Clp-Mac: 00' \
    --data "cluster=bedcluster&server=srv1&side=srv1&ttl=60000&t=$(date +%s%3N)" "$WURL/resolve")
[ "$code" = 403 ] || fail "a request without the key was answered $code, not 403"
# a genuine request, recorded as it left srv1 (the witness's log names it) and sent again
body="cluster=bedcluster&server=srv1&side=srv1&ttl=60000&t=$(date +%s%3N)"
mac=$(python3 -c "
import hashlib,sys
secret=bytes.fromhex(open('$CLPBED_DIR/srv1/root/etc/clp.key').read().strip())
mk=hashlib.blake2b(b'clusterpro mac v1',digest_size=32,key=secret).digest()
print(hashlib.blake2b(sys.argv[1].encode(),digest_size=32,key=mk).hexdigest())" "$body")
first=$(on client curl -s -X POST -H "X-Clp-Mac: $mac" --data "$body" "$WURL/hold")
again=$(on client curl -s -o /dev/null -w '%{http_code}' -X POST -H "X-Clp-Mac: $mac" \
    --data "$body" "$WURL/hold")
[ "$again" = 403 ] || fail "a replayed request was answered $again, not 403"
grep -q "replayed request from bedcluster/srv1" "$TEST_TMP/witness.log" ||
    fail "the witness did not log the replay"
log "without the key: 403; a signed request ($first) sent again: 403 (replayed)"

# --- the witness down, then a partition ------------------------------------------------
kill "$WPID"
wait_for 5 not proc_alive "$WPID"
wait_for 20 np_is srv1 srv1 httpnp1 Error
log "witness stopped: httpnp1 Error (nm 37); partition"
bed block srv1 srv2
wait_for 20 not core_runs srv1
wait_for 20 not core_runs srv2
wait_for 5 alert_seen srv1 nm 30 srv1
wait_for 5 alert_seen srv2 nm 30 srv2
log "witness down + partition: neither side could prove it won, both stopped (nm 30 on both)"
