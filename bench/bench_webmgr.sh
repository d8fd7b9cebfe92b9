#!/usr/bin/env bash
# WebManager throughput: wrk (Debian's) from the test bed's client host against
# GET /api/v1/groups on srv1's REST API port (HTTP Basic with the reference
# password, as a monitoring script would call it), on a 2-server bed running
# the fip + exec group. Several runs; prints each run's requests/s and the
# median, and the median of the 99th percentile latency.
#
#   bench/bench_webmgr.sh [-r RUNS] [-d SECONDS] [-c CONNECTIONS] [-t THREADS]
#
# Needs root (network namespaces) and a build (CLP_BUILD_DIR, default build/).
set -Eeuo pipefail
RUNS=5 DUR=5 CONNS=32 THREADS=2
while getopts "r:d:c:t:" o; do
    case $o in
        r) RUNS=$OPTARG ;; d) DUR=$OPTARG ;; c) CONNS=$OPTARG ;; t) THREADS=$OPTARG ;;
        *) echo "usage: $0 [-r RUNS] [-d SECONDS] [-c CONNECTIONS] [-t THREADS]" >&2; exit 2 ;;
    esac
done
export TEST_NAME=bench_webmgr
export CLPBED_DIR=${CLPBED_DIR:-/tmp/clpbed-webbench}
. "$(dirname "$0")/../test/cluster/lib.sh"
. "$(dirname "$0")/../test/cluster/lib_cluster.sh"
command -v wrk >/dev/null || { echo "bench_webmgr: wrk is not installed (apt-get install wrk)" >&2; exit 77; }

REF_PW=bench-ref
hash=$(echo "$REF_PW" | "$CLP_BUILD_DIR/bin/clpwebpasswd" --stdin)
python3 - "$CLP_SOURCE_DIR/test/data/bed/fip-exec.conf" "$hash" >"$TEST_TMP/bench.conf" <<'PY'
import sys
s = open(sys.argv[1]).read()
print(s.replace("</root>", f"""  <webmgr><security><password><reference>{sys.argv[2]}</reference></password></security></webmgr>
  <rstd><use>1</use></rstd>
</root>"""), end="")
PY
bed_up -n 2 --conf "$TEST_TMP/bench.conf" --scripts "$CLP_SOURCE_DIR/test/data/bed/scripts"
bed start all >/dev/null
wait_for 60 group_is srv1 failover1 srv1
AUTH="Authorization: Basic $(printf 'x:%s' "$REF_PW" | base64)"
URL=http://10.32.0.1:29009/api/v1/groups
code=$(on client curl -s -o /dev/null -w '%{http_code}' -H "$AUTH" "$URL")
[ "$code" = 200 ] || fail "GET $URL answered $code"
on client wrk -t "$THREADS" -c "$CONNS" -d 2 -H "$AUTH" "$URL" >/dev/null # warm-up

rps=() p99=()
for ((i = 1; i <= RUNS; i++)); do
    out=$(on client wrk -t "$THREADS" -c "$CONNS" -d "$DUR" --latency -H "$AUTH" "$URL")
    r=$(awk '/^Requests\/sec:/ {print $2}' <<<"$out")
    l=$(awk '$1 == "99%" {print $2}' <<<"$out")
    errs=$(awk '/Non-2xx|Socket errors/' <<<"$out")
    [ -z "$errs" ] || fail "run $i had errors: $errs"
    rps+=("$r")
    p99+=("$l")
    printf 'run %d: %s requests/s, p99 latency %s\n' "$i" "$r" "$l"
done
median() { printf '%s\n' "$@" | sort -g | awk '{v[NR] = $1} END {print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2}'; }
to_ms() { for x in "$@"; do awk -v v="$x" 'BEGIN { if (v ~ /us$/) print v / 1000; else if (v ~ /ms$/) print v + 0; else print v * 1000 }'; done; }
echo "GET /api/v1/groups, $THREADS threads, $CONNS connections, $RUNS x ${DUR}s:" \
    "median $(median "${rps[@]}") requests/s, median p99 $(median $(to_ms "${p99[@]}")) ms"
