#!/usr/bin/env bash
# t_mon_volmgr: volmgrw on an LVM volume group that the test makes on the
# shared disk, seen by both servers. The VG present -> Normal; exported
# (vgexport) -> Error naming it; imported again -> Normal (rm 26); renamed away
# -> Error "not found"; back -> Normal. With device-mapper in the kernel also a
# logical volume: inactive -> Error naming it, activated -> Normal. Without
# device-mapper (as on the development machine) LVM still handles the VG's
# metadata, so the VG part runs and the LV part is skipped with a note.
. "$(dirname "$0")/lib.sh"

command -v vgcreate >/dev/null || { log "SKIP: LVM is not installed (lvm2)"; exit 77; }
export LVM_SUPPRESS_FD_WARNINGS=1
VG=clpmonvg$$

mon_state() {
    on "$1" clpstat -o json | python3 -c '
import json, sys
for m in json.load(sys.stdin)["monitors"]:
    if m["name"] == sys.argv[1]:
        print(next((s["status"] for s in m["servers"] if s["name"] == sys.argv[2]), "?"))' \
        "$2" "$1"
}
# both STATUS: volmgrw1 has STATUS on srv1 and srv2.
both() {
    local s st
    for s in srv1 srv2; do
        st=$(mon_state "$s" volmgrw1)
        [ "$st" = "$1" ] || { echo "volmgrw1 on $s is $st"; return 1; }
    done
}
# alerts SERVER MODULE ID: the texts of the alerts MODULE ID that SERVER raised.
alerts() {
    awk -F'\t' -v o="$1" -v m="$2" -v id="$3" '$1 == o && $4 == m && $5 == id { print $10 }' \
        "$CLPBED_DIR/$1/root/alert/alert.log" 2>/dev/null || true
}
last_error() {
    alerts "$1" rm 9 | tail -1
}

sed "s/@VG@/$VG/" "$CLP_SOURCE_DIR/test/data/bed/mon-volmgrw.conf" >"$TEST_TMP/clp.conf"
bed_up -n 2 --conf "$TEST_TMP/clp.conf"
DISK=$(bed_info disk)
# Leave nothing of the VG in the machine's /etc/lvm (metadata backups).
lvm_cleanup() {
    vgremove -ff -y "$VG" >/dev/null 2>&1
    vgremove -ff -y "${VG}x" >/dev/null 2>&1
    rm -f "/etc/lvm/backup/$VG" "/etc/lvm/backup/${VG}x" /etc/lvm/archive/"${VG}"*_*.vg
}
trap 'rc=$?; set +e; trap - ERR; lvm_cleanup; (exit $rc); bed_down' EXIT

on srv1 pvcreate -y -ff "$DISK" >/dev/null
on srv1 vgcreate "$VG" "$DISK" >/dev/null
bed start all >/dev/null
wait_for 30 both Normal
[ -z "$(alerts srv1 rm 9)$(alerts srv2 rm 9)" ] || fail "volmgrw1 reported an error: $(alerts srv1 rm 9)"

log "vgexport $VG"
on srv1 vgexport "$VG" >/dev/null
wait_for 15 both Error
[ "$(last_error srv2)" = "Detected an error in monitoring volmgrw1. (2 : volume group $VG is exported)" ] ||
    fail "rm 9 on srv2: $(last_error srv2)"
log "vgimport $VG"
on srv1 vgimport "$VG" >/dev/null
wait_for 15 both Normal
alerts srv1 rm 26 | grep -qx "volmgrw1 status changed from error to normal\." || fail "no rm 26"

log "vgrename $VG away and back"
on srv1 vgrename "$VG" "${VG}x" >/dev/null
wait_for 15 both Error
last_error srv1 | grep -q "(2 : \(vgs\|lvs\) $VG failed (5): .*$VG\|(2 : volume group $VG is not found)" ||
    fail "rm 9 on srv1: $(last_error srv1)"
on srv1 vgrename "${VG}x" "$VG" >/dev/null
wait_for 15 both Normal

if grep -qw device-mapper /proc/misc; then
    log "a logical volume, inactive then active"
    on srv1 lvcreate -y -an -L 16M -n lv1 "$VG" >/dev/null
    wait_for 15 both Error
    [ "$(last_error srv1)" = "Detected an error in monitoring volmgrw1. (2 : logical volume $VG/lv1 is not active (lv_attr -wi-------))" ] ||
        fail "rm 9 on srv1: $(last_error srv1)"
    on srv1 vgchange -ay "$VG" >/dev/null
    on srv2 vgchange -ay "$VG" >/dev/null
    wait_for 15 both Normal
    on srv1 vgchange -an "$VG" >/dev/null
else
    log "NOTE: no device-mapper in this kernel: the logical-volume part is not run"
fi
