#!/usr/bin/env bash
# Alert destinations: syslog lines in the documented format on the server's
# syslog socket; clplogcmd reaches exactly the destinations it names (alert
# log, syslog, mail, SNMP trap); an alert mail reaches an SMTP server the test
# runs on gw and is reported as mail 6 ("mail successed"), a failed one as
# mail 5; a trap reaches snmptrapd on gw; a per-message override in <messages>
# (mail 6 -> also a trap) applies; a message of 3000 bytes (the original's
# alert daemon crashed above 512) goes everywhere whole and evt lives on.
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
command -v snmptrapd >/dev/null || { log "snmptrapd missing (tools/install-deps)"; exit 77; }

GW=10.32.0.254
SMTP_PORT=2525
TRAP_PORT=1162
conf=$TEST_TMP/clp.conf
cat >"$conf" <<CONF
<?xml version="1.0" encoding="ASCII"?>
<root>
  <all><charset>ASCII</charset><encode>ASCII</encode><serveros>linux</serveros></all>
  <cluster>
    <name>bedcluster</name>
    <heartbeat><interval>1000</interval><timeout>5000</timeout></heartbeat>
    <messages><use>1</use></messages>
    <syslog><format><level>1</level></format></syslog>
    <mail>
      <address>ops@example.test; oncall@example.test</address>
      <subject>CLUSTERPRO</subject>
      <smtp>
        <timeout>5</timeout>
        <smtpsrv id="0">
          <priority>0</priority><srvname>$GW</srvname><port>$SMTP_PORT</port>
          <senderaddress>cluster@example.test</senderaddress>
        </smtpsrv>
      </smtp>
    </mail>
    <trap>
      <snmpsrv id="0"><srvname>$GW</srvname><port>$TRAP_PORT</port><snmpver>v2c</snmpver>
        <snmpcom>public</snmpcom></snmpsrv>
    </trap>
  </cluster>
$(for k in 1 2; do cat <<SRV
  <server name="srv$k">
    <priority>$((k - 1))</priority>
    <device id="0"><type>lan</type><info>10.31.0.$k</info></device>
    <device id="1"><type>lan</type><info>10.32.0.$k</info></device>
  </server>
SRV
done)
  <heartbeat>
    <types name="lanhb"/>
    <lanhb name="lanhb1"><priority>0</priority><device>0</device></lanhb>
  </heartbeat>
  <networkpartition/>
  <messages>
    <types name="mail"/>
    <mail id="6"><trap>1</trap></mail>
  </messages>
  <webmgr><client><objectnumber>10</objectnumber></client></webmgr>
</root>
CONF

cat >"$TEST_TMP/syslogd.py" <<'PY'
import os, socket, sys
path, out = sys.argv[1], sys.argv[2]
if os.path.exists(path):
    os.unlink(path)
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind(path)
with open(out, "a") as f:
    while True:
        f.write(s.recv(65536).decode(errors="replace") + "\n")
        f.flush()
PY
cat >"$TEST_TMP/smtpd.py" <<'PY'
import os, socketserver, sys
host, port, out = sys.argv[1], int(sys.argv[2]), sys.argv[3]
class H(socketserver.StreamRequestHandler):
    def handle(self):
        def w(s):
            self.wfile.write((s + "\r\n").encode()); self.wfile.flush()
        w("220 test ESMTP")
        frm, rcpt = "", []
        while True:
            line = self.rfile.readline()
            if not line:
                return
            cmd = line.decode(errors="replace").rstrip("\r\n")
            u = cmd.upper()
            if u.startswith("EHLO") or u.startswith("HELO"):
                w("250-test"); w("250 8BITMIME")
            elif u.startswith("MAIL FROM:"):
                frm = cmd[10:]; rcpt = []; w("250 ok")
            elif u.startswith("RCPT TO:"):
                rcpt.append(cmd[8:]); w("250 ok")
            elif u == "DATA":
                w("354 end with .")
                lines = []
                while True:
                    l = self.rfile.readline().decode(errors="replace")
                    if l in (".\r\n", ".\n", ""):
                        break
                    lines.append(l[1:] if l.startswith("..") else l)
                n = len([f for f in os.listdir(out) if f.endswith(".eml")])
                tmp = os.path.join(out, "tmp")
                with open(tmp, "w") as f:
                    f.write("X-Envelope-From: %s\nX-Envelope-To: %s\n" % (frm, " ".join(rcpt)))
                    f.write("".join(lines).replace("\r\n", "\n"))
                os.rename(tmp, os.path.join(out, "%03d.eml" % n))
                w("250 queued")
            elif u == "QUIT":
                w("221 bye"); return
            else:
                w("250 ok")
socketserver.TCPServer.allow_reuse_address = True
socketserver.TCPServer((host, port), H).serve_forever()
PY
printf 'disableAuthorization yes\n' >"$TEST_TMP/snmptrapd.conf"
mkdir -p "$TEST_TMP/mail"

bed_up -n 2 --conf "$conf"
syslog=$TEST_TMP/syslog-srv1
touch "$syslog" "$TEST_TMP/traps.log"
# the readers run inside the bed, so that `clpbed down` ends them
on_bg srv1 python3 "$TEST_TMP/syslogd.py" "$CLPBED_DIR/srv1/syslog.sock" "$syslog"
on_bg gw python3 "$TEST_TMP/smtpd.py" $GW $SMTP_PORT "$TEST_TMP/mail"
SMTPD_PID=$BG_PID
on_bg gw snmptrapd -f -C -c "$TEST_TMP/snmptrapd.conf" -Lf "$TEST_TMP/traps.log" -n \
    "udp:$GW:$TRAP_PORT"
wait_for 10 test -S "$CLPBED_DIR/srv1/syslog.sock"
start_alert_services srv1 srv2
running() {
    on "$1" clpaltlog --status | grep -q '^clusterpro_alertsync state=running'
}
wait_for 30 running srv1
wait_for 30 running srv2
evt_pid=$(cat "$CLPBED_DIR/srv1/root/run/clusterpro_evt.pid")

in_syslog() { grep -qF -- "$1" "$syslog"; }
alert_count() { on "$1" clpaltlog --grep "$2" -c; }
has_alert() { [ "$(alert_count "$1" "$2")" = "${3:-1}" ]; }
in_mail() { grep -lF -- "$1" "$TEST_TMP"/mail/*.eml 2>/dev/null | head -1 | grep -q .; }
in_traps() { grep -qF -- "$1" "$TEST_TMP/traps.log"; }

T=N$$
# --- syslog only, with level and ID ---
on srv1 clplogcmd -m "$T syslog-only" --syslog -l WARN -i 7
wait_for 10 in_syslog "$T syslog-only"
line=$(grep -F "$T syslog-only" "$syslog")
log "syslog: $line"
re='^<28>[A-Z][a-z]{2} [ 1-3][0-9] [0-9]{2}:[0-9]{2}:[0-9]{2} expresscls\[[0-9]+\]: '
re+="\[W\] <type: logcmd><event: 7> $T syslog-only\$"
[[ $line =~ $re ]] || fail "syslog line not in the documented format: $line"
# --- alert only ---
on srv1 clplogcmd -m "$T alert-only" --alert -l ERR -i 12
wait_for 10 has_alert srv2 "$T alert-only"
line=$(on srv2 clpaltlog --grep "$T alert-only")
log "alert log (srv2): $line"
re="^[0-9]{4}/[0-9]{2}/[0-9]{2} [0-9:]{8}\.[0-9]{3} srv1 ERROR logcmd 12 $T alert-only\$"
[[ $line =~ $re ]] || fail "clpaltlog line not in the documented format: $line"
# --- both by default, with an ERR level tag ---
on srv1 clplogcmd -m "$T default" -l ERR
wait_for 10 in_syslog "$T default"
grep -F "$T default" "$syslog" | grep -q '^<27>.*: \[E\] <type: logcmd><event: 1> ' ||
    fail "default destination: bad syslog line $(grep -F "$T default" "$syslog")"
wait_for 10 has_alert srv1 "$T default"
# the syslog-only message never reached an alert log, the alert-only one never syslog
has_alert srv1 "$T syslog-only" 0 || fail "a --syslog message is in the alert log"
has_alert srv2 "$T syslog-only" 0 || fail "a --syslog message is in srv2's alert log"
if in_syslog "$T alert-only"; then fail "an --alert message went to syslog"; fi

# --- mail, and the mail 6 report, which the <messages> override also sends as a trap ---
on srv1 clplogcmd -m "$T by mail" --mail
wait_for 20 in_mail "$T by mail"
m=$(grep -lF "$T by mail" "$TEST_TMP"/mail/*.eml | head -1)
log "mail: $(tr '\n' '|' <"$m" | cut -c1-300)"
grep -q '^Subject: CLUSTERPRO$' "$m" || fail "mail subject"
grep -q '^X-Envelope-To: <ops@example.test> <oncall@example.test>$' "$m" || fail "mail recipients"
grep -q '^X-Envelope-From: <cluster@example.test>$' "$m" || fail "mail sender"
grep -qx "Message: $T by mail" "$m" || fail "mail body: no Message: line"
grep -qx 'Server: srv1' "$m" || fail "mail body: no Server: line"
has_alert srv1 "$T by mail" 0 || fail "a --mail message is in the alert log"
wait_for 20 has_alert srv1 "mail successed.(SMTP server: $GW)"
wait_for 20 in_traps "mail successed.(SMTP server: $GW)"

# --- trap ---
on srv1 clplogcmd -m "$T by trap" --trap -l ERR -i 3
wait_for 20 in_traps "$T by trap"
log "trap: $(grep -F "$T by trap" "$TEST_TMP/traps.log" | head -1 | cut -c1-300)"

# --- a long message (3000 bytes) to the alert log and syslog: whole everywhere ---
long="$T long $(head -c 3000 /dev/zero | tr '\0' 'x')"
on srv1 clplogcmd -m "$long" --alert --syslog
wait_for 20 has_alert srv2 "$T long"
len=$(on srv2 clpaltlog --grep "$T long" -o json | python3 -c \
    'import json,sys; print(len(json.load(sys.stdin)[0]["text"]))')
[ "$len" = ${#long} ] || fail "the long message arrived on srv2 with $len bytes, not ${#long}"
wait_for 10 in_syslog "$long"
[ "$(cat "$CLPBED_DIR/srv1/root/run/clusterpro_evt.pid")" = "$evt_pid" ] ||
    fail "clusterpro_evt restarted during the test"

# --- a mail that cannot be delivered: mail 5 ---
kill "$SMTPD_PID"
wait_for 10 not proc_alive "$SMTPD_PID"
on srv1 clplogcmd -m "$T undeliverable" --mail
wait_for 30 has_alert srv1 "mail failed("
log "$(on srv1 clpaltlog --module mail --id 5 | tail -1)"
on srv1 clpaltlog --status | grep -E 'evt (syslog_sent|mails_sent|mails_failed|traps_sent)=' >&2
