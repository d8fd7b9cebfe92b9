#!/usr/bin/env bash
# status.sh - how long status queries take: clpstat (the command, start to exit) on a
# 2-server bed with 1 and with 32 groups, and the WebManager's REST API (GET
# /api/v1/status, one request at a time from the client host) - latency of a single
# request. The WebManager's throughput under load is bench/bench_webmgr.sh (wrk); run it
# as well with --wrk.
#
# Each clpstat variant runs --runs times in a loop inside srv1's namespaces, timed with
# bash's $EPOCHREALTIME around each run (the figure includes the process start: dynamic
# loading, configuration, the request to the core and the rendering):
#   clpstat            the cluster status (text)
#   clpstat -o json    the same as JSON
#   clpstat -h srv2    srv2's view, relayed by srv2's trn over 29002/TCP (CURVE)
#   clpstat --local    this server's information only
# The REST figure: curl from the client host, --runs requests one after the other on new
# connections (time_total of each), HTTP Basic with a reference password.
#
# usage: status.sh [--runs N] [--case 1|32|all] [--wrk]
set -Eeuo pipefail
BENCH_NAME=status
CLPBED_DIR=${CLPBED_DIR:-/tmp/clpbed-bench}
here=$(dirname "$(readlink -f "$0")")
# shellcheck source=bench/lib.sh
. "$here/lib.sh"
# shellcheck source=bench/lib_clp.sh
. "$here/lib_clp.sh"

runs=50 cases=(1 32) wrk=0
while [ $# -gt 0 ]; do
    case $1 in
        --runs) runs=$2; shift 2 ;;
        --case) if [ "$2" = all ]; then cases=(1 32); else cases=("$2"); fi; shift 2 ;;
        --wrk) wrk=1; shift ;;
        -h | --help) sed -n '2,/^set -E/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
        *) echo "status.sh: unknown argument '$1' (see --help)" >&2; exit 2 ;;
    esac
done
[[ $runs =~ ^[1-9][0-9]*$ ]] || { echo "status.sh: --runs is a positive number" >&2; exit 2; }
[ -x "$CLP_BUILD_DIR/bin/clusterpro" ] || bench_die "no build in $CLP_BUILD_DIR (set CLP_BUILD_DIR)"
export CLP_BUILD_DIR CLPBED_DIR
tmp=$(mktemp -d /tmp/bench-status.XXXXXX)
bench_at_exit "rm -rf '$tmp'"
bench_build
clp_profile fast
REF_PW=bench-ref
hash=$(echo "$REF_PW" | "$CLP_BUILD_DIR/bin/clpwebpasswd" --stdin)
AUTH="Authorization: Basic $(printf 'x:%s' "$REF_PW" | base64)"

# timed SERVER CMD...: CMD run $runs times in SERVER, one duration (ms) per line.
timed() {
    local s=$1
    shift
    bed exec "$s" bash -c 'for ((i = 0; i < '"$runs"'; i++)); do
        a=$EPOCHREALTIME; "$@" >/dev/null 2>&1 || echo fail; b=$EPOCHREALTIME
        echo "${a/./} ${b/./}"; done' timed "$@" |
        awk '$1 == "fail" { f++; next } { printf "%.3f\n", ($2 - $1) / 1000 } END { if (f) print "failed", f > "/dev/stderr" }'
}

row() { # NAME VALUES...
    local name=$1
    shift
    printf '%-30s %s\n' "$name" "$(bench_stats "$@" | awk '{ printf "%8.2f %8.2f %8.2f", $1, $2, $3 }')"
}

printf '%-30s %8s %8s %8s   (ms, %d runs each)\n' query min median max "$runs"
for c in "${cases[@]}"; do
    if [ "$c" = 1 ]; then
        clp_write_conf "$tmp/clp.conf" --groups 1
    else
        clp_write_conf "$tmp/clp.conf" --groups 32 --monitors 8
    fi
    clp_write_scripts "$tmp/scripts" --groups "$c"
    sed -i "s|</root>|  <webmgr><security><password><reference>$hash</reference></password></security></webmgr>\n</root>|" \
        "$tmp/clp.conf"
    bench_bed_up -n 2 --conf "$tmp/clp.conf" --scripts "$tmp/scripts" --build "$CLP_BUILD_DIR"
    clp_start_all
    clp_wait 120 clp_all_online srv1 2 || bench_die "the cluster did not start"
    clp_wait 120 eval '[ "$(clp_group_where srv1 failover'"$c"')" != - ]' || bench_die "groups did not start"
    sleep 3
    bench_log "$c group(s): load $(cut -d' ' -f1 /proc/loadavg)"
    mapfile -t v < <(timed srv1 clpstat); row "clpstat ($c groups)" "${v[@]}"
    mapfile -t v < <(timed srv1 clpstat -o json); row "clpstat -o json ($c groups)" "${v[@]}"
    mapfile -t v < <(timed srv1 clpstat -h srv2); row "clpstat -h srv2 ($c groups)" "${v[@]}"
    mapfile -t v < <(timed srv1 clpstat --local); row "clpstat --local ($c groups)" "${v[@]}"
    code=$(bed client curl -s -o /dev/null -w '%{http_code}' -H "$AUTH" http://10.32.0.1:29003/api/v1/status)
    [ "$code" = 200 ] || bench_die "GET /api/v1/status answered $code"
    mapfile -t v < <(bed client bash -c 'for ((i = 0; i < '"$runs"'; i++)); do
        curl -s -o /dev/null -w "%{time_total}\n" -H "$1" http://10.32.0.1:29003/api/v1/status; done' x "$AUTH" |
        awk '{ printf "%.3f\n", $1 * 1000 }')
    row "REST GET /api/v1/status ($c)" "${v[@]}"
    bed down >/dev/null || true
    BENCH_BED_UP=0
done
if ((wrk)); then
    echo
    CLPBED_DIR=/tmp/clpbed-webbench "$here/bench_webmgr.sh"
fi
