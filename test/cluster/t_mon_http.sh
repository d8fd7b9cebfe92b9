#!/usr/bin/env bash
# t_mon_http: httpw against a small web server the test runs on gw (Python's
# http.server: HTTP on 10.32.0.254:8080, HTTPS with a self-signed certificate on
# 8443). Five monitors on both servers: HEAD / (normal), GET /redirect (302:
# normal), GET /auth with Basic authentication (normal only with the right
# credentials), HEAD / over TLS (normal), GET /missing (404: error, rm 9 names
# the status). The server's log must show the methods and the credentials.
# Stopping the server makes the monitors Error (connection refused), starting it
# again brings them back to Normal (rm 26).
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/lib_mon.sh" # mon_state

command -v openssl >/dev/null || { log "SKIP: no openssl to make a test certificate"; exit 77; }
compgen -G "/usr/lib/*/libssl.so.3" >/dev/null || { log "SKIP: no libssl.so.3"; exit 77; }

GOOD="httpwok httpwget httpwauth httpwtls"

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

cat >"$TEST_TMP/server.py" <<'PY'
import base64, http.server, ssl, sys, threading
class H(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    def answer(self, body):
        auth = "Basic " + base64.b64encode(b"clpmon:clp-secret").decode()
        if self.path == "/":
            code, extra = 200, {}
        elif self.path == "/redirect":
            code, extra = 302, {"Location": "/"}
        elif self.path == "/auth":
            ok = self.headers.get("Authorization") == auth
            code, extra = (200, {}) if ok else (401, {"WWW-Authenticate": 'Basic realm="t"'})
        else:
            code, extra = 404, {}
        data = b"hello\n"
        self.send_response(code)
        for k, v in extra.items():
            self.send_header(k, v)
        self.send_header("Content-Length", str(len(data)))
        self.send_header("Connection", "close")
        self.end_headers()
        if body:
            self.wfile.write(data)
    def do_GET(self):
        self.answer(True)
    def do_HEAD(self):
        self.answer(False)
    def log_message(self, fmt, *args):
        sys.stderr.write("%s %s %s\n" % (self.client_address[0], self.requestline,
                                          "auth" if self.headers.get("Authorization") else "-"))
        sys.stderr.flush()
plain = http.server.ThreadingHTTPServer(("10.32.0.254", 8080), H)
tls = http.server.ThreadingHTTPServer(("10.32.0.254", 8443), H)
ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
ctx.load_cert_chain(sys.argv[1], sys.argv[2])
tls.socket = ctx.wrap_socket(tls.socket, server_side=True)
threading.Thread(target=tls.serve_forever, daemon=True).start()
plain.serve_forever()
PY
openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj /CN=10.32.0.254 \
    -keyout "$TEST_TMP/key.pem" -out "$TEST_TMP/cert.pem" >/dev/null 2>&1

web_start() {
    on_bg gw python3 "$TEST_TMP/server.py" "$TEST_TMP/cert.pem" "$TEST_TMP/key.pem" \
        </dev/null >/dev/null 2>>"$TEST_TMP/web.log"
    WEB_PID=$BG_PID
    wait_for 10 on gw bash -c 'exec 3<>/dev/tcp/10.32.0.254/8080'
}

bed_up -n 2 --conf "$CLP_SOURCE_DIR/test/data/bed/mon-httpw.conf"
web_start
bed start all >/dev/null

# seen PATTERN: the web server logged a request line matching PATTERN from both servers.
seen() {
    grep -q "^10.32.0.1 $1" "$TEST_TMP/web.log" && grep -q "^10.32.0.2 $1" "$TEST_TMP/web.log"
}
log "waiting for every request from both servers"
wait_for 30 seen "HEAD / HTTP/1.1 -"
wait_for 30 seen "GET /redirect HTTP/1.1 -"
wait_for 30 seen "GET /auth HTTP/1.1 auth"
wait_for 30 seen "GET /missing HTTP/1.1 -"
[ "$(grep -c '^10.32.0.1 HEAD / ' "$TEST_TMP/web.log")" -ge 2 ] ||
    fail "expected both the HTTP and the HTTPS monitor's HEAD / from srv1"
wait_for 10 are Normal $GOOD
wait_for 10 are Error httpw404
alerts srv1 rm 9 | grep -q '^Detected an error in monitoring httpw404\. (2 : GET http://10.32.0.254:8080/missing answered HTTP status 404)$' ||
    fail "rm 9 of httpw404 does not name the status: $(alerts srv1 rm 9)"
for m in $GOOD; do
    ! alerts srv1 rm 9 | grep -q "monitoring $m\." || fail "$m reported an error: $(alerts srv1 rm 9)"
done

log "stopping the web server"
kill "$WEB_PID"
wait_for 15 are Error $GOOD
alerts srv2 rm 9 | grep -q '^Detected an error in monitoring httpwok\. (2 : cannot connect to 10.32.0.254 port 8080: Connection refused)$' ||
    fail "rm 9 of httpwok does not name the refused connection: $(alerts srv2 rm 9)"
log "starting the web server again"
web_start
wait_for 15 are Normal $GOOD
for m in $GOOD; do
    alerts srv1 rm 26 | grep -qx "$m status changed from error to normal\." || fail "no rm 26 for $m"
done
