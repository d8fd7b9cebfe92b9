# shellcheck shell=bash
# Simulated BMCs on the test bed (on top of lib.sh): one ipmi_sim per server
# (Debian's openipmi), run on the gateway host with an address of its own on
# the public LAN, speaking IPMI over LAN (lanplus) on port 623 like a real
# BMC. Its chassis control program turns "power off" into `clpbed crash` of
# the server and keeps the power state in a file: the BMC acknowledges the
# command at once and reports the chassis off only once the crash is over, as
# a real BMC reports the power after cutting it. Every call is logged with its
# wall-clock time in ms to $TEST_TMP/bmc-SERVER/calls.log.

# bmc_start SERVER ADDR USER PASSWORD: start SERVER's BMC at ADDR:623.
bmc_start() {
    local s=$1 addr=$2 user=$3 pw=$4 d=$TEST_TMP/bmc-$1
    command -v ipmi_sim >/dev/null && command -v ipmitool >/dev/null ||
        fail "ipmi_sim and ipmitool are needed (tools/install-deps: openipmi ipmitool)"
    mkdir -p "$d/state"
    echo 1 >"$d/power"
    : >"$d/calls.log"
    on gw ip addr replace "$addr/24" dev lan2 # a BMC started again keeps its address
    cat >"$d/lan.conf" <<EOC
name "bmc-$s"
set_working_mc 0x20
  startlan 1
    addr $addr 623
    priv_limit admin
    allowed_auths_callback none md2 md5 straight
    allowed_auths_user none md2 md5 straight
    allowed_auths_operator none md2 md5 straight
    allowed_auths_admin none md2 md5 straight
    guid $(od -An -tx1 -N16 /dev/urandom | tr -d ' \n')
  endlan
  chassis_control "$d/chassis 0x20"
  user 2 true "$user" "$pw" admin 10 none md2 md5 straight
EOC
    cat >"$d/emu" <<EOC
mc_setbmc 0x20
mc_add 0x20 0 no-device-sdrs 0x23 9 8 0x9f 0x1291 0xf02 persist_sdr
mc_enable 0x20
EOC
    cat >"$d/chassis" <<EOC
#!/bin/sh
# ipmi_sim chassis control of $s: get power | set power 0|1 | set reset 1
d=$d
log() { echo "\$(date +%s%3N) \$*" >>\$d/calls.log; }
case "\$2" in
get) echo "power:\$(cat \$d/power)" ;;
set)
    shift 2
    while [ \$# -ge 2 ]; do
        case "\$1:\$2" in
        power:0)
            log "power off requested"
            if [ "\$(cat \$d/power)" = 1 ]; then
                setsid sh -c "$CLPBED --dir $CLPBED_DIR crash $s >>\$d/crash.log 2>&1; echo 0 >\$d/power; echo \\\$(date +%s%3N) power off done >>\$d/calls.log" </dev/null >/dev/null 2>&1 &
            fi ;;
        power:1) echo 1 >\$d/power; log "power on" ;;
        reset:1) log "reset requested" ;;
        esac
        shift 2
    done ;;
esac
exit 0
EOC
    chmod +x "$d/chassis"
    on_bg gw ipmi_sim -c "$d/lan.conf" -f "$d/emu" -n -s "$d/state" >"$d/sim.log" 2>&1
    eval "BMC_PID_$s=$BG_PID"
    wait_for 10 bmc_answers "$addr" "$user" "$pw"
}

# bmc_answers ADDR USER PASSWORD: the BMC at ADDR answers a power status request (from gw).
bmc_answers() {
    on gw ipmitool -I lanplus -H "$1" -U "$2" -P "$3" -R 1 -N 1 chassis power status
}

# bmc_stop SERVER: the BMC of SERVER stops answering (its process is killed).
bmc_stop() {
    local v=BMC_PID_$1
    kill "${!v}"
    wait_for 5 not proc_alive "${!v}"
}

# bmc_time SERVER TEXT: wall-clock ms of the first call-log line of SERVER's BMC containing TEXT.
bmc_time() {
    awk -v t="$2" 'index($0, t) { print $1; exit }' "$TEST_TMP/bmc-$1/calls.log"
}
