#!/usr/bin/env bash
# t_mon_samba: sambaw against a real Samba server (smbd) that the test runs on
# gw (10.32.0.254, ports 139 and 445, its own configuration, passdb and state
# under the test's directory; the Samba user is the system account daemon).
# Authenticated sessions on 139 and 445 and an anonymous one are Normal on both
# servers, a missing share and a wrong password are Error with the NT_STATUS in
# rm 9; smbd stopped -> Error, started again -> Normal (rm 26).
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/lib_mon.sh" # mon_state

if ! command -v smbd >/dev/null || ! command -v smbclient >/dev/null ||
    ! command -v smbpasswd >/dev/null; then
    log "SKIP: no Samba server and client (Debian packages samba, smbclient)"
    exit 77
fi
id daemon >/dev/null 2>&1 || { log "SKIP: no system account daemon for the Samba user"; exit 77; }

GOOD="sambaw1 sambaw445 sambawguest"
BAD="sambawbadshare sambawbadpw"

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

S=$TEST_TMP/samba
mkdir -p "$S"/{private,lock,state,cache,run,ncalrpc,share,pub}
chmod 755 "$TEST_TMP" "$S" "$S/share" "$S/pub"
echo "clpmon" >"$S/share/hello.txt"
cat >"$S/smb.conf" <<CONF
[global]
  netbios name = CLPGW
  workgroup = BED
  server role = standalone server
  interfaces = 10.32.0.254/24
  bind interfaces only = yes
  smb ports = 445 139
  private dir = $S/private
  lock directory = $S/lock
  state directory = $S/state
  cache directory = $S/cache
  pid directory = $S/run
  ncalrpc dir = $S/ncalrpc
  passdb backend = tdbsam:$S/private/passdb.tdb
  log file = $S/log.%I
  log level = 1
  map to guest = Bad User
  load printers = no
  printcap name = /dev/null
  disable spoolss = yes
[clpshare]
  path = $S/share
  read only = yes
  valid users = daemon
[pubshare]
  path = $S/pub
  read only = yes
  guest ok = yes
CONF
printf 'clp-secret\nclp-secret\n' | smbpasswd -c "$S/smb.conf" -s -a daemon >/dev/null 2>&1

smb_start() {
    on_bg gw smbd --foreground -s "$S/smb.conf" </dev/null \
        >>"$TEST_TMP/smbd.out" 2>&1
    SMBD_PID=$BG_PID
    wait_for 20 on gw bash -c 'exec 3<>/dev/tcp/10.32.0.254/139'
}

bed_up -n 2 --conf "$CLP_SOURCE_DIR/test/data/bed/mon-sambaw.conf"
smb_start
bed start all >/dev/null

log "waiting for the sessions"
wait_for 30 are Error $BAD
wait_for 30 are Normal $GOOD
# Every good monitor has had sessions: smbd logs one file per client machine.
wait_for 30 test -s "$S/log.10.32.0.1"
wait_for 30 test -s "$S/log.10.32.0.2"
alerts srv1 rm 9 | grep -q '^Detected an error in monitoring sambawbadshare\. (2 : SMB session to //10.32.0.254/nosuchshare port 139 failed: .*NT_STATUS_BAD_NETWORK_NAME' ||
    fail "rm 9 of sambawbadshare: $(alerts srv1 rm 9)"
alerts srv1 rm 9 | grep -q '^Detected an error in monitoring sambawbadpw\. (2 : SMB session to //10.32.0.254/clpshare port 139 failed: .*NT_STATUS_LOGON_FAILURE' ||
    fail "rm 9 of sambawbadpw: $(alerts srv1 rm 9)"
for m in $GOOD; do
    ! alerts srv1 rm 9 | grep -q "monitoring $m\." || fail "$m reported an error: $(alerts srv1 rm 9)"
done

log "stopping smbd"
kill "$SMBD_PID"
wait_for 20 are Error $GOOD
log "starting smbd again"
smb_start
wait_for 20 are Normal $GOOD
for m in $GOOD; do
    for s in srv1 srv2; do
        alerts "$s" rm 26 | grep -qx "$m status changed from error to normal\." ||
            fail "no rm 26 for $m on $s"
    done
done
