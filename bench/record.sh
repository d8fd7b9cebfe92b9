#!/usr/bin/env bash
# record.sh - runs one benchmark and keeps its output in bench/results/NAME.txt, headed
# by the exact command, the time, the machine (cores, kernel, memory), the commit and
# the load average before and after, as the tables in docs/performance.md cite them.
#
# usage: bench/record.sh NAME COMMAND [ARGS...]
#   e.g. bench/record.sh failover-all bench/failover.sh --profile all --runs 10 --peers
#   BENCH_RESULTS: the directory (default bench/results); the command's stderr (the
#   per-run log) is kept after the table, as "# log".
set -uo pipefail
[ $# -ge 2 ] || { echo "usage: record.sh NAME COMMAND [ARGS...]" >&2; exit 2; }
name=$1
shift
here=$(dirname "$(readlink -f "$0")")
dir=${BENCH_RESULTS:-$here/results}
mkdir -p "$dir"
out=$dir/$name.txt
log=$(mktemp /tmp/bench-record.XXXXXX)
trap 'rm -f "$log"' EXIT
load0=$(cut -d' ' -f1-3 /proc/loadavg)
t0=$(date -u '+%Y-%m-%d %H:%M:%S UTC')
body=$("$@" 2>"$log")
rc=$?
{
    echo "# $*"
    echo "# $t0, $(nproc) cores, kernel $(uname -r), $(awk '$1 == "MemTotal:" { printf "%.0f GiB", $2 / 1048576 }' /proc/meminfo)," \
        "commit $(git -C "$here" rev-parse --short HEAD 2>/dev/null || echo '?'), exit status $rc"
    echo "# load average before: $load0; after: $(cut -d' ' -f1-3 /proc/loadavg)"
    echo "$body"
    echo
    echo "# log"
    cat "$log"
} >"$out"
echo "$body"
echo "(kept in $out)" >&2
exit "$rc"
