#!/usr/bin/env bash
# volmgr resource: 2 servers, one group {fip 10.32.0.100, volmgr = an LVM volume
# group made by this test on the shared loop device}. Checks, in the VG's
# metadata on the shared disk (vgs from either server): the holder's tag is on
# the VG, and only its tag; a kill -9 of the core changes nothing (same
# metadata sequence number); `clpgrp -m` moves the tag to srv2; after
# `clpbed crash srv2`, srv1 takes over and removes srv2's stale tag; stopping
# the group removes srv1's tag. With device-mapper in the kernel, a logical
# volume is also created and must be active while the group is online and
# inactive once it stops.
#
# LVM runs with the machine's /etc/lvm and without udev (LVM notices that udev
# is not running and manages /dev itself); each server has its own /run, so
# its own LVM lock directory. Exit 77 (skipped) at the end when this kernel has
# no device-mapper: then only the volume-group level (metadata, tags,
# vgchange -ay/-an of a VG without LVs) was exercised, not LV activation.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/lib_rsc.sh"

command -v vgchange >/dev/null || { log "SKIP: LVM is not installed (lvm2)"; exit 77; }
export LVM_SUPPRESS_FD_WARNINGS=1
VG=clpvg$$
sed "s/@VG@/$VG/" "$CLP_SOURCE_DIR/test/data/bed/rsc-volmgr.conf" >"$TEST_TMP/clp.conf"
bed_up -n 2 --conf "$TEST_TMP/clp.conf"
DISK=$(bed_info disk)
# Leave nothing of this VG in the machine's /etc/lvm (metadata backups).
lvm_cleanup() {
    vgremove -ff -y "$VG" >/dev/null 2>&1
    rm -f "/etc/lvm/backup/$VG" /etc/lvm/archive/"${VG}"_*.vg
}
# (A skip removes the bed without saving logs as for a failure.)
trap 'rc=$?; set +e; trap - ERR; lvm_cleanup
      if [ $rc = 77 ]; then trap - EXIT; bed down >/dev/null; rm -rf "$TEST_TMP"; exit 77; fi
      (exit $rc); bed_down' EXIT

DM=0
grep -qw device-mapper /proc/misc && DM=1
on srv1 pvcreate -y -ff "$DISK" >/dev/null
on srv1 vgcreate "$VG" "$DISK" >/dev/null
if [ $DM = 1 ]; then
    on srv1 lvcreate -y -L 16M -n lv1 "$VG" >/dev/null
    on srv1 vgchange -an "$VG" >/dev/null
fi

vg_field() {
    on "${2:-srv1}" vgs --noheadings -o "$1" "$VG" | tr -d ' '
}
tags_are() {
    [ "$(vg_field vg_tags "${2:-srv1}")" = "$1" ]
}
lv_active() {
    [ "$(on srv1 lvs --noheadings -o lv_attr "$VG/lv1" | tr -d ' ' | cut -c5)" = a ]
}

tags_are "" || fail "the new VG has tags"
rsc_checker_start 10.32.0.100
bed start all >/dev/null
wait_for 60 group_is srv1 failover1 srv1
wait_for 10 tags_are srv1
tags_are srv1 srv2 || fail "srv2 does not see srv1's tag in the shared metadata"
[ $DM = 0 ] || lv_active || fail "lv1 is not active on srv1"
log "srv1 holds $VG (tag srv1 in the metadata on the shared disk)"

seq=$(vg_field vg_seqno)
core=$(core_pid srv1)
recovered() {
    grep -q 'group failover1: all its resources are still active after the restart' \
        "$CLPBED_DIR/srv1/root/log/clusterpro.log"
}
bed kill srv1 clusterpro
wait_for 20 core_restarted srv1 "$core"
wait_for 20 recovered
group_is srv1 failover1 srv1 || fail "failover1 is not online on srv1 after the core restart"
[ "$(vg_field vg_seqno)" = "$seq" ] || fail "the VG's metadata changed during the core restart"
tags_are srv1 || fail "the tags changed during the core restart"
log "core kill -9: the probe found $VG tagged srv1; metadata untouched (seqno $seq)"

on srv1 clpgrp -m failover1 >/dev/null
wait_for 30 group_is srv1 failover1 srv2
tags_are srv2 || fail "after the move the tags are '$(vg_field vg_tags)', not srv2"
log "move: the tag went from srv1 to srv2"

bed crash srv2 >/dev/null
wait_for 60 group_is srv1 failover1 srv1
tags_are srv1 || fail "after the failover the tags are '$(vg_field vg_tags)', not srv1"
log "crash of srv2: srv1 removed srv2's stale tag and holds $VG"
rsc_checker_stop

on srv1 clpgrp -t failover1 >/dev/null
wait_for 30 tags_are ""
[ $DM = 0 ] || not lv_active || fail "lv1 is still active after the group stopped"
log "stopping the group removed the tag"

if [ $DM = 0 ]; then
    log "SKIP (partly proven): this kernel has no device-mapper (no 'device-mapper' in" \
        "/proc/misc, no /dev/mapper/control, no modules): no logical volume can be created or" \
        "activated. Proven above: VG metadata on the shared disk, owner tags moved on start," \
        "move, failover and stop, vgchange -ay/-an of a VG without LVs, probe after a core kill."
    exit 77
fi
