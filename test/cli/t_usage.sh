#!/bin/bash
# t_usage: every clp* command refuses bad options the same way: exit 2, the
# usage on stderr (after a line saying what was wrong, where there is one),
# nothing on stdout, and before it reads any configuration or talks to any
# daemon (CLP_ROOT points at an empty directory here, so a command that got
# further would exit 3 or 4). --help prints the usage on stdout and exits 0.
set -euo pipefail

: "${CLP_BUILD_DIR:?CLP_BUILD_DIR must name the build directory}"
BIN="$CLP_BUILD_DIR/bin"
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
export CLP_ROOT=$TMP/root
mkdir -p "$CLP_ROOT"

failures=0
checks=0
fail() {
    echo "FAIL: $*" >&2
    failures=$((failures + 1))
}

# bad TOOL ARGS...: must be refused as a usage error.
bad() {
    local tool=$1 rc=0
    shift
    checks=$((checks + 1))
    "$BIN/$tool" "$@" </dev/null >"$TMP/out" 2>"$TMP/err" || rc=$?
    if [ "$rc" != 2 ]; then
        fail "$tool $*: exit $rc, not 2 ($(head -c 200 "$TMP/err" | tr '\n' ' '))"
    elif ! grep -q "usage:" "$TMP/err"; then
        fail "$tool $*: no usage on stderr ($(head -c 200 "$TMP/err" | tr '\n' ' '))"
    elif [ -s "$TMP/out" ]; then
        fail "$tool $*: wrote to stdout: $(head -c 200 "$TMP/out")"
    fi
}

# help TOOL: --help prints the usage on stdout and exits 0.
help() {
    local rc=0
    checks=$((checks + 1))
    "$BIN/$1" --help </dev/null >"$TMP/out" 2>"$TMP/err" || rc=$?
    [ "$rc" = 0 ] && grep -q "usage:" "$TMP/out" || fail "$1 --help: exit $rc, usage on stdout: $(grep -c usage: "$TMP/out")"
}

tools="clpaltlog clpcfchk clpcl clpdown clpgrp clpkeygen clplogcc clplogcmd clpmonctrl clprsc
       clpstat clpstdn clpsvc clptoratio clpwatchdog clpwebpasswd clpwitness"
for t in $tools; do
    [ -x "$BIN/$t" ] || { fail "$t is not built"; continue; }
    bad "$t" --no-such-option
    bad "$t" -Z
    help "$t"
done

# Per command: missing, conflicting, extra and malformed arguments.
bad clpcl
bad clpcl -s -t
bad clpcl -s extra
bad clpcl -h
bad clpcl --skipwait -a
bad clpstat -g -m
bad clpstat -o xml
bad clpstat -o
bad clpstat extra
bad clpstat -h
bad clpstat --long -g -n
bad clptoratio
bad clptoratio -r 0 -t 1m
bad clptoratio -r 10001 -t 1m
bad clptoratio -r 2
bad clptoratio -r 2 -t 31d
bad clptoratio -r 2 -t 0m
bad clptoratio -r 2 -t 5x
bad clptoratio -r abc -t 1m
bad clptoratio -i -s
bad clptoratio -s -t 1m
bad clptoratio -r 2 -t 1m extra
bad clpgrp
bad clpgrp -s -t
bad clpgrp -n
bad clpgrp --apito abc -s
bad clprsc
bad clprsc -s
bad clprsc -s r1 -t r1
bad clpmonctrl
bad clpmonctrl -s -r
bad clpmonctrl -s -w abc
bad clpdown extra
bad clpstdn extra
bad clplogcmd
bad clplogcmd -m x -l BOGUS
bad clplogcmd -m x -i abc
bad clpaltlog -n abc
bad clpaltlog -o xml
bad clpaltlog extra
bad clplogcc -t bogus
bad clplogcc extra
bad clpkeygen extra
bad clpwebpasswd --operation --reference
bad clpwebpasswd extra
bad clpsvc
bad clpsvc bogus
bad clpsvc start a b
bad clpwatchdog
bad clpwatchdog --root "$TMP" --timeout abc --action true
bad clpcfchk -o xml
bad clpcfchk a b
bad clpwitness
bad clpwitness --key "$TMP/none" extra
bad clpwitness --port 0 --key "$TMP/none"
bad clpwitness --window 5 --key "$TMP/none"

# Not a usage error: a key file that cannot be read stops clpwitness with exit 1, naming it.
checks=$((checks + 1))
rc=0
"$BIN/clpwitness" --key "$TMP/none" >/dev/null 2>"$TMP/err" || rc=$?
[ "$rc" = 1 ] && grep -q "$TMP/none" "$TMP/err" || fail "clpwitness with a missing key file: exit $rc"

echo "t_usage: $checks checks, $failures failures"
[ "$failures" = 0 ]
