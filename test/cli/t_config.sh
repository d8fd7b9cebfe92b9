#!/bin/bash
# t_config: clpcfchk over every configuration in test/data/configs.
#
# good/*.conf and samples/*.conf (the four files saved by the original
# product's tools) must be valid (exit 0, no error line). Every bad/*.conf
# carries its expectation on line 2, "<!-- expect: LINE PATH -->": clpcfchk
# must exit 1 and print "FILE:LINE: error: PATH: ..." and, unless the comment
# says "(more errors allowed)", exactly one error. Usage errors and unreadable
# files must exit 2. Any failed expectation makes the script exit non-zero.
set -euo pipefail

: "${CLP_BUILD_DIR:?CLP_BUILD_DIR must name the build directory}"
: "${CLP_SOURCE_DIR:?CLP_SOURCE_DIR must name the source directory}"
CHK="$CLP_BUILD_DIR/bin/clpcfchk"
DATA="$CLP_SOURCE_DIR/test/data/configs"
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT

failures=0
checks=0

fail() {
    echo "FAIL: $*" >&2
    failures=$((failures + 1))
}

# run FILE-or-args...: sets rc, out (stderr), json (stdout)
run() {
    rc=0
    "$CHK" "$@" >"$TMP/stdout" 2>"$TMP/stderr" || rc=$?
    out=$(cat "$TMP/stderr")
    json=$(cat "$TMP/stdout")
    checks=$((checks + 1))
}

[ -x "$CHK" ] || { echo "FAIL: $CHK is not built" >&2; exit 1; }

# ---- valid configurations ----
n_good=0
for f in "$DATA"/good/*.conf "$DATA"/samples/*.conf; do
    run "$f"
    n_good=$((n_good + 1))
    if [ "$rc" -ne 0 ]; then
        fail "$f: exit $rc, expected 0"$'\n'"$out"
    elif grep -q ': error: ' <<<"$out"; then
        fail "$f: valid but printed an error"$'\n'"$out"
    elif ! grep -q "^$f: valid: 0 errors" <<<"$out"; then
        fail "$f: summary line missing"$'\n'"$out"
    fi
done
[ "$n_good" -ge 10 ] || fail "only $n_good valid configurations found under $DATA"

# ---- invalid configurations ----
n_bad=0
for f in "$DATA"/bad/*.conf; do
    n_bad=$((n_bad + 1))
    spec=$(sed -n '2p' "$f")
    line=$(sed -n 's/.*<!-- expect: \([0-9][0-9]*\) .*/\1/p' <<<"$spec")
    path=$(sed -n 's/.*<!-- expect: [0-9][0-9]* \([^ ]*\).*/\1/p' <<<"$spec")
    if [ -z "$line" ] || [ -z "$path" ]; then
        fail "$f: line 2 has no <!-- expect: LINE PATH --> comment"
        continue
    fi
    run "$f"
    if [ "$rc" -ne 1 ]; then
        fail "$f: exit $rc, expected 1"$'\n'"$out"
        continue
    fi
    if ! grep -qF -- "$f:$line: error: $path: " <<<"$out"; then
        fail "$f: no error naming line $line and $path"$'\n'"$out"
    fi
    n_err=$(grep -c ': error: ' <<<"$out" || true)
    if [[ "$spec" != *"(more errors allowed)"* ]] && [ "$n_err" -ne 1 ]; then
        fail "$f: $n_err errors, expected exactly 1"$'\n'"$out"
    fi
    grep -q "^$f: invalid: $n_err errors" <<<"$out" || fail "$f: summary line missing"
done
[ "$n_bad" -ge 15 ] || fail "only $n_bad invalid configurations found under $DATA/bad"

# ---- notable diagnostics of the samples ----
run "$DATA/samples/kubernetes-sss4mariadb.conf"
want='warning: /root/monitor/mysqlw@mysqlw/polling/interval: .*template placeholder '
want+='__SSS_MONITOR_PERIOD_SEC__ not substituted; the default 60 is used'
grep -q "$want" <<<"$out" ||
    fail "kubernetes sample: placeholder warning missing"$'\n'"$out"
grep -q 'not supported: /root/dummyconf: ' <<<"$out" ||
    fail "kubernetes sample: <dummyconf> not reported"

run "$DATA/samples/BasicCluster-2nodesMirror-win.conf"
n_md=$(grep -c 'resource type md (mirror disk) is not supported' <<<"$out" || true)
[ "$n_md" -eq 1 ] || fail "BasicCluster sample: md reported $n_md times, expected once"$'\n'"$out"
grep -q 'warning: /root/heartbeat/lankhb@lankhb1: .*runs in user space' <<<"$out" ||
    fail "BasicCluster sample: lankhb warning missing"

# ---- where the file comes from ----
mkdir -p "$TMP/root/etc" "$TMP/xdir"
cp "$DATA/good/reference-example.conf" "$TMP/root/etc/clp.conf"
cp "$DATA/bad/no-servers.conf" "$TMP/xdir/clp.conf"
run --root "$TMP/root"
[ "$rc" -eq 0 ] || fail "--root DIR: exit $rc"$'\n'"$out"
grep -q "^$TMP/root/etc/clp.conf: valid" <<<"$out" ||
    fail "--root DIR did not check DIR/etc/clp.conf"
rc=0
CLP_ROOT="$TMP/root" "$CHK" 2>"$TMP/stderr" || rc=$?
checks=$((checks + 1))
[ "$rc" -eq 0 ] || fail "\$CLP_ROOT: exit $rc"
run -x "$TMP/xdir"
[ "$rc" -eq 1 ] || fail "-x DIR: exit $rc, expected 1"
grep -q "^$TMP/xdir/clp.conf:" <<<"$out" || fail "-x DIR did not check DIR/clp.conf"

# ---- output modes ----
run -q "$DATA/bad/no-servers.conf"
[ "$rc" -eq 1 ] && [ -z "$out" ] && [ -z "$json" ] || fail "-q: exit $rc or output not empty"
run -o json "$DATA/bad/policy-unknown-server.conf"
[ "$rc" -eq 1 ] || fail "-o json: exit $rc, expected 1"
grep -q '"valid":false,"errors":1,' <<<"$json" || fail "-o json: summary fields missing: $json"
want='"kind":"error","file":"[^"]*policy-unknown-server.conf","line":47,'
want+='"path":"/root/group@failover1/policy@srv9"'
grep -q "$want" <<<"$json" ||
    fail "-o json: diagnostic missing: $json"
if command -v python3 >/dev/null; then
    python3 -c 'import json,sys; json.load(sys.stdin)' <<<"$json" || fail "-o json: not valid JSON"
fi
run -o json "$DATA/good/base.conf"
[ "$rc" -eq 0 ] && grep -q '"valid":true' <<<"$json" || fail "-o json on a valid file"

# ---- usage errors and unreadable files ----
for args in "--bogus" "-z" "-o xml $DATA/good/base.conf" "-x" \
    "$DATA/good/base.conf $DATA/good/base.conf" "-x $TMP/xdir $DATA/good/base.conf"; do
    # shellcheck disable=SC2086
    run $args
    [ "$rc" -eq 2 ] || fail "'clpcfchk $args': exit $rc, expected 2"
    grep -q '^usage: clpcfchk' <<<"$out" || fail "'clpcfchk $args': no usage text on stderr"
done
run "$TMP/does-not-exist.conf"
[ "$rc" -eq 2 ] || fail "missing file: exit $rc, expected 2"
grep -q 'cannot read the file' <<<"$out" || fail "missing file: no sentence saying so"
run "$TMP"
[ "$rc" -eq 2 ] || fail "a directory as FILE: exit $rc, expected 2"
run --help
[ "$rc" -eq 0 ] && grep -q '^usage: clpcfchk' <<<"$json" || fail "--help"

echo "t_config: $checks runs, $n_good valid and $n_bad invalid files, $failures failures"
[ "$failures" -eq 0 ]
