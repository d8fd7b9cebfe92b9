#!/usr/bin/env bash
# t_mon_nfs: nfsw against a real NFS server on gw. The kernel here has no NFS
# server (no nfsd), so the test runs nfs-ganesha (Debian's user-space NFS
# server, FSAL VFS) with rpcbind in gw's namespaces, exporting a directory over
# NFSv3 and NFSv4. nfsw v3 (RPC NULL call to nfs 3 on TCP 2049, export list
# from mountd) and v4 (NULL call to nfs 4) are Normal on both servers; a
# directory that is not exported and version 2 (not served) are Error with
# their reason in rm 9; the server killed -> Error, started again -> Normal
# (rm 26). Skipped (77) without nfs-ganesha, rpcbind and showmount.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/lib_mon.sh" # mon_state

for c in ganesha.nfsd rpcbind showmount rpcinfo; do
    command -v "$c" >/dev/null || {
        log "SKIP: no $c (Debian packages nfs-ganesha, nfs-ganesha-vfs, rpcbind, nfs-common)"
        exit 77
    }
done
compgen -G "/usr/lib/*/ganesha/libfsalvfs.so" >/dev/null || {
    log "SKIP: no nfs-ganesha VFS back end (Debian package nfs-ganesha-vfs)"
    exit 77
}

GOOD="nfsw3 nfsw4"
BAD="nfswbadshare nfswv2"

# are STATUS MONITOR...: each MONITOR has STATUS on srv1 and srv2.
are() {
    local want=$1 s m st
    shift
    for s in srv1 srv2; do
        for m in "$@"; do
            st=$(mon_state "$s" "$m")
            [ "$st" = "$want" ] || { echo "$m on $s is $st"; return 1; }
        done
    done
}
alerts() {
    awk -F'\t' -v o="$1" -v m="$2" -v id="$3" '$1 == o && $4 == m && $5 == id { print $10 }' \
        "$CLPBED_DIR/$1/root/alert/alert.log" 2>/dev/null || true
}

bed_up -n 2 --conf "$CLP_SOURCE_DIR/test/data/bed/mon-nfsw.conf"
EXPORT=$CLPBED_DIR/nfs/export
G=$TEST_TMP/ganesha
mkdir -p "$EXPORT" "$CLPBED_DIR/nfs/other" "$G"
echo clpmon >"$EXPORT/hello.txt"
cat >"$G/ganesha.conf" <<CONF
NFS_CORE_PARAM {
  Bind_Addr = 10.32.0.254;
  Protocols = 3, 4;
  NFS_Port = 2049;
  MNT_Port = 20048;
  Enable_NLM = false;
  Enable_RQUOTA = false;
}
NFSV4 { Graceless = true; }
EXPORT {
  Export_Id = 1;
  Path = $EXPORT;
  Pseudo = /export;
  Access_Type = RO;
  Squash = No_Root_Squash;
  Protocols = 3, 4;
  FSAL { Name = VFS; }
}
LOG { Default_Log_Level = EVENT; }
CONF

nfs_start() {
    on_bg gw ganesha.nfsd -F -f "$G/ganesha.conf" -L "$G/ganesha.log" -p "$G/ganesha.pid" \
        </dev/null >/dev/null 2>&1
    NFS_PID=$BG_PID
    wait_for 30 on gw showmount -e 10.32.0.254
}
on gw rpcbind -w
nfs_start
bed start all >/dev/null

log "waiting for the NFS monitors"
wait_for 30 are Normal $GOOD
wait_for 30 are Error $BAD
alerts srv1 rm 9 | grep -q "^Detected an error in monitoring nfswbadshare\. (2 : 10.32.0.254 does not export $CLPBED_DIR/nfs/other)$" ||
    fail "rm 9 of nfswbadshare: $(alerts srv1 rm 9)"
alerts srv1 rm 9 | grep -q '^Detected an error in monitoring nfswv2\. (2 : NFS v2 NULL call to 10.32.0.254: version not supported (the server has versions [0-9] to [0-9]))$' ||
    fail "rm 9 of nfswv2: $(alerts srv1 rm 9)"
for m in $GOOD; do
    ! alerts srv1 rm 9 | grep -q "monitoring $m\." || fail "$m reported an error: $(alerts srv1 rm 9)"
done

log "killing the NFS server"
kill -9 "$NFS_PID"
wait_for 20 are Error $GOOD
alerts srv2 rm 9 | grep -q '^Detected an error in monitoring nfsw4\. (2 : cannot connect to the NFS service of 10.32.0.254 (TCP 2049): Connection refused)$' ||
    fail "rm 9 of nfsw4: $(alerts srv2 rm 9)"
log "starting the NFS server again"
nfs_start
wait_for 30 are Normal $GOOD
for m in $GOOD; do
    for s in srv1 srv2; do
        alerts "$s" rm 26 | grep -qx "$m status changed from error to normal\." ||
            fail "no rm 26 for $m on $s"
    done
done
