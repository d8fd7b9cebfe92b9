#!/usr/bin/env bash
# keepalived.sh - failover of keepalived (VRRP) on the namespace test bed, measured from
# the client host with the same probe and responder as our product.
#
# A 2-server bed (clpbed up -n 2, our product not started); on each server keepalived runs
# in the server's namespaces with one VRRP instance for 10.32.0.100/24 on lan2 (both
# BACKUP, priority 100, nopreempt, so every run is the same: the survivor always waits
# 3 x advert + skew(100)) and http_responder answers on port 80 on both servers. Each run:
# the probe waits for steady answers, a random 0.5-1.5 s later the fault hits the server
# that answers, the probe ends once the other one answers steadily; then the faulted server
# is repaired (keepalived and the responder restarted after a crash, the cable plugged
# back after a link fault) and waits as the backup for the next run.
#
# usage: keepalived.sh [--runs N] [--advert 1|0.1] [--fault crash|link|all]
#                      [--dir BED_DIR] [--raw FILE]
#   --advert 1    VRRPv2, advert_int 1 (keepalived's defaults)      [default]
#   --advert 0.1  VRRPv3, advert_int 0.1
#   --raw FILE    append each run's probe result line to FILE (kept), else a temporary file
#   BENCH_KEEP=1  keeps keepalived's configuration and logs in BED_DIR/keepalived
# Prints the table of bench/lib.sh bench_table. Needs root and keepalived installed
# (tools/install-deps bench).
set -Eeuo pipefail
BENCH_NAME=keepalived
CLPBED_DIR=${CLPBED_DIR:-/tmp/clpbed-peers}
# shellcheck source=bench/lib.sh disable=SC2034
. "$(dirname "$(readlink -f "$0")")/../lib.sh"

runs=10 advert=1 faults=(crash link) raw=""
while [ $# -gt 0 ]; do
    case $1 in
        --runs) runs=$2; shift 2 ;;
        --advert) advert=$2; shift 2 ;;
        --fault) if [ "$2" = all ]; then faults=(crash link); else faults=("$2"); fi; shift 2 ;;
        --dir) CLPBED_DIR=$2; shift 2 ;;
        --raw) raw=$2; shift 2 ;;
        -h | --help) sed -n '2,/^set -E/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
        *) echo "keepalived.sh: unknown argument '$1' (see --help)" >&2; exit 2 ;;
    esac
done
case $advert in
    1) version=2 setting=v2-advert1 ;;
    0.1) version=3 setting=v3-advert0.1 ;;
    *) echo "keepalived.sh: --advert is 1 or 0.1" >&2; exit 2 ;;
esac
for f in "${faults[@]}"; do
    case $f in
        crash | link) ;;
        *) echo "keepalived.sh: --fault is crash, link or all" >&2; exit 2 ;;
    esac
done
command -v keepalived >/dev/null ||
    bench_die "keepalived is not installed (tools/install-deps bench)"
[ -n "$raw" ] || { raw=$(mktemp /tmp/bench-keepalived.XXXXXX); bench_at_exit "rm -f '$raw'"; }
export CLPBED_DIR

# keepalived_conf SERVER: the configuration of SERVER.
keepalived_conf() {
    cat <<EOF
global_defs {
    router_id $1
    vrrp_version $version
    script_user root
    enable_script_security
}
vrrp_instance VI_1 {
    state BACKUP
    nopreempt
    interface lan2
    virtual_router_id 51
    priority 100
    advert_int $advert
    virtual_ipaddress {
        $BENCH_VIP/24 dev lan2
    }
}
EOF
}

# peer_start SERVER: keepalived and the responder on SERVER, detached, logs in PEERDIR.
peer_start() {
    local s=$1
    (setsid "$CLPBED" --dir "$CLPBED_DIR" exec "$s" "$BENCH_BIN/http_responder" \
        -P /run/http_responder.pid </dev/null >>"$PEERDIR/$s/responder.log" 2>&1 &)
    (setsid "$CLPBED" --dir "$CLPBED_DIR" exec "$s" keepalived -n -l -D -G -P \
        -f "$PEERDIR/$s/keepalived.conf" -p /run/keepalived.pid -r /run/keepalived_vrrp.pid \
        </dev/null >>"$PEERDIR/$s/keepalived.log" 2>&1 &)
}

# vrrp_state SERVER: the state keepalived on SERVER entered last (BACKUP, MASTER, FAULT).
vrrp_state() {
    sed -n 's/.*Entering \([A-Z]*\) STATE.*/\1/p' "$PEERDIR/$1/keepalived.log" | tail -n 1
}

# wait_state SERVER STATE TIMEOUT_S
wait_state() {
    local i
    for ((i = 0; i < $3 * 50; i++)); do
        [ "$(vrrp_state "$1")" != "$2" ] || return 0
        sleep 0.02
    done
    bench_die "keepalived on $1 did not enter $2 within $3 s (last: $(vrrp_state "$1"))"
}

bench_build
bench_bed_up -n 2
PEERDIR=$CLPBED_DIR/keepalived
rm -rf "$PEERDIR"
[ -n "${BENCH_KEEP:-}" ] || bench_at_exit "rm -rf '$PEERDIR'"
for s in srv1 srv2; do
    mkdir -p "$PEERDIR/$s"
    keepalived_conf "$s" >"$PEERDIR/$s/keepalived.conf"
    peer_start "$s"
done
bench_log "keepalived $setting on srv1, srv2; $runs run(s) per fault: ${faults[*]}"
for fault in "${faults[@]}"; do
    for ((run = 1; run <= runs; run++)); do
        probe_start -m 60 || bench_die "no steady answer: $(cat "$PROBE_OUT")"
        target=$PROBE_OLD
        other=srv1
        [ "$target" != srv1 ] || other=srv2
        wait_state "$other" BACKUP 30
        bench_random_sleep 0.5 1.5
        bench_fault "$fault" "$target"
        probe_wait || bench_log "run $run: no failover within 60 s"
        bench_record "$raw" \
            "system=keepalived setting=$setting fault=$fault run=$run target=$target"
        bench_log "run $run $fault $target: failover $PROBE_FAILOVER s, outage $PROBE_OUTAGE s"
        case $fault in
            crash) peer_start "$target" ;;
            link) bench_unfault link "$target" ;;
        esac
        wait_state "$target" BACKUP 30
    done
done
bench_table "$raw"
