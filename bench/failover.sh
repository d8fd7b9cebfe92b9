#!/usr/bin/env bash
# failover.sh - our product's failover as a client sees it, on the same namespace bed and
# with the same probe and responder as the peers (bench/peers/), optionally with the peers
# measured in the same session, and the ratios.
#
# For each profile (bench/lib_clp.sh: default, 1s, fast, fast) a bed of the profile's
# servers runs one group failover1 = fip1 (10.32.0.100) + exec1 (asynchronous: it execs
# bench/http_responder bound to the address) with pidw1 on exec1 (group failover on error).
# Each run: the probe (failover_probe on the client) waits for steady answers, a random
# 0.5-1.5 s later the fault hits the server that answers:
#   crash  every process of the server stopped at once (SIGSTOP), then `clpbed crash`
#          (bench_fault crash: a power-off; its addresses removed)
#   app    kill -9 of the responder (the pid exec1 keeps): pidw1 sees it at its next
#          check, the group fails over (exec1 and fip1 stopped there, started on the next
#          server)
# and the probe ends after 20 answers in a row from another server. The phases come from
# the servers' own logs (bench/lib_clp.sh clp_phases). Then the crashed server is started
# again (it rejoins as a standby) and the cluster left to settle; after an app fault the
# monitors' recovery counts are reset (clpmonctrl -c) so every run fails over.
#
# usage: failover.sh [--profile P[,P...]|all] [--fault crash|app|all] [--runs N]
#                    [--peers [LIST]] [--raw FILE] [--dir BED_DIR]
#   --profile   default, 1s, fast, fast; all = default,1s,fast            [default: fast]
#   --peers     also run the peers' scripts in this session (same runs, crash fault),
#               LIST of ka0.1 ka1 pm3000 pm1000 pm500 (comma separated)
#               [default when given without a list: ka0.1,pm3000,pm1000]
#   --raw FILE  append every run (ours and the peers') to FILE, kept; else a temporary file
#   BENCH_SEED  seeds the random delays; CLP_BUILD_DIR: the build (bin/, bench/)
# Prints the table of bench_table, the median phase breakdown of our runs and, with peers,
# the ratios of our medians to theirs. Needs root and a build (cmake --build).
set -Eeuo pipefail
BENCH_NAME=failover
CLPBED_DIR=${CLPBED_DIR:-/tmp/clpbed-bench}
here=$(dirname "$(readlink -f "$0")")
# shellcheck source=bench/lib.sh
. "$here/lib.sh"
# shellcheck source=bench/lib_clp.sh
. "$here/lib_clp.sh"

profiles=(fast) faults=(crash app) runs=10 raw="" peers=()
while [ $# -gt 0 ]; do
    case $1 in
        --profile) if [ "$2" = all ]; then profiles=(default 1s fast fast3); else IFS=, read -ra profiles <<<"$2"; fi
                   shift 2 ;;
        --fault) if [ "$2" = all ]; then faults=(crash app); else faults=("$2"); fi; shift 2 ;;
        --runs) runs=$2; shift 2 ;;
        --peers) if [ $# -gt 1 ] && [[ $2 != --* ]]; then IFS=, read -ra peers <<<"$2"; shift 2
                 else peers=(ka0.1 pm3000 pm1000); shift; fi ;;
        --raw) raw=$2; shift 2 ;;
        --dir) CLPBED_DIR=$2; shift 2 ;;
        -h | --help) sed -n '2,/^set -E/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
        *) echo "failover.sh: unknown argument '$1' (see --help)" >&2; exit 2 ;;
    esac
done
[[ $runs =~ ^[1-9][0-9]*$ ]] || { echo "failover.sh: --runs is a positive number" >&2; exit 2; }
for f in "${faults[@]}"; do
    case $f in crash | app) ;; *) echo "failover.sh: --fault is crash, app or all" >&2; exit 2 ;; esac
done
for p in "${peers[@]}"; do
    case $p in ka0.1 | ka1 | pm3000 | pm1000 | pm500) ;;
        *) echo "failover.sh: unknown peer '$p' (ka0.1 ka1 pm3000 pm1000 pm500)" >&2; exit 2 ;;
    esac
done
for p in "${profiles[@]}"; do clp_profile "$p"; done # checks the names
[ -x "$CLP_BUILD_DIR/bin/clusterpro" ] || bench_die "no build in $CLP_BUILD_DIR (set CLP_BUILD_DIR)"
export CLP_BUILD_DIR CLPBED_DIR
tmp=$(mktemp -d /tmp/bench-failover.XXXXXX)
bench_at_exit "rm -rf '$tmp'"
[ -n "$raw" ] || raw=$tmp/raw
bench_build

# run_peer NAME: one peer script over its own bed, crash fault, appending to $raw.
run_peer() {
    local dir=/tmp/clpbed-peers
    bench_log "peer $1: $runs run(s)"
    case $1 in
        ka*) "$here/peers/keepalived.sh" --runs "$runs" --advert "${1#ka}" --fault crash \
                 --dir "$dir" --raw "$raw" >/dev/null ;;
        pm*) "$here/peers/pacemaker.sh" --runs "$runs" --token "${1#pm}" --fault crash \
                 --dir "$dir" --raw "$raw" >/dev/null ;;
    esac || bench_log "peer $1 failed (its runs so far are kept)"
}

# one_profile P: every run of every fault for profile P, on a bed of its own.
one_profile() {
    local p=$1 fault
    clp_profile "$p"
    clp_write_conf "$tmp/clp.conf" --groups 1 --kind fip-exec
    clp_write_scripts "$tmp/scripts" --groups 1
    bench_bed_up -n "$CLP_SERVERS" --conf "$tmp/clp.conf" --scripts "$tmp/scripts" \
        --build "$CLP_BUILD_DIR"
    clp_start_all
    clp_settle "$CLP_SERVERS" srv1 failover1
    bench_log "profile $p: interval $CLP_INTERVAL ms, timeout $CLP_TIMEOUT ms, NP $CLP_NP," \
        "$CLP_SERVERS servers; $runs run(s) per fault: ${faults[*]}"
    for fault in "${faults[@]}"; do
        clp_failovers "$fault" "$runs" "$raw" "$p"
    done
    bed down >/dev/null || true
    BENCH_BED_UP=0
}

[ ${#peers[@]} -eq 0 ] || bench_log "load before: $(cut -d' ' -f1-3 /proc/loadavg)"
for p in "${profiles[@]}"; do
    one_profile "$p"
done
for p in "${peers[@]}"; do
    run_peer "$p"
done
bench_log "load after: $(cut -d' ' -f1-3 /proc/loadavg)"

bench_table "$raw"
echo
echo "phases of our runs, median ms from the fault (act_*, deact_*, np: durations in ms):"
awk '
    $1 == "system=ours" {
        k = ""; for (i = 1; i <= NF; i++) { split($i, kv, "="); if (kv[1] == "setting" || kv[1] == "fault") k = k kv[2] " " }
        if (!(k in seen)) { seen[k] = 1; keys[nk++] = k }
        for (i = 1; i <= NF; i++) {
            split($i, kv, "=")
            if (kv[1] ~ /^ph_/ && kv[2] ~ /^-?[0-9.]+$/) {
                ph = substr(kv[1], 4)
                if (!((k, ph) in have)) { have[k, ph] = 1; names[k] = names[k] " " ph }
                vals[k, ph] = vals[k, ph] " " kv[2]
            }
        }
    }
    function median(list,    v, n, i, j, x) {
        n = split(list, v, " ")
        for (i = 2; i <= n; i++) { x = v[i] + 0; for (j = i - 1; j >= 1 && v[j] + 0 > x; j--) v[j + 1] = v[j]; v[j + 1] = x }
        return n % 2 ? v[(n + 1) / 2] : (v[n / 2] + v[n / 2 + 1]) / 2
    }
    END {
        for (i = 0; i < nk; i++) {
            k = keys[i]; line = sprintf("%-16s", k)
            n = split(names[k], pn, " ")
            for (j = 1; j <= n; j++) line = line sprintf(" %s=%g", pn[j], median(vals[k, pn[j]]))
            print line
        }
    }' "$raw"
if grep -q '^system=\(keepalived\|pacemaker\)' "$raw" && grep -q '^system=ours' "$raw"; then
    echo
    echo "ratios of medians (failover, crash fault): ours / peer"
    awk '
        { sys = set = flt = fo = ""
          for (i = 1; i <= NF; i++) { split($i, kv, "=")
              if (kv[1] == "system") sys = kv[2]; else if (kv[1] == "setting") set = kv[2]
              else if (kv[1] == "fault") flt = kv[2]; else if (kv[1] == "failover_s") fo = kv[2] }
          if (flt != "crash" || fo !~ /^[0-9.]+$/) next
          k = sys " " set
          if (!(k in v)) order[n++] = k
          v[k] = v[k] " " fo }
        function median(list,    a, m, i, j, x) {
            m = split(list, a, " ")
            for (i = 2; i <= m; i++) { x = a[i] + 0; for (j = i - 1; j >= 1 && a[j] + 0 > x; j--) a[j + 1] = a[j]; a[j + 1] = x }
            return m % 2 ? a[(m + 1) / 2] : (a[m / 2] + a[m / 2 + 1]) / 2
        }
        END {
            line = sprintf("%-22s %8s", "ours \\ peer", "median")
            for (j = 0; j < n; j++) if (order[j] !~ /^ours/) line = line sprintf(" %20s", order[j])
            print line
            for (i = 0; i < n; i++) {
                if (order[i] !~ /^ours/) continue
                mo = median(v[order[i]])
                line = sprintf("%-22s %8.3f", order[i], mo)
                for (j = 0; j < n; j++) if (order[j] !~ /^ours/)
                    line = line sprintf(" %20s", sprintf("%.3f (%.3f s)", mo / median(v[order[j]]), median(v[order[j]])))
                print line
            }
        }' "$raw"
fi
echo
echo "# raw: one line per run (probe result; times in s from the fault or command stamp)"
cat "$raw"
