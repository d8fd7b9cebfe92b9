#!/usr/bin/env bash
# ddns resource: 2 servers, one group {fip 10.32.0.100, ddns vhost.clp.test ->
# 10.32.0.100}, against a BIND (named) that this test runs on the bed's gw host
# with a dynamic zone clp.test whose updates must be signed with a TSIG key.
# Checks, from the client and from named's own log: the name is registered by
# srv1 at start; a kill -9 of the core re-registers nothing; `clpgrp -m` makes
# srv1 delete the record and srv2 add it; after `clpbed crash srv2` srv1
# registers it again; stopping the group deletes it. An unsigned update is
# refused (the key is really needed).
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/lib_rsc.sh"

command -v named >/dev/null && command -v nsupdate >/dev/null && command -v dig >/dev/null ||
    { log "SKIP: named, nsupdate or dig is missing (bind9, bind9-dnsutils)"; exit 77; }

NAME=vhost.clp.test
FIP=10.32.0.100
bed_up -n 2 --conf "$CLP_SOURCE_DIR/test/data/bed/rsc-ddns.conf"

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
on_bg gw named -f -c "$DNS/named.conf" </dev/null >"$DNS/named.out" 2>&1
named_up() {
    on client dig +short +time=1 +tries=1 @10.32.0.254 ns.clp.test A | grep -qx 10.32.0.254
}
wait_for 20 named_up

resolves_to() {
    [ "$(on client dig +short +time=1 +tries=1 @10.32.0.254 "$NAME" A)" = "$1" ]
}
# updates FROM WHAT: how many updates from FROM named logged doing WHAT
# ("adding an RR", "deleting an RR").
updates() {
    grep -c "client @[^ ]* $1#[0-9]*/key clpkey: updating zone 'clp.test/IN': $2 at '\?$NAME'\? A" \
        "$DNS/named.log" || true
}
at_least() {
    [ "$(updates "$1" "$2")" -ge "$3" ]
}

# Without the key, the zone refuses updates.
printf 'server 10.32.0.254\nupdate add %s 10 A 10.9.9.9\nsend\n' "$NAME" |
    on client nsupdate -t 5 >/dev/null 2>&1 && fail "an unsigned update was accepted"
resolves_to "" || fail "$NAME resolves before the cluster starts"

rsc_checker_start "$FIP"
bed start all >/dev/null
wait_for 60 group_is srv1 failover1 srv1
wait_for 10 resolves_to "$FIP"
[ "$(updates 10.32.0.1 'adding an RR')" = 1 ] || fail "srv1 did not register $NAME (once)"
log "srv1 registered $NAME -> $FIP"

core=$(core_pid srv1)
recovered() {
    grep -q 'group failover1: all its resources are still active after the restart' \
        "$CLPBED_DIR/srv1/root/log/clusterpro.log"
}
bed kill srv1 clusterpro
wait_for 20 core_restarted srv1 "$core"
wait_for 20 recovered
group_is srv1 failover1 srv1 || fail "failover1 is not online on srv1 after the core restart"
[ "$(updates 10.32.0.1 'adding an RR')" = 1 ] && [ "$(updates 10.32.0.1 'deleting an RR')" = 0 ] ||
    fail "the core restart changed the record"
resolves_to "$FIP" || fail "$NAME no longer resolves after the core restart"
log "core kill -9: the probe found the record, nothing was re-registered"

on srv1 clpgrp -m failover1 >/dev/null
wait_for 30 group_is srv1 failover1 srv2
wait_for 10 at_least 10.32.0.1 'deleting an RR' 1
wait_for 10 at_least 10.32.0.2 'adding an RR' 1
wait_for 10 resolves_to "$FIP"
log "move: srv1 deleted the record, srv2 registered it"

bed crash srv2 >/dev/null
wait_for 60 group_is srv1 failover1 srv1
wait_for 10 at_least 10.32.0.1 'adding an RR' 2
wait_for 10 resolves_to "$FIP"
log "crash of srv2: srv1 registered $NAME again"
rsc_checker_stop

on srv1 clpgrp -t failover1 >/dev/null
wait_for 30 resolves_to ""
[ "$(updates 10.32.0.1 'deleting an RR')" -ge 2 ] || fail "srv1 did not delete the record at stop"
log "stopping the group deleted $NAME"
