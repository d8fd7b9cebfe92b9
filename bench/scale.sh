#!/usr/bin/env bash
# scale.sh - the largest clusters the bed holds on this machine: time to converge at
# start and the failover time there.
#
# For each size N: a bed of N servers (srv1..srvN, each with its five daemons), one group
# failover1 = fip1 + exec1 + pidw1 whose policy is every server (srv1 first), the
# heartbeats of the profile. Start: `clpbed start all` starts the services server after
# server (clpsvc in each); converged = srv1 sees all N servers Online and failover1 Online.
# Printed: the time `start all` took, the time to convergence (both from the start
# command), and from the servers' own logs the last server's "nm 6"/"nm 7" (start-up wait
# over) and the group's activation. Then --runs crash failovers with the probe
# (bench/lib_clp.sh clp_failovers: the server that answers is powered off, the group
# comes back on another), and the machine's load, the daemons' memory footprint (private
# pages plus each mapped file once, all servers together) and their CPU during a 20 s
# idle period.
#
# usage: scale.sh [--servers N[,N...]] [--profile P] [--runs R] [--raw FILE]
#   --servers  sizes (default 16,32; the bed holds 32 at most)
#   --profile  bench/lib_clp.sh timing and NP (default fast3: 100/500 ms, majority NP)
set -Eeuo pipefail
BENCH_NAME=scale
CLPBED_DIR=${CLPBED_DIR:-/tmp/clpbed-bench}
here=$(dirname "$(readlink -f "$0")")
# shellcheck source=bench/lib.sh
. "$here/lib.sh"
# shellcheck source=bench/lib_clp.sh
. "$here/lib_clp.sh"

sizes=(16 32) profile=fast3 runs=5 raw=""
while [ $# -gt 0 ]; do
    case $1 in
        --servers) IFS=, read -ra sizes <<<"$2"; shift 2 ;;
        --profile) profile=$2; shift 2 ;;
        --runs) runs=$2; shift 2 ;;
        --raw) raw=$2; shift 2 ;;
        -h | --help) sed -n '2,/^set -E/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
        *) echo "scale.sh: unknown argument '$1' (see --help)" >&2; exit 2 ;;
    esac
done
for n in "${sizes[@]}"; do
    [[ $n =~ ^[0-9]+$ ]] && ((n >= 2 && n <= 32)) || { echo "scale.sh: sizes are 2..32" >&2; exit 2; }
done
[[ $runs =~ ^[0-9]+$ ]] || { echo "scale.sh: --runs is a number" >&2; exit 2; }
clp_profile "$profile"
[ -x "$CLP_BUILD_DIR/bin/clusterpro" ] || bench_die "no build in $CLP_BUILD_DIR (set CLP_BUILD_DIR)"
export CLP_BUILD_DIR CLPBED_DIR
tmp=$(mktemp -d /tmp/bench-scale.XXXXXX)
bench_at_exit "rm -rf '$tmp'"
[ -n "$raw" ] || raw=$tmp/raw
bench_build
HZ=$(getconf CLK_TCK)

# footprint N: MiB that the daemons of srv1..srvN add to the machine: their private
# pages plus every mapped file's resident pages once (as bench/idle.sh).
footprint() {
    local k svc pid smaps=()
    for ((k = 1; k <= $1; k++)); do
        for svc in clusterpro_evt clusterpro_trn clusterpro clusterpro_webmgr clusterpro_alertsync; do
            pid=$(cat "$CLPBED_DIR/srv$k/root/run/$svc.pid" 2>/dev/null) || continue
            [ -r "/proc/$pid/smaps" ] && smaps+=("/proc/$pid/smaps")
        done
    done
    awk '
        /^[0-9a-f]+-[0-9a-f]+ / { name = $6; anon = (name == "" || name ~ /^\[/) }
        /^Rss:/ { if (anon) priv += $2; else if ($2 > r[FILENAME, name]) { r[FILENAME, name] = $2; if ($2 > m[name]) m[name] = $2 } }
        END { for (f in m) shared += m[f]; printf "%.0f\n", (priv + shared) / 1024 }' "${smaps[@]}"
}

# daemon_ticks N: the CPU ticks of every daemon of srv1..srvN (children included).
daemon_ticks() {
    local k svc pid total=0 t
    for ((k = 1; k <= $1; k++)); do
        for svc in clusterpro_evt clusterpro_trn clusterpro clusterpro_webmgr clusterpro_alertsync; do
            pid=$(cat "$CLPBED_DIR/srv$k/root/run/$svc.pid" 2>/dev/null) || continue
            t=$(awk '{ sub(/.*\) /, ""); split($0, f, " "); print f[12] + f[13] + f[14] + f[15] }' \
                "/proc/$pid/stat" 2>/dev/null) || continue
            total=$((total + t))
        done
    done
    echo "$total"
}

# table_fulls: how often the machine's IPv4 neighbour table refused a new entry since
# boot (one table for every namespace; clpbed up raises its limits for N servers).
table_fulls() {
    local total=0 x
    for x in $(awk 'NR > 1 { print $13 }' /proc/net/stat/arp_cache); do
        total=$((total + 16#$x))
    done
    echo "$total"
}

summary=$tmp/summary
: >"$summary"
for n in "${sizes[@]}"; do
    clp_profile "$profile"
    CLP_SERVERS=$n
    clp_write_conf "$tmp/clp.conf" --groups 1
    clp_write_scripts "$tmp/scripts" --groups 1
    bench_bed_up -n "$n" --conf "$tmp/clp.conf" --scripts "$tmp/scripts" --build "$CLP_BUILD_DIR"
    bench_log "$n servers, profile $profile: starting (load $(cut -d' ' -f1 /proc/loadavg)," \
        "neighbour table limit $(cat /proc/sys/net/ipv4/neigh/default/gc_thresh3))"
    fulls0=$(table_fulls)
    t0=$EPOCHREALTIME
    clp_start_all
    t1=$EPOCHREALTIME
    clp_wait 300 clp_all_online srv1 "$n" || bench_die "$n servers: not all Online within 300 s"
    clp_wait 120 eval '[ "$(clp_group_where srv1 failover1)" != - ]' || bench_die "failover1 did not start"
    t2=$EPOCHREALTIME
    # From the logs: the last server's end of the start-up wait, the group's activation.
    synced=$(cat "$CLPBED_DIR"/srv*/root/log/clusterpro.log |
        awk '/ nm [67]: / { split($2, b, ":"); t = b[1] * 3600 + b[2] * 60 + b[3]; if (t > m) m = t } END { printf "%.3f", m }')
    online=$(awk '/ rc 11: Activating group failover1/ { split($2, b, ":"); print b[1] * 3600 + b[2] * 60 + b[3] }' \
        "$CLPBED_DIR"/srv*/root/log/clusterpro.log | sort -n | head -1)
    day0=$(date -d "@${t0%.*}" +'%H %M %S' | awk -v f="0.${t0#*.}" '{ printf "%.3f", $1 * 3600 + $2 * 60 + $3 + f }')
    start_s=$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.2f", b - a }')
    conv_s=$(awk -v a="$t0" -v b="$t2" 'BEGIN { printf "%.2f", b - a }')
    sync_s=$(awk -v a="$day0" -v b="$synced" 'BEGIN { printf "%.2f", b - a }')
    online_s=$(awk -v a="$day0" -v b="${online:-0}" 'BEGIN { if (b > 0) printf "%.2f", b - a; else print "-" }')
    bench_log "$n servers: start all ${start_s}s, converged ${conv_s}s (last start-up wait over at ${sync_s}s, group online at ${online_s}s)"
    sleep 5
    c0=$(daemon_ticks "$n")
    sleep 20
    c1=$(daemon_ticks "$n")
    cpu=$(awk -v a="$c0" -v b="$c1" -v hz="$HZ" -v n="$n" 'BEGIN { printf "%.2f", (b - a) / hz / 20 * 100 / n }')
    memused=$(footprint "$n")
    load=$(cut -d' ' -f1 /proc/loadavg)
    bench_log "$n servers: idle: ${cpu}% of a core per server (five daemons), the daemons' footprint ${memused} MiB, load $load"
    fulls=$(($(table_fulls) - fulls0))
    ((fulls == 0)) || bench_log "$n servers: warning: the machine's neighbour table was full" \
        "$fulls times since the start (new neighbours unresolved; see test/bed/README.md)"
    ((runs == 0)) || clp_failovers crash "$runs" "$raw" "$profile-n$n"
    echo "$n $start_s $conv_s $sync_s $online_s $cpu $memused $load" >>"$summary"
    bed down >/dev/null || true
    BENCH_BED_UP=0
done

printf '%7s %10s %12s %14s %12s %14s %11s %6s\n' servers "start s" "converged s" "startwait s" "online s" \
    "cpu %/server" "daemons MiB" load
awk '{ printf "%7s %10s %12s %14s %12s %14s %11s %6s\n", $1, $2, $3, $4, $5, $6, $7, $8 }' "$summary"
if [ -s "$raw" ]; then
    echo
    bench_table "$raw"
fi
