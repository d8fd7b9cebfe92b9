# shellcheck shell=bash disable=SC2034  # PROBE_* and the like are outputs for the caller
# bench/lib.sh - helpers shared by the failover benchmarks (bench/peers/*.sh,
# bench/failover.sh): a bed of their own, the probe, fault injection, random
# delays and min/median/max tables. Source it from a bash script run as root:
#
#   . "$(dirname "$0")/lib.sh"            # (../lib.sh from bench/peers/)
#   bench_build                            # failover_probe, http_responder -> $BENCH_BIN
#   bench_bed_up -n 2                      # clpbed up; `clpbed down` at exit, always
#   ... start the system under test, the responder on the active server ...
#   probe_start                            # waits until one server answers steadily
#   bench_random_sleep 0.5 1.5
#   bench_fault crash "$PROBE_OLD"         # stamps the fault in the probe, then injects it
#   probe_wait && bench_record "$RAW" "system=x setting=y fault=crash"
#   bench_table "$RAW"
#
# Variables (set before sourcing to override):
#   BENCH_SRC      the source tree (default: this file's ../)
#   BENCH_BIN      where bench_build puts the binaries (default $CLP_BUILD_DIR/bench,
#                  CLP_BUILD_DIR defaulting to $BENCH_SRC/build)
#   CLPBED         the bed command (default $BENCH_SRC/test/bed/clpbed)
#   CLPBED_DIR     the bed directory (default /tmp/clpbed-bench); use one of your own
#   BENCH_SEED     seeds $RANDOM, so a run's random delays can be repeated
#   BENCH_VIP      the floating address probed (default 10.32.0.100), port 80
#
# Functions:
#   bench_log MSG...             a timestamped line on stderr
#   bench_die MSG...             bench_log, keep the servers' logs (BENCH_LOGS), hold the bed
#                                up BENCH_HOLD_ON_ERROR s when set, then exit 1 (the bed
#                                is removed)
#   bench_build                  compiles bench/*.c with cc when stale (no CMake needed)
#   bed ARGS...                  clpbed --dir $CLPBED_DIR ARGS...
#   bench_bed_up [UP ARGS...]    removes a leftover bed in $CLPBED_DIR, then `clpbed up`;
#                                from then on an EXIT/INT/TERM trap runs the hooks of
#                                bench_at_exit (last first), stops the probe and runs
#                                `clpbed down`, whatever happens
#   bench_at_exit CMD            registers a shell command for that trap
#   bench_random_sleep MIN MAX   sleeps a uniform random time in [MIN, MAX] seconds
#   probe_start [PROBE OPTS...]  starts failover_probe on the client host in the
#                                background (options passed through, e.g. -a, -m 30) and
#                                waits until it prints `ready`; sets PROBE_PID,
#                                PROBE_OLD (the server answering), PROBE_OUT (its stdout),
#                                PROBE_LOG (its per-attempt log). Returns 1 when it never
#                                got ready (PROBE_OUT says why)
#   probe_fault                  stamps the fault time in the probe (SIGUSR1) and sets
#                                BENCH_FAULT_WALL (wall clock, s, just before the signal)
#   probe_wait                   waits for the probe to end; sets PROBE_RESULT (its
#                                `result` line without the word), PROBE_NEW,
#                                PROBE_FAILOVER, PROBE_OUTAGE (seconds, or "-"). Returns
#                                the probe's status: 0 failover seen, 1 none
#   probe_stop                   ends a running probe (SIGTERM)
#   probe_clean                  removes the last probe's files (probe_start and the exit
#                                trap do it)
#   bench_fault KIND SERVER      injects a fault and stamps it in the probe (probe_fault);
#                                BENCH_FAULT_WALL is the wall clock of the stamp (s, from
#                                $EPOCHREALTIME, to place the product's log lines):
#                                crash: stamp, every process of SERVER stopped (SIGSTOP) at
#                                once, then clpbed crash (see bench_freeze); link: lan2 cable
#                                pulled, then stamp; isolate: lan1 and lan2 pulled together,
#                                then stamp (`clpbed link` pulls the cable at its very end)
#   bench_server_pids SERVER     the pids of every process in SERVER's network namespace
#   bench_unfault KIND SERVER    plugs the cables back for link/isolate (nothing for crash)
#   bench_record FILE TAGS       appends "TAGS $PROBE_RESULT" to FILE (one line per run);
#                                TAGS are key=value words without spaces: system=,
#                                setting= and fault= group the table, others (run=,
#                                target=) are kept
#   bench_field "K=V ..." KEY    the value of KEY in such a line
#   bench_stats VALUE...         prints "min median max" (3 decimals); "- - -" for none;
#                                non-numeric values ("-") are skipped
#   bench_table FILE...          the table of the runs recorded by bench_record: one row
#                                per (system, setting, fault): runs, failures (no
#                                failover), failover and outage min / median / max
#
# The probe's command line and output: the comment at the top of bench/failover_probe.c
# (and failover_probe -h); the responder: bench/http_responder.c.

BENCH_SRC=${BENCH_SRC:-$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)}
CLP_BUILD_DIR=${CLP_BUILD_DIR:-$BENCH_SRC/build}
BENCH_BIN=${BENCH_BIN:-$CLP_BUILD_DIR/bench}
CLPBED=${CLPBED:-$BENCH_SRC/test/bed/clpbed}
CLPBED_DIR=${CLPBED_DIR:-/tmp/clpbed-bench}
BENCH_VIP=${BENCH_VIP:-10.32.0.100}
export CLPBED_DIR
if [ -n "${BENCH_SEED:-}" ]; then
    RANDOM=$BENCH_SEED
fi
BENCH_EXIT_HOOKS=()
BENCH_BED_UP=0
PROBE_PID=""
PROBE_BG=""

bench_log() {
    printf '%s %s: %s\n' "$(date +%T.%3N)" "${BENCH_NAME:-${0##*/}}" "$*" >&2
}

bench_die() {
    bench_log "error: $*"
    # the servers' logs outlive the bed (removed at exit), for the post-mortem
    local keep=${BENCH_LOGS:-/tmp/clp-bench-logs}/$(date +%H%M%S) s
    if [ -d "${CLPBED_DIR:-}" ]; then
        for s in "$CLPBED_DIR"/*/root/log; do
            [ -d "$s" ] || continue
            mkdir -p "$keep/$(basename "$(dirname "$(dirname "$s")")")"
            cp -r "$s" "$keep/$(basename "$(dirname "$(dirname "$s")")")/" 2>/dev/null || true
        done
        bench_log "the servers' logs are kept in $keep"
        if [ -n "${BENCH_HOLD_ON_ERROR:-}" ]; then
            bench_log "the bed $CLPBED_DIR stays up for ${BENCH_HOLD_ON_ERROR} s (BENCH_HOLD_ON_ERROR)"
            sleep "$BENCH_HOLD_ON_ERROR"
        fi
    fi
    exit 1
}

bench_build() {
    local src out
    mkdir -p "$BENCH_BIN" || bench_die "cannot create $BENCH_BIN"
    for src in failover_probe http_responder; do
        out=$BENCH_BIN/$src
        if [ ! -x "$out" ] || [ "$BENCH_SRC/bench/$src.c" -nt "$out" ]; then
            cc -std=gnu11 -O2 -Wall -Wextra -Wshadow -D_GNU_SOURCE -o "$out.tmp" \
                "$BENCH_SRC/bench/$src.c" || bench_die "cannot build $src"
            mv -f "$out.tmp" "$out"
        fi
    done
}

bed() {
    "$CLPBED" --dir "$CLPBED_DIR" "$@"
}

bench_at_exit() {
    BENCH_EXIT_HOOKS+=("$1")
}

bench_cleanup() {
    local rc=$? i
    trap - EXIT INT TERM
    set +e
    probe_stop
    probe_clean
    for ((i = ${#BENCH_EXIT_HOOKS[@]} - 1; i >= 0; i--)); do
        eval "${BENCH_EXIT_HOOKS[i]}"
    done
    if ((BENCH_BED_UP)); then
        bed down >/dev/null || bench_log "clpbed down failed in $CLPBED_DIR"
    fi
    exit "$rc"
}

bench_bed_up() {
    [ "$(id -u)" = 0 ] || bench_die "must run as root (network namespaces)"
    bed down >/dev/null 2>&1 || true
    trap bench_cleanup EXIT
    trap 'exit 130' INT
    trap 'exit 143' TERM
    BENCH_BED_UP=1
    bed up "$@" >/dev/null || bench_die "clpbed up failed"
}

bench_random_sleep() {
    local r=$(((RANDOM << 15) | RANDOM))
    sleep "$(awk -v a="$1" -v b="$2" -v r="$r" \
        'BEGIN { printf "%.3f", a + (b - a) * r / 1073741823 }')"
}

probe_start() {
    local i
    probe_clean
    PROBE_OUT=$(mktemp /tmp/bench-probe.XXXXXX)
    PROBE_LOG=$PROBE_OUT.attempts
    PROBE_OLD=""
    PROBE_PID=""
    bed client "$BENCH_BIN/failover_probe" -t "$BENCH_VIP:80" -l "$PROBE_LOG" "$@" \
        >"$PROBE_OUT" 2>&1 </dev/null &
    PROBE_BG=$!
    for ((i = 0; ; i++)); do
        if grep -q '^ready ' "$PROBE_OUT"; then
            break
        fi
        if ! kill -0 "$PROBE_BG" 2>/dev/null; then
            wait "$PROBE_BG" || true
            PROBE_BG=""
            return 1
        fi
        sleep 0.02
    done
    PROBE_PID=$(sed -n 's/^ready pid=\([0-9]*\) .*/\1/p' "$PROBE_OUT")
    PROBE_OLD=$(sed -n 's/^ready .*server=\([^ ]*\).*/\1/p' "$PROBE_OUT")
}

# probe_clean: removes the files of the previous probe.
probe_clean() {
    if [ -n "${PROBE_OUT:-}" ]; then
        rm -f "$PROBE_OUT" "$PROBE_OUT.attempts"
    fi
    PROBE_OUT=""
}

probe_fault() {
    [ -n "$PROBE_PID" ] || bench_die "probe_fault: no probe running"
    BENCH_FAULT_WALL=$EPOCHREALTIME
    kill -USR1 "$PROBE_PID"
}

probe_wait() {
    local rc=0
    [ -n "$PROBE_BG" ] || bench_die "probe_wait: no probe running"
    wait "$PROBE_BG" || rc=$?
    PROBE_BG=""
    PROBE_PID=""
    PROBE_RESULT=$(sed -n 's/^result //p' "$PROBE_OUT")
    PROBE_NEW=$(bench_field "$PROBE_RESULT" new)
    PROBE_FAILOVER=$(bench_field "$PROBE_RESULT" failover_s)
    PROBE_OUTAGE=$(bench_field "$PROBE_RESULT" outage_s)
    return "$rc"
}

probe_stop() {
    if [ -n "$PROBE_BG" ]; then
        kill -TERM "$PROBE_BG" 2>/dev/null
        wait "$PROBE_BG" 2>/dev/null
        PROBE_BG=""
        PROBE_PID=""
    fi
    return 0
}

# bench_field "k1=v1 k2=v2" KEY: the value of KEY.
bench_field() {
    local kv
    for kv in $1; do
        if [ "${kv%%=*}" = "$2" ]; then
            echo "${kv#*=}"
            return 0
        fi
    done
}

# bench_server_pids SERVER: every process in SERVER's network namespace.
bench_server_pids() {
    local id
    if [ -z "${BENCH_NETNS_PFX:-}" ]; then
        BENCH_NETNS_PFX=$(bed status | sed -n 's/^netns_prefix=//p')
    fi
    id=$(stat -L -c '%d:%i' "/run/netns/$BENCH_NETNS_PFX-$1") || return 1
    { stat -L -c '%n %d:%i' /proc/[0-9]*/ns/net 2>/dev/null || true; } |
        awk -v id="$id" -v me="$$" -v sub_="$BASHPID" '
            $2 == id { split($1, p, "/"); if (p[3] != me && p[3] != sub_) print p[3] }'
}

# bench_freeze SERVER [PIDS]: SIGSTOP every process of SERVER (PIDS first, a list made
# beforehand so that the first signal follows the fault stamp at once). clpbed crash
# SIGKILLs the processes one after the other: a daemon whose parent dies first gets its
# PR_SET_PDEATHSIG (SIGTERM) and may say goodbye to its peers (keepalived's VRRP child
# then sends a priority-0 advert) before its own SIGKILL comes. Stopped processes say
# nothing, so freeze-then-crash is a power-off.
bench_freeze() {
    local pids=${2:-}
    # shellcheck disable=SC2086
    [ -z "$pids" ] || kill -STOP $pids 2>/dev/null || true
    pids=$(bench_server_pids "$1")
    # shellcheck disable=SC2086
    [ -z "$pids" ] || kill -STOP $pids 2>/dev/null || true
}

bench_fault() {
    local pids=""
    case $1 in
        crash)
            pids=$(bench_server_pids "$2" | tr '\n' ' ')
            probe_fault
            bench_freeze "$2" "$pids"
            bed crash "$2" >/dev/null
            ;;
        link)
            # The cable is pulled at the very end of `clpbed link` (~25 ms after it is
            # started): the stamp taken when it returns is the closer one.
            bed link "$2" lan2 down
            probe_fault
            ;;
        isolate)
            local pid1
            bed link "$2" lan1 down &
            pid1=$!
            bed link "$2" lan2 down
            wait "$pid1"
            probe_fault
            ;;
        *) bench_die "bench_fault: unknown fault '$1'" ;;
    esac
}

bench_unfault() {
    case $1 in
        crash) ;;
        link) bed link "$2" lan2 up ;;
        isolate) bed link "$2" lan1 up && bed link "$2" lan2 up ;;
        *) bench_die "bench_unfault: unknown fault '$1'" ;;
    esac
}

bench_record() {
    echo "$2 $PROBE_RESULT" >>"$1"
}

bench_stats() {
    printf '%s\n' "$@" | awk '
        $1 ~ /^-?[0-9.]+$/ { v[n++] = $1 + 0 }
        END {
            if (n == 0) { print "- - -"; exit }
            for (i = 1; i < n; i++) {           # insertion sort: a few dozen values
                x = v[i]
                for (j = i - 1; j >= 0 && v[j] > x; j--) v[j + 1] = v[j]
                v[j + 1] = x
            }
            med = n % 2 ? v[(n - 1) / 2] : (v[n / 2 - 1] + v[n / 2]) / 2
            printf "%.3f %.3f %.3f\n", v[0], med, v[n - 1]
        }'
}

bench_table() {
    awk '
        function stats(list,    v, n, i, j, x, med) {
            n = split(list, v, " ")
            if (n == 0) return "-"
            for (i = 2; i <= n; i++) {         # insertion sort: a few dozen values
                x = v[i] + 0
                for (j = i - 1; j >= 1 && v[j] + 0 > x; j--) v[j + 1] = v[j]
                v[j + 1] = x
            }
            med = n % 2 ? v[(n + 1) / 2] : (v[n / 2] + v[n / 2 + 1]) / 2
            return sprintf("%.3f / %.3f / %.3f", v[1], med, v[n])
        }
        {
            sys = set = flt = "-"; fo = ou = ""; nw = ""
            for (i = 1; i <= NF; i++) {
                split($i, kv, "=")
                if (kv[1] == "system") sys = kv[2]
                else if (kv[1] == "setting") set = kv[2]
                else if (kv[1] == "fault") flt = kv[2]
                else if (kv[1] == "failover_s") fo = kv[2]
                else if (kv[1] == "outage_s") ou = kv[2]
                else if (kv[1] == "new") nw = kv[2]
            }
            k = sys SUBSEP set SUBSEP flt
            if (!(k in runs)) order[nk++] = k
            runs[k]++
            if (nw == "none" || nw == "") fails[k]++
            if (fo ~ /^-?[0-9.]+$/) fov[k] = fov[k] " " fo
            if (ou ~ /^-?[0-9.]+$/) ouv[k] = ouv[k] " " ou
        }
        END {
            printf "%-11s %-20s %-8s %4s %5s  %-25s %-25s\n", "system", "setting", "fault",
                   "runs", "fails", "failover min/med/max s", "outage min/med/max s"
            for (i = 0; i < nk; i++) {
                split(order[i], p, SUBSEP)
                printf "%-11s %-20s %-8s %4d %5d  %-25s %-25s\n", p[1], p[2], p[3],
                       runs[order[i]], fails[order[i]] + 0, stats(fov[order[i]]),
                       stats(ouv[order[i]])
            }
        }' "$@"
}
