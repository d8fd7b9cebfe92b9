#!/usr/bin/env bash
# bench/fuzz.sh - runs the libFuzzer targets (test/fuzz/fuzz_*.c) for a while
# and reports what each did: executions, coverage (edges) and features, the
# corpus size, and any crash, leak or sanitizer report.
#
#   bench/fuzz.sh [-b BUILD] [-j JOBS] [-o OUT] [-n NICE] SECONDS [TARGET...]
#
#   SECONDS   how long each target runs (libFuzzer -max_total_time)
#   TARGET    target names (msg, dgram, config, http, json, manifest, ...);
#             default: every test/fuzz/fuzz_*.c
#   -b BUILD  the libFuzzer build (default $CLP_FUZZ_BUILD or <src>/build-fuzz);
#             configured with clang and -DCLP_FUZZ=ON and built when needed
#   -j JOBS   targets run at the same time (default 1: one at a time)
#   -o OUT    working directory (default /tmp/clp-fuzz): OUT/corpus/<target> is
#             the growing corpus (kept between runs, seeded from
#             test/fuzz/corpus/<target>), OUT/log/<target>.log libFuzzer's
#             output, OUT/crash/<target>/ what made a target fail,
#             OUT/build.log the build's output
#   -n NICE   niceness of the fuzzers (default 19: the machine stays usable)
#
# Prints one line per target and exits 1 when any target found something:
# the reproducer is in OUT/crash/<target>/; copy it to
# test/fuzz/regress/<target>/ with the fix, so ctest replays it from then on.
# The CI runs this with 60 s per target (.ci/robustness); docs/robustness.md.
set -euo pipefail
src="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"

build="${CLP_FUZZ_BUILD:-$src/build-fuzz}"
jobs=1
out=/tmp/clp-fuzz
nice_level=19
while getopts "b:j:o:n:" opt; do
    case "$opt" in
    b) build="$OPTARG" ;;
    j) jobs="$OPTARG" ;;
    o) out="$OPTARG" ;;
    n) nice_level="$OPTARG" ;;
    *) sed -n '2,/^set -euo/{/^set/d;p}' "$0" >&2; exit 2 ;;
    esac
done
shift $((OPTIND - 1))
if [ $# -lt 1 ] || ! [[ "$1" =~ ^[0-9]+$ ]]; then
    sed -n '2,/^set -euo/{/^set/d;p}' "$0" >&2
    exit 2
fi
secs="$1"
shift

if ! command -v clang >/dev/null; then
    echo "fuzz.sh: clang is needed (tools/install-deps installs it)" >&2
    exit 2
fi
if [ ! -f "$build/CMakeCache.txt" ]; then
    cmake -S "$src" -B "$build" -DCMAKE_C_COMPILER=clang -DCLP_FUZZ=ON \
        -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
fi
targets=("$@")
if [ ${#targets[@]} -eq 0 ]; then
    for f in "$src"/test/fuzz/fuzz_*.c; do
        f=${f##*/fuzz_}
        targets+=("${f%.c}")
    done
fi
mkdir -p "$out/log"
# Only the fuzz targets (and the libraries they link) are built.
cmake --build "$build" -j"$(nproc)" --target "${targets[@]/#/fuzz_}" >"$out/build.log" 2>&1 || {
    tail -30 "$out/build.log" >&2
    echo "fuzz.sh: the build failed (log: $out/build.log)" >&2
    exit 2
}

run_one() {
    local t="$1" bin="$build/fuzz/fuzz_$1"
    local corpus="$out/corpus/$t" crash="$out/crash/$t" log="$out/log/$t.log"
    local dict="$src/test/fuzz/$t.dict" args=()
    if [ ! -x "$bin" ]; then
        echo "$t: no such target ($bin)" >"$log"
        return 1
    fi
    mkdir -p "$corpus" "$crash"
    [ -f "$dict" ] && args+=(-dict="$dict")
    # The seeds are read, never written: new inputs go to the working corpus.
    local seeds=()
    [ -d "$src/test/fuzz/corpus/$t" ] && seeds+=("$src/test/fuzz/corpus/$t")
    (cd "$crash" && nice -n "$nice_level" "$bin" -max_total_time="$secs" -timeout=30 \
        -rss_limit_mb=2048 -print_final_stats=1 -artifact_prefix="$crash/" "${args[@]}" \
        "$corpus" "${seeds[@]}") >"$log" 2>&1
}

# Runs the targets, at most $jobs at a time.
declare -A pid_of
failed=0
for t in "${targets[@]}"; do
    while [ "$(jobs -rp | wc -l)" -ge "$jobs" ]; do
        wait -n || true
    done
    run_one "$t" &
    pid_of[$t]=$!
done
declare -A rc_of
for t in "${targets[@]}"; do
    if wait "${pid_of[$t]}"; then rc_of[$t]=0; else rc_of[$t]=$?; fi
done

printf '%-10s %8s %12s %8s %8s %8s %10s  %s\n' target seconds execs exec/s cov ft corpus result
for t in "${targets[@]}"; do
    log="$out/log/$t.log"
    execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
    rate=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log" | tail -1)
    last=$(grep -E '^#[0-9]+.*(cov|DONE)' "$log" | tail -1 || true)
    cov=$(sed -n 's/.* cov: \([0-9]*\).*/\1/p' <<<"$last")
    ft=$(sed -n 's/.* ft: \([0-9]*\).*/\1/p' <<<"$last")
    corp=$(sed -n 's/.* corp: \([^ ]*\).*/\1/p' <<<"$last")
    if [ "${rc_of[$t]}" -eq 0 ]; then
        result=ok
    else
        why=$(grep -m1 -E 'ERROR: |SUMMARY: |runtime error|fuzz_[a-z]+: |ParseDictionary' "$log" || true)
        result="FAILED (rc ${rc_of[$t]}): ${why:0:100} - $log, $out/crash/$t/"
        failed=1
    fi
    printf '%-10s %8s %12s %8s %8s %8s %10s  %s\n' "$t" "$secs" "${execs:-?}" "${rate:-?}" \
        "${cov:-?}" "${ft:-?}" "${corp:-?}" "$result"
done
exit "$failed"
