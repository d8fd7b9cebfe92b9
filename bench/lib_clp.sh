# shellcheck shell=bash disable=SC2034  # CLP_* are outputs for the caller
# bench/lib_clp.sh - our product on the benchmark bed: the configuration of a profile,
# the groups' scripts, start and settle, where a group runs, and the phase breakdown of a
# failover read from the servers' own logs. Source it after bench/lib.sh:
#
#   . "$(dirname "$0")/lib.sh"; . "$(dirname "$0")/lib_clp.sh"
#   clp_profile fast                         # CLP_INTERVAL, CLP_TIMEOUT, CLP_NP, CLP_SERVERS ...
#   clp_write_conf "$TMP/clp.conf" --groups 1 --kind fip-exec
#   clp_write_scripts "$TMP/scripts" --groups 1 --kind fip-exec
#   bench_bed_up -n "$CLP_SERVERS" --conf "$TMP/clp.conf" --scripts "$TMP/scripts" \
#       --build "$CLP_BUILD_DIR"
#   clp_start_all && clp_wait_group failover1 srv1 60
#   clp_phases crash srv2 "$BENCH_FAULT_WALL" "$first_new_wall"   # one line of key=value
#
# The product is the build in CLP_BUILD_DIR (bin/ for the servers, bench/ for the probe and
# the responder). The application of every group is bench/http_responder started by an
# asynchronous exec resource (the script execs it, so the pid the exec keeps is the
# responder's, which pidw watches), bound to the group's floating address.
#
# Profiles (clp_profile NAME; see docs/performance.md for why each value):
#   default  heartbeat interval 3 s, timeout 90 s (the documented defaults), no network
#            partition resource, pidw at the monitor defaults (interval 60 s)
#   1s       interval 200 ms, timeout 1 s; ping NP to the gateway (timeout 200 ms, no
#            retry); userw (a stalled core resets its server); pidw every 1 s
#   fast     interval 50 ms, timeout 150 ms (the shortest the configuration accepts: three
#            beats, as keepalived's three adverts); ping NP to the gateway (timeout 20 ms,
#            no retry); userw; pidw every 1 s
#   fast500  the previous fast: interval 100 ms, timeout 500 ms, ping NP timeout 100 ms
#   fast3    fast's timing on 3 servers with majority NP instead (no outside
#            dependency; the winner's grace includes the loser's gathering wait); userw
#   nonp     fast's timing without NP resource or userw: the peers' class (no
#            protection against a split brain), for comparison only

CLP_BUILD_DIR=${CLP_BUILD_DIR:-$BENCH_SRC/build}
CLP_BENCH_FIP_BASE=100 # group g (1-based) has 10.32.0.(99 + g)

# clp_profile NAME: sets CLP_PROFILE, CLP_INTERVAL, CLP_TIMEOUT (ms), CLP_NP (none, ping,
# majority), CLP_NP_TIMEOUT (ms, ping), CLP_SERVERS, CLP_PIDW_INTERVAL (s, "" = default),
# CLP_USERW (1: the userw stall monitor).
clp_profile() {
    CLP_PROFILE=$1
    CLP_NP_TIMEOUT=""
    CLP_USERW=1
    case $1 in
        default) CLP_INTERVAL=3000 CLP_TIMEOUT=90000 CLP_NP=none CLP_SERVERS=2 CLP_PIDW_INTERVAL=""
                 CLP_USERW=0 ;;
        1s) CLP_INTERVAL=200 CLP_TIMEOUT=1000 CLP_NP=ping CLP_NP_TIMEOUT=200 CLP_SERVERS=2
            CLP_PIDW_INTERVAL=1 ;;
        fast) CLP_INTERVAL=50 CLP_TIMEOUT=150 CLP_NP=ping CLP_NP_TIMEOUT=20 CLP_SERVERS=2
              CLP_PIDW_INTERVAL=1 ;;
        fast500) CLP_INTERVAL=100 CLP_TIMEOUT=500 CLP_NP=ping CLP_NP_TIMEOUT=100 CLP_SERVERS=2
                 CLP_PIDW_INTERVAL=1 ;;
        fast3) CLP_INTERVAL=100 CLP_TIMEOUT=500 CLP_NP=majority CLP_SERVERS=3 CLP_PIDW_INTERVAL=1 ;;
        nonp) CLP_INTERVAL=100 CLP_TIMEOUT=500 CLP_NP=none CLP_SERVERS=2 CLP_PIDW_INTERVAL=1
              CLP_USERW=0 ;;
        *) bench_die "unknown profile '$1' (default, 1s, fast, fast500, fast3, nonp)" ;;
    esac
    CLP_INTERVAL=${CLP_BENCH_INTERVAL:-$CLP_INTERVAL}
    CLP_TIMEOUT=${CLP_BENCH_TIMEOUT:-$CLP_TIMEOUT}
}

# clp_fip G: the floating address of group G (1-based).
clp_fip() {
    echo "10.32.0.$((CLP_BENCH_FIP_BASE + $1 - 1))"
}

# clp_write_conf FILE [--groups N] [--kind fip-exec|fip-disk-exec] [--monitors PER_GROUP]
#                [--no-pidw]: the clp.conf of the current profile (bed substitutions
# @SERVERS@ and @SHARED_DISK@ left for clpbed). Group gG = failoverG: fipG, [diskG,] execG;
# the monitors per group: pidw (failover of the group on error), then with --monitors M
# (up to 8) fipw, miiw, ipw, httpw, psw, genw, diskw at their default intervals (60 s).
clp_write_conf() {
    local file=$1 groups=1 kind=fip-exec per=1 pidw=1 g ip np="" mon="" types="" rsc="" grp=""
    shift
    while [ $# -gt 0 ]; do
        case $1 in
            --groups) groups=$2; shift 2 ;;
            --kind) kind=$2; shift 2 ;;
            --monitors) per=$2; shift 2 ;;
            --no-pidw) pidw=0; shift ;;
            *) bench_die "clp_write_conf: unknown option '$1'" ;;
        esac
    done
    case $CLP_NP in
        none) np="<networkpartition/>" ;;
        ping) np="<networkpartition><types name=\"pingnp\"/><pingnp name=\"pingnp1\">
      <priority>0</priority><device>10200</device>
      <parameters><timeoutms>$CLP_NP_TIMEOUT</timeoutms><retry>0</retry></parameters>
      <grp id=\"0\"><list id=\"0\"><ip>10.32.0.254</ip></list></grp></pingnp></networkpartition>" ;;
        majority) np="<networkpartition><types name=\"majority\"/>
      <majority name=\"majority1\"><priority>0</priority></majority></networkpartition>" ;;
    esac
    local pidw_poll=""
    [ -z "$CLP_PIDW_INTERVAL" ] || pidw_poll="<polling><interval>$CLP_PIDW_INTERVAL</interval></polling>"
    for ((g = 1; g <= groups; g++)); do
        ip=$(clp_fip "$g")
        grp+="  <group name=\"failover$g\"><gid>$((g - 1))</gid>
    <resource name=\"fip@fip$g\"/>"
        rsc+="    <fip name=\"fip$g\"><parameters><ip>$ip</ip></parameters></fip>
"
        if [ "$kind" = fip-disk-exec ]; then
            grp+="<resource name=\"disk@disk$g\"/>"
            rsc+="    <disk name=\"disk$g\"><parameters><disktype>disk</disktype>
      <device>@SHARED_DISK@</device><fs>ext4</fs>
      <mount><point>/mnt/clpbench$g</point><option>rw,noatime</option></mount></parameters></disk>
"
        fi
        grp+="<resource name=\"exec@exec$g\"/></group>
"
        rsc+="    <exec name=\"exec$g\"><parameters><act><path>start.sh</path><sync>0</sync></act>
      <deact><path>stop.sh</path></deact></parameters></exec>
"
        if ((pidw)); then
            mon+="    <pidw name=\"pidw$g\"><target>exec$g</target>$pidw_poll
      <relation><type>grp</type><name>failover$g</name></relation>
      <emergency><threshold><restart>0</restart><fo>1</fo></threshold></emergency></pidw>
"
        fi
        ((per < 2)) || mon+="    <fipw name=\"fipw$g\"><target>fip$g</target></fipw>
"
        ((per < 3)) || mon+="    <miiw name=\"miiw$g\"><parameters><object>lan2</object></parameters></miiw>
"
        ((per < 4)) || mon+="    <ipw name=\"ipw$g\"><parameters><list id=\"0\"><ip>10.32.0.254</ip></list></parameters></ipw>
"
        ((per < 5)) || mon+="    <httpw name=\"httpw$g\"><target>exec$g</target>
      <parameters><servername>$ip</servername><port>80</port></parameters></httpw>
"
        ((per < 6)) || mon+="    <psw name=\"psw$g\"><parameters><processname>*http_responder*</processname></parameters></psw>
"
        ((per < 7)) || mon+="    <genw name=\"genw$g\"><parameters><path>/bin/true</path></parameters></genw>
"
        ((per < 8)) || mon+="    <diskw name=\"diskw$g\"><parameters><object>@SHARED_DISK@</object>
      <size>4096</size></parameters></diskw>
"
    done
    if ((CLP_USERW)); then
        mon+="    <userw name=\"userw\"><relation><type>cls</type><name>LocalServer</name></relation></userw>
"
    fi
    types=""
    for t in userw pidw fipw miiw ipw httpw psw genw diskw; do
        if grep -q "<$t " <<<"$mon"; then types+="<types name=\"$t\"/>"; fi
    done
    cat >"$file" <<EOF
<?xml version="1.0" encoding="ASCII"?>
<!-- bench/lib_clp.sh, profile $CLP_PROFILE: $groups group(s) $kind -->
<root>
  <all><charset>ASCII</charset><encode>ASCII</encode><serveros>linux</serveros></all>
  <cluster><name>benchcluster</name>
    <heartbeat><interval>$CLP_INTERVAL</interval><timeout>$CLP_TIMEOUT</timeout></heartbeat>
  </cluster>
  @SERVERS@
  <heartbeat>
    <types name="lanhb"/>
    <lanhb name="lanhb1"><priority>0</priority><device>0</device></lanhb>
    <lanhb name="lanhb2"><priority>1</priority><device>1</device></lanhb>
  </heartbeat>
  $np
$grp  <resource>
    <types name="fip"/><types name="exec"/>$([ "$kind" = fip-disk-exec ] && echo '<types name="disk"/>')
$rsc  </resource>
  <monitor>$types
$mon  </monitor>
</root>
EOF
}

# clp_write_scripts DIR [--groups N]: scripts/failoverG/execG/{start,stop}.sh for every
# group: start execs http_responder bound to the group's address (asynchronous exec: the
# kept pid is the responder's); stop has nothing to do (the exec resource ends the
# process group).
clp_write_scripts() {
    local dir=$1 groups=1 g d
    shift
    while [ $# -gt 0 ]; do
        case $1 in
            --groups) groups=$2; shift 2 ;;
            --kind) shift 2 ;;
            *) bench_die "clp_write_scripts: unknown option '$1'" ;;
        esac
    done
    for ((g = 1; g <= groups; g++)); do
        d=$dir/failover$g/exec$g
        mkdir -p "$d"
        cat >"$d/start.sh" <<EOF
#!/bin/sh
exec "$BENCH_BIN/http_responder" -b $(clp_fip "$g") -p 80
EOF
        printf '#!/bin/sh\nexit 0\n' >"$d/stop.sh"
        chmod +x "$d/start.sh" "$d/stop.sh"
    done
}

# clp_on SERVER CMD...: CMD in SERVER's namespaces (CLP_ROOT set).
clp_on() {
    bed exec "$@"
}

# clp_start_all: starts the cluster service on every server of the bed, at once.
clp_start_all() {
    bed start all >/dev/null
}

# clp_status_json VIEWER: clpstat -o json on VIEWER (empty when it fails).
clp_status_json() {
    clp_on "$1" clpstat -o json 2>/dev/null || true
}

# clp_group_where VIEWER GROUP: the server GROUP is Online on, as VIEWER sees it, or "-".
clp_group_where() {
    clp_status_json "$1" | python3 -c '
import json, sys
try:
    d = json.load(sys.stdin)
    g = next(g for g in d["groups"] if g["name"] == sys.argv[1])
    print(g["current"] if g["status"] == "Online" else "-")
except Exception:
    print("-")' "$2"
}

# clp_all_online VIEWER N: VIEWER sees N servers Online and no group pending.
clp_all_online() {
    clp_status_json "$1" | python3 -c '
import json, sys
try:
    d = json.load(sys.stdin)
except Exception:
    sys.exit(1)
on = sum(1 for s in d["servers"] if s["status"] == "Online")
busy = any(g["status"] not in ("Online", "Offline") for g in d["groups"])
sys.exit(0 if on == int(sys.argv[1]) and not busy else 1)' "$2"
}

# clp_wait TIMEOUT_S CMD...: polls CMD every 50 ms until it succeeds; 1 on timeout.
clp_wait() {
    local end=$((${EPOCHREALTIME/./} + $1 * 1000000))
    shift
    while ! "$@"; do
        ((${EPOCHREALTIME/./} < end)) || return 1
        sleep 0.05
    done
}

# clp_wait_group GROUP SERVER TIMEOUT_S: GROUP Online on SERVER as SERVER sees it.
clp_wait_group() {
    local g=$1 s=$2
    clp_wait "$3" eval '[ "$(clp_group_where '"$s"' '"$g"')" = '"$s"' ]'
}

# clp_phases FAULT NEW_SERVER OLD_SERVER FAULT_WALL FIRST_WALL [GROUP]: the phases of one
# failover from the servers' core logs (log/clusterpro.log, wall-clock ms), as key=value
# words, each in ms from the fault stamp (FAULT_WALL, s) unless named a duration:
#   crash: detect (NP started on NEW), np (NP duration), down (NEW declared OLD down),
#          takeover (NEW starts the failover: rc 60), act_<rsc> (activation durations),
#          online (rc 11 on NEW), first (first answer, FIRST_WALL)
#   app:   detect (rm 9 on OLD), deact_<rsc> (durations on OLD), offline (rc 21: OLD has
#          let go), start (rc 10: NEW starts activating), act_<rsc>/online on NEW as above,
#          first (a planned move reads the same lines: detect is then "-")
# Only lines logged after FAULT_WALL - 1 s are read. Missing phases print "-".
clp_phases() {
    local fault=$1 new=$2 old=$3 t0=$4 first=$5 group=${6:-failover1} day newlog
    # The logs stamp local wall-clock time of day: work in seconds of the fault's day.
    day=$(date -d "@${t0%.*}" +'%s %H %M %S' |
        awk '{ printf "%d", $1 - ($2 * 3600 + $3 * 60 + $4) }')
    newlog=$CLPBED_DIR/$new/root/log/clusterpro.log
    awk -v fault="$fault" -v t0="$(awk -v a="$t0" -v d="$day" 'BEGIN { printf "%.6f", a - d }')" \
        -v first="$(awk -v a="$first" -v d="$day" 'BEGIN { if (a != "-") printf "%.6f", a - d }')" \
        -v group="$group" -v newlog="$newlog" '
        function rel(t,    v) { if (t == "") return "-"; v = (t - t0) * 1000; return sprintf("%.0f", v < 0 && v > -0.5 ? 0 : v) }
        FNR == 1 { who = FILENAME == newlog ? "new" : "old" }
        {
            split($2, b, ":")
            t = b[1] * 3600 + b[2] * 60 + b[3]
            if (t < t0 - 43200) t += 86400     # past midnight
            if (t < t0 - 1) next
            line = $0
        }
        who == "new" && /network partition resolution for .*this server survives/ && np_end == "" {
            np_end = t
            if (match(line, /, [0-9]+ ms\)/)) np_ms = substr(line, RSTART + 2, RLENGTH - 6) + 0
        }
        who == "new" && / nm 2: Server / && down == "" { down = t }
        who == "new" && / rc 60: Failover group / && index(line, group) && takeover == "" { takeover = t }
        who == "new" && / rc 30: Activating / { split(line, w, "Activating "); split(w[2], x, " "); a0[x[1]] = t; order[n++] = x[1] }
        who == "new" && / rc 31: Activating / { split(line, w, "Activating "); split(w[2], x, " "); a1[x[1]] = t }
        who == "new" && / rc 10: Activating group / && index(line, group) && start == "" { start = t }
        who == "new" && / rc 11: Activating group / && index(line, group) && online == "" { online = t }
        who == "old" && / rm 9: / && detect_app == "" { detect_app = t }
        who == "old" && / rc 40: Stopping / { split(line, w, "Stopping "); split(w[2], x, " "); d0[x[1]] = t; dorder[dn++] = x[1] }
        who == "old" && / rc 41: Stopping / { split(line, w, "Stopping "); split(w[2], x, " "); d1[x[1]] = t }
        who == "old" && / rc 21: Stopping group / && index(line, group) && offline == "" { offline = t }
        END {
            out = ""
            if (fault == "app") {
                out = out " detect=" rel(detect_app)
                for (i = 0; i < dn; i++) if (dorder[i] in d1 && !(("d" dorder[i]) in seen)) {
                    seen["d" dorder[i]] = 1
                    out = out sprintf(" deact_%s=%.0f", dorder[i], (d1[dorder[i]] - d0[dorder[i]]) * 1000)
                }
                out = out " offline=" rel(offline) " start=" rel(start)
            } else {
                out = out " detect=" (np_end == "" ? "-" : rel(np_end - np_ms / 1000))
                out = out " np=" (np_end == "" ? "-" : np_ms) " down=" rel(down)
                out = out " takeover=" rel(takeover)
            }
            for (i = 0; i < n; i++) if (order[i] in a1 && !(("a" order[i]) in seen)) {
                seen["a" order[i]] = 1
                out = out sprintf(" act_%s=%.0f", order[i], (a1[order[i]] - a0[order[i]]) * 1000)
            }
            out = out " online=" rel(online) " first=" (first == "" ? "-" : rel(first))
            print substr(out, 2)
        }' "$newlog" "$CLPBED_DIR/$old/root/log/clusterpro.log" 2>/dev/null
}

# clp_settle N VIEWER GROUP: N servers Online and GROUP Online somewhere as VIEWER sees
# it, then three heartbeat intervals more (a restarted master settles in two).
clp_settle() {
    clp_wait 180 clp_all_online "$2" "$1" || bench_die "the cluster did not settle"
    clp_wait 60 eval '[ "$(clp_group_where '"$2"' '"$3"')" != - ]' ||
        bench_die "$3 is not Online anywhere"
    sleep "$(awk -v i="$CLP_INTERVAL" 'BEGIN { printf "%.3f", 3 * i / 1000 + 0.2 }')"
}

# clp_failovers FAULT RUNS RAW SETTING: RUNS failovers of failover1 on the running bed
# (CLP_SERVERS servers, the current profile), each recorded in RAW as
# "system=ours setting=SETTING fault=FAULT run=K target=SERVER ph_...=... <probe result>":
#   crash  bench_fault crash of the server that answers, then it is started again
#   app    kill -9 of the responder (exec1's pid) there; pidw1 fails the group over; the
#          monitors' counts are reset (clpmonctrl -c) on every server afterwards
# The cluster is settled (clp_settle) after each run.
clp_failovers() {
    local fault=$1 n=$2 raw=$3 setting=$4 run target new pid first phases max k
    max=$(((CLP_TIMEOUT + 1999) / 1000 + 30))
    [ "$CLP_TIMEOUT" -lt 60000 ] || max=$((max + 60))
    for ((run = 1; run <= n; run++)); do
        probe_start -m "$max" || bench_die "no steady answer: $(cat "$PROBE_OUT")"
        target=$PROBE_OLD
        bench_random_sleep 0.5 1.5
        case $fault in
            crash) bench_fault crash "$target" ;;
            app)
                pid=$(cat "$CLPBED_DIR/$target/root/work/rsc/exec1/pid")
                probe_fault
                kill -9 "$pid"
                ;;
            *) bench_die "clp_failovers: unknown fault '$fault'" ;;
        esac
        probe_wait || bench_log "run $run: no failover within $max s"
        new=$PROBE_NEW
        first=-
        [ "$PROBE_FAILOVER" = - ] ||
            first=$(awk -v a="$BENCH_FAULT_WALL" -v b="$PROBE_FAILOVER" 'BEGIN { printf "%.6f", a + b }')
        phases=""
        if [ "$new" != none ]; then
            # The last phase lines are written a moment after the first answer.
            clp_wait 10 eval '[ "$(clp_group_where '"$new"' failover1)" = '"$new"' ]' || true
            phases=$(clp_phases "$fault" "$new" "$target" "$BENCH_FAULT_WALL" "$first" |
                sed 's/\([a-z_0-9]*\)=/ph_\1=/g')
        fi
        bench_record "$raw" "system=ours setting=$setting fault=$fault run=$run target=$target $phases"
        bench_log "run $run $fault $target: failover $PROBE_FAILOVER s, outage" \
            "$PROBE_OUTAGE s; $phases"
        case $fault in
            crash) bed start "$target" >/dev/null ;;
            app) for ((k = 1; k <= CLP_SERVERS; k++)); do
                     clp_on "srv$k" clpmonctrl -c >/dev/null 2>&1 || true
                 done ;;
        esac
        [ "$new" != none ] || new=srv1
        clp_settle "$CLP_SERVERS" "$new" failover1
    done
}
