#!/usr/bin/env bash
# idle.sh - what an idle server costs: CPU and memory of the five daemons, on a 2-server
# bed, with 1 group (1 monitor) and with 32 groups / 256 monitors.
#
# Each case: a bed of 2 servers with the profile's heartbeats, every group fip + exec
# (bench/http_responder), started and settled; then nothing happens for --seconds S while
# the daemons' CPU time is read from /proc/PID/stat at both ends (utime + stime + the
# children they reaped: cutime + cstime, so a monitor's check in a child process counts
# for the core) and their memory at the end: RSS (VmRSS) and PSS (Pss of smaps_rollup:
# shared pages divided among the processes sharing them; the five daemons share most of
# their libraries). The 32-group case has 8 monitors per group at their default interval
# (60 s): pidw, fipw, miiw, ipw, httpw, psw, genw (/bin/true), diskw (4 KiB of the shared
# disk); all groups run on srv1 (the first server of every policy).
#
# usage: idle.sh [--seconds S] [--profile P[,P...]] [--case 1|32|all]
#   --profile   bench/lib_clp.sh profiles, 2-server ones (default: default,fast)
#   --seconds   the idle period sampled (default 60)
# Prints one row per (profile, case, server): CPU % of one core and the footprint, RSS and
# PSS in MiB of the five daemons together, then the per-daemon figures. The target (issue 10): the five
# together under 1 % of a core and 30 MiB.
set -Eeuo pipefail
BENCH_NAME=idle
CLPBED_DIR=${CLPBED_DIR:-/tmp/clpbed-bench}
here=$(dirname "$(readlink -f "$0")")
# shellcheck source=bench/lib.sh
. "$here/lib.sh"
# shellcheck source=bench/lib_clp.sh
. "$here/lib_clp.sh"

seconds=60 profiles=(default fast) cases=(1 32)
while [ $# -gt 0 ]; do
    case $1 in
        --seconds) seconds=$2; shift 2 ;;
        --profile) IFS=, read -ra profiles <<<"$2"; shift 2 ;;
        --case) if [ "$2" = all ]; then cases=(1 32); else cases=("$2"); fi; shift 2 ;;
        -h | --help) sed -n '2,/^set -E/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
        *) echo "idle.sh: unknown argument '$1' (see --help)" >&2; exit 2 ;;
    esac
done
[[ $seconds =~ ^[1-9][0-9]*$ ]] || { echo "idle.sh: --seconds is a positive number" >&2; exit 2; }
for c in "${cases[@]}"; do
    case $c in 1 | 32) ;; *) echo "idle.sh: --case is 1, 32 or all" >&2; exit 2 ;; esac
done
for p in "${profiles[@]}"; do clp_profile "$p"; ((CLP_SERVERS == 2)) || bench_die "$p: not 2 servers"; done
[ -x "$CLP_BUILD_DIR/bin/clusterpro" ] || bench_die "no build in $CLP_BUILD_DIR (set CLP_BUILD_DIR)"
export CLP_BUILD_DIR CLPBED_DIR
tmp=$(mktemp -d /tmp/bench-idle.XXXXXX)
bench_at_exit "rm -rf '$tmp'"
bench_build
SERVICES="clusterpro_evt clusterpro_trn clusterpro clusterpro_webmgr clusterpro_alertsync"
HZ=$(getconf CLK_TCK)

# footprint SERVER: KiB of the five daemons' private pages plus every mapped file's
# resident pages once.
footprint() {
    local svc pids=()
    for svc in $SERVICES; do
        pids+=("/proc/$(cat "$CLPBED_DIR/$1/root/run/$svc.pid")/smaps")
    done
    awk '
        FNR == 1 { d++ }
        /^[0-9a-f]+-[0-9a-f]+ / { name = $6; anon = (name == "" || name ~ /^\[/) }
        /^Rss:/ { if (anon) priv += $2; else { r[d, name] += $2; files[name] = 1 } }
        END {
            for (f in files) { m = 0; for (i = 1; i <= d; i++) if (r[i, f] > m) m = r[i, f]; shared += m }
            printf "%.1f\n", (priv + shared) / 1024
        }' "${pids[@]}"
}

# sample SERVER: "service pid ticks rss_kb pss_kb" per daemon of SERVER.
sample() {
    local s svc pid
    for svc in $SERVICES; do
        pid=$(cat "$CLPBED_DIR/$1/root/run/$svc.pid" 2>/dev/null) || bench_die "$1: $svc has no pid file"
        [ -r "/proc/$pid/stat" ] || bench_die "$1: $svc (pid $pid) is not running"
        awk -v svc="$svc" -v pid="$pid" '
            FILENAME ~ /stat$/ { sub(/.*\) /, ""); split($0, f, " "); ticks = f[12] + f[13] + f[14] + f[15] }
            FILENAME ~ /status$/ && $1 == "VmRSS:" { rss = $2 }
            FILENAME ~ /rollup$/ && $1 == "Pss:" { pss = $2 }
            END { print svc, pid, ticks, rss, pss }' \
            "/proc/$pid/stat" "/proc/$pid/status" "/proc/$pid/smaps_rollup"
    done
}

rows=$tmp/rows
: >"$rows"
: >"$tmp/foot"
for p in "${profiles[@]}"; do
    clp_profile "$p"
    for c in "${cases[@]}"; do
        if [ "$c" = 1 ]; then
            clp_write_conf "$tmp/clp.conf" --groups 1
            clp_write_scripts "$tmp/scripts" --groups 1
        else
            clp_write_conf "$tmp/clp.conf" --groups 32 --monitors 8
            clp_write_scripts "$tmp/scripts" --groups 32
        fi
        bench_bed_up -n 2 --conf "$tmp/clp.conf" --scripts "$tmp/scripts" \
            --build "$CLP_BUILD_DIR"
        clp_start_all
        clp_wait 120 clp_all_online srv1 2 || bench_die "the cluster did not start"
        for ((g = 1; g <= c; g++)); do
            clp_wait 120 eval '[ "$(clp_group_where srv1 failover'"$g"')" != - ]' ||
                bench_die "failover$g did not start"
        done
        # Let start-up work (first checks, alert sync) pass before sampling.
        sleep 10
        sample srv1 >"$tmp/a1"
        sample srv2 >"$tmp/a2"
        bench_log "$p, $c group(s): sampling $seconds s (load $(cut -d' ' -f1 /proc/loadavg))"
        sleep "$seconds"
        sample srv1 >"$tmp/b1"
        sample srv2 >"$tmp/b2"
        for k in 1 2; do
            echo "$p $c srv$k $(footprint "srv$k")" >>"$tmp/foot"
            join <(sort "$tmp/a$k") <(sort "$tmp/b$k") |
                awk -v p="$p" -v c="$c" -v s="srv$k" -v hz="$HZ" -v t="$seconds" '
                    $2 != $6 { print "restarted", $1 > "/dev/stderr" }
                    { printf "%s %s %s %s %.3f %.1f %.1f\n", p, c, s, $1, ($7 - $3) / hz / t * 100, $8 / 1024, $9 / 1024 }' >>"$rows"
        done
        bed down >/dev/null || true
        BENCH_BED_UP=0
    done
done

printf '%-8s %6s %-6s %8s %13s %9s %9s\n' profile groups server "cpu %" "footprint MiB" "RSS MiB" "PSS MiB"
awk 'FILENAME ~ /foot$/ { foot[$1 " " $2 " " $3] = $4; next }
     { k = $1 " " $2 " " $3; if (!(k in cpu)) order[n++] = k; cpu[k] += $5; rss[k] += $6; pss[k] += $7 }
     END { for (i = 0; i < n; i++) { split(order[i], a, " ")
           printf "%-8s %6s %-6s %8.3f %13.1f %9.1f %9.1f\n", a[1], a[2], a[3], cpu[order[i]], foot[order[i]], rss[order[i]], pss[order[i]] } }' "$tmp/foot" "$rows"
echo
echo "per daemon (cpu % of a core, RSS MiB, PSS MiB):"
awk '{ printf "%-8s %3s %-5s %-21s %7.3f %6.1f %6.1f\n", $1, $2, $3, $4, $5, $6, $7 }' "$rows"
