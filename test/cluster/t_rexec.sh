#!/usr/bin/env bash
# Issue 9 acceptance (clprexec and external failure notification): from the
# client host outside the cluster, with a client key, clprexec --notice makes
# srv1's mrw1 Error and its recovery fails failover1 over (never active on two
# servers); --clear makes it Normal again; a 300-character keyword is matched
# whole (the original broke at 256) and a 1024-character one is refused with a
# sentence; --failover and --script work and nothing logs "Unknown request";
# the same request from a host not in cluster/rexec/clientlist, or with a key
# the cluster does not know, is refused with trnsv 1 and nothing moves.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/lib_cluster.sh"

bed_up -n 2 --conf "$CLP_SOURCE_DIR/test/data/bed/rexec.conf"
BIN=$CLP_BUILD_DIR/bin
KEY=$TEST_TMP/client.key
# A client key for the client host (0600, kept outside the cluster), its public
# half on both servers.
on srv1 clpkeygen --client bedclient -o "$KEY" >/dev/null
mkdir -p "$CLPBED_DIR/srv2/root/etc/clients"
cp "$CLPBED_DIR/srv1/root/etc/clients/bedclient.pub" "$CLPBED_DIR/srv2/root/etc/clients/"
[ "$(stat -c %a "$KEY")" = 600 ] || fail "the client key is not 0600"
# Scripts of work/rexec/ on srv1, and one that leads outside it.
RX=$CLPBED_DIR/srv1/root/work/rexec
mkdir -p "$RX"
printf '#!/bin/sh\necho "ran on $CLP_SERVER for $CLP_REXEC_SOURCE" | tee "%s/script.out"\nls -l /proc/$$/fd >"%s/script.fds"\n' \
    "$TEST_TMP" "$TEST_TMP" >"$RX/ok.sh"
printf '#!/bin/sh\necho failing\nexit 3\n' >"$RX/fail.sh"
chmod 755 "$RX/ok.sh" "$RX/fail.sh"
printf '#!/bin/sh\ntouch "%s/escaped"\n' "$TEST_TMP" >"$CLPBED_DIR/srv1/root/outside.sh"
chmod 755 "$CLPBED_DIR/srv1/root/outside.sh"
ln -s ../../outside.sh "$RX/escape.sh"

bed start all >/dev/null
wait_for 20 group_is srv1 failover1 srv1
wait_for 10 server_is srv1 srv2 Online
checker_start 10.32.0.100

# rexec ARGS...: clprexec on the client host with the client key.
rexec() {
    on client "$BIN/clprexec" --key "$KEY" "$@"
}
# mon_on VIEWER MONITOR SERVER: the state word of MONITOR on SERVER.
mon_on() {
    status_json "$1" |
        json_py "m=next(m for m in d['monitors'] if m['name']=='$2'); print(next(s['status'] for s in m['servers'] if s['name']=='$3'))"
}
mon_is() {
    [ "$(mon_on "$1" "$2" "$3" 2>/dev/null)" = "$4" ]
}
# expect_exit CODE CMD...: CMD exits with CODE; its output is in $OUT.
expect_exit() {
    local want=$1 rc=0
    shift
    OUT=$("$@" 2>&1) || rc=$?
    [ "$rc" = "$want" ] || fail "exit $rc (wanted $want) from: ${*:0:6}...: $OUT"
}

# 1. --notice from outside: mrw1 Error on srv1, its recovery fails the group over.
t0=$(now_us)
expect_exit 0 rexec --notice -k app.disk -h 10.32.0.1
[[ $OUT == *mrw1* ]] || fail "the reply does not name mrw1: $OUT"
wait_for 20 group_is srv2 failover1 srv2
log "notice -> failover1 online on srv2 in $((($(now_us) - t0) / 1000)) ms"
mon_is srv1 mrw1 srv1 Error || fail "mrw1 is not Error on srv1 after the notice"
wait_for 5 alert_seen srv1 trnsv 10 "IP=10.32.0.200"
wait_for 5 alert_seen srv1 mm 903
wait_for 5 alert_seen srv1 trnsv 20 "failover"
wait_for 5 alert_seen srv1 trnsv 21 "mrw1"
alert_seen srv1 rm 9 mrw1 || fail "no rm 9 for mrw1"

# 2. --clear: mrw1 Normal again (clpstat), rm 26; the group stays where it is.
expect_exit 0 rexec --clear -k app.disk -h 10.32.0.1
wait_for 5 mon_is srv1 mrw1 srv1 Normal
on srv1 clpstat | grep -E '^ +mrw1 +: Normal' >/dev/null || fail "clpstat does not show mrw1 Normal"
wait_for 5 alert_seen srv1 rm 26 mrw1
group_is srv1 failover1 srv2 || fail "the clear moved the group"
log "clear -> mrw1 Normal"

# 3. Keywords of 256 characters and more: matched whole, never cut.
k300=$(printf 'k%.0s' $(seq 300))
expect_exit 1 rexec --notice -k "long.${k300:0:299}" -h 10.32.0.1 # a prefix is not the keyword
[[ $OUT == *"no message receive monitor"* ]] || fail "a 299-character prefix: $OUT"
expect_exit 1 rexec --notice -k "long.${k300}x" -h 10.32.0.1
mon_is srv1 mrwlong srv1 Normal || fail "a keyword that does not match made mrwlong Error"
expect_exit 0 rexec --notice -k "long.$k300" -h 10.32.0.1
[[ $OUT == *mrwlong* ]] || fail "the 300-character keyword did not reach mrwlong: $OUT"
wait_for 5 mon_is srv1 mrwlong srv1 Error
expect_exit 2 rexec --notice -k "long.$(printf 'k%.0s' $(seq 1024))" -h 10.32.0.1
[[ $OUT == *"1024 bytes long; at most 1023"* ]] || fail "a 1024-character keyword: $OUT"
expect_exit 0 rexec --clear mrwlong -h 10.32.0.1
wait_for 5 mon_is srv1 mrwlong srv1 Normal
log "300-character keyword matched whole; 1024 refused before sending"

# 4. --failover, asking srv2 where the group runs: back to srv1 by its policy.
expect_exit 0 rexec --failover failover1 -h 10.32.0.2 -w 30
wait_for 10 group_is srv1 failover1 srv1
[[ $OUT == *"on srv1"* ]] || fail "the failover reply does not say where: $OUT"
expect_exit 0 rexec --failover -r fip1 -h 10.32.0.1 -w 30
wait_for 10 group_is srv1 failover1 srv2
expect_exit 1 rexec --failover nosuchgroup -h 10.32.0.1
wait_for 5 alert_seen srv1 trnsv 30 "failover failover1"
wait_for 5 alert_seen srv1 trnsv 31 "nosuchgroup"
log "failover by group and by resource; an unknown group refused"

# 5. --script: only work/rexec/, exit status carried back.
expect_exit 0 rexec --script ok.sh -h 10.32.0.1 -o "$TEST_TMP"
[[ $OUT == *"ran on srv1 for 10.32.0.200"* ]] || fail "script output: $OUT"
grep -q "ran on srv1 for 10.32.0.200" "$TEST_TMP/script.out" || fail "the script did not run"
# it inherits none of trn's descriptors (sockets, event fds, its log): only
# stdin, stdout/stderr and what the shell itself opens
if grep -E 'socket:|anon_inode:|\.log$' "$TEST_TMP/script.fds"; then
    fail "the script inherited trn's descriptors"
fi
grep -q "script ok.sh -h 10.32.0.1: exit 0" "$TEST_TMP/clprexec.log" || fail "no -o log line"
expect_exit 1 rexec --script fail.sh -h 10.32.0.1
[[ $OUT == *"exited with status 3"* ]] || fail "a failing script: $OUT"
expect_exit 1 rexec --script escape.sh -h 10.32.0.1
[[ $OUT == *"leads outside work/rexec/"* ]] || fail "a link out of work/rexec: $OUT"
expect_exit 2 rexec --script ../../outside.sh -h 10.32.0.1
[ ! -e "$TEST_TMP/escaped" ] || fail "a script outside work/rexec/ ran"
wait_for 5 alert_seen srv1 trnsv 30 "script ok.sh"
wait_for 5 alert_seen srv1 trnsv 31 "script fail.sh"
log "scripts: ok.sh ran, fail.sh exit 3 reported, escape.sh refused"

# 6. The original logged "Unknown request" for script and failover requests.
for s in srv1 srv2; do
    if grep -rEi "unknown request|is not handled by this service" "$CLPBED_DIR/$s/root/log/"; then
        fail "$s logged an unknown request"
    fi
done

# 7. Refusals: a host not in the list (gw), a key the cluster does not know.
where=$(group_current srv1 failover1)
d1=$(alert_count srv1 trnsv 1)
expect_exit 1 on gw "$BIN/clprexec" --key "$KEY" --notice -k app.disk -h 10.32.0.1
[[ $OUT == *"does not accept clprexec requests from 10.32.0.254"* ]] || fail "gw: $OUT"
wait_for 5 alert_seen srv1 trnsv 1 "IP=10.32.0.254"
expect_exit 1 on gw "$BIN/clprexec" --key "$KEY" --failover failover1 -h 10.32.0.1
on srv1 clpkeygen --client rogue -o "$TEST_TMP/rogue.key" >/dev/null
rm -f "$CLPBED_DIR/srv1/root/etc/clients/rogue.pub"
t1=$(now_us)
expect_exit 1 on client "$BIN/clprexec" --key "$TEST_TMP/rogue.key" --failover failover1 \
    -h 10.32.0.1 -w 30
[[ $OUT == *"refused this host's key"* ]] || fail "unknown key: $OUT"
log "unknown key refused in $((($(now_us) - t1) / 1000)) ms"
wait_for 5 alert_seen srv1 trnsv 1 "IP=10.32.0.200"
expect_exit 4 on client "$BIN/clprexec" --notice -k app.disk -h 10.32.0.1
[[ $OUT == *"no key"* ]] || fail "no key: $OUT"
log "trnsv 1: $(($(alert_count srv1 trnsv 1) - d1)) new on srv1"
group_is srv1 failover1 "$where" || fail "a refused request moved the group"
mon_is srv1 mrw1 srv1 Normal || fail "a refused notice changed mrw1"
checker_stop
