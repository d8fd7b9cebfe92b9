#!/usr/bin/env bash
# switchover.sh - a planned move of a group (clpgrp -m) as a client sees it, on the
# benchmark bed with the failover probe (bench/failover_probe.c) at a 2 ms interval.
#
# A 2-server bed runs failover1 = fip1 (10.32.0.100) [+ disk1: ext4 on the shared disk,
# mounted on /mnt/clpbench1] + exec1 (bench/http_responder bound to the address, started by
# an asynchronous exec). Each run: the probe waits for steady answers from the holder, a
# random 0.2-0.6 s later `clpgrp -m failover1` runs on the holder; the probe's fault stamp
# (SIGUSR1) is sent by the same shell inside the holder's namespaces right before it execs
# clpgrp, so the figure includes the command's own start. The probe ends after 20 answers
# in a row from the other server. The next run moves the group back.
#
# Figures (seconds): switchover = the command's start -> the first answer from the new
# holder (the target: 50 ms median for fip+exec); outage = the last answer from the old
# holder -> the first from the new one (what a client notices); command = how long clpgrp
# itself took (it returns once the move is done). Phases from the servers' logs, ms from
# the command: deactivation per resource on the old holder (durations), offline (the old
# holder has let go), activation per resource on the new one (durations), online, first.
#
# usage: switchover.sh [--kind fip-exec|fip-disk-exec|all] [--runs N] [--profile P]
#                      [--raw FILE] [--dir BED_DIR]
#   --profile  heartbeat profile of bench/lib_clp.sh (default: fast, 2 servers); a move
#              does not wait for heartbeats, so it changes little
set -Eeuo pipefail
BENCH_NAME=switchover
CLPBED_DIR=${CLPBED_DIR:-/tmp/clpbed-bench}
here=$(dirname "$(readlink -f "$0")")
# shellcheck source=bench/lib.sh
. "$here/lib.sh"
# shellcheck source=bench/lib_clp.sh
. "$here/lib_clp.sh"

kinds=(fip-exec fip-disk-exec) runs=20 raw="" profile=fast
while [ $# -gt 0 ]; do
    case $1 in
        --kind) if [ "$2" = all ]; then kinds=(fip-exec fip-disk-exec); else kinds=("$2"); fi
                shift 2 ;;
        --runs) runs=$2; shift 2 ;;
        --profile) profile=$2; shift 2 ;;
        --raw) raw=$2; shift 2 ;;
        --dir) CLPBED_DIR=$2; shift 2 ;;
        -h | --help) sed -n '2,/^set -E/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
        *) echo "switchover.sh: unknown argument '$1' (see --help)" >&2; exit 2 ;;
    esac
done
[[ $runs =~ ^[1-9][0-9]*$ ]] || { echo "switchover.sh: --runs is a positive number" >&2; exit 2; }
for k in "${kinds[@]}"; do
    case $k in fip-exec | fip-disk-exec) ;;
        *) echo "switchover.sh: --kind is fip-exec, fip-disk-exec or all" >&2; exit 2 ;;
    esac
done
clp_profile "$profile"
((CLP_SERVERS == 2)) || bench_die "switchover.sh needs a 2-server profile (not $profile)"
[ -x "$CLP_BUILD_DIR/bin/clusterpro" ] || bench_die "no build in $CLP_BUILD_DIR (set CLP_BUILD_DIR)"
export CLP_BUILD_DIR CLPBED_DIR
tmp=$(mktemp -d /tmp/bench-switchover.XXXXXX)
bench_at_exit "rm -rf '$tmp'"
[ -n "$raw" ] || raw=$tmp/raw
bench_build

# phases OLD NEW T0 FIRST: deact_*, offline, act_*, online, first (ms from T0).
phases() {
    clp_phases app "$2" "$1" "$3" "$4" | sed 's/detect=[^ ]* //'
}

for kind in "${kinds[@]}"; do
    clp_write_conf "$tmp/clp.conf" --groups 1 --kind "$kind" --no-pidw
    clp_write_scripts "$tmp/scripts" --groups 1
    mkfs=()
    [ "$kind" != fip-disk-exec ] || mkfs=(--mkfs)
    bench_bed_up -n 2 --conf "$tmp/clp.conf" --scripts "$tmp/scripts" --build "$CLP_BUILD_DIR" \
        "${mkfs[@]}"
    clp_start_all
    clp_wait 60 clp_all_online srv1 2 || bench_die "the cluster did not start"
    clp_wait_group failover1 srv1 60 || bench_die "failover1 did not start on srv1"
    bench_log "$kind: $runs move(s), profile $profile"
    for ((run = 1; run <= runs; run++)); do
        probe_start -i 2 -m 30 || bench_die "no steady answer: $(cat "$PROBE_OUT")"
        src=$PROBE_OLD
        dst=srv1
        [ "$src" != srv1 ] || dst=srv2
        bench_random_sleep 0.2 0.6
        # The stamp and the command from one shell in the holder's namespaces.
        out=$(bed exec "$src" sh -c 'printf "%s\n" "$(date +%s.%N)"; kill -USR1 '"$PROBE_PID"'
            s=$(date +%s%N); clpgrp -m failover1 >/dev/null 2>&1; rc=$?
            e=$(date +%s%N); echo "$rc $(((e - s) / 1000))"')
        t0=$(sed -n 1p <<<"$out")
        read -r rc cmd_us <<<"$(sed -n 2p <<<"$out")"
        probe_wait || bench_log "run $run: no answer from $dst within 30 s"
        [ "$rc" = 0 ] || bench_log "run $run: clpgrp -m exited with $rc"
        first=-
        [ "$PROBE_FAILOVER" = - ] ||
            first=$(awk -v a="$t0" -v b="$PROBE_FAILOVER" 'BEGIN { printf "%.6f", a + b }')
        clp_wait 10 eval '[ "$(clp_group_where '"$dst"' failover1)" = '"$dst"' ]' ||
            bench_die "failover1 is not Online on $dst after the move"
        ph=$(phases "$src" "$dst" "$t0" "$first" | sed 's/\([a-z_0-9]*\)=/ph_\1=/g')
        cmd_s=$(awk -v u="$cmd_us" 'BEGIN { printf "%.4f", u / 1e6 }')
        bench_record "$raw" "system=ours setting=$kind fault=move run=$run target=$src cmd_s=$cmd_s $ph"
        bench_log "run $run $src->$dst: switchover $PROBE_FAILOVER s, outage $PROBE_OUTAGE s," \
            "command $cmd_s s; $ph"
    done
    bed down >/dev/null || true
    BENCH_BED_UP=0
done

bench_table "$raw" | sed 's/failover min/switch  min/'
echo
echo "the command (clpgrp -m) and the phases, median ms from the command's start:"
awk '
    function median(list,    v, n, i, j, x) {
        n = split(list, v, " ")
        for (i = 2; i <= n; i++) { x = v[i] + 0; for (j = i - 1; j >= 1 && v[j] + 0 > x; j--) v[j + 1] = v[j]; v[j + 1] = x }
        return n % 2 ? v[(n + 1) / 2] : (v[n / 2] + v[n / 2 + 1]) / 2
    }
    {
        k = ""
        for (i = 1; i <= NF; i++) { split($i, kv, "="); if (kv[1] == "setting") k = kv[2] }
        if (!(k in seen)) { seen[k] = 1; keys[nk++] = k }
        for (i = 1; i <= NF; i++) {
            split($i, kv, "=")
            name = kv[1] == "cmd_s" ? "command" : kv[1] ~ /^ph_/ ? substr(kv[1], 4) : ""
            if (name == "" || kv[2] !~ /^-?[0-9.]+$/) continue
            if (name == "command") kv[2] = kv[2] * 1000
            if (!((k, name) in have)) { have[k, name] = 1; names[k] = names[k] " " name }
            vals[k, name] = vals[k, name] " " kv[2]
        }
    }
    END {
        for (i = 0; i < nk; i++) {
            k = keys[i]; line = sprintf("%-14s", k)
            n = split(names[k], pn, " ")
            for (j = 1; j <= n; j++) line = line sprintf(" %s=%g", pn[j], median(vals[k, pn[j]]))
            print line
        }
    }' "$raw"
echo
echo "# raw: one line per run (probe result; times in s from the fault or command stamp)"
cat "$raw"
