#!/bin/bash
# t_clprexec: clprexec's options without a cluster: every usage error exits 2
# with a sentence and sends nothing; a host without any key exits 4; a key
# file that is not one exits 4; a server that does not answer exits 3 within
# -w; -o writes the outcome to a log file or DIR/clprexec.log.
set -euo pipefail

: "${CLP_BUILD_DIR:?CLP_BUILD_DIR must name the build directory}"
X="$CLP_BUILD_DIR/bin/clprexec"
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
failures=0

[ -x "$X" ] || { echo "FAIL: $X is not built" >&2; exit 1; }

# expect CODE TEXT ARGS...: clprexec ARGS exits CODE and its stderr holds TEXT.
expect() {
    local want=$1 text=$2 rc=0 err
    shift 2
    "$X" --root "$TMP/root" "$@" >"$TMP/out" 2>"$TMP/err" || rc=$?
    err=$(cat "$TMP/err")
    if [ "$rc" != "$want" ]; then
        echo "FAIL: clprexec ${*:0:4}...: exit $rc, wanted $want: $err" >&2
        failures=$((failures + 1))
    elif [ -n "$text" ] && [[ $err != *"$text"* ]]; then
        echo "FAIL: clprexec ${*:0:4}...: stderr lacks '$text': $err" >&2
        failures=$((failures + 1))
    fi
}

mkdir -p "$TMP/root"
k1024=$(printf 'k%.0s' $(seq 1024))
expect 2 "one of --failover" -h 10.0.0.1
expect 2 "choose one of" --failover g1 --notice -h 10.0.0.1
expect 2 "-h IP" --failover g1
expect 2 "needs a group or a resource" --failover -h 10.0.0.1
expect 2 "-r goes with --failover" --notice mrw1 -r r1 -h 10.0.0.1
expect 2 "-k goes with --notice" --failover g1 -k app.x -h 10.0.0.1
expect 2 "monitor name or -k" --notice -h 10.0.0.1
expect 2 "category before '.' is empty" --notice -k .disk -h 10.0.0.1
expect 2 "1024 bytes long; at most 1023" --notice -k "app.$k1024" -h 10.0.0.1
expect 2 "control character" --clear -k "$(printf 'app.a\tb')" -h 10.0.0.1
expect 2 "plain file name" --script ../x.sh -h 10.0.0.1
expect 2 "plain file name" --script /bin/sh -h 10.0.0.1
expect 2 "not a script name" --script .. -h 10.0.0.1
expect 2 "unexpected argument" --script a.sh extra -h 10.0.0.1
expect 2 "unexpected argument" --failover g1 g2 -h 10.0.0.1
expect 2 "-w takes seconds" --failover g1 -h 10.0.0.1 -w 0
expect 2 "-w takes seconds" --failover g1 -h 10.0.0.1 -w 5x
expect 2 "-p takes a port" --failover g1 -h 10.0.0.1 -p 70000
expect 2 "needs a value" --failover g1 -h
expect 2 "unknown option" --failover g1 -h 10.0.0.1 -z
expect 0 "" --help
expect 4 "no key" --notice -k app.disk -h 127.0.0.1
printf 'not a key\n' >"$TMP/bad.key"
expect 4 "not a client key file" --notice -k app.disk -h 127.0.0.1 --key "$TMP/bad.key"
expect 4 "cannot read the client key" --notice -k app.disk -h 127.0.0.1 --key "$TMP/none.key"

# A well-formed client key and a server that never answers: exit 3 within -w.
mkdir -p "$TMP/cl"
"$CLP_BUILD_DIR/bin/clpkeygen" --root "$TMP/cl" >/dev/null
"$CLP_BUILD_DIR/bin/clpkeygen" --root "$TMP/cl" --client t -o "$TMP/t.key" >/dev/null
t0=$(date +%s%N)
expect 3 "no reply" --notice -k app.disk -h 127.0.0.1 -p 9 -w 1 --key "$TMP/t.key" -o "$TMP"
ms=$((($(date +%s%N) - t0) / 1000000))
if [ "$ms" -gt 5000 ]; then
    echo "FAIL: -w 1 waited $ms ms" >&2
    failures=$((failures + 1))
fi
grep -q "notice app.disk -h 127.0.0.1: exit 3" "$TMP/clprexec.log" || {
    echo "FAIL: -o DIR did not get the line: $(cat "$TMP/clprexec.log" 2>&1)" >&2
    failures=$((failures + 1))
}
expect 3 "" --failover g1 -h 127.0.0.1 -p 9 -w 1 --key "$TMP/t.key" -o "$TMP/one.log"
grep -q "failover g1 -h 127.0.0.1: exit 3" "$TMP/one.log" || {
    echo "FAIL: -o FILE did not get the line" >&2
    failures=$((failures + 1))
}

if [ "$failures" -ne 0 ]; then
    echo "t_clprexec: $failures failure(s)" >&2
    exit 1
fi
echo "t_clprexec: all checks passed"
