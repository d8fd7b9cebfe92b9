#!/usr/bin/env bash
# t_mon_ddns: ddnsw bound to a ddns resource, against a BIND (named) the test
# runs on gw with a dynamic zone clp.test (TSIG-signed updates). ddnsw1 runs
# only where the group is (timing Active: Normal on srv1, Offline on srv2). The
# record deleted behind the cluster's back: ddnsw1 registers it again (named
# logs a second signed update from srv1, the name resolves again, no error).
# named stopped -> Error (rm 9: the server does not answer); started again ->
# Normal (rm 26).
. "$(dirname "$0")/lib.sh"

command -v named >/dev/null && command -v nsupdate >/dev/null && command -v dig >/dev/null &&
    command -v tsig-keygen >/dev/null ||
    { log "SKIP: named, nsupdate, dig or tsig-keygen is missing (bind9, bind9-dnsutils)"; exit 77; }

NAME=vhost.clp.test
IP=10.32.0.100

mon_state() {
    on "$1" clpstat -o json | python3 -c '
import json, sys
for m in json.load(sys.stdin)["monitors"]:
    if m["name"] == sys.argv[1]:
        print(next((s["status"] for s in m["servers"] if s["name"] == sys.argv[2]), "?"))' \
        "$2" "$1"
}
is() {
    local st
    st=$(mon_state "$1" "$2")
    [ "$st" = "$3" ] || { echo "$2 on $1 is $st"; return 1; }
}
alerts() {
    awk -F'\t' -v o="$1" -v m="$2" -v id="$3" '$1 == o && $4 == m && $5 == id { print $10 }' \
        "$CLPBED_DIR/$1/root/alert/alert.log" 2>/dev/null || true
}

bed_up -n 2 --conf "$CLP_SOURCE_DIR/test/data/bed/mon-ddnsw.conf"
DNS=$TEST_TMP/dns
mkdir -p "$DNS"
tsig-keygen -a hmac-sha256 clpkey >"$CLPBED_DIR/ddns.key"
cat >"$DNS/named.conf" <<CONF
include "$CLPBED_DIR/ddns.key";
options {
    directory "$DNS";
    pid-file "$DNS/named.pid";
    session-keyfile "$DNS/session.key";
    managed-keys-directory "$DNS";
    listen-on port 53 { 10.32.0.254; };
    listen-on-v6 { none; };
    recursion no;
    dnssec-validation no;
};
controls { };
logging {
    channel all { file "$DNS/named.log"; severity info; print-time yes; };
    category default { all; };
    category update { all; };
    category update-security { all; };
};
zone "clp.test" { type primary; file "clp.test.zone"; allow-update { key clpkey; }; };
CONF
cat >"$DNS/clp.test.zone" <<'ZONE'
$TTL 60
@   IN SOA ns.clp.test. admin.clp.test. 1 60 60 600 60
@   IN NS  ns.clp.test.
ns  IN A   10.32.0.254
ZONE
named_start() {
    on_bg gw named -f -c "$DNS/named.conf" </dev/null >>"$DNS/named.out" 2>&1
    NAMED_PID=$BG_PID
    wait_for 20 named_up
}
named_up() {
    on client dig +short +time=1 +tries=1 @10.32.0.254 ns.clp.test A | grep -qx 10.32.0.254
}
resolves_to() {
    [ "$(on client dig +short +time=1 +tries=1 @10.32.0.254 "$NAME" A)" = "$1" ]
}
# adds: how many signed additions of the name from srv1 named has logged.
adds() {
    grep -c "client @[^ ]* 10.32.0.1#[0-9]*/key clpkey: updating zone 'clp.test/IN': adding an RR at '\?$NAME'\? A" \
        "$DNS/named.log" || true
}
adds_are() { [ "$(adds)" = "$1" ]; }

named_start
bed start all >/dev/null
wait_for 60 resolves_to "$IP"
wait_for 20 is srv1 ddnsw1 Normal
wait_for 10 is srv2 ddnsw1 Offline
wait_for 10 adds_are 1

log "deleting $NAME behind the cluster's back"
printf 'server 10.32.0.254\nupdate delete %s A\nsend\n' "$NAME" |
    on client nsupdate -t 5 -k "$CLPBED_DIR/ddns.key"
wait_for 15 adds_are 2
wait_for 5 resolves_to "$IP"
grep -q "monitor ddnsw1: $NAME was not registered as $IP on 10.32.0.254: registered again" \
    "$CLPBED_DIR/srv1/root/log/"* || fail "srv1's log does not say ddnsw1 registered the name again"
is srv1 ddnsw1 Normal
[ -z "$(alerts srv1 rm 9)" ] || fail "ddnsw1 reported an error: $(alerts srv1 rm 9)"

log "stopping named"
kill "$NAMED_PID"
wait_for 20 is srv1 ddnsw1 Error
alerts srv1 rm 9 | grep -q "^Detected an error in monitoring ddnsw1\. (2 : DNS server 10.32.0.254 port 53 does not answer for $NAME" ||
    fail "rm 9 of ddnsw1: $(alerts srv1 rm 9)"
log "starting named again"
named_start
wait_for 20 is srv1 ddnsw1 Normal
alerts srv1 rm 26 | grep -qx "ddnsw1 status changed from error to normal\." || fail "no rm 26 for ddnsw1"
wait_for 5 resolves_to "$IP"
