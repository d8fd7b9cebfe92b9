#!/usr/bin/env bash
# The fastest timing the configuration accepts (50 ms / 150 ms heartbeats)
# with userw, whose watchdog then resets a core silent for 75 ms, and 200 genw
# monitors that all start (each forking its first check) the moment the
# servers have met. The core must stay responsive through that burst (rm_tick
# spreads it over ticks): every monitor Normal with two checks on both
# servers, no reset loop, and - unless the loaded machine cost one reset
# (below) - no server declared down and no heartbeat delay warning.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/lib_cluster.sh"

N_MON=200
conf=$TEST_TMP/burst.conf
scripts=$TEST_TMP/scripts
{
    cat <<'EOF'
<?xml version="1.0" encoding="ASCII"?>
<root>
  <cluster><name>bedcluster</name>
    <heartbeat><interval>50</interval><timeout>150</timeout></heartbeat>
  </cluster>
  @SERVERS@
  <heartbeat>
    <types name="lanhb"/>
    <lanhb name="lanhb1"><priority>0</priority><device>0</device></lanhb>
    <lanhb name="lanhb2"><priority>1</priority><device>1</device></lanhb>
  </heartbeat>
  <monitor>
    <types name="userw"/><types name="genw"/>
    <userw name="userw"><relation><type>cls</type><name>LocalServer</name></relation></userw>
EOF
    for ((i = 1; i <= N_MON; i++)); do
        printf '    <genw name="genw%d"><polling><interval>10</interval><timeout>10</timeout></polling>' "$i"
        printf '<parameters><path>genw.sh</path></parameters>'
        printf '<relation><type>cls</type><name>LocalServer</name></relation></genw>\n'
        mkdir -p "$scripts/monitor.s/genw$i"
        printf '#!/bin/sh\necho >>"$CLP_ROOT/work/genw%d.checks"\nexit 0\n' "$i" \
            >"$scripts/monitor.s/genw$i/genw.sh"
        chmod +x "$scripts/monitor.s/genw$i/genw.sh"
    done
    printf '  </monitor>\n</root>\n'
} >"$conf"

bed_up -n 2 --conf "$conf" --scripts "$scripts"
bed start all >/dev/null
wait_for 30 server_is srv2 srv1 Online
wait_for 30 server_is srv1 srv2 Online

# every genw Normal on both servers (each has run its first check)
all_normal() {
    local s bad
    for s in srv1 srv2; do
        bad=$(on "$s" clpstat -o json | json_py "
bad = [m['name'] for m in d['monitors'] if m['name'].startswith('genw')
       and any(x['status'] != 'Normal' for x in m['servers'] if x['name'] == '$s')]
n = sum(1 for m in d['monitors'] if m['name'].startswith('genw'))
print(len(bad) if n == $N_MON else 'only %d genw' % n)")
        [ "$bad" = 0 ] || { echo "$s: $bad genw not Normal"; return 1; }
    done
}
wait_for 60 all_normal
# two checks of every genw on both servers: the second round (10 s later,
# as bunched as the first) passes as well
two_checks() {
    local s root i
    for s in srv1 srv2; do
        root=$(bed_info "root.$s")
        for ((i = 1; i <= N_MON; i++)); do
            [ "$(wc -l <"$root/work/genw$i.checks" 2>/dev/null || echo 0)" -ge 2 ] ||
                { echo "$s: genw$i has fewer than 2 checks"; return 1; }
        done
    done
}
wait_for 60 two_checks

# Before the fix every start was a reset (a loop: 5 resets per server in
# 30 s, the cluster never settled). On a machine loaded by other beds and a
# compiler the core can still miss one 75 ms deadline, stalled in the kernel
# (a log write throttled, a fork waiting for I/O): one reset in the run is
# reported, more fail; without a reset nothing may have been declared down.
total=0
for s in srv1 srv2; do
    resets=$(grep -c "resetting" "$CLPBED_DIR/$s/root/log/clpwatchdog.log" 2>/dev/null || true)
    starts=$(grep -c 'pm 1:' "$CLPBED_DIR/$s/root/log/clusterpro.log")
    log "$s: watchdog resets ${resets:-0}, core starts $starts"
    total=$((total + ${resets:-0}))
    [ "$starts" -le $((1 + ${resets:-0})) ] || fail "$s: the core was started $starts times"
done
((total <= 1)) || fail "$total watchdog resets during the monitors' start (load $(cut -d' ' -f1-3 /proc/loadavg))"
if ((total == 1)); then
    log "warning: one watchdog reset (load average $(cut -d' ' -f1-3 /proc/loadavg)); the run settled after it"
else
    for s in srv1 srv2; do
        not alert_seen "$s" nm 2 || fail "$s declared a server down"
        not alert_seen "$s" lanhb 71 || fail "$s saw late heartbeats"
    done
fi
burst=$(grep "rm 1: Monitoring genw" "$CLPBED_DIR/srv1/root/log/clusterpro.log" |
    awk '{print $2}' | sed -n '1p;$p' | tr '\n' ' ')
log "srv1: the $N_MON genw started between $burst"
log "$total reset(s); the cluster settled with $N_MON monitors starting at 50 ms / 150 ms"
