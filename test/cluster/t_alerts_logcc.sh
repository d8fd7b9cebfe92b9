#!/usr/bin/env bash
# clplogcc over trn: one archive with every server's logs, alert log, clp.conf
# and system information; -l (this server only) and -h (one server); a log
# bigger than one transfer chunk (4 MiB) arrives whole; the cluster key is
# never collected; a server whose trn is down is reported, the others kept.
. "$(dirname "$0")/lib.sh"

# start_alert_services SERVER...: clusterpro_evt, _trn and _alertsync under
# clpsvc (the core is not needed here); output through a file, never a pipe.
start_alert_services() {
    local s
    for s in "$@"; do
        on "$s" clpsvc start clusterpro_trn >>"$TEST_TMP/clpsvc-$s.out" 2>&1 </dev/null
        on "$s" clpsvc start clusterpro_alertsync >>"$TEST_TMP/clpsvc-$s.out" 2>&1 </dev/null
    done
}

bed_up -n 3
start_alert_services srv1 srv2 srv3
trn_up() {
    on "$1" clpaltlog --status >/dev/null 2>&1 && [ -S "$CLPBED_DIR/$1/root/run/trn.sock" ]
}
for s in srv1 srv2 srv3; do
    wait_for 30 trn_up "$s"
done
on srv1 clplogcmd -m "logcc marker" --alert
wait_for 30 sh -c "'$CLPBED' --dir '$CLPBED_DIR' exec srv3 clpaltlog --grep 'logcc marker' -c |
    grep -qx 1"

# 9 MiB of incompressible data in srv2's log directory: three chunks at least.
head -c $((9 << 20)) /dev/urandom >"$CLPBED_DIR/srv2/root/log/big.bin"
big_sum=$(md5sum <"$CLPBED_DIR/srv2/root/log/big.bin" | cut -d' ' -f1)

out=$TEST_TMP/out
mkdir -p "$out"
t0=$(now_us)
on srv1 clplogcc -o "$out" >"$TEST_TMP/logcc.out"
log "clplogcc took $((($(now_us) - t0) / 1000)) ms"
cat "$TEST_TMP/logcc.out" >&2
archives=("$out"/clplogcc-*.tar.gz)
[ ${#archives[@]} = 1 ] && [ -f "${archives[0]}" ] || fail "expected one archive in $out"
[ "$(head -1 "$TEST_TMP/logcc.out")" = "${archives[0]}" ] || fail "clplogcc did not print its path"
tar tzf "${archives[0]}" >"$TEST_TMP/list"
log "archive: $(wc -l <"$TEST_TMP/list") entries, $(stat -c %s "${archives[0]}") bytes"
for s in srv1 srv2 srv3; do
    for f in log/clusterpro_evt.log log/clusterpro_trn.log alert/alert.log etc/clp.conf \
        sysinfo/uname.txt sysinfo/ip-addr.txt sysinfo/mounts.txt sysinfo/ps.txt; do
        grep -qx "./$s/$f" "$TEST_TMP/list" || fail "$s/$f is not in the archive"
    done
done
if grep -q 'clp\.key' "$TEST_TMP/list"; then
    fail "the cluster key was collected"
fi
mkdir -p "$TEST_TMP/x"
tar xzf "${archives[0]}" -C "$TEST_TMP/x"
[ "$(md5sum <"$TEST_TMP/x/srv2/log/big.bin" | cut -d' ' -f1)" = "$big_sum" ] ||
    fail "srv2's 9 MiB log did not arrive intact"
grep -q 'logcc marker' "$TEST_TMP/x/srv2/alert/alert.log" ||
    fail "srv2's alert log is not the real one"
grep -q 'srv3' "$TEST_TMP/x/srv3/sysinfo/hostname.txt" ||
    fail "srv3's system information is not srv3's"

# -l: this server only
rm -rf "$out" && mkdir -p "$out"
on srv2 clplogcc -l -t type3 -o "$out" >/dev/null
tar tzf "$out"/clplogcc-*.tar.gz | cut -d/ -f2 | sort -u | grep -v '^$' >"$TEST_TMP/servers"
[ "$(cat "$TEST_TMP/servers")" = srv2 ] || fail "-l collected: $(cat "$TEST_TMP/servers")"
if tar tzf "$out"/clplogcc-*.tar.gz | grep -q sysinfo; then
    fail "type3 collected system information"
fi

# -h: one other server, named by its address
rm -rf "$out" && mkdir -p "$out"
on srv1 clplogcc -h 10.31.0.3 -o "$out" >/dev/null
tar tzf "$out"/clplogcc-*.tar.gz | cut -d/ -f2 | sort -u | grep -v '^$' >"$TEST_TMP/servers"
[ "$(cat "$TEST_TMP/servers")" = srv3 ] || fail "-h collected: $(cat "$TEST_TMP/servers")"

# A server whose trn is stopped: reported as failed, the others collected.
bed kill srv3 clusterpro_trn --signal STOP
rm -rf "$out" && mkdir -p "$out"
rc=0
on srv1 clplogcc --timeout 3 -o "$out" >"$TEST_TMP/logcc.out" || rc=$?
bed kill srv3 clusterpro_trn --signal CONT
[ $rc = 1 ] || fail "clplogcc exited $rc with a server down (expected 1)"
grep -q '^srv3: failed' "$TEST_TMP/logcc.out" || fail "srv3's failure is not reported"
tar tzf "$out"/clplogcc-*.tar.gz | cut -d/ -f2 | sort -u | grep -v '^$' | tr '\n' ' ' \
    >"$TEST_TMP/servers"
[ "$(cat "$TEST_TMP/servers")" = "srv1 srv2 " ] || fail "collected: $(cat "$TEST_TMP/servers")"

# usage errors
rc=0
on srv1 clplogcc -t type9 -o "$out" 2>/dev/null || rc=$?
[ $rc = 2 ] || fail "clplogcc -t type9 exited $rc"
