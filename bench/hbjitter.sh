#!/usr/bin/env bash
# hbjitter.sh - how late heartbeats arrive on this machine: the evidence behind a short
# heartbeat timeout (docs/performance.md, "Why these timeouts are safe").
#
# A 2-server bed at the given interval and timeout (no group) runs for --seconds S; with
# --hogs N, N busy loops (nice 0) compete for the CPUs meanwhile. Then every server's
# WebManager /metrics gives clp_heartbeat_max_delay_seconds: the worst beat-to-beat gap
# each server saw from each peer on each path (the core's own measure, reset only by a
# delay warning), and the alert logs give the delay warnings (lankhb 71) and any server
# declared down (nm 2) - a false positive.
#
# usage: hbjitter.sh [--interval MS] [--timeout MS] [--seconds S] [--hogs N]
#   defaults: --interval 100 --timeout 500 --seconds 300 --hogs 0
set -Eeuo pipefail
BENCH_NAME=hbjitter
CLPBED_DIR=${CLPBED_DIR:-/tmp/clpbed-bench}
here=$(dirname "$(readlink -f "$0")")
# shellcheck source=bench/lib.sh
. "$here/lib.sh"
# shellcheck source=bench/lib_clp.sh
. "$here/lib_clp.sh"

interval=100 timeout=500 seconds=300 hogs=0
while [ $# -gt 0 ]; do
    case $1 in
        --interval) interval=$2; shift 2 ;;
        --timeout) timeout=$2; shift 2 ;;
        --seconds) seconds=$2; shift 2 ;;
        --hogs) hogs=$2; shift 2 ;;
        -h | --help) sed -n '2,/^set -E/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
        *) echo "hbjitter.sh: unknown argument '$1' (see --help)" >&2; exit 2 ;;
    esac
done
for v in "$interval" "$timeout" "$seconds" "$hogs"; do
    [[ $v =~ ^[0-9]+$ ]] || { echo "hbjitter.sh: numbers only" >&2; exit 2; }
done
[ -x "$CLP_BUILD_DIR/bin/clusterpro" ] || bench_die "no build in $CLP_BUILD_DIR (set CLP_BUILD_DIR)"
export CLP_BUILD_DIR CLPBED_DIR
tmp=$(mktemp -d /tmp/bench-hbjitter.XXXXXX)
bench_at_exit "rm -rf '$tmp'"
clp_profile nonp
CLP_INTERVAL=$interval CLP_TIMEOUT=$timeout
clp_write_conf "$tmp/clp.conf" --groups 0 --no-pidw
bench_bed_up -n 2 --conf "$tmp/clp.conf" --build "$CLP_BUILD_DIR"
clp_start_all
clp_wait 60 clp_all_online srv1 2 || bench_die "the cluster did not start"
hog_pids=()
for ((i = 0; i < hogs; i++)); do
    (while :; do :; done) &
    hog_pids+=($!)
done
((hogs == 0)) || bench_at_exit "kill ${hog_pids[*]} 2>/dev/null"
l0=$(cut -d' ' -f1 /proc/loadavg)
bench_log "interval $interval ms, timeout $timeout ms, $hogs hog(s): watching for $seconds s (load $l0)"
sleep "$seconds"
l1=$(cut -d' ' -f1-3 /proc/loadavg)
((hogs == 0)) || kill "${hog_pids[@]}" 2>/dev/null || true
printf 'interval %s ms, timeout %s ms, %s s, %s hog(s), load average at the end %s\n' \
    "$interval" "$timeout" "$seconds" "$hogs" "$l1"
printf '%-6s %-8s %-6s %14s\n' server path peer "worst gap ms"
for s in srv1 srv2; do
    k=${s#srv}
    bed client curl -s "http://10.32.0.$k:29003/metrics" |
        sed -n 's/^clp_heartbeat_max_delay_seconds{server="\([^"]*\)",path="\([^"]*\)",peer="\([^"]*\)"} \(.*\)/\1 \2 \3 \4/p' |
        awk -v s="$s" '$1 == s { printf "%-6s %-8s %-6s %14.0f\n", $1, $2, $3, $4 * 1000 }'
done
for s in srv1 srv2; do
    printf '%s: delay warnings (lankhb 71): %s, servers declared down (nm 2): %s\n' "$s" \
        "$(awk -F'\t' '$4 == "lanhb" && $5 == 71' "$CLPBED_DIR/$s/root/alert/alert.log" 2>/dev/null | grep -c . || true)" \
        "$(awk -F'\t' '$4 == "nm" && $5 == 2' "$CLPBED_DIR/$s/root/alert/alert.log" 2>/dev/null | grep -c . || true)"
done
