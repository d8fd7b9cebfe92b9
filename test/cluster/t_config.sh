#!/usr/bin/env bash
# Issue 7 acceptance, configuration push and pull on 3 servers (fip + exec
# group failover1 serving HTTP on 10.32.0.100):
#   - --pull gives back clp.conf and the scripts byte for byte;
#   - a push that adds a group and changes a monitor's interval: the group
#     starts, the monitor runs at the new cadence, every server and daemon
#     reports the new generation, and a client probing the floating IP all the
#     time sees no gap (failover1 is never restarted: same application pid);
#   - a push with one error: the error is listed as FILE:LINE, nothing changes;
#   - srv3 down during a push (--force), started later: it fetches the
#     configuration at start and says from where;
#   - a clp.conf in the Windows form (Shift_JIS, -w) with Japanese comments
#     pushes and comes back the same with --pull -w;
# and the dual-activation checker runs throughout.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/lib_cluster.sh"

FIP=10.32.0.100
PROBE=$CLP_BUILD_DIR/bench/failover_probe
RESPONDER=$CLP_BUILD_DIR/bench/http_responder
[ -x "$PROBE" ] && [ -x "$RESPONDER" ] || fail "bench/failover_probe and http_responder are not built"
# failover1's application: bench/http_responder on the floating IP (one process,
# no fork per request: what the client sees is what the cluster does)
mkdir -p "$TEST_TMP/scripts/failover1/exec1"
cat >"$TEST_TMP/scripts/failover1/exec1/start.sh" <<END
#!/bin/sh
echo "\$CLP_EVENT \$(uname -n)" >> "\$CLP_ROOT/work/exec1.events"
nohup $RESPONDER -b $FIP -p 80 >/dev/null 2>&1 &
i=0
while [ \$i -lt 100 ]; do
    ss -lnt 2>/dev/null | grep -q '$FIP:80 ' && exit 0
    i=\$((i + 1)); sleep 0.05
done
echo "the HTTP responder did not start"; exit 1
END
printf '#!/bin/sh\necho "STOP $CLP_FACTOR $(uname -n)" >> "$CLP_ROOT/work/exec1.events"\n' \
    >"$TEST_TMP/scripts/failover1/exec1/stop.sh"
chmod 755 "$TEST_TMP/scripts/failover1/exec1/"*.sh
bed_up -n 3 --conf "$CLP_SOURCE_DIR/test/data/bed/fip-exec.conf" --scripts "$TEST_TMP/scripts"
bed start all >/dev/null
checker_start "$FIP"
served_by() {
    [ "$(on client curl -s -m 1 "http://$FIP/" | head -1)" = "$1" ]
}
wait_for 20 served_by srv1
wait_for 10 group_is srv1 failover1 srv1
W=$TEST_TMP

# gen SERVER: the configuration generation SERVER's cluster service reports.
gen() {
    status_json "$1" | json_py "print(d['config_generation'])"
}
# gen_everywhere N: every server and every daemon of every up server reports N.
gen_everywhere() {
    local s
    for s in ${SERVERS:-srv1 srv2 srv3}; do
        [ "$(gen "$s")" = "$1" ] || return 1
        [ "$(svc_json "$s" | json_py "print(sorted(set(x['config_generation'] for x in d)))")" = "[$1]" ] ||
            return 1
    done
}
# cadence SERVER: the last intervals between genw1's checks on SERVER, in seconds.
cadence() {
    tail -4 "$CLPBED_DIR/$1/root/work/genw1.checks" | awk 'NR > 1 { printf "%.2f ", $1 - p } { p = $1 }'
}
checks_after() {
    [ "$(awk -v t="$2" '$1 > t' "$CLPBED_DIR/$1/root/work/genw1.checks" 2>/dev/null | wc -l)" -ge "$3" ]
}
push() {
    on srv1 clpcfctrl --push "$@"
}

# --- pull: byte for byte -------------------------------------------------------------
on srv1 clpcfctrl --pull -x "$W/pulled" >/dev/null
cmp "$W/pulled/clp.conf" "$CLPBED_DIR/srv1/root/etc/clp.conf" || fail "pulled clp.conf differs"
diff -r "$W/pulled/scripts" "$CLPBED_DIR/srv1/root/scripts" || fail "pulled scripts differ"
on srv2 clpcfctrl --pull -x "$W/pulled3" -h srv3 >/dev/null
diff -r "$W/pulled" "$W/pulled3" >/dev/null || fail "srv3's configuration differs from srv1's"
[ "$(stat -c %a "$W/pulled/scripts/failover1/exec1/start.sh")" = \
    "$(stat -c %a "$CLPBED_DIR/srv1/root/scripts/failover1/exec1/start.sh")" ] ||
    fail "the script's mode was not kept"
log "--pull: clp.conf and scripts byte for byte (cmp, diff -r), modes kept, from srv1 and srv3"

# --- a first push: a monitor (interval 3 s) -------------------------------------------
cp -a "$W/pulled" "$W/c1"
mkdir -p "$W/c1/scripts/monitor.s/genw1"
printf '#!/bin/sh\ndate +%%s.%%N >> "$CLP_ROOT/work/genw1.checks"\nexit 0\n' \
    >"$W/c1/scripts/monitor.s/genw1/genw.sh"
chmod 755 "$W/c1/scripts/monitor.s/genw1/genw.sh"
python3 - "$W/c1/clp.conf" <<'EOF'
import sys
p = sys.argv[1]
s = open(p).read()
s = s.replace("</root>", """  <monitor>
    <types name="genw"/>
    <genw name="genw1">
      <polling><interval>3</interval><timeout>10</timeout></polling>
      <parameters><path>genw.sh</path></parameters>
      <relation><type>cls</type><name>LocalServer</name></relation>
    </genw>
  </monitor>
</root>""")
open(p, "w").write(s)
EOF
push -x "$W/c1" >"$W/out1" 2>&1 || { cat "$W/out1" >&2; fail "the first push failed"; }
grep -q "live: monitor genw1 added" "$W/out1" || fail "the push did not list the new monitor"
wait_for 15 gen_everywhere 1
t=$(date +%s.%N)
wait_for 15 checks_after srv1 "$t" 3
log "push 1 (a monitor added): generation 1 everywhere; genw1 cadence on srv1: $(cadence srv1)s"

# --- the acceptance push: a group added, the monitor's interval 3 -> 1 ---------------
cp -a "$W/c1" "$W/c2"
sed -i 's|<polling><interval>3</interval>|<polling><interval>1</interval>|' "$W/c2/clp.conf"
python3 - "$W/c2/clp.conf" <<'EOF'
import sys
p = sys.argv[1]
s = open(p).read()
s = s.replace("  </resource>", """    <exec name="exec2">
      <parameters><act><path>start.sh</path></act><deact><path>stop.sh</path></deact></parameters>
    </exec>
  </resource>
  <group name="failover2">
    <gid>1</gid>
    <policy name="srv2"><order>0</order></policy><policy name="srv3"><order>1</order></policy>
    <resource name="exec@exec2"/>
  </group>""")
open(p, "w").write(s)
EOF
mkdir -p "$W/c2/scripts/failover2/exec2"
printf '#!/bin/sh\necho "$CLP_EVENT $(uname -n)" >> "$CLP_ROOT/work/exec2.events"\n' \
    >"$W/c2/scripts/failover2/exec2/start.sh"
printf '#!/bin/sh\necho "STOP $(uname -n)" >> "$CLP_ROOT/work/exec2.events"\n' \
    >"$W/c2/scripts/failover2/exec2/stop.sh"
chmod 755 "$W/c2/scripts/failover2/exec2/"*.sh

app_pid=$(on srv1 ss -lntp | sed -n 's/.*10.32.0.100:80 .*pid=\([0-9]*\).*/\1/p' | head -1)
[ -n "$app_pid" ] || fail "no HTTP responder on srv1"
events_before=$(cat "$CLPBED_DIR/srv1/root/work/exec1.events")
# the client probes the floating IP every 10 ms during the push (bench/failover_probe:
# overlapping attempts of up to 500 ms each, one line per attempt in its log)
on_bg client "$PROBE" -i 10 -w 500 -r 20 -m 600 -l "$W/probe.attempts" >"$W/probe.out" 2>&1
probe_pid=$BG_PID
wait_for 10 grep -q "^ready .*server=srv1" "$W/probe.out"
t0=$(now_us)
push -x "$W/c2" >"$W/out2" 2>&1 || { cat "$W/out2" >&2; fail "the push failed"; }
t1=$(now_us)
t_pushed=$(date +%s.%N)
sleep 1 # the probe goes on a little after the push returned
kill "$probe_pid" 2>/dev/null || true
wait_for 5 not kill -0 "$probe_pid"
grep -q "Groups started: failover2" "$W/out2" || { cat "$W/out2" >&2; fail "failover2 was not started"; }
grep -q "live: monitor genw1 changed (polling/interval 3 -> 1)" "$W/out2" ||
    fail "the interval change was not listed"
read -r attempts ok bad gap < <(awk '
    { n++ }
    $3 == "ok" && $4 == "srv1" { k++; if (p) { g = $2 - p; if (g > m) m = g }; p = $2; next }
    { b++ }
    END { printf "%d %d %d %.3f\n", n, k, b, m }' "$W/probe.attempts")
[ "$attempts" -gt 100 ] || fail "the probe made only $attempts attempts"
[ "$bad" = 0 ] || {
    grep -v " ok srv1$" "$W/probe.attempts" | head >&2
    fail "the client saw $bad failed attempts out of $attempts during the push"
}
awk -v g="$gap" 'BEGIN { exit !(g < 0.5) }' || fail "the client saw a gap of $gap s"
now_pid=$(on srv1 ss -lntp | sed -n 's/.*10.32.0.100:80 .*pid=\([0-9]*\).*/\1/p' | head -1)
[ "$now_pid" = "$app_pid" ] || fail "failover1's application was restarted ($app_pid -> $now_pid)"
[ "$(cat "$CLPBED_DIR/srv1/root/work/exec1.events")" = "$events_before" ] ||
    fail "failover1's exec resource was started or stopped again"
log "push 2 took $(((t1 - t0) / 1000)) ms; client probe (every 10 ms): $attempts attempts, $ok answered by srv1, 0 failures, longest gap between answers ${gap}s; failover1 untouched (application pid $app_pid)"
wait_for 10 group_is srv1 failover2 srv2
grep -q "^START srv2$" "$CLPBED_DIR/srv2/root/work/exec2.events" || fail "exec2 did not start on srv2"
wait_for 15 gen_everywhere 2
wait_for 10 checks_after srv1 "$t_pushed" 4
c=$(cadence srv1)
for x in $c; do
    awk -v x="$x" 'BEGIN { exit !(x > 0.8 && x < 1.8) }' || fail "genw1's cadence is not 1 s: $c"
done
log "failover2 Online on srv2; genw1 cadence now: ${c}s; generation 2 on every server and daemon"
on srv2 clpstat | grep -q "^  Config  : generation 2$" || fail "clpstat's header has no generation"

# --- a push with one error: listed with its line, nothing changed --------------------
cp -a "$W/c2" "$W/bad"
sed -i 's|<polling><interval>1</interval>|<polling><interval>0</interval>|' "$W/bad/clp.conf"
line=$(grep -n '<polling><interval>0</interval>' "$W/bad/clp.conf" | cut -d: -f1)
rc=0
push -x "$W/bad" >"$W/out3" 2>&1 || rc=$?
[ "$rc" = 1 ] || fail "a push with an error exited $rc, not 1"
grep -q "^$W/bad/clp.conf:$line: error: /root/monitor/genw@genw1/polling/interval: " "$W/out3" ||
    { cat "$W/out3" >&2; fail "the error is not listed as FILE:LINE"; }
for s in srv1 srv2 srv3; do
    grep -q '^generation=2$' "$CLPBED_DIR/$s/root/etc/clp.conf.gen" || fail "$s's generation changed"
done
gen_everywhere 2 || fail "a server's generation changed after the refused push"
log "a push with an error: exit 1, '$(grep -o "clp.conf:$line: error: [^:]*" "$W/out3")', generation 2 everywhere"

# --- srv3 down during a push, started later -------------------------------------------
bed crash srv3 >/dev/null
wait_for 10 server_is srv1 srv3 Offline
cp -a "$W/c2" "$W/c4"
sed -i 's|<polling><interval>1</interval>|<polling><interval>2</interval>|' "$W/c4/clp.conf"
rc=0
push -x "$W/c4" >"$W/out4" 2>&1 || rc=$?
[ "$rc" = 1 ] && grep -q "srv3 did not answer" "$W/out4" ||
    { cat "$W/out4" >&2; fail "a push with srv3 down and without --force was not refused"; }
push -x "$W/c4" --force >"$W/out5" 2>&1 || { cat "$W/out5" >&2; fail "the push with --force failed"; }
grep -q "srv3 .*left out (--force)" "$W/out5" || fail "srv3 is not reported as left out"
SERVERS="srv1 srv2" wait_for 15 gen_everywhere 3
grep -q '^generation=2$' "$CLPBED_DIR/srv3/root/etc/clp.conf.gen" || fail "srv3 changed while down"
bed start srv3 >/dev/null
wait_for 20 server_is srv1 srv3 Online
grep -q '^generation=3$' "$CLPBED_DIR/srv3/root/etc/clp.conf.gen" || fail "srv3 did not fetch generation 3"
wait_for 10 gen_everywhere 3
from=$(grep "fetched from server" "$CLPBED_DIR/srv3/root/log/clusterpro_evt.log" | tail -1)
[ -n "$from" ] || fail "srv3's log does not say where it fetched the configuration"
log "srv3 down during the push (--force), started: ${from#*INFO  }"

# --- the Windows form: Shift_JIS with Japanese comments --------------------------------
cp -a "$W/c4" "$W/w"
python3 - "$W/w/clp.conf" <<'EOF'
import sys
p = sys.argv[1]
s = open(p).read()
# a WebUI on Windows writes Shift_JIS under the Linux declaration (reference 13.1)
s = s.replace('encoding="ASCII"', 'encoding="EUC-JP"', 1)
s = s.replace("<root>", "<!-- 本番クラスタの設定 〜 テスト -->\n<root>", 1)
s = s.replace("<name>bedcluster</name>", "<name>bedcluster</name><comment>日本語のクラスタ</comment>", 1)
open(p, "wb").write(s.encode("cp932"))
EOF
rc=0
push -l -x "$W/w" >"$W/out6" 2>&1 || rc=$?
[ "$rc" = 1 ] || { cat "$W/out6" >&2; fail "Shift_JIS bytes pushed with -l were not refused"; }
push -w -x "$W/w" >"$W/out7" 2>&1 || { cat "$W/out7" >&2; fail "the push with -w failed"; }
grep -q "live: cluster/comment" "$W/out7" || { cat "$W/out7" >&2; fail "the comment change is not listed"; }
wait_for 15 gen_everywhere 4
iconv -f EUC-JP -t UTF-8 "$CLPBED_DIR/srv2/root/etc/clp.conf" | grep -q "日本語のクラスタ" ||
    fail "srv2's clp.conf is not the EUC-JP conversion"
on srv3 clpcfctrl --pull -w -x "$W/wback" >/dev/null
cmp "$W/w/clp.conf" "$W/wback/clp.conf" || fail "--pull -w does not give the pushed Shift_JIS file back"
on srv3 clpcfctrl --pull -l -x "$W/lback" >/dev/null
cmp "$W/lback/clp.conf" "$CLPBED_DIR/srv1/root/etc/clp.conf" || fail "--pull -l is not the installed file"
log "-w: Shift_JIS pushed as EUC-JP (comment '日本語のクラスタ' on srv2), --pull -w gives the same bytes back"

checker_stop
