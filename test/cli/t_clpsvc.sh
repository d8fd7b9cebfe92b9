#!/bin/bash
# t_clpsvc: the SMF-style restarter with the five real daemons.
#
# Runs as root inside a fresh network namespace (unshare --net, lo up), so
# the daemons' ports (29001-29003) never collide with anything on the machine.
# A temporary root holds etc/clp.conf (one server: this host's name),
# etc/clp.key and bin -> $CLP_BUILD_DIR/bin. Checked:
#   - usage errors exit 2; status with no supervisor exits 3, all offline;
#   - start brings the five services online, each answering a StatusRequest on
#     its ipc socket (checked here by a small ZMTP client, independently of
#     clpsvc) with the pid in its pid file;
#   - kill -9 of each service: answering again, with a new pid, within 1 s,
#     the other services' pids unchanged, restarts = 1;
#   - stop SERVICE is not undone by the restarter and leaves its dependents
#     running; start SERVICE starts what it needs first; restart SERVICE;
#   - a service killed 6 times within 60 s goes to maintenance, then comes back;
#   - stop prints the services in reverse dependency order, and they exit in
#     that order (at every moment the stopped ones are a prefix of the order);
#     no process is left.
set -euo pipefail

: "${CLP_BUILD_DIR:?CLP_BUILD_DIR must name the build directory}"
: "${CLP_SOURCE_DIR:?CLP_SOURCE_DIR must name the source directory}"

if [ "$(id -u)" -ne 0 ]; then
    echo "t_clpsvc: needs root (a network namespace for the daemons' ports)" >&2
    exit 77
fi
if [ -z "${T_CLPSVC_IN_NETNS:-}" ]; then
    exec unshare --net env T_CLPSVC_IN_NETNS=1 bash "$0" "$@"
fi
ip link set lo up

B="$CLP_BUILD_DIR/bin"
SVC="$B/clpsvc"
for x in clpsvc clusterpro_evt clusterpro_trn clusterpro clusterpro_webmgr clusterpro_alertsync; do
    [ -x "$B/$x" ] || { echo "FAIL: $B/$x is not built" >&2; exit 1; }
done

TMP=$(mktemp -d)
R="$TMP/root"
ORDER=(clusterpro_evt clusterpro_trn clusterpro clusterpro_webmgr clusterpro_alertsync)
declare -A IPC=([clusterpro_evt]=evt [clusterpro_trn]=trn [clusterpro]=core
                [clusterpro_webmgr]=webmgr [clusterpro_alertsync]=alertsync)

cleanup() {
    timeout 60 "$SVC" --root "$R" stop >/dev/null 2>&1 || true
    for f in "$R"/run/*.pid; do
        [ -f "$f" ] && kill -9 "$(cat "$f")" 2>/dev/null || true
    done
    [ -n "${T_KEEP:-}" ] && echo "kept $TMP" >&2 || rm -rf "$TMP"
}
trap cleanup EXIT

failures=0
fail() {
    echo "FAIL: $*" >&2
    failures=$((failures + 1))
}

mkdir -p "$R/etc"
ln -s "$B" "$R/bin"
cat >"$R/etc/clp.conf" <<CONF
<?xml version="1.0" encoding="ASCII"?>
<root>
  <all><charset>ASCII</charset><encode>ASCII</encode><serveros>linux</serveros></all>
  <cluster><name>cluster1</name><comment/></cluster>
  <server name="$(uname -n)">
    <priority>0</priority>
    <device id="0"><type>lan</type><info>127.0.0.1</info></device>
  </server>
  <heartbeat>
    <types name="lanhb"/>
    <lanhb name="lanhb1"><priority>0</priority><device>0</device></lanhb>
  </heartbeat>
</root>
CONF
head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n' >"$R/etc/clp.key"
chmod 600 "$R/etc/clp.key"

# A StatusRequest over ZMTP 3.0 (NULL mechanism, DEALER) on a daemon's ipc
# socket, with the envelope encoded by hand: prints "service pid".
#   probe SOCK                      one request, exit 1 if no answer
#   kill-wait SOCK OLDPID LIMIT_MS  kill -9 OLDPID, then poll until another pid answers;
#                                   prints "service pid ms" (ms counted from the kill)
cat >"$TMP/probe.py" <<'PY'
import socket, struct, sys, time

def varint(b, i):
    v = s = 0
    while True:
        c = b[i]; i += 1
        v |= (c & 0x7f) << s; s += 7
        if c < 0x80:
            return v, i

def fields(b):
    i = 0
    while i < len(b):
        key, i = varint(b, i)
        f, t = key >> 3, key & 7
        if t == 0:
            v, i = varint(b, i)
        elif t == 2:
            n, i = varint(b, i); v = b[i:i + n]; i += n
        elif t == 1:
            v = b[i:i + 8]; i += 8
        elif t == 5:
            v = b[i:i + 4]; i += 4
        else:
            raise ValueError("wire type %d" % t)
        yield f, v

def recv_exact(s, n):
    out = b""
    while len(out) < n:
        c = s.recv(n - len(out))
        if not c:
            raise EOFError()
        out += c
    return out

def frame(s):
    flags = recv_exact(s, 1)[0]
    n = struct.unpack(">Q", recv_exact(s, 8))[0] if flags & 2 else recv_exact(s, 1)[0]
    return flags, recv_exact(s, n)

def status(path, timeout=0.3):
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.settimeout(timeout)
    try:
        s.connect(path)
        greeting = b"\xff" + b"\0" * 8 + b"\x7f" + b"\x03\x00" + b"NULL".ljust(20, b"\0")
        s.sendall(greeting + b"\0" * 32)
        recv_exact(s, 64)
        ready = b"\x05READY" + b"\x0bSocket-Type" + struct.pack(">I", 6) + b"DEALER"
        s.sendall(b"\x04" + bytes([len(ready)]) + ready)
        while frame(s)[0] & 4 == 0:   # the peer's READY command
            pass
        env = b"\x08\x01" + b"\x28\x01" + b"\x82\x01\x00"   # version 1, seq 1, status_request {}
        s.sendall(b"\x00" + bytes([len(env)]) + env)
        while True:
            flags, body = frame(s)
            if flags & 4:
                continue
            for f, v in fields(body):
                if f == 17:
                    rep = dict(fields(v))
                    return rep.get(1, b"").decode(), rep.get(3, 0)
    finally:
        s.close()

if sys.argv[1] == "probe":
    try:
        print("%s %d" % status(sys.argv[2]))
    except Exception as e:
        print("no answer: %s" % e, file=sys.stderr); sys.exit(1)
else:
    import os, signal
    path, old, limit = sys.argv[2], int(sys.argv[3]), int(sys.argv[4]) / 1000.0
    t0 = time.monotonic()
    os.kill(old, signal.SIGKILL)
    while time.monotonic() - t0 < limit:
        try:
            name, pid = status(path, 0.1)
            if pid != old:
                print("%s %d %d" % (name, pid, (time.monotonic() - t0) * 1000)); sys.exit(0)
        except Exception:
            pass
        time.sleep(0.005)
    print("no new answer within %d ms" % (limit * 1000), file=sys.stderr); sys.exit(1)
PY
probe() { python3 "$TMP/probe.py" probe "$R/run/${IPC[$1]}.sock"; }

# run ARGS...: rc, out, err of clpsvc --root R ARGS
run() {
    rc=0
    "$SVC" --root "$R" "$@" >"$TMP/out" 2>"$TMP/err" || rc=$?
    out=$(cat "$TMP/out")
    err=$(cat "$TMP/err")
}
state_of() { "$SVC" --root "$R" status "$1" 2>/dev/null | awk '{print $2}'; }
pid_of() { "$SVC" --root "$R" status "$1" 2>/dev/null | awk '{print $3}'; }
wait_state() { # SERVICE STATE LIMIT_S
    local until=$((SECONDS + $3))
    while [ "$(state_of "$1")" != "$2" ]; do
        [ $SECONDS -lt $until ] || return 1
        sleep 0.02
    done
}

# ---- usage errors ----
for args in "" "--bogus status" "frobnicate" "start nosuch_service" "status a b" "-o xml status" \
            "--root"; do
    # shellcheck disable=SC2086
    run $args
    [ "$rc" -eq 2 ] || fail "clpsvc $args: exit $rc, want 2"
    [[ "$err" == *usage:* ]] || fail "clpsvc $args: no usage on stderr"
done

# ---- nothing running ----
run status
[ "$rc" -eq 3 ] || fail "status before start: exit $rc, want 3"
[ "$(grep -c ' offline ' <<<"$out")" -eq 5 ] || fail "status before start: $out"

# ---- start ----
t0=$(date +%s%N)
run start
t1=$(date +%s%N)
[ "$rc" -eq 0 ] || { echo "$err" >&2; fail "start: exit $rc"; }
echo "start: $(( (t1 - t0) / 1000000 )) ms"
run status
[ "$rc" -eq 0 ] || fail "status after start: exit $rc"
echo "$out"
want="clusterpro_evt:online clusterpro_trn:online clusterpro:online"
want+=" clusterpro_webmgr:online clusterpro_alertsync:online "
[ "$(awk '{print $1 ":" $2}' <<<"$out" | tr '\n' ' ')" = "$want" ] ||
    fail "status after start is not five online lines in start order"
declare -A PID
for s in "${ORDER[@]}"; do
    PID[$s]=$(pid_of "$s")
    [ "${PID[$s]}" = "$(cat "$R/run/$s.pid" 2>/dev/null)" ] ||
        fail "$s: status pid ${PID[$s]} != pid file"
    ans=$(probe "$s") || fail "$s does not answer its status request"
    [ "$ans" = "$s ${PID[$s]}" ] || fail "$s: status request answered '$ans', want '$s ${PID[$s]}'"
done
run -o json status
python3 -c 'import json, sys
d = json.load(sys.stdin)
assert d["supervisor"]["running"]
assert [s["state"] for s in d["services"]] == ["online"] * 5' \
    <<<"$out" || fail "status -o json: $out"
# a second start with everything online is a no-op
run start
[ "$rc" -eq 0 ] || fail "second start: exit $rc: $err"
for s in "${ORDER[@]}"; do
    [ "$(pid_of "$s")" = "${PID[$s]}" ] || fail "second start changed the pid of $s"
done

# ---- kill -9 of each service: back within 1 s, nobody else touched ----
for s in "${ORDER[@]}"; do
    old=${PID[$s]}
    if res=$(python3 "$TMP/probe.py" kill-wait "$R/run/${IPC[$s]}.sock" "$old" 1000); then
        read -r name new ms <<<"$res"
        echo "kill -9 $s ($old): answering again as pid $new after $ms ms"
        [ "$name" = "$s" ] || fail "$s: socket answered as $name"
        PID[$s]=$new
    else
        fail "$s: not answering within 1 s after kill -9"
        continue
    fi
    wait_state "$s" online 2 || fail "$s: not online again"
    [ "$(pid_of "$s")" = "$new" ] || fail "$s: status shows pid $(pid_of "$s"), socket $new"
    [ ! -d "/proc/$old" ] || fail "$s: old pid $old still exists"
    for o in "${ORDER[@]}"; do
        [ "$o" = "$s" ] && continue
        [ "$(pid_of "$o")" = "${PID[$o]}" ] || fail "killing $s changed $o's pid"
        [ "$(cat "$R/run/$o.pid")" = "${PID[$o]}" ] || fail "killing $s changed $o's pid file"
    done
done
run status
[ "$(awk '{print $4}' <<<"$out" | tr '\n' ' ')" = "1 1 1 1 1 " ] || fail "restart counts: $out"

# ---- stop SERVICE: stays stopped, dependents keep running ----
run stop clusterpro_evt
[ "$rc" -eq 0 ] || fail "stop clusterpro_evt: exit $rc: $err"
sleep 1
[ "$(state_of clusterpro_evt)" = disabled ] ||
    fail "clusterpro_evt: $(state_of clusterpro_evt) after stop"
[ ! -e "$R/run/clusterpro_evt.pid" ] || fail "clusterpro_evt left its pid file"
for o in clusterpro_trn clusterpro clusterpro_webmgr clusterpro_alertsync; do
    [ "$(pid_of "$o")" = "${PID[$o]}" ] || fail "stopping clusterpro_evt touched $o"
    [ "$(state_of "$o")" = online ] || fail "$o is $(state_of "$o") after stopping clusterpro_evt"
done
# start everything that is not online: only evt starts
run start
[ "$rc" -eq 0 ] || fail "start with evt stopped: exit $rc: $err"
[ "$(state_of clusterpro_evt)" = online ] || fail "clusterpro_evt not online after start"
PID[clusterpro_evt]=$(pid_of clusterpro_evt)
[ "$(pid_of clusterpro)" = "${PID[clusterpro]}" ] || fail "start restarted the core"

# ---- start SERVICE starts what it needs first ----
run stop clusterpro
run stop clusterpro_trn
[ "$(state_of clusterpro_trn)" = disabled ] || fail "clusterpro_trn not disabled"
run start clusterpro
[ "$rc" -eq 0 ] || fail "start clusterpro: exit $rc: $err"
[ "$(state_of clusterpro_trn)" = online ] && [ "$(state_of clusterpro)" = online ] ||
    fail "start clusterpro did not bring up trn and the core"
log_line() { grep -n "$1" "$R/log/clpsvc.log" | tail -1 | cut -d: -f1; }
trn_since=$(log_line 'service clusterpro_trn: offline -> starting')
core_since=$(log_line 'service clusterpro: offline -> starting')
trn_online=$(log_line 'service clusterpro_trn: starting -> online')
[ -n "$trn_since" ] && [ -n "$core_since" ] && [ "$trn_online" -lt "$core_since" ] ||
    fail "clusterpro was started before clusterpro_trn was online"
PID[clusterpro_trn]=$(pid_of clusterpro_trn)
PID[clusterpro]=$(pid_of clusterpro)

# ---- restart SERVICE ----
old=${PID[clusterpro_webmgr]}
run restart clusterpro_webmgr
[ "$rc" -eq 0 ] || fail "restart clusterpro_webmgr: exit $rc: $err"
PID[clusterpro_webmgr]=$(pid_of clusterpro_webmgr)
[ "${PID[clusterpro_webmgr]}" != "$old" ] && [ "$(state_of clusterpro_webmgr)" = online ] ||
    fail "restart clusterpro_webmgr: pid $old -> ${PID[clusterpro_webmgr]}"
probe clusterpro_webmgr >/dev/null || fail "clusterpro_webmgr does not answer after restart"

# ---- back-off: 6 exits within 60 s -> maintenance, then back ----
s=clusterpro_alertsync
saw_maint=0
for i in 1 2 3 4 5 6; do
    wait_state "$s" online 5 || { fail "$s not online before kill $i"; break; }
    kill -9 "$(pid_of "$s")"
done
for _ in $(seq 50); do
    [ "$(state_of "$s")" = maintenance ] && { saw_maint=1; break; }
    sleep 0.01
done
[ "$saw_maint" -eq 1 ] || fail "$s: no maintenance after 6 quick exits"
grep -q "monp 5: Monitor target process $s keeps terminating" "$R/log/clpsvc.log" ||
    fail "no monp 5 alert for $s"
wait_state "$s" online 5 || fail "$s did not come back after the back-off"
PID[$s]=$(pid_of "$s")

# ---- stop: reverse order, each exits before the next, nothing left ----
for s in "${ORDER[@]}"; do
    PID[$s]=$(pid_of "$s")
done
sup=$(cat "$R/run/clpsvc.pid")
(
    # every 2 ms: which pid files are gone; they must always be a prefix of the stop order
    rev=(clusterpro_alertsync clusterpro_webmgr clusterpro clusterpro_trn clusterpro_evt)
    while :; do
        line=""
        for s in "${rev[@]}"; do
            [ -e "$R/run/$s.pid" ] && line+="1" || line+="0"
        done
        echo "$line"
        [ "$line" = 00000 ] && break
        sleep 0.002
    done
) >"$TMP/watch" &
watcher=$!
run stop
[ "$rc" -eq 0 ] || fail "stop: exit $rc: $err"
echo "$out"
[ "$(awk '{print $1}' <<<"$out" | tr '\n' ' ')" = \
  "clusterpro_alertsync clusterpro_webmgr clusterpro clusterpro_trn clusterpro_evt " ] ||
    fail "stop printed: $out"
wait "$watcher" || true
bad=$(sort -u "$TMP/watch" |
      grep -v -x -e 11111 -e 01111 -e 00111 -e 00011 -e 00001 -e 00000 || true)
[ -z "$bad" ] || fail "services stopped out of order: pid-file states $(echo $bad)"
echo "stop: pid-file states seen: $(uniq "$TMP/watch" | tr '\n' ' ')"
for s in "${ORDER[@]}"; do
    [ ! -d "/proc/${PID[$s]}" ] || fail "$s (${PID[$s]}) still runs after stop"
done
gone() { # PID: no such process, or a zombie waiting for its reaper
    [ ! -d "/proc/$1" ] || [ "$(awk '/^State:/ {print $2}' "/proc/$1/status" 2>/dev/null)" = Z ]
}
for _ in $(seq 100); do
    gone "$sup" && break
    sleep 0.02
done
gone "$sup" || fail "the supervisor ($sup) still runs after stop"
[ ! -e "$R/run/clpsvc.pid" ] || fail "run/clpsvc.pid left behind"
left=$(pgrep -f -- "--root $R" || true)
[ -z "$left" ] || fail "processes left: $left"
run status
[ "$rc" -eq 3 ] || fail "status after stop: exit $rc"
run stop
[ "$rc" -eq 0 ] || fail "stop with nothing running: exit $rc"

all_gone() { # PIDS...: true when none of them runs any more
    for p in "$@"; do
        gone "$p" || return 1
    done
}
current_pids() {
    for s in "${ORDER[@]}"; do
        pid_of "$s"
    done
}

# ---- SIGTERM to the supervisor: every service stopped, then it exits ----
run start
[ "$rc" -eq 0 ] || fail "start (for SIGTERM): exit $rc: $err"
pids=$(current_pids)
sup=$(cat "$R/run/clpsvc.pid")
kill -TERM "$sup"
for _ in $(seq 250); do
    all_gone "$sup" $pids && break
    sleep 0.02
done
# shellcheck disable=SC2086
all_gone "$sup" $pids || fail "SIGTERM to the supervisor left processes: $sup $pids"
grep -q 'received Terminated: stopping every service' "$R/log/clpsvc.log" ||
    fail "no SIGTERM line in clpsvc.log"

# ---- supervisor killed: status says so, stop falls back to the pid files ----
run start
[ "$rc" -eq 0 ] || fail "start (for kill -9 of the supervisor): exit $rc: $err"
pids=$(current_pids)
sup=$(cat "$R/run/clpsvc.pid")
kill -9 "$sup"
for _ in $(seq 100); do
    gone "$sup" && break
    sleep 0.02
done
run status
[ "$rc" -eq 3 ] || fail "status with the supervisor killed: exit $rc"
run stop
[ "$rc" -eq 0 ] || fail "stop without a supervisor: exit $rc: $err"
[ "$(awk '{print $1}' <<<"$out" | tr '\n' ' ')" = \
  "clusterpro_alertsync clusterpro_webmgr clusterpro clusterpro_trn clusterpro_evt " ] ||
    fail "stop without a supervisor printed: $out"
# shellcheck disable=SC2086
all_gone $pids || fail "stop without a supervisor left: $pids"

# ---- a service that cannot start: start fails at once, naming it and why ----
cp "$R/etc/clp.conf" "$TMP/clp.conf.good"
echo '<root><broken' >"$R/etc/clp.conf"
t0=$SECONDS
run start
[ "$rc" -eq 1 ] || fail "start with a broken clp.conf: exit $rc, want 1"
[[ "$err" == *"clusterpro_evt: exited with 6 (configuration error)"* ]] ||
    fail "start with a broken clp.conf: stderr '$err'"
[ $((SECONDS - t0)) -lt 10 ] || fail "start with a broken clp.conf took $((SECONDS - t0)) s"
[ "$(state_of clusterpro_evt)" = maintenance ] ||
    fail "clusterpro_evt: $(state_of clusterpro_evt), want maintenance"
[ "$(state_of clusterpro_trn)" = offline ] || fail "clusterpro_trn started without its dependency"
cp "$TMP/clp.conf.good" "$R/etc/clp.conf"
run stop
[ "$rc" -eq 0 ] || fail "stop after a failed start: exit $rc: $err"
[ ! -e "$R/run/clpsvc.pid" ] || fail "the supervisor still runs after stop"
left=$(pgrep -f -- "--root $R" || true)
[ -z "$left" ] || fail "processes left at the end: $left"

if [ "$failures" -ne 0 ]; then
    echo "t_clpsvc: $failures failure(s)" >&2
    exit 1
fi
echo "t_clpsvc: OK"
