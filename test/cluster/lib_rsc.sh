# shellcheck shell=bash
# Helpers of the resource-type tests (t_rsc_*.sh), on top of lib.sh: group
# status through clpstat -o json, the core's pid, and a dual-activation checker
# that samples every server from the machine's side (no clpbed per sample, so
# that a sample takes a few ms): addresses with `ip -n NETNS -br addr`, mounts
# with findmnt inside the server's mount namespace, and the processes of an
# application by command line and network namespace.

json_py() {
    python3 -c "import json,sys; d=json.load(sys.stdin); $1"
}

# group_is VIEWER GROUP SERVER: GROUP is Online on SERVER as VIEWER sees it.
group_is() {
    on "$1" clpstat -o json |
        json_py "g=next(g for g in d['groups'] if g['name']=='$2'); sys.exit(0 if g['current']=='$3' and g['status']=='Online' else 1)"
}

# rsc_status VIEWER RESOURCE: the status word of RESOURCE.
rsc_status() {
    on "$1" clpstat -o json |
        json_py "print(next(r['status'] for g in d['groups'] for r in g['resources'] if r['name']=='$2'))"
}

# core_pid SERVER: the pid of SERVER's clusterpro (its pid file).
core_pid() {
    cat "$CLPBED_DIR/$1/root/run/clusterpro.pid" 2>/dev/null
}

# core_restarted SERVER OLDPID: SERVER's clusterpro runs again with another pid.
core_restarted() {
    local p
    p=$(core_pid "$1") || return 1
    [ -n "$p" ] && [ "$p" != "$2" ] && proc_alive "$p"
}

# netns_of SERVER: the path of SERVER's network namespace.
netns_of() {
    echo "/run/netns/$(bed_info netns_prefix)-$1"
}

# --- dual activation checker ------------------------------------------------------
# rsc_checker_start IP [MOUNTPOINT] [PROCESS_PATTERN]: every ~100 ms, for every
# server: is IP configured (ip -br addr), is MOUNTPOINT mounted (findmnt in its
# mount namespace), does a process whose command line matches PROCESS_PATTERN
# run in its network namespace. A sample where any of them holds on two
# servers is a violation.
rsc_has_ip() { # SERVER (inside rsc_checker_start: pfx set)
    ip -n "$pfx-$1" -br addr 2>/dev/null | grep -qE "[[:space:]]$CHECK_IP/"
}
rsc_has_mnt() {
    nsenter --mount="$CLPBED_DIR/ns/$1.mnt" findmnt -rn "$CHECK_MNT" >/dev/null 2>&1
}
rsc_checker_start() {
    CHECK_IP=$1 CHECK_MNT=${2:-} CHECK_PROC=${3:-}
    CHECK_T0=$(now_us)
    CHECK_LOG=$TEST_TMP/checker.log
    CHECK_COUNT=$TEST_TMP/checker.count
    : >"$CHECK_LOG"
    echo 0 >"$CHECK_COUNT"
    local servers="" pfx k
    for ((k = 1; k <= $(bed_info servers); k++)); do servers="$servers srv$k"; done
    pfx=$(bed_info netns_prefix)
    local parent=$$
    (
        trap - ERR EXIT
        set +e
        declare -A ino
        local s n=0 ip_on mnt_on proc_on p pi
        for s in $servers; do ino[$s]=$(stat -L -c %i "/run/netns/$pfx-$s"); done
        # Ends with the test (whatever way it ends).
        while kill -0 "$parent" 2>/dev/null && [ -d "$TEST_TMP" ]; do
            ip_on="" mnt_on="" proc_on=""
            for s in $servers; do
                if [ -n "$CHECK_IP" ] && rsc_has_ip "$s"; then
                    ip_on="$ip_on $s"
                fi
                if [ -n "$CHECK_MNT" ] && rsc_has_mnt "$s"; then
                    mnt_on="$mnt_on $s"
                fi
            done
            if [ -n "$CHECK_PROC" ]; then
                for p in $(pgrep -f -- "$CHECK_PROC"); do
                    pi=$(stat -L -c %i "/proc/$p/ns/net" 2>/dev/null) || continue
                    for s in $servers; do
                        if [ "$pi" = "${ino[$s]}" ] && [[ $proc_on != *" $s"* ]]; then
                            proc_on="$proc_on $s"
                        fi
                    done
                done
            fi
            # shellcheck disable=SC2086
            {
                [ $(echo $ip_on | wc -w) -le 1 ] || ! held_again rsc_has_ip $ip_on ||
                    echo "$(date +%T.%3N) $CHECK_IP on$ip_on"
                [ $(echo $mnt_on | wc -w) -le 1 ] || ! held_again rsc_has_mnt $mnt_on ||
                    echo "$(date +%T.%3N) $CHECK_MNT mounted on$mnt_on"
                [ $(echo $proc_on | wc -w) -le 1 ] ||
                    echo "$(date +%T.%3N) '$CHECK_PROC' running on$proc_on"
            } >>"$CHECK_LOG" 2>/dev/null
            n=$((n + 1))
            # renamed into place: a kill between truncating and writing the
            # file left it empty for rsc_checker_stop
            echo "$n" >"$CHECK_COUNT.new" 2>/dev/null && mv -f "$CHECK_COUNT.new" "$CHECK_COUNT"
            sleep 0.1
        done
    ) &
    CHECK_PID=$!
    disown "$CHECK_PID"
}

# rsc_checker_stop: fails on a violation, or when the checker sampled less
# often than every 300 ms on average (or fewer than 10 times).
rsc_checker_stop() {
    local n ms
    kill "$CHECK_PID" 2>/dev/null || true
    n=$(cat "$CHECK_COUNT")
    if [ -s "$CHECK_LOG" ]; then
        cat "$CHECK_LOG" >&2
        fail "dual activation seen ($(wc -l <"$CHECK_LOG") findings in $n samples)"
    fi
    ms=$((($(now_us) - CHECK_T0) / 1000 / (n > 0 ? n : 1)))
    [ "$n" -ge 10 ] && [ "$ms" -le 300 ] ||
        fail "the checker took only $n samples (one every $ms ms)"
    log "checker: $n samples (one every $ms ms), never active on two servers"
}
