#!/usr/bin/env bash
# t_mon_local: monitors of local things on two servers.
# - psw: 2 processes "clpmon-psw-app*" needed. srv1 runs 2, srv2 runs 1: srv1
#   Normal, srv2 Error although srv1's two are visible machine-wide (only the
#   server's own network namespace counts); one more on srv2 -> Normal; one
#   fewer on srv1 -> Error.
# - diskw READ and TUR (a loop device: TUR falls back to READ, logged once) on
#   the shared disk: Normal; WRITE(FILE) writes its stamped pattern to each
#   server's own file; READ(O_DIRECT) of the test's own loop device: its
#   medium gone (the backing file emptied, losetup -c: size 0) -> Error (rm 9:
#   a size of 0), back -> Normal (rm 26). (Not detached: on a shared machine
#   another bed's losetup -f would take the free device at once.)
# - mtw over pswapp and diskwloop: Normal when both are, Caution when one is in
#   error, Error when both are.
. "$(dirname "$0")/lib.sh"

mon_state() {
    on "$1" clpstat -o json | python3 -c '
import json, sys
for m in json.load(sys.stdin)["monitors"]:
    if m["name"] == sys.argv[1]:
        print(next((s["status"] for s in m["servers"] if s["name"] == sys.argv[2]), "?"))' \
        "$2" "$1"
}
# is SERVER MONITOR STATUS
is() {
    local st
    st=$(mon_state "$1" "$2")
    [ "$st" = "$3" ] || { echo "$2 on $1 is $st"; return 1; }
}
alerts() {
    awk -F'\t' -v o="$1" -v m="$2" -v id="$3" '$1 == o && $4 == m && $5 == id { print $10 }' \
        "$CLPBED_DIR/$1/root/alert/alert.log" 2>/dev/null || true
}
# app SERVER: one more "clpmon-psw-app" process in SERVER; its pid is appended to
# the array APPS_SERVER.
app() {
    on_bg "$1" bash -c 'exec -a clpmon-psw-app-x sleep 3600' </dev/null >/dev/null 2>&1
    eval "APPS_$1+=($BG_PID)"
    wait_for 5 proc_on "$1" "$BG_PID"
    wait_for 5 grep -q '^clpmon-psw-app-x' "/proc/$BG_PID/cmdline"
}

# The test's own loop device (emptied and refilled by the test).
truncate -s 4M "$TEST_TMP/loop.img"
LOOP=$(losetup --find --show "$TEST_TMP/loop.img")
# cleanup: the EXIT trap: detach the test's loop device, then bed_down (which
# reads the test's status from $?).
cleanup() {
    local rc=$?
    set +e
    trap - ERR
    losetup -d "$LOOP" 2>/dev/null
    (exit $rc)
    bed_down
}
trap cleanup EXIT
sed "s|@TESTLOOP@|$LOOP|g" "$CLP_SOURCE_DIR/test/data/bed/mon-local.conf" >"$TEST_TMP/clp.conf"

bed_up -n 2 --conf "$TEST_TMP/clp.conf"
trap cleanup EXIT
APPS_srv1=() APPS_srv2=()
app srv1
app srv1
app srv2
bed start all >/dev/null

log "psw: 2 processes on srv1, 1 on srv2"
wait_for 20 is srv2 pswapp Error
wait_for 10 is srv1 pswapp Normal
alerts srv2 rm 9 | grep -q "^Detected an error in monitoring pswapp\. (2 : 1 process(es) 'clpmon-psw-app\*' running, at least 2 required)$" ||
    fail "rm 9 of pswapp on srv2: $(alerts srv2 rm 9)"

log "diskw: shared disk READ and TUR, WRITE(FILE), own loop device"
for m in diskwshared diskwtur diskwfile diskwloop; do
    wait_for 10 is srv1 "$m" Normal
    wait_for 10 is srv2 "$m" Normal
done
for s in srv1 srv2; do
    wait_for 10 grep -q "^clusterpro diskw $s [0-9.]* pid [0-9]*$" "$CLPBED_DIR/$s/diskw.dat"
    [ "$(stat -c %s "$CLPBED_DIR/$s/diskw.dat")" = 100000 ] || fail "$s: diskw.dat is not 100000 bytes"
    wait_for 10 grep -q "diskwtur: .* does not support SCSI TEST UNIT READY" "$CLPBED_DIR/$s/root/log/"*
    n=$(cat "$CLPBED_DIR/$s/root/log/"* | grep -c "diskwtur: .* does not support SCSI TEST UNIT READY")
    [ "$n" = 1 ] || fail "$s: the TUR fallback was logged $n times, not once"
done
[ -z "$(alerts srv1 rm 9 | grep diskw)$(alerts srv2 rm 9 | grep diskw)" ] || fail "a diskw reported an error"

log "mtw: srv1 both members normal, srv2 pswapp in error"
wait_for 10 is srv1 mtw1 Normal
wait_for 10 is srv2 mtw1 Caution

log "emptying $LOOP (size 0)"
truncate -s 0 "$TEST_TMP/loop.img"
losetup -c "$LOOP"
wait_for 10 is srv1 diskwloop Error
wait_for 10 is srv2 diskwloop Error
alerts srv1 rm 9 | grep -q "^Detected an error in monitoring diskwloop\. (2 : $LOOP has a size of 0 (no medium, or a detached loop device))$" ||
    fail "rm 9 of diskwloop on srv1: $(alerts srv1 rm 9)"
wait_for 10 is srv1 mtw1 Caution
wait_for 10 is srv2 mtw1 Error
alerts srv2 rm 9 | grep -q "^Detected an error in monitoring mtw1\. (2 : 2 of 2 monitors in error (pswapp error, diskwloop error))$" ||
    fail "rm 9 of mtw1 on srv2: $(alerts srv2 rm 9)"

log "one process fewer on srv1, one more on srv2"
kill "${APPS_srv1[0]}" "${APPS_srv1[1]}"
app srv1
app srv2
wait_for 10 is srv2 pswapp Normal
wait_for 10 is srv2 mtw1 Caution
kill "${APPS_srv1[2]}"
wait_for 10 is srv1 pswapp Error
wait_for 10 is srv1 mtw1 Error

log "refilling $LOOP, 2 processes on srv1"
truncate -s 4M "$TEST_TMP/loop.img"
losetup -c "$LOOP"
app srv1
app srv1
for s in srv1 srv2; do
    wait_for 10 is "$s" diskwloop Normal
    wait_for 10 is "$s" pswapp Normal
    wait_for 10 is "$s" mtw1 Normal
    for m in diskwloop mtw1; do
        alerts "$s" rm 26 | grep -qx "$m status changed from error to normal\." || fail "no rm 26 for $m on $s"
    done
done
