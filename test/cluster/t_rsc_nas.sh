#!/usr/bin/env bash
# nas resource: 2 servers, one group {fip 10.32.0.100, nas = an NFSv4 export
# served by the kernel NFS server (nfs-kernel-server) from the bed's gw host}.
# Checks: the export is mounted on srv1 only and a file written there lands in
# the export; a kill -9 of the core leaves the mount untouched (same mount id);
# `clpgrp -m` moves it to srv2 while a process of srv1 has its working
# directory in it (the forced unmount kills it); `clpbed crash srv2` brings it
# back to srv1; stopping the group unmounts it. A checker samples both servers
# every ~100 ms: never mounted on two servers.
#
# Needs the kernel's NFS client (file system type nfs) and server (nfsd) in
# network namespaces; exits 77 (skipped) with the reason when this kernel has
# neither built in nor as a module.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/lib_rsc.sh"

has_fs() {
    grep -qw "$1" /proc/filesystems || { modprobe -q "$1" 2>/dev/null && grep -qw "$1" /proc/filesystems; }
}
missing=""
has_fs nfs || missing="the NFS client (no 'nfs' in /proc/filesystems, no module)"
has_fs nfsd || missing="${missing:+$missing and }the NFS server (no 'nfsd' in /proc/filesystems, no module)"
if [ -n "$missing" ]; then
    log "SKIP: this kernel ($(uname -r)) lacks $missing: nothing can be mounted over NFS here." \
        "The nas type's mount, unmount, kill and probe code is the disk type's (rsc_mnt)," \
        "proven by t_rsc_disk"
    exit 77
fi
command -v rpc.nfsd >/dev/null && command -v mount.nfs >/dev/null ||
    { log "SKIP: nfs-kernel-server or nfs-common is not installed"; exit 77; }

FIP=10.32.0.100
MNT=/mnt/clpnas
bed_up -n 2 --conf "$CLP_SOURCE_DIR/test/data/bed/rsc-nas.conf"
EXPORT=$CLPBED_DIR/export
mkdir -p "$EXPORT"
# The NFS server on gw, with its state in gw's own mount namespace (a tmpfs over
# /var/lib/nfs, gw's own /run and /proc/fs/nfsd), NFSv4 only (no rpcbind).
on gw sh -ec "
    mount -t tmpfs tmpfs /var/lib/nfs
    mkdir -p /var/lib/nfs/v4recovery
    mountpoint -q /proc/fs/nfsd || mount -t nfsd nfsd /proc/fs/nfsd
    exportfs -o rw,sync,no_root_squash,no_subtree_check,fsid=1 10.32.0.0/24:$EXPORT
    rpc.mountd -N 2 -N 3 --no-udp
    rpc.nfsd -N 2 -N 3 -U 4
"
stop_nfsd() {
    on gw rpc.nfsd 0 >/dev/null 2>&1
}
trap 'rc=$?; set +e; trap - ERR; stop_nfsd; (exit $rc); bed_down' EXIT

nas_mounted() {
    nsenter --mount="$CLPBED_DIR/ns/$1.mnt" findmnt -rn -t nfs4,nfs "$MNT" >/dev/null
}
mount_id() {
    nsenter --mount="$CLPBED_DIR/ns/$1.mnt" findmnt -rn -o ID "$MNT"
}

rsc_checker_start "$FIP" "$MNT"
bed start all >/dev/null
wait_for 60 group_is srv1 failover1 srv1
nas_mounted srv1 || fail "the export is not mounted on srv1"
not nas_mounted srv2 || fail "the export is mounted on srv2"
on srv1 sh -c "echo from-srv1 > $MNT/srv1.txt && sync"
[ "$(cat "$EXPORT/srv1.txt")" = from-srv1 ] || fail "srv1's file did not reach the export"
log "srv1 mounted the export and wrote to it"

mid=$(mount_id srv1)
core=$(core_pid srv1)
recovered() {
    grep -q 'group failover1: all its resources are still active after the restart' \
        "$CLPBED_DIR/srv1/root/log/clusterpro.log"
}
bed kill srv1 clusterpro
wait_for 20 core_restarted srv1 "$core"
wait_for 20 recovered
[ "$(mount_id srv1)" = "$mid" ] || fail "the export was remounted during the core restart"
log "core kill -9: same mount (id $mid)"

on_bg srv1 sh -c "cd $MNT && exec sleep 600" </dev/null >/dev/null 2>&1
busy=$BG_PID
cwd_is() {
    [ "$(readlink "/proc/$1/cwd")" = "$2" ]
}
wait_for 5 cwd_is "$busy" "$MNT"
on srv1 clpgrp -m failover1 >/dev/null
wait_for 30 group_is srv1 failover1 srv2
not proc_alive "$busy" || fail "the process using $MNT on srv1 was not killed"
not nas_mounted srv1 || fail "the export is still mounted on srv1"
on srv2 cat "$MNT/srv1.txt" | grep -qx from-srv1 || fail "srv2 does not see srv1's file"
on srv2 sh -c "echo from-srv2 > $MNT/srv2.txt && sync"
log "move: forced unmount on srv1 (busy process killed), srv2 mounted the export"

bed crash srv2 >/dev/null
wait_for 60 group_is srv1 failover1 srv1
nas_mounted srv1 || fail "the export is not mounted on srv1 after the failover"
on srv1 cat "$MNT/srv2.txt" | grep -qx from-srv2 || fail "srv1 does not see srv2's file"
log "crash of srv2: srv1 mounted the export again"
rsc_checker_stop

on srv1 clpgrp -t failover1 >/dev/null
wait_for 30 not nas_mounted srv1
