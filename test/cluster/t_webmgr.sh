#!/usr/bin/env bash
# WebManager and REST API on a 2-server bed (fip + exec group, an ipw monitor):
# every endpoint with its rights (401 without or with a wrong password, 403 for
# a client outside the lists or a reference-only client, CSRF and Origin
# checks), the documented JSON shapes and status words, malformed JSON,
# oversize bodies, unknown paths and garbage (a JSON error, never a crash),
# each operation's effect on the cluster and its apisv alert, 503 while the
# core is down, log collection as a download, /metrics, the responsiveness of
# the WebManager of srv2 while srv1 crashes and its group fails over (measured),
# and the headless Chromium test (test/browser) when chromium is installed.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/lib_cluster.sh"

OP_PW=op-secret-1
REF_PW=ref-secret-2
ART=$CLP_SOURCE_DIR/test/artifacts/$TEST_NAME
mkdir -p "$ART"

# --- configuration: fip-exec.conf plus an ipw monitor, passwords, client lists, REST API ---
make_conf() {
    local oph refh
    oph=$(echo "$OP_PW" | "$CLP_BUILD_DIR/bin/clpwebpasswd" --stdin)
    refh=$(echo "$REF_PW" | "$CLP_BUILD_DIR/bin/clpwebpasswd" --stdin)
    python3 - "$CLP_SOURCE_DIR/test/data/bed/fip-exec.conf" "$oph" "$refh" >"$TEST_TMP/web.conf" <<'EOF'
import sys
s = open(sys.argv[1]).read()
extra = f"""  <monitor>
    <types name="ipw"/>
    <ipw name="ipw1"><polling><interval>1</interval><timeout>5</timeout></polling>
      <parameters><list id="0"><ip>10.32.0.254</ip></list></parameters>
      <relation><type>cls</type><name>LocalServer</name></relation>
      <emergency><threshold><restart>0</restart><fo>0</fo></threshold><action>1</action></emergency>
    </ipw>
  </monitor>
  <webmgr><security>
    <clientlist><iprest>1</iprest>
      <ip name="10.32.0.200"/><ip name="10.32.0.0/29"/><ipro name="10.32.0.254"/></clientlist>
    <password><operation>{sys.argv[2]}</operation><reference>{sys.argv[3]}</reference></password>
  </security></webmgr>
  <rstd><use>1</use></rstd>
</root>"""
print(s.replace("</root>", extra), end="")
EOF
}

# api HOST PORT METHOD PATH [BODY] [CRED] [EXTRA CURL ARGS...]: CODE and BODY of the reply,
# sent from the client host (10.32.0.200). CRED is user:password for HTTP Basic, or "".
api_from() {
    local from=$1 host=$2 port=$3 method=$4 path=$5 body=${6-} cred=${7-}
    shift 7 2>/dev/null || shift $#
    local args=(-s -m 20 -o "$TEST_TMP/body" -D "$TEST_TMP/headers" -w '%{http_code}' -X "$method")
    [ -z "$cred" ] || args+=(-u "$cred")
    [ -z "$body" ] || args+=(-H 'Content-Type: application/json' --data-binary "$body")
    CODE=$(on "$from" curl "${args[@]}" "$@" "http://$host:$port$path") || CODE=000
    BODY=$(tr -d '\000' <"$TEST_TMP/body" 2>/dev/null || true)
}
api() {
    api_from client "$@"
}

# expect CODE WHAT: the last reply had HTTP status CODE and a JSON result whose code
# is 0 (200) or CODE.
expect() {
    [ "$CODE" = "$1" ] || fail "$2: HTTP $CODE, expected $1: $BODY"
    local want=$1
    [ "$want" = 200 ] && want=0
    echo "$BODY" | json_py "sys.exit(0 if d['result']['code'] == $want and isinstance(d['result']['message'], str) else 1)" ||
        fail "$2: not a JSON result with code $want: $BODY"
}

# jq_body EXPR: evaluates a python expression over the last reply (d).
jb() {
    echo "$BODY" | json_py "print($1)"
}

REF=x:$REF_PW
OPC=x:$OP_PW
S1=10.32.0.1
S2=10.32.0.2
W=29003
A=29009

# The browser test's one npm package (playwright-core), when chromium is there.
if [ -x /usr/bin/chromium ] && command -v npm >/dev/null &&
    [ ! -d "$CLP_SOURCE_DIR/test/browser/node_modules/playwright-core" ]; then
    (cd "$CLP_SOURCE_DIR/test/browser" && npm ci --no-audit --no-fund >/dev/null 2>&1) ||
        fail "npm ci in test/browser failed"
fi
make_conf
bed_up -n 2 --conf "$TEST_TMP/web.conf" --scripts "$CLP_SOURCE_DIR/test/data/bed/scripts"
bed start all
wait_for 60 group_is srv1 failover1 srv1

server_is() { # server_is VIEWER SERVER WORD
    [ "$(server_status "$1" "$2")" = "$3" ]
}
monitor_is() { # monitor_is VIEWER MONITOR WORD
    [ "$(status_json "$1" | json_py "print(next(m['status'] for m in d['monitors'] if m['name']=='$2'))")" = "$3" ]
}
resource_is() { # resource_is VIEWER RESOURCE WORD
    [ "$(status_json "$1" | json_py "print(next(r['status'] for g in d['groups'] for r in g['resources'] if r['name']=='$2'))")" = "$3" ]
}
group_offline() {
    [ "$(status_json "$1" | json_py "print(next(g['status'] for g in d['groups'] if g['name']=='$2'))")" = Offline ]
}
server_online_both() {
    server_is srv1 srv1 Online && server_is srv1 srv2 Online
}
webmgr_pid() {
    cat "$CLPBED_DIR/$1/root/run/clusterpro_webmgr.pid" 2>/dev/null | head -1
}
wait_for 30 server_online_both
WEB1_PID=$(webmgr_pid srv1)

log "static files and the session, without credentials"
api $S1 $W GET / "" ""
[ "$CODE" = 200 ] && grep -q 'Cluster WebUI' "$TEST_TMP/body" || fail "GET / did not serve the UI ($CODE)"
api $S1 $W GET /app.js "" ""
[ "$CODE" = 200 ] || fail "GET /app.js: $CODE"
api $S1 $W GET /api/v1/session "" ""
expect 200 "session"
[ "$(jb "d['session']['right']")" = none ] || fail "anonymous right should be none: $BODY"
api $S1 $W GET /api/v1/session "" "" -H 'Accept-Language: ja,en;q=0.5'
[ "$(jb "d['session']['lang']")" = ja ] || fail "Accept-Language ja not picked: $BODY"

log "401 without or with a wrong password; 403 for clients outside the lists"
for p in /api/v1/cluster /api/v1/status /api/v1/alerts /api/v1/config /metrics; do
    api $S1 $W GET $p "" ""
    expect 401 "GET $p anonymous"
done
grep -qi '^WWW-Authenticate: Basic' "$TEST_TMP/headers" || fail "401 without WWW-Authenticate"
api $S1 $A GET /api/v1/cluster "" "x:wrong"
expect 401 "wrong password"
api $S1 $A POST /api/v1/groups/failover1/move '{"target":"srv2"}' "$REF"
expect 401 "move with the reference password"
api_from gw $S1 $A POST /api/v1/groups/failover1/move '{"target":"srv2"}' "$OPC"
expect 403 "move from a reference-only client (ipro)"
api_from gw $S1 $A GET /api/v1/groups "" "$OPC"
expect 200 "GET from a reference-only client"
CODE=$(on srv1 curl -s -m 5 -o "$TEST_TMP/body" -w '%{http_code}' -u "$OPC" -X POST \
    http://127.0.0.1:$W/api/v1/groups/failover1/move) || true
BODY=$(cat "$TEST_TMP/body")
expect 403 "client not in the list"
group_is srv1 failover1 srv1 || fail "a refused request changed the group"
[ "$(alert_count srv1 apisv 36)" = 0 ] || fail "a refused request was logged as an operation"

log "reference GETs: shapes and status words (reference §9.2)"
api $S1 $A GET /api/v1/cluster "" "$REF"
expect 200 cluster
[ "$(jb "d['cluster']['name'], d['cluster']['status']")" = "bedcluster Online" ] || fail "cluster: $BODY"
api $S1 $A GET /api/v1/cluster/toratio "" "$REF"
expect 200 toratio
[ "$(jb "d['toratio']")" = 1 ] || fail "toratio: $BODY"
api $S1 $A GET /api/v1/servers "" "$REF"
expect 200 servers
[ "$(jb "' '.join(s['name']+':'+s['status'] for s in d['servers'])")" = "srv1:Online srv2:Online" ] ||
    fail "servers: $BODY"
api $S1 $A GET /api/v1/servers/srv2 "" "$REF"
expect 200 "one server"
[ "$(jb "len(d['servers']), d['servers'][0]['name']")" = "1 srv2" ] || fail "servers/srv2: $BODY"
api $S1 $A GET /api/v1/servers/nosuch "" "$REF"
expect 404 "unknown server"
api $S1 $A GET /api/v1/groups "" "$REF"
expect 200 groups
[ "$(jb "(g:=d['groups'][0])['name'], g['status'], g['current'], [r['name'] for r in g['resources']]")" = \
    "failover1 Online srv1 ['fip1', 'exec1']" ] || fail "groups: $BODY"
api $S1 $A GET "/api/v1/groups?select=name" "" "$REF"
expect 200 "groups?select=name"
[ "$(jb "d['groups']")" = "[{'name': 'failover1'}]" ] || fail "select=name: $BODY"
api $S1 $A GET /api/v1/groups/failover1 "" "$REF"
expect 200 "one group"
api $S1 $A GET /api/v1/groups/nosuch "" "$REF"
expect 404 "unknown group"
api $S1 $A GET /api/v1/resources "" "$REF"
expect 200 resources
[ "$(jb "' '.join(r['name']+':'+r['type']+':'+r['status']+':'+r['current']+':'+r['group'] for r in d['resources'])")" = \
    "fip1:fip:Online:srv1:failover1 exec1:exec:Online:srv1:failover1" ] || fail "resources: $BODY"
api $S1 $A GET /api/v1/resources/exec1 "" "$REF"
expect 200 "one resource"
api $S1 $A GET /api/v1/resources/nosuch "" "$REF"
expect 404 "unknown resource"
wait_for 30 monitor_is srv1 ipw1 Normal
api $S1 $A GET /api/v1/monitors "" "$REF"
expect 200 monitors
[ "$(jb "(m:=d['monitors'][0])['name'], m['type'], m['status'], sorted(s['name'] for s in m['servers'])")" = \
    "ipw1 ipw Normal ['srv1', 'srv2']" ] || fail "monitors: $BODY"
api $S1 $A GET /api/v1/monitors/ipw1 "" "$REF"
expect 200 "one monitor"
api $S1 $A GET /api/v1/monitors/nosuch "" "$REF"
expect 404 "unknown monitor"
api $S1 $W GET /api/v1/status "" "$REF"
expect 200 status
[ "$(jb "d['master'], d['local_server'], len(d['servers'][0]['heartbeats'])")" = "srv1 srv1 2" ] ||
    fail "status: $BODY"
api $S1 $W GET /api/v1/config "" "$REF"
expect 200 config
[ "$(jb "(c:=d['config'])['cluster']['name'], [g['name'] for g in c['groups']], c['groups'][0]['policy'], c['webmgr']['operation_password']")" = \
    "bedcluster ['failover1'] ['srv1', 'srv2'] True" ] || fail "config: $BODY"
echo "$BODY" | grep -q argon2 && fail "the config view shows a password hash"
api $S1 $W GET /api/v1/config/clp.conf "" "$REF"
expect 401 "export with the reference password"
api $S1 $W GET /api/v1/config/clp.conf "" "$OPC"
[ "$CODE" = 200 ] && cmp -s "$TEST_TMP/body" "$CLPBED_DIR/srv1/root/etc/clp.conf" ||
    fail "export is not the server's clp.conf ($CODE)"
api $S1 $W GET /metrics "" "$REF"
[ "$CODE" = 200 ] || fail "metrics: $CODE"
for m in 'clp_status_available 1' 'clp_server_status{server="srv2",status="Online"} 1' \
    'clp_heartbeat_status{server="srv1",path="lanhb1",status="Normal"} 1' \
    'clp_group_status{group="failover1",status="Online",current="srv1"} 1' \
    'clp_monitor_status{monitor="ipw1",server="srv1",status="Normal"} 1' \
    'clp_heartbeat_max_delay_seconds{server="srv1",path="lanhb1",peer="srv2"}'; do
    grep -qF "$m" "$TEST_TMP/body" || fail "metrics lack: $m"
done

log "malformed requests get JSON errors and never crash the daemon"
api $S1 $A POST /api/v1/groups/failover1/move '{"target":' "$OPC"
expect 400 "truncated JSON"
api $S1 $A POST /api/v1/groups/failover1/move '["srv2"]' "$OPC"
expect 400 "JSON array body"
api $S1 $A POST /api/v1/groups/failover1/move '{"target":"srv2"} x' "$OPC"
expect 400 "trailing garbage"
api $S1 $A POST /api/v1/groups/failover1/move '{"target":"nosuch"}' "$OPC"
expect 400 "unknown target"
api $S1 $A POST /api/v1/groups/failover1/move "$(printf '{"target":"%*s"}' 100000 x)" "$OPC"
expect 413 "oversize body"
api $S1 $A POST /api/v1/groups/failover1/jump '{}' "$OPC"
expect 404 "unknown operation"
api $S1 $A GET /api/v1/nosuch "" "$REF"
expect 404 "unknown path"
api $S1 $A GET /api/v2/cluster "" "$REF"
expect 404 "unknown version"
api $S1 $A DELETE /api/v1/cluster "" "$REF"
expect 405 "DELETE"
api $S1 $W GET "/%2e%2e/%2e%2e/etc/passwd" "" ""
[ "$CODE" = 400 ] || [ "$CODE" = 404 ] || fail "path traversal: $CODE"
api $S1 $A GET /api/v1/alerts?limit=abc "" "$REF"
expect 400 "bad limit"
on client sh -c "printf 'GARBAGE\r\n\r\n' | socat -t2 - TCP:$S1:$W" >/dev/null 2>&1 || true
on client sh -c "head -c 20000 /dev/urandom | socat -t2 - TCP:$S1:$A" >/dev/null 2>&1 || true
on client sh -c "printf 'GET /api/v1/cluster HTTP/1.1\r\nHost: x\r\nContent-Length: 99999999\r\n\r\n' | socat -t2 - TCP:$S1:$A" >/dev/null 2>&1 || true
api $S1 $A GET /api/v1/cluster "" "$REF"
expect 200 "still answering after garbage"
[ "$(webmgr_pid srv1)" = "$WEB1_PID" ] || fail "clusterpro_webmgr restarted (crashed?)"

log "browser session: login, CSRF token on every POST, Origin check"
JAR=$TEST_TMP/cookies
api $S1 $W POST /api/v1/login '{"password":"nope"}' ""
expect 401 "login with a wrong password"
api $S1 $W POST /api/v1/login "{\"password\":\"$OP_PW\"}" "" -c "$JAR"
expect 200 login
CSRF=$(jb "d['session']['csrf']")
[ "$(jb "d['session']['right']")" = operation ] || fail "login right: $BODY"
grep -qi 'Set-Cookie: CLPSESSION=.*HttpOnly.*SameSite=Strict' "$TEST_TMP/headers" || fail "cookie flags"
api $S1 $W POST /api/v1/monitors/ipw1/suspend '{}' "" -b "$JAR"
expect 403 "POST without the CSRF token"
api $S1 $W POST /api/v1/monitors/ipw1/suspend '{}' "" -b "$JAR" -H "X-CSRF-Token: $(echo "$CSRF" | tr '0-9a-f' '1-9a-f0')"
expect 403 "POST with a wrong CSRF token"
monitor_is srv1 ipw1 Normal || fail "a refused POST suspended the monitor"
api $S1 $A POST /api/v1/monitors/ipw1/suspend '{}' "$OPC" -H 'Origin: http://evil.example'
expect 403 "cross-site Origin"
api $S1 $W POST /api/v1/monitors/ipw1/suspend '{}' "" -b "$JAR" -H "X-CSRF-Token: $CSRF"
expect 200 "monitor suspend with the session"
[ "$(jb "len(d['results'])")" = 2 ] || fail "suspend should go to both servers: $BODY"
wait_for 10 monitor_is srv1 ipw1 Suspend
wait_for 10 alert_seen srv1 apisv 60 "WebManager(IP=10.32.0.200)"
api $S1 $W POST /api/v1/monitors/ipw1/resume '{}' "" -b "$JAR" -H "X-CSRF-Token: $CSRF"
expect 200 "monitor resume"
wait_for 10 monitor_is srv1 ipw1 Normal
wait_for 10 alert_seen srv1 apisv 61
api $S1 $W POST /api/v1/logout '{}' "" -b "$JAR" -H "X-CSRF-Token: $CSRF"
expect 200 logout
api $S1 $W GET /api/v1/status "" "" -b "$JAR"
expect 401 "status after logout"

log "operations through the REST API: effect on the cluster and apisv alerts"
api $S1 $A POST /api/v1/monitors/ipw1/dummy-failure/start '{"target":"srv1"}' "$OPC"
expect 200 "dummy failure on"
wait_for 15 monitor_is srv1 ipw1 Error
wait_for 10 alert_seen srv1 apisv 62 "ipw1"
api $S1 $A POST /api/v1/monitors/ipw1/dummy-failure/stop '{"target":"srv1"}' "$OPC"
expect 200 "dummy failure off"
wait_for 15 monitor_is srv1 ipw1 Normal
wait_for 10 alert_seen srv1 apisv 63 "ipw1"
api $S1 $A POST /api/v1/resources/exec1/stop '{}' "$OPC"
expect 200 "resource stop"
wait_for 20 resource_is srv1 exec1 Offline
wait_for 10 alert_seen srv1 apisv 52 "exec1"
api $S1 $A POST /api/v1/resources/exec1/start '{}' "$OPC"
expect 200 "resource start"
wait_for 20 resource_is srv1 exec1 Online
wait_for 10 alert_seen srv1 apisv 50 "exec1"
api $S1 $A POST /api/v1/groups/failover1/move '{"target":"srv2"}' "$OPC"
expect 200 "group move"
wait_for 30 group_is srv1 failover1 srv2
wait_for 10 alert_seen srv1 apisv 36 "move group(failover1) from the REST API(IP=10.32.0.200)"
wait_for 10 alert_seen srv1 rc 51 failover1
api $S1 $A POST /api/v1/groups/failover1/stop '{}' "$OPC"
expect 200 "group stop"
wait_for 30 group_offline srv1 failover1
api $S1 $A POST /api/v1/groups/failover1/start '{"target":"srv1"}' "$OPC"
expect 200 "group start"
wait_for 30 group_is srv1 failover1 srv1
wait_for 10 alert_seen srv1 apisv 30 "failover1"
api $S1 $A POST /api/v1/groups/stop '{}' "$OPC"
expect 400 "stop all groups without a target"
api $S1 $A POST /api/v1/groups/stop '{"target":"srv1"}' "$OPC"
expect 200 "stop all groups on srv1"
wait_for 30 group_offline srv1 failover1
api $S1 $A POST /api/v1/groups/start '{"target":"srv1"}' "$OPC"
expect 200 "start all groups on srv1"
wait_for 30 group_is srv1 failover1 srv1
api $S1 $A POST /api/v1/cluster/toratio/set '{"ratio":3,"time":"1h"}' "$OPC"
expect 200 "toratio set"
api $S1 $A GET /api/v1/cluster/toratio "" "$REF"
[ "$(jb "d['toratio']")" = 3 ] || fail "toratio after set: $BODY"
api $S2 $A GET /api/v1/cluster/toratio "" "$REF"
[ "$(jb "d['toratio']")" = 3 ] || fail "toratio on srv2 after set: $BODY"
api $S1 $A POST /api/v1/cluster/toratio/set '{"ratio":0}' "$OPC"
expect 400 "toratio 0"
api $S1 $A POST /api/v1/cluster/toratio/set '{"ratio":2,"time":"31d"}' "$OPC"
expect 400 "toratio over 30 days"
api $S1 $A POST /api/v1/cluster/toratio/reset '{}' "$OPC"
expect 200 "toratio reset"
api $S1 $A GET /api/v1/cluster/toratio "" "$REF"
[ "$(jb "d['toratio']")" = 1 ] || fail "toratio after reset: $BODY"
# scripts/run: clprexec --script on the target server (work/rexec/ only)
mkdir -p "$CLPBED_DIR/srv2/root/work/rexec"
printf '#!/bin/sh\necho "script on $CLP_SERVER for $CLP_REXEC_SOURCE"\n' \
    >"$CLPBED_DIR/srv2/root/work/rexec/a.sh"
chmod 755 "$CLPBED_DIR/srv2/root/work/rexec/a.sh"
api $S1 $A POST /api/v1/scripts/run '{"script":"a.sh","target":"10.32.0.2","timeout":20}' "$OPC"
expect 200 "scripts/run"
[ "$(jb "d['results'][0]['output'].strip()")" = "script on srv2 for 10.32.0.200" ] ||
    fail "scripts/run output: $BODY"
[ "$(jb "d['results'][0]['exitCode']")" = 0 ] || fail "scripts/run exit code: $BODY"
wait_for 10 alert_seen srv2 trnsv 10 "IP=10.32.0.200"
api $S1 $A POST /api/v1/scripts/run '{"script":"missing.sh","target":"srv2"}' "$OPC"
expect 409 "scripts/run of a missing script"
api $S1 $A POST /api/v1/scripts/run '{"script":"../a.sh","target":"srv2"}' "$OPC"
expect 400 "scripts/run of a path"
api $S1 $A POST /api/v1/scripts/run '{"script":"a.sh","target":"10.32.0.99"}' "$OPC"
expect 400 "scripts/run on a host outside the cluster"
api $S1 $A POST /api/v1/servers/srv2/dummy-failure/start '{}' "$OPC"
expect 501 "server dummy failure"
api $S1 $A POST /api/v1/cluster/suspend '{}' "$OPC"
expect 200 "cluster suspend"
wait_for 20 server_is srv1 srv1 Suspend
wait_for 20 server_is srv1 srv2 Suspend
wait_for 10 alert_seen srv1 apisv 4
api $S1 $A GET /api/v1/cluster "" "$REF"
[ "$(jb "d['cluster']['status']")" = Suspend ] || fail "cluster status while suspended: $BODY"
api $S1 $A POST /api/v1/cluster/resume '{}' "$OPC"
expect 200 "cluster resume"
wait_for 20 server_online_both
api $S1 $A POST /api/v1/servers/srv2/stop '{}' "$OPC"
expect 200 "server stop"
wait_for 30 server_is srv1 srv2 Offline
wait_for 10 alert_seen srv1 apisv 10
api $S1 $A POST /api/v1/servers/srv2/start '{}' "$OPC"
expect 200 "server start"
wait_for 60 server_online_both

log "the core down: 503 with a JSON error, no stale status"
api $S1 $A POST /api/v1/servers/srv1/stop '{}' "$OPC"
expect 200 "stop the cluster service of srv1"
wait_for 30 group_is srv2 failover1 srv2
wait_for 30 not test -e "$CLPBED_DIR/srv1/root/run/core.sock"
api $S1 $W GET /api/v1/status "" "$REF"
expect 503 "status with the core down"
api $S1 $A GET /api/v1/groups "" "$REF"
expect 503 "groups with the core down"
api $S1 $A POST /api/v1/groups/failover1/move '{"target":"srv1"}' "$OPC"
expect 503 "operation with the core down"
api $S1 $W GET /metrics "" "$REF"
grep -q '^clp_status_available 0' "$TEST_TMP/body" || fail "metrics with the core down"
group_is srv2 failover1 srv2 || fail "the group moved although the core was down"
if [ -x /usr/bin/chromium ] && [ -d "$CLP_SOURCE_DIR/test/browser/node_modules/playwright-core" ]; then
    on client node "$CLP_SOURCE_DIR/test/browser/webmgr.test.js" --url "http://$S1:$W/" \
        --password "$OP_PW" --out "$ART/browser" --mode core-down >"$TEST_TMP/b.json" 2>&1 ||
        fail "the page does not say that the core is down: $(cat "$TEST_TMP/b.json")"
fi
api $S1 $A POST /api/v1/servers/srv1/start '{}' "$OPC"
expect 200 "start the cluster service of srv1"
wait_for 60 server_online_both
api $S1 $A GET /api/v1/status "" "$REF"
expect 200 "status after the core is back"

log "log collection as a download"
api $S1 $W POST /api/v1/logs/collect '{"type":"type3"}' "$REF"
expect 401 "log collection with the reference password"
api $S1 $W POST /api/v1/logs/collect '{"type":"type3"}' "$OPC"
expect 200 "log collection"
JOB=$(jb "d['job']['id']")
job_done() {
    api $S1 $W GET "/api/v1/logs/collect/$JOB" "" "$OPC"
    [ "$(jb "d['job']['state']")" = done ]
}
wait_for 120 job_done
api $S1 $W GET "/api/v1/logs/download/$JOB" "" "$OPC"
[ "$CODE" = 200 ] && gzip -t "$TEST_TMP/body" || fail "the log archive is not a gzip file ($CODE)"
tar -tzf "$TEST_TMP/body" >"$TEST_TMP/logcc.list" || fail "the log archive cannot be listed"
grep -q srv2 "$TEST_TMP/logcc.list" || fail "the archive lacks srv2's logs"
api $S1 $W GET /api/v1/logs/collect/nosuch "" "$OPC"
expect 404 "unknown log job"

log "cluster stop and start"
core_gone() {
    ! test -e "$CLPBED_DIR/srv1/root/run/core.sock" && ! test -e "$CLPBED_DIR/srv2/root/run/core.sock"
}
api $S1 $A POST /api/v1/cluster/stop '{}' "$OPC"
expect 200 "cluster stop"
[ "$(jb "len(d['results'])")" = 2 ] || fail "cluster stop should go to both servers: $BODY"
wait_for 60 core_gone
wait_for 10 alert_seen srv1 apisv 1
api $S1 $A POST /api/v1/cluster/start '{}' "$OPC"
expect 200 "cluster start"
wait_for 60 server_online_both
# The group's auto-start after a cluster start is the core's business (and
# tested with it); make sure it runs on srv1 for what follows.
deadline=$((SECONDS + 20))
until group_is srv1 failover1 srv1 || ((SECONDS > deadline)); do sleep 0.2; done
if ! group_is srv1 failover1 srv1; then
    log "note: failover1 did not start by itself after the cluster start; starting it"
    api $S1 $A POST /api/v1/groups/failover1/start '{"target":"srv1"}' "$OPC"
    wait_for 30 group_is srv1 failover1 srv1
fi

log "browser test (headless Chromium)"
if [ -x /usr/bin/chromium ] && [ -d "$CLP_SOURCE_DIR/test/browser/node_modules/playwright-core" ]; then
    BR=$CLP_SOURCE_DIR/test/browser
    api $S1 $A POST /api/v1/groups/failover1/move '{"target":"srv1"}' "$OPC"
    wait_for 30 group_is srv1 failover1 srv1
    on client node "$BR/webmgr.test.js" --url "http://$S1:$W/" --password "$OP_PW" \
        --out "$ART/browser" >"$TEST_TMP/browser.json" 2>"$TEST_TMP/browser.log" ||
        fail "browser test: $(cat "$TEST_TMP/browser.json" "$TEST_TMP/browser.log")"
    log "browser: $(json_py "print('tree showed the move after', d['first_change_ms'], 'ms (first change),', d['moved_ms'], 'ms (Online on srv2)')" <"$TEST_TMP/browser.json")"
    wait_for 30 group_is srv1 failover1 srv2
else
    log "SKIP browser part: /usr/bin/chromium or npm missing (bash tools/install-deps)"
    api $S1 $A POST /api/v1/groups/failover1/move '{"target":"srv2"}' "$OPC"
    wait_for 30 group_is srv1 failover1 srv2
fi

log "srv2's WebManager stays responsive while srv2 takes the group over from a crashed srv1"
api $S1 $A POST /api/v1/groups/failover1/move '{"target":"srv1"}' "$OPC"
wait_for 30 group_is srv2 failover1 srv1
cat >"$TEST_TMP/sampler.py" <<'PYEOF'
import base64, json, sys, time, urllib.request, urllib.error
url, cred, secs, out = sys.argv[1], sys.argv[2], float(sys.argv[3]), sys.argv[4]
hdr = {"Authorization": "Basic " + base64.b64encode(cred.encode()).decode()}
lat, codes, end = [], {}, time.time() + secs
while time.time() < end:
    t = time.time()
    try:
        with urllib.request.urlopen(urllib.request.Request(url, headers=hdr), timeout=5) as r:
            r.read(); c = r.status
    except urllib.error.HTTPError as e:
        c = e.code
    except Exception:
        c = 0
    lat.append((time.time() - t) * 1000); codes[c] = codes.get(c, 0) + 1
    time.sleep(0.02)
lat.sort()
json.dump({"n": len(lat), "codes": codes, "p50_ms": lat[len(lat) // 2],
           "p99_ms": lat[int(len(lat) * 0.99)], "max_ms": lat[-1]}, open(out, "w"))
PYEOF
on_bg client python3 "$TEST_TMP/sampler.py" "http://$S2:$A/api/v1/groups" "$REF" 12 "$TEST_TMP/sampler.json"
SAMPLER=$BG_PID
sleep 1
T0=$(date +%s%3N)
bed crash srv1
wait_for 30 group_is srv2 failover1 srv2
T1=$(date +%s%3N)
wait_for 30 not proc_alive "$SAMPLER"
[ -s "$TEST_TMP/sampler.json" ] || fail "the sampler wrote nothing"
log "failover took $((T1 - T0)) ms; GET /api/v1/groups on srv2 meanwhile: $(cat "$TEST_TMP/sampler.json")"
cp "$TEST_TMP/sampler.json" "$ART/failover-responsiveness.json"
json_py "sys.exit(0 if d['max_ms'] < 1000 and set(d['codes']) == {'200'} else 1)" <"$TEST_TMP/sampler.json" ||
    fail "srv2's WebManager was not responsive during the failover: $(cat "$TEST_TMP/sampler.json")"
api $S2 $A GET /api/v1/servers/srv1 "" "$REF"
[ "$(jb "d['servers'][0]['status']")" = Offline ] || fail "srv1 after its crash: $BODY"

log "server reboot through the API (on the bed: crash --restart)"
bed start srv1 >/dev/null
wait_for 60 server_online_both
STOPS=$(alert_count srv1 nm 2 srv2)
OLD2=$(webmgr_pid srv2)
# A rebooting server cannot answer: the reply comes after 10 s, as "sent".
api $S1 $A POST /api/v1/servers/srv2/reboot '{}' "$OPC"
expect 200 "server reboot"
wait_for 10 alert_seen srv1 apisv 12
more_stops() { [ "$(alert_count srv1 nm 2 srv2)" -gt "$STOPS" ]; }
wait_for 60 more_stops
wait_for 90 server_online_both
[ -n "$(webmgr_pid srv2)" ] && [ "$(webmgr_pid srv2)" != "$OLD2" ] ||
    fail "srv2's WebManager was not restarted by the reboot"
