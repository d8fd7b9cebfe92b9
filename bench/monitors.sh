#!/usr/bin/env bash
# Monitor engine cost: N monitors (default 200) at a 1 s interval on one
# server (a 1-server bed), and the CPU time the core (clusterpro) uses, read
# from /proc/<pid>/stat over a window (default 60 s), several runs (default 3),
# median. Mixes (one bed each):
#   none   no monitor (the core idle with one group): the baseline
#   pidw   N pidw on the asynchronous exec1 (checked in the core: kill(pid, 0))
#   ipw    N ipw pinging the gateway 10.32.0.254 (each check a child process)
#   genw   N genw running a shell script that exits 0 (a child, then /bin/sh)
#   mixed  N/2 pidw, N/4 ipw, N/4 genw
# For each run: the core's own CPU (utime + stime), the CPU of its reaped
# children (cutime + cstime: the check processes and scripts), both as a
# percentage of one CPU, and the checks completed per second (the sum of
# clpmonctrl -v "Check Count" at the window's ends; N per second when the
# engine keeps the interval). Prints a table; -o FILE also writes it there.
#
#   bench/monitors.sh [-n MONITORS] [-d SECONDS] [-r RUNS] [-m "MIX ..."] [-o FILE]
#
# Needs root (network namespaces) and a build (CLP_BUILD_DIR, default build/).
# Not a test: nothing is asserted but that the monitors run.
set -Eeuo pipefail
N=200 DUR=60 RUNS=3 MIXES="none pidw ipw genw mixed" OUT=""
while getopts "n:d:r:m:o:" o; do
    case $o in
        n) N=$OPTARG ;; d) DUR=$OPTARG ;; r) RUNS=$OPTARG ;; m) MIXES=$OPTARG ;; o) OUT=$OPTARG ;;
        *) echo "usage: $0 [-n MONITORS] [-d SECONDS] [-r RUNS] [-m \"MIX ...\"] [-o FILE]" >&2; exit 2 ;;
    esac
done
[[ $N =~ ^[0-9]+$ ]] && ((N >= 4 && N <= 500)) || { echo "monitors.sh: -n takes 4 to 500" >&2; exit 2; }
export TEST_NAME=bench_monitors
export CLPBED_DIR=${CLPBED_DIR:-/tmp/clpbed-monbench}
. "$(dirname "$0")/../test/cluster/lib.sh"
. "$(dirname "$0")/../test/cluster/lib_cluster.sh"
HZ=$(getconf CLK_TCK)

# conf MIX: the clp.conf of a mix on stdout.
conf() {
    local mix=$1 np=0 ni=0 ng=0 i
    case $mix in
        none) ;;
        pidw) np=$N ;;
        ipw) ni=$N ;;
        genw) ng=$N ;;
        mixed) np=$((N / 2)) ni=$((N / 4)) ng=$((N - N / 2 - N / 4)) ;;
        *) fail "unknown mix $mix" ;;
    esac
    cat <<EOF
<?xml version="1.0" encoding="ASCII"?>
<root>
  <all><charset>ASCII</charset><encode>ASCII</encode><serveros>linux</serveros></all>
  <cluster><name>bedcluster</name>
    <heartbeat><interval>3000</interval><timeout>90000</timeout></heartbeat>
  </cluster>
  @SERVERS@
  <heartbeat><types name="lanhb"/><lanhb name="lanhb1"><priority>0</priority><device>0</device></lanhb></heartbeat>
  <group name="failover1"><gid>0</gid><resource name="exec@exec1"/></group>
  <resource><types name="exec"/>
    <exec name="exec1"><parameters><act><path>start.sh</path><sync>0</sync></act>
      <deact><path>stop.sh</path></deact></parameters></exec>
  </resource>
  <monitor>
EOF
    local common='<polling><interval>1</interval><timeout>10</timeout><reconfirmation>1</reconfirmation></polling>
      <relation><type>cls</type><name>LocalServer</name></relation><emergency><action>1</action></emergency>'
    for ((i = 0; i < np; i++)); do
        echo "    <pidw name=\"pidw$i\"><target>exec1</target>$common</pidw>"
    done
    for ((i = 0; i < ni; i++)); do
        echo "    <ipw name=\"ipw$i\">$common<parameters><list id=\"0\"><ip>10.32.0.254</ip></list></parameters></ipw>"
    done
    for ((i = 0; i < ng; i++)); do
        echo "    <genw name=\"genw$i\">$common<parameters><path>$GENW_SCRIPT</path></parameters></genw>"
    done
    echo "  </monitor>"
    echo "</root>"
    MIX_N=$((np + ni + ng))
}

normal_count() {
    on srv1 clpstat -o json | json_py "print(sum(1 for m in d['monitors'] for s in m['servers'] if s['status'] == 'Normal'))"
}
all_normal() {
    [ "$(normal_count)" = "$1" ]
}
checks_total() {
    on srv1 clpmonctrl -v | awk -F: '/Check Count/ { n += $2 } END { printf "%d", n }'
}
# cpu_ticks PID: "own children" clock ticks of PID.
cpu_ticks() {
    awk '{ sub(/^.*\) /, ""); print $12 + $13, $14 + $15 }' "/proc/$1/stat"
}

mkdir -p "$TEST_TMP/scripts/failover1/exec1"
printf '#!/bin/sh\nexec sleep 100000\n' >"$TEST_TMP/scripts/failover1/exec1/start.sh"
printf '#!/bin/sh\nexit 0\n' >"$TEST_TMP/scripts/failover1/exec1/stop.sh"
chmod +x "$TEST_TMP/scripts/failover1/exec1/"*.sh
GENW_SCRIPT=$TEST_TMP/genw-ok.sh
printf '#!/bin/sh\nexit 0\n' >"$GENW_SCRIPT"
ROWS=$TEST_TMP/rows
: >"$ROWS"
first=1
for mix in $MIXES; do
    conf "$mix" >"$TEST_TMP/clp.conf"
    if ((first)); then
        bed_up -n 1 --conf "$TEST_TMP/clp.conf" --scripts "$TEST_TMP/scripts"
        first=0
    else
        bed down >/dev/null
        bed up --build "$CLP_BUILD_DIR" -n 1 --conf "$TEST_TMP/clp.conf" --scripts "$TEST_TMP/scripts" >/dev/null
    fi
    bed start all >/dev/null
    wait_for 60 group_is srv1 failover1 srv1
    wait_for 60 all_normal "$MIX_N"
    core=$(cat "$CLPBED_DIR/srv1/root/run/clusterpro.pid")
    # Let the start-up settle: one more window's tenth.
    sleep $((DUR / 10 + 2))
    for ((r = 1; r <= RUNS; r++)); do
        c0=$(checks_total) t0=$(now_us)
        read -r own0 ch0 < <(cpu_ticks "$core")
        sleep "$DUR"
        read -r own1 ch1 < <(cpu_ticks "$core")
        t1=$(now_us) c1=$(checks_total)
        awk -v mix="$mix" -v n="$MIX_N" -v r="$r" -v hz="$HZ" -v dt="$(((t1 - t0)))" \
            -v own="$((own1 - own0))" -v ch="$((ch1 - ch0))" -v checks="$((c1 - c0))" 'BEGIN {
            s = dt / 1e6
            printf "%s %d %d %.2f %.2f %.1f\n", mix, n, r, own / hz / s * 100, ch / hz / s * 100, checks / s
        }' | tee -a "$ROWS" | while read -r m n rr o c k; do
            log "$m ($n monitors) run $rr: core $o %, children $c %, $k checks/s"
        done
    done
    all_normal "$MIX_N" || log "warning: not every monitor of $mix is Normal at the end"
done

table() {
    printf '%s\n' "Monitor engine cost: interval 1 s, one server; $RUNS runs of $DUR s each: median (min-max)"
    printf '%s\n' "machine: $(nproc) CPUs, load average at the end: $(cut -d' ' -f1-3 /proc/loadavg)"
    python3 - "$ROWS" $MIXES <<'PY'
import statistics, sys
rows = [l.split() for l in open(sys.argv[1]) if l.strip()]
print("%-7s %8s %24s %26s %9s %13s" % ("mix", "monitors", "core CPU % of one CPU",
      "+ children, % of one CPU", "checks/s", "core us/check"))
for mix in sys.argv[2:]:
    rs = [r for r in rows if r[0] == mix]
    if not rs:
        continue
    own = [float(r[3]) for r in rs]
    tot = [float(r[3]) + float(r[4]) for r in rs]
    chk = [float(r[5]) for r in rs]
    m_own, m_chk = statistics.median(own), statistics.median(chk)
    per = "%.0f" % (m_own / 100 * 1e6 / m_chk) if m_chk > 0 else "-"
    print("%-7s %8s %24s %26s %9.1f %13s" % (mix, rs[0][1],
          "%.2f (%.2f-%.2f)" % (m_own, min(own), max(own)),
          "%.2f (%.2f-%.2f)" % (statistics.median(tot), min(tot), max(tot)), m_chk, per))
PY
}
table | tee "$TEST_TMP/table"
[ -z "$OUT" ] || cp "$TEST_TMP/table" "$OUT"
