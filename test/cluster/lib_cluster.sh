# shellcheck shell=bash
# Helpers for cluster tests that drive the product (on top of lib.sh, which
# makes the bed): status queries through the product's own commands, alert log
# checks, and the dual-activation checker every test that moves a group runs.

# jq-free JSON field extraction for the product's small JSON outputs.
json_py() {
    python3 -c "import json,sys; d=json.load(sys.stdin); $1"
}

# svc_json SERVER: clpstat --services -o json of SERVER.
svc_json() {
    on "$1" clpstat --services -o json
}

# svc_pid SERVER SERVICE: pid of SERVICE as its own status reply gives it (0: not answering).
svc_pid() {
    svc_json "$1" | json_py "print(next((s['pid'] for s in d if s['service']=='$2' and s['state']=='running'), 0))"
}

# svc_answers SERVER SERVICE: SERVICE answers its status request on SERVER.
svc_answers() {
    [ "$(svc_pid "$1" "$2")" != 0 ]
}

# svc_restarted SERVER SERVICE OLDPID: SERVICE answers again, with another pid.
svc_restarted() {
    local p
    p=$(svc_pid "$1" "$2")
    [ "$p" != 0 ] && [ "$p" != "$3" ]
}

# status_json SERVER: clpstat -o json as seen from SERVER.
status_json() {
    on "$1" clpstat -o json
}

# server_status VIEWER SERVER: the status word of SERVER as VIEWER sees it.
server_status() {
    status_json "$1" | json_py "print(next(s['status'] for s in d['servers'] if s['name']=='$2'))"
}

# group_current VIEWER GROUP: the server GROUP runs on ("None" when none).
group_current() {
    status_json "$1" | json_py "print(next(g['current'] for g in d['groups'] if g['name']=='$2'))"
}

# group_is VIEWER GROUP SERVER: GROUP is Online on SERVER.
group_is() {
    status_json "$1" |
        json_py "g=next(g for g in d['groups'] if g['name']=='$2'); sys.exit(0 if g['current']=='$3' and g['status']=='Online' else 1)"
}

# hb_status VIEWER SERVER HB: status word of heartbeat row HB of SERVER.
hb_status() {
    status_json "$1" |
        json_py "s=next(s for s in d['servers'] if s['name']=='$2'); print(next(h['status'] for h in s['heartbeats'] if h['name']=='$3'))"
}

# alert_count SERVER MODULE ID [TEXT]: records of (MODULE, ID) in SERVER's alert
# log (whatever their origin), optionally containing TEXT.
alert_count() {
    local f=$CLPBED_DIR/$1/root/alert/alert.log
    [ -f "$f" ] || { echo 0; return; }
    awk -F'\t' -v m="$2" -v id="$3" -v t="${4:-}" \
        '$4 == m && $5 == id && (t == "" || index($10, t)) { n++ } END { print n + 0 }' "$f"
}

# alert_seen SERVER MODULE ID [TEXT]: at least one such record.
alert_seen() {
    [ "$(alert_count "$@")" -gt 0 ]
}

# hb_is VIEWER SERVER HB WORD: the row HB of SERVER on VIEWER shows WORD.
hb_is() {
    [ "$(hb_status "$1" "$2" "$3" 2>/dev/null)" = "$4" ]
}

# alert_more N SERVER MODULE ID [TEXT]: more than N such records.
alert_more() {
    local n=$1
    shift
    [ "$(alert_count "$@")" -gt "$n" ]
}

# server_is VIEWER SERVER WORD: SERVER's status word on VIEWER is WORD.
server_is() {
    [ "$(server_status "$1" "$2" 2>/dev/null)" = "$3" ]
}

# alert_time SERVER MODULE ID [TEXT]: wall-clock ms of the first such record.
alert_time() {
    awk -F'\t' -v m="$2" -v id="$3" -v t="${4:-}" \
        '$4 == m && $5 == id && (t == "" || index($10, t)) { print $3; exit }' \
        "$CLPBED_DIR/$1/root/alert/alert.log"
}

# --- dual activation checker ------------------------------------------------------
# checker_start IP [MOUNTPOINT]: samples every server every ~100 ms in the
# background; records a violation when IP is configured on two servers at once
# (or MOUNTPOINT is mounted on two). checker_stop fails the test if it saw one.

checker_has_ip() {
    on "$1" ip -o addr show 2>/dev/null | grep -q " $CHECK_IP/"
}
checker_has_mnt() {
    on "$1" cat /proc/self/mounts 2>/dev/null | awk -v m="$CHECK_MNT" '$2 == m { f = 1 } END { exit !f }'
}
checker_start() {
    CHECK_IP=$1
    CHECK_MNT=${2:-}
    CHECK_LOG=$TEST_TMP/checker.log
    : >"$CHECK_LOG"
    local test_pid=$$
    (
        trap - ERR
        set +e
        local servers n s ip_on mnt_on
        servers=$(bed_info servers)
        # Ends with the test (or its bed), whatever way the test ends.
        while kill -0 "$test_pid" 2>/dev/null && [ -d "$TEST_TMP" ]; do
            ip_on=""
            mnt_on=""
            for s in $servers; do
                if checker_has_ip "$s"; then
                    ip_on="$ip_on $s"
                fi
                if [ -n "$CHECK_MNT" ] && checker_has_mnt "$s"; then
                    mnt_on="$mnt_on $s"
                fi
            done
            n=$(echo $ip_on | wc -w)
            # shellcheck disable=SC2086
            [ "$n" -le 1 ] || ! held_again checker_has_ip $ip_on ||
                echo "$(date +%T.%3N) $CHECK_IP on$ip_on" >>"$CHECK_LOG"
            n=$(echo $mnt_on | wc -w)
            # shellcheck disable=SC2086
            [ "$n" -le 1 ] || ! held_again checker_has_mnt $mnt_on ||
                echo "$(date +%T.%3N) $CHECK_MNT mounted on$mnt_on" >>"$CHECK_LOG"
            echo sample >"$TEST_TMP/checker.alive"
            sleep 0.1
        done
    ) &
    CHECK_PID=$!
    disown "$CHECK_PID"
}

checker_stop() {
    kill "$CHECK_PID" 2>/dev/null || true
    if [ -s "$CHECK_LOG" ]; then
        cat "$CHECK_LOG" >&2
        fail "dual activation seen ($(wc -l <"$CHECK_LOG") samples)"
    fi
    log "checker: never active on two servers"
}
