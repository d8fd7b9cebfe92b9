#!/usr/bin/env bash
# Alert sync edge cases:
#  - forged datagrams (a wrong MAC, and bytes that are no sealed envelope) are
#    rejected and counted, change nothing and crash nothing;
#  - records of a server name that is no longer in clp.conf (a renamed
#    server's history) are replicated like any other, and a server that drops
#    a peer from its clp.conf (the peer "renamed") rejects that peer's
#    datagrams, counts them, and still gets its records through the others;
#  - retention (webalert/main/alertlog/maxrecordcount) keeps every log
#    bounded without records being pulled again.
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

servers_xml() {
    local k
    for k in "$@"; do
        cat <<SRV
  <server name="srv$k">
    <priority>$((k - 1))</priority>
    <device id="0"><type>lan</type><info>10.31.0.$k</info></device>
    <device id="1"><type>lan</type><info>10.32.0.$k</info></device>
  </server>
SRV
    done
}
make_conf() {
    cat <<CONF
<?xml version="1.0" encoding="ASCII"?>
<root>
  <all><charset>ASCII</charset><encode>ASCII</encode><serveros>linux</serveros></all>
  <cluster>
    <name>bedcluster</name>
    <heartbeat><interval>1000</interval><timeout>60000</timeout></heartbeat>
  </cluster>
$(servers_xml "$@")
  <heartbeat>
    <types name="lanhb"/>
    <lanhb name="lanhb1"><priority>0</priority><device>0</device></lanhb>
  </heartbeat>
  <networkpartition/>
  <webalert><main><alertlog><maxrecordcount>200</maxrecordcount></alertlog></main></webalert>
  <webmgr><client><objectnumber>$((4 + 2 * $#))</objectnumber></client></webmgr>
</root>
CONF
}
make_conf 1 2 3 >"$TEST_TMP/clp.conf"
bed_up -n 3 --conf "$TEST_TMP/clp.conf"
start_alert_services srv1 srv2 srv3
running() {
    on "$1" clpaltlog --status | grep -q '^clusterpro_alertsync state=running'
}
for s in srv1 srv2 srv3; do wait_for 30 running "$s"; done
counter() { # SERVER SERVICE NAME
    on "$1" clpaltlog --status | sed -n "s/^clusterpro_$2 $3=//p"
}
pid_of() { cat "$CLPBED_DIR/$1/root/run/clusterpro_$2.pid"; }
count() { on "$1" clpaltlog --grep "$2" -c; }
count_is() { [ "$(count "$1" "$2")" = "$3" ]; }

# --- forged datagrams from outside the cluster (gw) ---
as_pid=$(pid_of srv1 alertsync)
before=$(counter srv1 alertsync datagrams_rejected)
cat >"$TEST_TMP/forge.py" <<'PY'
import os, socket, sys
def varint(n):
    out = b""
    while True:
        b = n & 0x7f; n >>= 7
        out += bytes([b | (0x80 if n else 0)])
        if not n: return out
def field(num, wt, payload):
    key = varint(num << 3 | wt)
    return key + (varint(payload) if wt == 0 else varint(len(payload)) + payload)
s = lambda v: v.encode()
rec = field(1, 2, s("srv2")) + field(2, 0, 1) + field(4, 2, s("logcmd")) + \
      field(5, 0, 1) + field(10, 2, s("FORGED-ALERT"))
records = field(1, 2, s("srv2")) + field(2, 2, rec) + field(4, 0, 1)
env = field(1, 0, 1) + field(2, 2, s("bedcluster")) + field(3, 2, s("srv2")) + \
      field(4, 0, 2**62) + field(5, 0, 1) + field(52, 2, records)
sealed = field(1, 2, env) + field(2, 2, os.urandom(32))   # a MAC with a random key
sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
for _ in range(3):
    sock.sendto(sealed, (sys.argv[1], 29003))
sock.sendto(os.urandom(200), (sys.argv[1], 29003))        # not even a sealed envelope
PY
on gw python3 "$TEST_TMP/forge.py" 10.32.0.1
forged_counted() { [ "$(counter srv1 alertsync datagrams_rejected)" -ge $((before + 4)) ]; }
wait_for 10 forged_counted
log "srv1 alertsync: datagrams_rejected $before -> $(counter srv1 alertsync datagrams_rejected)"
[ "$(pid_of srv1 alertsync)" = "$as_pid" ] || fail "alertsync restarted after forged datagrams"
count_is srv1 FORGED-ALERT 0 || fail "a forged record reached the alert log"

# --- the history of a server name that is no longer in clp.conf ---
bed stop srv3
wait_for 20 not running srv3
now_ms=$(($(date +%s) * 1000))
for i in 1 2 3; do
    printf 'srv3old\t%d\t%d\tlogcmd\t1\t3\t3\tclplogcmd:1:1\t%d\tRENAMED-HISTORY %d\n' \
        "$i" "$now_ms" "$i" "$i" >>"$CLPBED_DIR/srv3/root/alert/alert.log"
done
pids="$(pid_of srv1 alertsync) $(pid_of srv2 alertsync)"
start_alert_services srv3
wait_for 30 running srv3
wait_for 30 count_is srv1 RENAMED-HISTORY 3
wait_for 30 count_is srv2 RENAMED-HISTORY 3
[ "$(pid_of srv1 alertsync) $(pid_of srv2 alertsync)" = "$pids" ] ||
    fail "alertsync restarted on srv1 or srv2"
log "the records of srv3old (not in clp.conf) reached srv1 and srv2"

# --- srv1 drops srv3 from its clp.conf (as if srv3 had been renamed) ---
make_conf 1 2 >"$CLPBED_DIR/srv1/root/etc/clp.conf"
old=$(pid_of srv1 alertsync)
bed kill srv1 clusterpro_alertsync
restarted() { [ -s "$CLPBED_DIR/srv1/root/run/clusterpro_alertsync.pid" ] &&
    [ "$(pid_of srv1 alertsync)" != "$old" ] && running srv1; }
wait_for 30 restarted
on srv3 clplogcmd -m "FROM-UNLISTED-SERVER" --alert
wait_for 30 count_is srv1 FROM-UNLISTED-SERVER 1
unknown_counted() { [ "$(counter srv1 alertsync datagrams_unknown_sender)" -gt 0 ]; }
wait_for 10 unknown_counted
log "srv1 rejected $(counter srv1 alertsync datagrams_unknown_sender) datagrams of srv3," \
    "got srv3's record through srv2"

# --- retention: 300 more alerts on srv2 with maxrecordcount 200 ---
for i in $(seq 1 300); do on srv2 clplogcmd -m "RETENTION $i END" --alert; done
for s in srv1 srv2 srv3; do wait_for 60 count_is "$s" "RETENTION 300 END" 1; done
settled() {
    local s
    for s in srv1 srv2 srv3; do
        [ "$(counter "$s" alertsync origins_behind)" = 0 ] || return 1
    done
}
wait_for 30 settled
for s in srv1 srv2 srv3; do
    n=$(on "$s" clpaltlog -c)
    log "$s: $n records in its alert log (limit 200 + 10 %)"
    [ "$n" -le 220 ] || fail "$s keeps $n records"
    count_is "$s" "RETENTION 1 END" 0 || fail "$s still holds the oldest record"
done
