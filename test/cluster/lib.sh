# shellcheck shell=bash
# Helpers for cluster tests on the namespace test bed (test/bed/clpbed).
#
# A cluster test is a bash script test/cluster/t_<name>.sh, run by ctest as
# root with CLP_BUILD_DIR and CLP_SOURCE_DIR set. It sources this file, makes a
# bed with bed_up (removed again on exit, whatever happens), drives it with
# `bed ...` / `on SERVER CMD...`, and waits for observable effects with
# wait_for, never with fixed sleeps:
#
#   . "$(dirname "$0")/lib.sh"
#   bed_up -n 2
#   bed start all
#   wait_for 30 addr_on srv1 10.32.0.150
#   bed crash srv1
#   wait_for 30 addr_on srv2 10.32.0.150
#
# The bed lives in $CLPBED_DIR (default /tmp/clpbed-<test name>). When the test
# fails, the servers' logs, alert logs, etc/ and work/ are copied to
# test/artifacts/<test name>/ before the bed is removed.
set -Eeuo pipefail

CLP_SOURCE_DIR=${CLP_SOURCE_DIR:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}
CLP_BUILD_DIR=${CLP_BUILD_DIR:-$CLP_SOURCE_DIR/build}
CLPBED=${CLPBED:-$CLP_SOURCE_DIR/test/bed/clpbed}
TEST_NAME=${TEST_NAME:-$(basename "$0" .sh)}
CLPBED_DIR=${CLPBED_DIR:-/tmp/clpbed-$TEST_NAME}
export CLP_SOURCE_DIR CLP_BUILD_DIR CLPBED_DIR
# A scratch directory of the test's own, removed at the end (not inside the bed dir).
TEST_TMP=$(mktemp -d "/tmp/$TEST_NAME.XXXXXX")
trap 'rm -rf "$TEST_TMP"' EXIT
# A command that fails outside any condition ends the test (set -e): say which.
# Only the test's own shell reports; a failing subshell makes its caller fail.
trap 'failed_command $?' ERR

# --- messages -----------------------------------------------------------------------

log() {
    printf '%s %s: %s\n' "$(date +%T.%3N)" "$TEST_NAME" "$*" >&2
}

# test_location: file:line of the test line that called into this library.
test_location() {
    local i
    for ((i = 1; i < ${#BASH_SOURCE[@]}; i++)); do
        if [ "${BASH_SOURCE[i]}" != "${BASH_SOURCE[0]}" ]; then
            echo "${BASH_SOURCE[i]##*/}:${BASH_LINENO[i - 1]}"
            return
        fi
    done
    echo "?"
}

# fail MSG: the test fails (exit 1); the EXIT trap removes the bed.
fail() {
    printf '%s %s: FAIL at %s: %s\n' "$(date +%T.%3N)" "$TEST_NAME" "$(test_location)" "$*" >&2
    exit 1
}

# failed_command STATUS: the ERR trap: fail, quoting the test's line.
failed_command() {
    local i text=$BASH_COMMAND
    if [ "$BASH_SUBSHELL" -gt 0 ]; then
        exit "$1"
    fi
    for ((i = 1; i < ${#BASH_SOURCE[@]}; i++)); do
        if [ "${BASH_SOURCE[i]}" != "${BASH_SOURCE[0]}" ]; then
            text=$(sed -n "${BASH_LINENO[i - 1]}{s/^ *//;p}" "${BASH_SOURCE[i]}" 2>/dev/null) ||
                text=$BASH_COMMAND
            break
        fi
    done
    fail "command failed (exit $1): $text"
}

# --- the bed -----------------------------------------------------------------------

# bed ARGS...: clpbed on this test's bed.
bed() {
    "$CLPBED" --dir "$CLPBED_DIR" "$@"
}

# bed_up [clpbed up options]: make the bed (with this build's binaries) and
# arrange for bed_down to run when the test exits, whatever the reason.
bed_up() {
    [ "$(id -u)" = 0 ] || fail "cluster tests need root (network namespaces)"
    trap bed_down EXIT
    trap 'exit 130' INT
    trap 'exit 143' TERM
    log "clpbed up $*"
    bed up --build "$CLP_BUILD_DIR" "$@" >/dev/null || fail "clpbed up $* failed"
}

# bed_down: the EXIT trap: save the logs of a failed test, remove the bed and
# the scratch directory, and exit with the test's status.
bed_down() {
    local rc=$?
    set +e
    trap - EXIT ERR
    if [ $rc -ne 77 ] && bed_sanitizer_reports; then
        [ $rc -ne 0 ] || rc=1
    fi
    if [ $rc -ne 0 ] && [ $rc -ne 77 ]; then
        bed_save_logs
    fi
    bed down || {
        log "clpbed down failed"
        [ $rc -ne 0 ] || rc=1
    }
    rm -rf "$TEST_TMP"
    if [ $rc -eq 0 ]; then
        log "PASS"
    elif [ $rc -eq 77 ]; then
        log "SKIPPED"
    else
        log "FAILED (exit $rc)"
    fi
    exit $rc
}

# bed_sanitizer_reports: true (and the reports shown) when a daemon of the bed
# reported an error of the sanitizer build (ASan, LeakSanitizer, UBSan) on its
# standard error (log/*.out): then the test fails, whatever it saw.
bed_sanitizer_reports() {
    local f found=1
    for f in "$CLPBED_DIR"/srv[0-9]*/root/log/*.out; do
        [ -f "$f" ] || continue
        if grep -qE 'ERROR: (AddressSanitizer|LeakSanitizer)|runtime error:' "$f"; then
            log "sanitizer report in ${f#"$CLPBED_DIR"/}:"
            grep -m1 -A25 -E 'ERROR: (AddressSanitizer|LeakSanitizer)|runtime error:' "$f" >&2
            found=0
        fi
    done
    return $found
}

# bed_save_logs: copy what a failed test leaves on the servers to test/artifacts/.
bed_save_logs() {
    local dest=$CLP_SOURCE_DIR/test/artifacts/$TEST_NAME s d
    rm -rf "$dest"
    mkdir -p "$dest" || return 0
    for s in "$CLPBED_DIR"/srv[0-9]*; do
        [ -d "$s/root" ] || continue
        for d in etc log alert work; do
            [ -d "$s/root/$d" ] && mkdir -p "$dest/${s##*/}" && cp -a "$s/root/$d" "$dest/${s##*/}/"
        done
    done
    [ -d "$CLPBED_DIR/log" ] && cp -a "$CLPBED_DIR/log" "$dest/bed-log"
    rm -f "$dest"/srv*/etc/clp.key
    log "logs saved in $dest"
}

# bed_info KEY: one fact of `clpbed status` (disk, servers, netns_prefix, root.srv1, ...).
bed_info() {
    bed status | sed -n "s/^$1=//p"
}

# --- running things ----------------------------------------------------------------

# on SERVER CMD...: run CMD inside SERVER (also client or gw).
on() {
    bed exec "$@"
}

# on_bg SERVER CMD...: start CMD inside SERVER in the background; BG_PID is its
# pid (the very process running CMD). Redirect the call to capture output. The
# job is disowned: no "Killed" notice when a crash or down ends it, and no
# `wait` for it either (use proc_alive).
on_bg() {
    "$CLPBED" --dir "$CLPBED_DIR" exec "$@" &
    # shellcheck disable=SC2034
    BG_PID=$!
    disown "$BG_PID"
}

# not CMD...: true when CMD fails (for wait_for).
not() {
    ! "$@"
}

# wait_for TIMEOUT_S CMD...: run CMD every 50 ms until it succeeds; fail the
# test naming CMD (and its last output) when TIMEOUT_S seconds pass first.
wait_for() {
    local timeout=$1 deadline out=""
    shift
    [ $# -gt 0 ] || fail "wait_for: no command"
    deadline=$(($(now_us) + $(awk -v t="$timeout" 'BEGIN { printf "%d", t * 1000000 }')))
    while :; do
        if out=$("$@" 2>&1); then
            return 0
        fi
        if (($(now_us) >= deadline)); then
            fail "timed out after ${timeout}s waiting for: $*${out:+ (last output: ${out:0:400})}"
        fi
        sleep 0.05
    done
}

# held_again PRED SERVER...: the dual-activation checkers' confirmation. The
# SERVERs were sampled one after another, in this order, and PRED SERVER (a
# command) succeeded for each: the thing (an address, a mount) looked held on
# every one. But the samples were taken at different moments, so a move
# (removed from the first server, then added on the second) seen between them
# looks the same. Sample again in the reverse order: true when PRED still
# succeeds for each. Then every server held it at both of its samples, so
# throughout the time between them, and the second pass's samples nest inside
# the first's: at the moment of the last server's first sample, all held it at
# once. (Assumes nothing was given up and taken back between two samples of a
# server, a fraction of a second.)
held_again() {
    local pred=$1 i
    shift
    local servers=("$@")
    for ((i = ${#servers[@]} - 1; i >= 0; i--)); do
        "$pred" "${servers[$i]}" || return 1
    done
}

now_us() {
    local t=${EPOCHREALTIME/[.,]/}
    echo "${t#0}"
}

# --- conditions ---------------------------------------------------------------------

# addr_on SERVER IP: IP is configured on some interface of SERVER.
addr_on() {
    on "$1" ip -o addr show |
        awk -v ip="$2" '{ split($4, a, "/"); if (a[1] == ip) found = 1 } END { exit !found }'
}

# mounted_on SERVER DEV_OR_DIR: something is mounted from DEV or on DIR inside SERVER.
mounted_on() {
    local x=${2%/}
    on "$1" cat /proc/self/mounts |
        awk -v x="${x:-/}" '$1 == x || $2 == x { found = 1 } END { exit !found }'
}

# proc_on SERVER PID: the process PID runs inside SERVER (its network namespace).
proc_on() {
    [ "/proc/$2/ns/net" -ef "/run/netns/$(bed_info netns_prefix)-$1" ]
}

# proc_alive PID: the process exists and is not a zombie.
proc_alive() {
    local st
    st=$(ps -o stat= -p "$1" 2>/dev/null) || return 1
    [[ $st != Z* ]]
}
