# shellcheck shell=bash
# clpbed library: messages, the bed directory and its state file, the names of
# the bed's namespaces, entering a host, and finding and killing the processes
# of a host. Sourced by test/bed/clpbed; defines functions and constants only.
#
# A "host" is one machine of the bed: a server srvK, the client or the gateway
# gw. Each host is three persistent namespaces:
#   network  /run/netns/<prefix>-<host>       (ip netns)
#   mount    <dir>/ns/<host>.mnt              (bind of an nsfs file, made by unshare)
#   UTS      <dir>/ns/<host>.uts              (its host name)
# The hub (bridges) is a network namespace only: /run/netns/<prefix>-hub.

BED_DEFAULT_DIR=/tmp/clpbed
BED_SERVICES="clusterpro_evt clusterpro_trn clusterpro clusterpro_webmgr clusterpro_alertsync"
BED_SIGNALS="STOP CONT KILL TERM INT HUP USR1 USR2 ABRT"
BED_MAX_SERVERS=32

# --- messages -------------------------------------------------------------------

die() {
    echo "clpbed${BED_CMD:+ $BED_CMD}: $*" >&2
    exit 1
}

warn() {
    echo "clpbed${BED_CMD:+ $BED_CMD}: $*" >&2
}

usage_error() {
    echo "clpbed${BED_CMD:+ $BED_CMD}: $*" >&2
    usage >&2
    exit 2
}

# Last resort for a failing step that has no message of its own (set -e).
on_err() {
    echo "clpbed${BED_CMD:+ $BED_CMD}: step failed (exit $1, line $2): $3" >&2
}

# --- the bed directory and its state -----------------------------------------------

# bed_set_dir DIR: choose the bed directory. It must be a plain absolute path,
# because it ends up in platform.conf lines and socket paths.
bed_set_dir() {
    local d=$1
    [ -n "$d" ] || usage_error "--dir needs a directory"
    case $d in /*) ;; *) d=$PWD/$d ;; esac
    d=$(realpath -m -- "$d")
    [[ $d =~ ^/[A-Za-z0-9_./-]+$ ]] ||
        usage_error "bed directory '$d': use only letters, digits and _ . / -"
    case $d in /|/tmp|/run|/dev|/proc|/sys|/etc|/usr|/var|/home|/root)
        usage_error "refusing to use '$d' as the bed directory" ;;
    esac
    BED_DIR=$d
}

# bed_init: derive every path and name from BED_DIR and load the state file if
# there is one. The namespace prefix depends only on BED_DIR, so `down` finds a
# bed's namespaces even when the state file was never written.
bed_init() {
    [ -n "${BED_DIR:-}" ] || bed_set_dir "${CLPBED_DIR:-$BED_DEFAULT_DIR}"
    BED_STATE=$BED_DIR/state
    BED_NSDIR=$BED_DIR/ns
    BED_LOGDIR=$BED_DIR/log
    BED_BLOCKS=$BED_DIR/blocks
    BED_PFX=clpbed-$(printf '%s' "$BED_DIR" | cksum | awk '{printf "%08x", $1}')
    BED_STATUS="" BED_N=0 BED_BUILD="" BED_BIN="" BED_DISK="" BED_DISK_IMG="" BED_SOCAT_PID="" BED_PID="" BED_ANCHOR_PID=""
    if [ -f "$BED_STATE" ]; then
        # shellcheck disable=SC1090
        . "$BED_STATE"
    fi
}

# state_set KEY VALUE: record one fact. The file is appended to, so a killed
# `up` leaves everything it made so far on record; later lines win.
state_set() {
    printf '%s=%q\n' "$1" "$2" >>"$BED_STATE"
    printf -v "$1" '%s' "$2"
}

require_up() {
    if [ "${BED_STATUS:-}" != up ]; then
        die "no bed is up in $BED_DIR (start one with: clpbed --dir $BED_DIR up)"
    fi
}

# with_lock FILE CMD...: run CMD (in a subshell) holding an exclusive lock on
# FILE (fd 9); exit with its status if it fails. Long-running children must be
# started with 9>&- so that they do not keep the lock.
with_lock() {
    local file=$1
    shift
    (
        flock -w 120 9 || die "could not lock $file (another clpbed is busy for 120 s)"
        "$@"
    ) 9>>"$file" || exit $?
}

# --- hosts ---------------------------------------------------------------------------

bed_servers() {
    local k
    for ((k = 1; k <= BED_N; k++)); do echo "srv$k"; done
}

bed_hosts() {
    bed_servers
    echo client
    echo gw
}

# server_index srvK -> K
server_index() {
    echo "${1#srv}"
}

# check_server NAME: usage error unless NAME is a server of this bed.
check_server() {
    if [[ ! ${1:-} =~ ^srv([1-9][0-9]*)$ ]] || ((BASH_REMATCH[1] > BED_N)); then
        usage_error "unknown server '${1:-}' (this bed has srv1..srv$BED_N)"
    fi
}

# check_host NAME: a server, client or gw.
check_host() {
    case ${1:-} in
        client | gw) ;;
        *) check_server "${1:-}" ;;
    esac
}

ns_name() {
    echo "$BED_PFX-$1"
}

ns_path() {
    echo "/run/netns/$BED_PFX-$1"
}

server_root() {
    echo "$BED_DIR/$1/root"
}

# host_nsenter_args HOST: sets the array NSENTER_ARGS to enter HOST.
host_nsenter_args() {
    NSENTER_ARGS=(--net="/run/netns/$BED_PFX-$1" --mount="$BED_NSDIR/$1.mnt"
                  --uts="$BED_NSDIR/$1.uts")
}

# The script that prepares a fresh mount namespace of a host: a private tmpfs on
# /run and a sysfs of the host's own network namespace on /sys (so
# /sys/class/net shows the host's interfaces), keeping the cgroup mounts.
# /dev and /tmp stay shared with the machine.
BED_MOUNT_INIT='
mount -t tmpfs -o mode=0755,size=64m clpbed-run /run
if mountpoint -q /sys/fs/cgroup; then
    mkdir /run/.clpbed-cgroup
    mount --rbind /sys/fs/cgroup /run/.clpbed-cgroup
fi
mount -t sysfs sysfs /sys
if [ -d /run/.clpbed-cgroup ]; then
    mount --move /run/.clpbed-cgroup /sys/fs/cgroup
    rmdir /run/.clpbed-cgroup
fi
rm -rf /run/mount
'

# host_new_mountns HOST: (re)create HOST's mount namespace from the machine's,
# inside HOST's network and UTS namespaces.
host_new_mountns() {
    local h=$1 mnt=$BED_NSDIR/$1.mnt
    if mountpoint -q "$mnt" 2>/dev/null; then
        umount "$mnt" || die "cannot release the mount namespace of $h ($mnt)"
    fi
    : >"$mnt"
    nsenter --net="$(ns_path "$h")" --uts="$BED_NSDIR/$h.uts" -- \
        unshare --mount="$mnt" --propagation private -- sh -ec "$BED_MOUNT_INIT" ||
        die "cannot create the mount namespace of $h"
}

# host_ns_ids HOST: the dev:inode of each of HOST's namespaces that exists.
host_ns_ids() {
    local f
    for f in "$(ns_path "$1")" "$BED_NSDIR/$1.mnt" "$BED_NSDIR/$1.uts"; do
        if [ -e "$f" ]; then stat -L -c '%d:%i' -- "$f"; fi
    done
}

# host_pids HOST: every process (but this one) in any namespace of HOST.
# Zombies have no namespaces any more and are not listed.
host_pids() {
    local ids
    ids=$(host_ns_ids "$1" | tr '\n' ' ')
    [ -n "$ids" ] || return 0
    # shellcheck disable=SC2012
    stat -L -c '%n %d:%i' /proc/[0-9]*/ns/net /proc/[0-9]*/ns/mnt /proc/[0-9]*/ns/uts \
        2>/dev/null |
        awk -v ids="$ids" -v me="$$" -v sub_="$BASHPID" '
            BEGIN { n = split(ids, a, " "); for (i = 1; i <= n; i++) want[a[i]] = 1 }
            want[$2] { split($1, p, "/"); if (p[3] != me && p[3] != sub_) print p[3] }' |
        sort -un
}

# kill_host HOST: SIGKILL every process of HOST until none is left (10 s at most).
# Everything is stopped (SIGSTOP) first, so that, as at a power-off, no process
# of the host sees another one die and acts on it.
kill_host() {
    local pids i
    pids=$(host_pids "$1")
    # shellcheck disable=SC2086
    [ -z "$pids" ] || kill -STOP $pids 2>/dev/null || true
    for ((i = 0; i < 200; i++)); do
        pids=$(host_pids "$1")
        [ -n "$pids" ] || return 0
        # shellcheck disable=SC2086
        kill -9 $pids 2>/dev/null || true
        sleep 0.05
    done
    die "processes of $1 survive SIGKILL: ${pids//$'\n'/ }"
}

# --- the anchor: a handle on the machine's namespaces ----------------------------
# A process inside a server that runs clpbed (a server crashing itself through
# platform.conf) must act from the machine's own namespaces: /run/netns and the
# namespace files under <dir>/ns are only visible there. PID 1 is not always
# usable for nsenter, and a mount namespace cannot be pinned by a bind mount in
# itself, so `up` starts a sleeping "anchor" process in the machine's
# namespaces; nsenter --target <anchor> gets back there. `down` kills it.

anchor_start() {
    # shellcheck disable=SC2016
    setsid bash -c 'exec -a "$0" sleep infinity' "clpbed-anchor $BED_DIR" \
        </dev/null >/dev/null 2>&1 9>&- &
    state_set BED_ANCHOR_PID $!
}

# anchor_pid_ok PID: PID is this bed's anchor.
anchor_pid_ok() {
    [ -n "$1" ] &&
        [ "$(tr '\0' ' ' <"/proc/$1/cmdline" 2>/dev/null)" = "clpbed-anchor $BED_DIR infinity " ]
}

# anchor_pids: the recorded anchor and any other anchor of this bed (killed `up`).
anchor_pids() {
    local pid
    for pid in ${BED_ANCHOR_PID:-} $(pgrep -f "^clpbed-anchor $BED_DIR infinity\$" || true); do
        if anchor_pid_ok "$pid"; then echo "$pid"; fi
    done | sort -u
}

# inside_a_host: true when this process does not live in the network or mount
# namespace the bed was made from (it runs inside a server, the client or gw).
# Sets BED_HOME_PID to a process living there: the anchor, else (the anchor was
# killed) PID 1 when it may be entered.
inside_a_host() {
    if anchor_pid_ok "${BED_ANCHOR_PID:-}"; then
        BED_HOME_PID=$BED_ANCHOR_PID
    elif [ -n "${BED_ANCHOR_PID:-}" ] && [ /proc/1/ns/mnt -ef /proc/1/ns/mnt ]; then
        BED_HOME_PID=1
    else
        return 1
    fi
    ! [ /proc/self/ns/net -ef "/proc/$BED_HOME_PID/ns/net" ] ||
        ! [ /proc/self/ns/mnt -ef "/proc/$BED_HOME_PID/ns/mnt" ]
}

# leave_host: when run inside a host of this bed, run the same clpbed command
# again from the machine's namespaces, in the same directory, and exit with its
# status. (Every command but up, crash and down: those two detach themselves.)
leave_host() {
    if [ -n "${CLPBED_ESCAPED:-}" ] || ! inside_a_host; then
        return 0
    fi
    # shellcheck disable=SC2016
    CLPBED_ESCAPED=1 exec nsenter --target "$BED_HOME_PID" --net --mount --uts -- \
        /bin/sh -c 'cd "$1" 2>/dev/null || cd /; shift; exec "$@"' clpbed "$PWD" \
        "$BED_SELF" "${BED_ARGV[@]}"
}

# escape_detached LOGNAME ARGS...: (after inside_a_host) run `clpbed ARGS`
# again outside every bed namespace, in a session of its own, with output to
# <dir>/log/LOGNAME.log, and wait for it. Used when a server crashes itself: the processes of the
# server (this one included) are killed half-way, the detached copy carries on.
escape_detached() {
    local logname=$1
    shift
    mkdir -p "$BED_LOGDIR"
    trap '' HUP PIPE
    CLPBED_ESCAPED=1 setsid -w nsenter --target "$BED_HOME_PID" --net --mount --uts -- \
        "$BED_SELF" --dir "$BED_DIR" "$@" </dev/null >>"$BED_LOGDIR/$logname.log" 2>&1
}
