#!/usr/bin/env bash
# pacemaker.sh - failover of Pacemaker + Corosync on the namespace test bed, measured from
# the client host with the same probe and responder as our product.
#
# A 2-server bed (clpbed up -n 2, our product not started). Each server runs corosync and
# pacemakerd in the server's network namespace and a private mount namespace of their own
# (unshare --mount): bind mounts over /etc/corosync, /var/lib/corosync, /var/lib/pacemaker,
# /var/log/pacemaker from PEERDIR/srvK, and private tmpfs on /dev/shm and /run (libqb IPC
# and the agents' state). corosync: knet over lan1, two_node, crypto off, token MS
# (consensus 1.2 x token, corosync's default). Pacemaker: stonith-enabled=false,
# no-quorum-policy=ignore, resource-stickiness=100, one group "web" = IPaddr2 10.32.0.100/24
# on lan2 + ocf:heartbeat:anything running http_responder; a cloned ocf:pacemaker:ping of
# the gateway (monitor 1 s) with a rule that keeps "web" off a server that cannot reach it,
# since a pulled lan2 cable is otherwise invisible to Pacemaker (membership runs on lan1).
#
# Each run: the probe waits for steady answers, a random 0.5-1.5 s later the fault hits the
# server that answers, the probe ends once the other one answers steadily; then the
# faulted server is repaired and the cluster left to settle (crm_resource --wait).
#   crash    clpbed crash (every process killed, addresses removed); repaired by
#            starting corosync and pacemakerd again (the node rejoins)
#   link     lan2 cable pulled (seen through the ping resource); plugged back
#   isolate  lan1 and lan2 cables pulled (membership loss); plugged back - the old server
#            kept the group (no fencing) and Pacemaker recovers a group active on two nodes
#
# usage: pacemaker.sh [--runs N] [--token MS] [--fault crash|link|isolate|all]
#                     [--dir BED_DIR] [--raw FILE]
#   --token MS   corosync totem token (default 3000, corosync's default)
#   --no-ping    no ping clone (shows that a pulled lan2 cable then goes unnoticed; the probe
#                gives up 30 s after the fault)
#   --raw FILE   append each run's probe result line to FILE (kept), else a temporary file
#   BENCH_KEEP=1 keeps the daemons' logs and state in BED_DIR/pacemaker
# Prints the table of bench/lib.sh bench_table. Needs root, corosync, pacemaker and
# resource-agents installed (tools/install-deps bench).
set -Eeuo pipefail
BENCH_NAME=pacemaker
CLPBED_DIR=${CLPBED_DIR:-/tmp/clpbed-peers}
# shellcheck source=bench/lib.sh disable=SC2034
. "$(dirname "$(readlink -f "$0")")/../lib.sh"

runs=10 token=3000 faults=(crash link) raw="" ping=1 probe_max=90
while [ $# -gt 0 ]; do
    case $1 in
        --runs) runs=$2; shift 2 ;;
        --token) token=$2; shift 2 ;;
        --fault) if [ "$2" = all ]; then faults=(crash link isolate); else faults=("$2"); fi
                 shift 2 ;;
        --dir) CLPBED_DIR=$2; shift 2 ;;
        --raw) raw=$2; shift 2 ;;
        --no-ping) ping=0 probe_max=30; shift ;;
        -h | --help) sed -n '2,/^set -E/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
        *) echo "pacemaker.sh: unknown argument '$1' (see --help)" >&2; exit 2 ;;
    esac
done
[[ $token =~ ^[0-9]+$ ]] || { echo "pacemaker.sh: --token is in ms" >&2; exit 2; }
for f in "${faults[@]}"; do
    case $f in
        crash | link | isolate) ;;
        *) echo "pacemaker.sh: --fault is crash, link, isolate or all" >&2; exit 2 ;;
    esac
done
for c in corosync pacemakerd cibadmin crm_resource; do
    command -v "$c" >/dev/null || bench_die "$c is not installed (tools/install-deps bench)"
done
[ -x /usr/lib/ocf/resource.d/heartbeat/IPaddr2 ] ||
    bench_die "resource-agents is not installed (tools/install-deps bench)"
[ -n "$raw" ] || { raw=$(mktemp /tmp/bench-pacemaker.XXXXXX); bench_at_exit "rm -f '$raw'"; }
setting=token$token
((ping)) || setting=$setting-noping
export CLPBED_DIR

corosync_conf() {
    cat <<EOF
totem {
    version: 2
    cluster_name: peerbench
    transport: knet
    token: $token
    crypto_cipher: none
    crypto_hash: none
}
nodelist {
    node {
        ring0_addr: 10.31.0.1
        name: srv1
        nodeid: 1
    }
    node {
        ring0_addr: 10.31.0.2
        name: srv2
        nodeid: 2
    }
}
quorum {
    provider: corosync_votequorum
    two_node: 1
}
logging {
    to_logfile: yes
    logfile: /var/log/pacemaker/corosync.log
    to_syslog: no
    to_stderr: no
    timestamp: hires
}
EOF
}

# The resources: see the header.
cib_resources() {
    cat <<EOF
<resources>
  <group id="web">
    <primitive id="vip" class="ocf" provider="heartbeat" type="IPaddr2">
      <instance_attributes id="vip-ia">
        <nvpair id="vip-ip" name="ip" value="$BENCH_VIP"/>
        <nvpair id="vip-mask" name="cidr_netmask" value="24"/>
        <nvpair id="vip-nic" name="nic" value="lan2"/>
      </instance_attributes>
      <operations>
        <op id="vip-mon" name="monitor" interval="10s" timeout="20s"/>
      </operations>
    </primitive>
    <primitive id="responder" class="ocf" provider="heartbeat" type="anything">
      <instance_attributes id="responder-ia">
        <nvpair id="responder-bin" name="binfile" value="$BENCH_BIN/http_responder"/>
      </instance_attributes>
      <operations>
        <op id="responder-mon" name="monitor" interval="10s" timeout="20s"/>
      </operations>
    </primitive>
  </group>
EOF
    if ((!ping)); then
        echo "</resources>"
        return 0
    fi
    cat <<EOF
  <clone id="ping-clone">
    <primitive id="ping" class="ocf" provider="pacemaker" type="ping">
      <instance_attributes id="ping-ia">
        <nvpair id="ping-host" name="host_list" value="10.32.0.254"/>
        <nvpair id="ping-mult" name="multiplier" value="1000"/>
        <nvpair id="ping-dampen" name="dampen" value="0s"/>
        <nvpair id="ping-attempts" name="attempts" value="1"/>
        <nvpair id="ping-timeout" name="timeout" value="1"/>
      </instance_attributes>
      <operations>
        <op id="ping-mon" name="monitor" interval="1s" timeout="10s"/>
      </operations>
    </primitive>
  </clone>
</resources>
EOF
}

cib_constraints() {
    if ((!ping)); then
        echo "<constraints/>"
        return 0
    fi
    cat <<'EOF'
<constraints>
  <rsc_location id="web-on-connected" rsc="web">
    <rule id="web-on-connected-rule" score="-INFINITY" boolean-op="or">
      <expression id="web-pingd-undef" attribute="pingd" operation="not_defined"/>
      <expression id="web-pingd-zero" attribute="pingd" operation="lte" value="0" type="number"/>
    </rule>
  </rsc_location>
</constraints>
EOF
}

# Run inside a server by node_start: $1 = the node's directory.
# shellcheck disable=SC2016
NODE_INIT='
set -e
d=$1
mount --bind "$d/etc" /etc/corosync
mount --bind "$d/lib-corosync" /var/lib/corosync
mount --bind "$d/lib-pacemaker" /var/lib/pacemaker
mount --bind "$d/log" /var/log/pacemaker
mount -t tmpfs -o mode=1777,size=256m pcmk-shm /dev/shm
mount -t tmpfs -o mode=0755,size=64m pcmk-run /run
mkdir -p /run/resource-agents /run/crm
echo $$ >"$d/ns.pid"
corosync -f &
i=0
until corosync-cfgtool -s >/dev/null 2>&1; do
    i=$((i + 1))
    [ $i -lt 200 ] || { echo "corosync did not start"; exit 1; }
    sleep 0.05
done
export PCMK_logfile=/var/log/pacemaker/pacemaker.log
exec pacemakerd
'

node_prepare() {
    local d=$PEERDIR/$1
    mkdir -p "$d/etc" "$d/lib-corosync" "$d/lib-pacemaker"/{cib,pengine,blackbox,cores} "$d/log"
    corosync_conf >"$d/etc/corosync.conf"
    chown -R hacluster:haclient "$d/lib-pacemaker" "$d/log"
    chmod 0750 "$d/lib-pacemaker"/* "$d/log"
}

# node_start SERVER: corosync and pacemakerd in SERVER, detached.
node_start() {
    local d=$PEERDIR/$1
    rm -f "$d/ns.pid"
    (setsid "$CLPBED" --dir "$CLPBED_DIR" exec "$1" unshare --mount --propagation private -- \
        /bin/sh -c "$NODE_INIT" pcmk-node "$d" </dev/null >>"$d/node.log" 2>&1 &)
}

# on_node SERVER CMD...: CMD in the namespaces of SERVER's Pacemaker.
on_node() {
    local pid
    pid=$(cat "$PEERDIR/$1/ns.pid" 2>/dev/null) || return 1
    shift
    nsenter -t "$pid" -m -u -n -- "$@"
}

# wait_for TIMEOUT_S WHAT CMD...: polls CMD every 0.2 s.
wait_for() {
    local t=$1 what=$2 i
    shift 2
    for ((i = 0; i < t * 5; i++)); do
        if "$@" >/dev/null 2>&1; then
            return 0
        fi
        sleep 0.2
    done
    bench_die "$what: not within $t s"
}

# both_online SERVER: SERVER's Pacemaker sees a DC and both nodes online.
both_online() {
    local out
    out=$(on_node "$1" crm_mon -1 2>/dev/null) || return 1
    grep -q 'Current DC: srv' <<<"$out" && grep -q 'Online: \[ srv1 srv2 \]' <<<"$out"
}

# settle SERVER: both nodes online and no action pending, seen from SERVER.
settle() {
    wait_for 120 "both nodes online (seen from $1)" both_online "$1"
    on_node "$1" crm_resource --wait --timeout=120s >/dev/null 2>&1 ||
        bench_die "the cluster did not settle within 120 s"
}

bench_build
bench_bed_up -n 2
PEERDIR=$CLPBED_DIR/pacemaker
rm -rf "$PEERDIR"
[ -n "${BENCH_KEEP:-}" ] || bench_at_exit "rm -rf '$PEERDIR'"
for s in srv1 srv2; do
    node_prepare "$s"
    node_start "$s"
done
bench_log "Pacemaker + Corosync, token $token ms: cold start (two_node waits for both)"
wait_for 120 "cold start" both_online srv1
on_node srv1 crm_attribute --type crm_config --name stonith-enabled --update false
on_node srv1 crm_attribute --type crm_config --name no-quorum-policy --update ignore
on_node srv1 crm_attribute --type rsc_defaults --name resource-stickiness --update 100
on_node srv1 cibadmin --replace --scope resources --xml-text "$(cib_resources)"
on_node srv1 cibadmin --replace --scope constraints --xml-text "$(cib_constraints)"
settle srv1
bench_log "ready; $runs run(s) per fault: ${faults[*]}"
for fault in "${faults[@]}"; do
    for ((run = 1; run <= runs; run++)); do
        probe_start -m "$probe_max" || bench_die "no steady answer: $(cat "$PROBE_OUT")"
        target=$PROBE_OLD
        other=srv1
        [ "$target" != srv1 ] || other=srv2
        bench_random_sleep 0.5 1.5
        bench_fault "$fault" "$target"
        probe_wait || bench_log "run $run: no failover within $probe_max s"
        bench_record "$raw" "system=pacemaker setting=$setting fault=$fault run=$run target=$target"
        bench_log "run $run $fault $target: failover $PROBE_FAILOVER s, outage $PROBE_OUTAGE s"
        case $fault in
            crash) node_start "$target" ;;
            *) bench_unfault "$fault" "$target" ;;
        esac
        settle "$other"
        wait_for 60 "$target rejoined" both_online "$target"
    done
done
bench_table "$raw"
