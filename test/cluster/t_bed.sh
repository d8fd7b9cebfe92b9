#!/usr/bin/env bash
# t_bed: the test bed itself (test/bed/clpbed), without any product daemon.
# Three servers: names, addresses and roots; reachability over both LANs; a
# pulled cable (carrier loss seen by a netlink monitor); nftables blocks both
# ways, one way and by port; private mounts and /run with a shared loop disk;
# the serial line; kill by pid file; crash from outside and from inside a
# server; and `down` leaving nothing behind, also after a killed or failed `up`.
# Last, a 32-server bed whose every pair of servers holds neighbour entries on both
# LANs: the machine's one neighbour table must hold them (`up` raises its limits).
CLPBED_DIR=${CLPBED_DIR:-/tmp/clpbed-bedtest}
. "$(dirname "$0")/lib.sh"

SERVERS="srv1 srv2 srv3"
BED_SELF=$(readlink -f "$CLPBED")

bed_up -n 3
DIR=$CLPBED_DIR
DISK=$(bed_info disk)
PFX=$(bed_info netns_prefix)
[ -b "$DISK" ] || fail "the shared disk '$DISK' is not a block device"

# --- servers, names, addresses, roots ----------------------------------------------
log "servers: names, addresses, roots"
key1=""
for s in $SERVERS; do
    k=${s#srv}
    name=$(on "$s" uname -n)
    [ "$name" = "$s" ] || fail "$s: uname -n says '$name'"
    on "$s" ip -o -4 addr show dev lan1 | grep -q " 10.31.0.$k/24 " || fail "$s: lan1 is not 10.31.0.$k/24"
    on "$s" ip -o -4 addr show dev lan2 | grep -q " 10.32.0.$k/24 " || fail "$s: lan2 is not 10.32.0.$k/24"
    addr_on "$s" "10.31.0.$k" || fail "addr_on $s 10.31.0.$k is false"
    on "$s" ip route show default | grep -q "via 10.32.0.254 dev lan2" || fail "$s: no default route via gw"
    [ "$(on "$s" cat /sys/class/net/lan1/address)" = "02:31:00:00:00:0$k" ] ||
        fail "$s: /sys does not show the server's own lan1"

    # shellcheck disable=SC2016
    root=$(on "$s" sh -c 'echo "$CLP_ROOT"')
    [ "$root" = "$DIR/$s/root" ] || fail "$s: CLP_ROOT is '$root'"
    for d in etc log alert work run scripts; do
        [ -d "$root/$d" ] || fail "$s: $root/$d is missing"
    done
    [ "$(readlink "$root/bin")" = "$(realpath -m "$CLP_BUILD_DIR")/bin" ] ||
        fail "$s: bin -> $(readlink "$root/bin")"
    # shellcheck disable=SC2016
    on "$s" sh -c 'echo "$PATH"' | grep -q "^$root/bin:" || fail "$s: PATH lacks $root/bin"

    grep -q "<server name=\"$s\">" "$root/etc/clp.conf" || fail "$s: clp.conf lacks server $s"
    grep -q "<name>bedcluster</name>" "$root/etc/clp.conf" || fail "$s: clp.conf: cluster name"
    grep -q "<info>$DISK</info>" "$root/etc/clp.conf" || fail "$s: clp.conf lacks the shared disk"
    xmllint --noout "$root/etc/clp.conf" || fail "$s: clp.conf is not well-formed XML"
    key=$(cat "$root/etc/clp.key")
    [[ $key =~ ^[0-9a-f]{64}$ ]] || fail "$s: clp.key is not 64 hex characters"
    [ "$(stat -c %a "$root/etc/clp.key")" = 600 ] || fail "$s: clp.key is not mode 0600"
    [ -n "$key1" ] || key1=$key
    [ "$key" = "$key1" ] || fail "$s: clp.key differs from srv1's"
    grep -qx "poweroff=$BED_SELF --dir $DIR crash $s" "$root/etc/platform.conf" ||
        fail "$s: platform.conf has no poweroff line for $s"
    grep -qx "reset=$BED_SELF --dir $DIR crash $s --restart --boot-delay 3" "$root/etc/platform.conf" ||
        fail "$s: platform.conf has no reset line for $s"
done
[ "$(on srv1 "$CLPBED" exec srv2 uname -n)" = srv2 ] || fail "clpbed exec does not work from inside srv1"
[ "$(on client uname -n)" = client ] || fail "the client is not named client"
[ "$(on gw uname -n)" = gw ] || fail "the gateway is not named gw"
addr_on client 10.32.0.200 || fail "the client is not 10.32.0.200"
addr_on gw 10.32.0.254 || fail "the gateway is not 10.32.0.254"

# --- reachability ----------------------------------------------------------------
log "ping over both LANs, to the gateway, from the client"
ping_ok() {
    on "$1" ping -c 1 -W 1 "$2" >/dev/null 2>&1
}
# A drop is certain with nftables, so one lost probe is enough.
ping_lost() {
    ! on "$1" ping -c 1 -W 0.5 "$2" >/dev/null 2>&1
}
wait_for 5 ping_ok srv1 10.31.0.2
wait_for 5 ping_ok srv1 10.32.0.2
for s in $SERVERS; do
    wait_for 5 ping_ok "$s" 10.32.0.254
    wait_for 5 ping_ok client "10.32.0.${s#srv}"
done

# --- link down / up -----------------------------------------------------------------
log "link srv1 lan1 down: carrier lost on lan1 only, seen by a netlink monitor"
on_bg srv1 ip -o monitor link >"$TEST_TMP/linkmon" 2>&1
monitor_pid=$BG_PID
monitor_sees_lo() { # an MTU change on lo shows the monitor is listening
    local mtu
    mtu=$(on srv1 cat /sys/class/net/lo/mtu)
    on srv1 ip link set lo mtu $((mtu == 65000 ? 65001 : 65000))
    grep -q ': lo: ' "$TEST_TMP/linkmon"
}
wait_for 5 monitor_sees_lo
bed link srv1 lan1 down
wait_for 5 grep -q 'lan1.*NO-CARRIER' "$TEST_TMP/linkmon"
state=$(on srv1 ip -o link show lan1)
admin_up='<([A-Z_-]+,)*UP(,[A-Z_-]+)*>'
[[ $state =~ $admin_up ]] || fail "srv1 lan1 is no longer administratively UP: $state"
[[ $state == *NO-CARRIER* ]] || fail "srv1 lan1 has a carrier: $state"
[ "$(on srv1 cat /sys/class/net/lan1/carrier)" = 0 ] || fail "srv1 /sys/class/net/lan1/carrier is not 0"
[[ $(on srv1 ip -o link show lan2) != *NO-CARRIER* ]] || fail "srv1 lan2 lost its carrier too"
ping_lost srv1 10.31.0.2 || fail "srv1 -> srv2 over lan1 works with the cable pulled"
ping_ok srv1 10.32.0.2 || fail "srv1 -> srv2 over lan2 broken by pulling lan1"
bed link srv1 lan1 up
wait_for 5 ping_ok srv1 10.31.0.2
last_lan1() { grep ': lan1' "$TEST_TMP/linkmon" | tail -n 1 | grep -q LOWER_UP; }
wait_for 5 last_lan1
[ "$(on srv1 cat /sys/class/net/lan1/carrier)" = 1 ] || fail "srv1 lan1 has no carrier after link up"
kill "$monitor_pid"
wait "$monitor_pid" || true

# --- nftables blocks ------------------------------------------------------------------
log "block: both ways, one way, one port; unblock"
# UDP listeners write every datagram they receive to a file.
for s in srv1 srv2; do
    for port in 29002 29003; do
        on_bg "$s" socat -u "UDP4-RECV:$port,reuseaddr" STDOUT >"$TEST_TMP/udp-$s-$port"
    done
done
for port in 29002 29004; do
    on_bg srv2 socat "TCP4-LISTEN:$port,reuseaddr,fork" SYSTEM:'echo ok'
done
udp_bound() {
    [ -n "$(on "$1" ss -Hln "( sport = :$2 )")" ]
}
for port in 29002 29003 29004; do
    wait_for 5 udp_bound srv2 "$port"
done
wait_for 5 udp_bound srv1 29002
wait_for 5 udp_bound srv1 29003
seq_no=0
# udp_send FROM IP PORT: send a fresh message; MSG is its text. (A datagram
# dropped on output makes sendto fail with EPERM: that is not an error here.)
udp_send() {
    seq_no=$((seq_no + 1))
    MSG="m$seq_no-$1-$2-$3"
    # shellcheck disable=SC2016
    on "$1" sh -c 'printf "%s\n" "$1" | socat -u STDIN "UDP4-SENDTO:$2:$3"' sh "$MSG" "$2" "$3" \
        2>/dev/null || true
}
lan_ip() { # lan_ip SERVER LAN
    echo "10.$([ "$2" = lan1 ] && echo 31 || echo 32).0.${1#srv}"
}
udp_got() { # udp_got SERVER PORT MSG
    grep -qx "$3" "$TEST_TMP/udp-$1-$2"
}
# expect_udp FROM TO LAN PORT: a datagram FROM -> TO over LAN arrives.
expect_udp() {
    local ip
    ip=$(lan_ip "$2" "$3")
    udp_send "$1" "$ip" "$4"
    wait_for 5 udp_got "$2" "$4" "$MSG"
}
# expect_no_udp FROM TO LAN PORT: a datagram FROM -> TO is dropped: once a later
# datagram from srv3 on the same path has arrived, the first is still missing.
expect_no_udp() {
    local ip lost
    ip=$(lan_ip "$2" "$3")
    udp_send "$1" "$ip" "$4"
    lost=$MSG
    udp_send srv3 "$ip" "$4"
    wait_for 5 udp_got "$2" "$4" "$MSG"
    ! udp_got "$2" "$4" "$lost" || fail "$lost arrived although $1 -> $2 is blocked"
}
tcp_ok() { # tcp_ok FROM IP PORT
    [ "$(on "$1" socat -T 2 -u "TCP4:$2:$3,connect-timeout=1" STDOUT 2>/dev/null)" = ok ]
}

for lan in lan1 lan2; do expect_udp srv1 srv2 $lan 29002; expect_udp srv2 srv1 $lan 29002; done
tcp_ok srv1 10.31.0.2 29002 || fail "TCP srv1 -> srv2:29002 does not work before any block"

bed block srv1 srv2
for lan in lan1 lan2; do
    expect_no_udp srv1 srv2 $lan 29002
    expect_no_udp srv2 srv1 $lan 29003
done
ping_lost srv1 10.31.0.2 || fail "block srv1 srv2: ping srv1 -> srv2 lan1 passes"
ping_lost srv2 10.32.0.1 || fail "block srv1 srv2: ping srv2 -> srv1 lan2 passes"
ping_ok srv1 10.31.0.3 || fail "block srv1 srv2 also cut srv1 -> srv3"
ping_ok srv3 10.32.0.2 || fail "block srv1 srv2 also cut srv3 -> srv2"
bed status | grep -qx 'block=srv1 srv2 net=both port=- one_way=0' || fail "status does not list the block"
bed unblock
for lan in lan1 lan2; do expect_udp srv1 srv2 $lan 29002; expect_udp srv2 srv1 $lan 29002; done
ping_ok srv1 10.31.0.2 || fail "unblock: srv1 -> srv2 still dropped"

bed block srv1 srv2 --one-way
for lan in lan1 lan2; do
    expect_no_udp srv1 srv2 $lan 29002
    expect_udp srv2 srv1 $lan 29002
done
bed unblock srv2 srv1
expect_udp srv1 srv2 lan1 29002

bed block srv1 srv2 --net lan1
expect_no_udp srv1 srv2 lan1 29002
expect_udp srv1 srv2 lan2 29002
bed unblock srv1 srv2
expect_udp srv1 srv2 lan1 29002

bed block srv1 srv2 --port 29002
for lan in lan1 lan2; do
    expect_no_udp srv1 srv2 $lan 29002
    expect_no_udp srv2 srv1 $lan 29002
    expect_udp srv1 srv2 $lan 29003
    expect_udp srv2 srv1 $lan 29003
done
! tcp_ok srv1 10.31.0.2 29002 || fail "--port 29002: TCP srv1 -> srv2:29002 still works"
tcp_ok srv1 10.31.0.2 29004 || fail "--port 29002: TCP srv1 -> srv2:29004 is dropped too"
ping_ok srv1 10.31.0.2 || fail "--port 29002: ping is dropped too"
bed unblock
tcp_ok srv1 10.31.0.2 29002 || fail "unblock: TCP srv1 -> srv2:29002 still dropped"
for s in $SERVERS; do
    [ -z "$(on "$s" nft list tables)" ] || fail "$s: nftables tables left after unblock"
done
# A crash kills every process in the server's namespaces, also the nft of a
# block or unblock running at that moment: the table must still end right.
for i in 1 2 3 4 5; do
    bed block srv1 srv2
    bed crash srv2 >/dev/null &
    bed unblock
    wait $!
    [ -z "$(on srv2 nft list tables)" ] || fail "srv2: nftables table left by an unblock during a crash ($i)"
done
log "block/unblock during a crash of the server: the tables end as recorded"

# --- mounts, /run, shared disk ---------------------------------------------------
log "private mounts and /run; the shared disk seen by every server"
mnt=$TEST_TMP/mnt
mkdir -p "$mnt"
on srv1 mkfs.ext4 -q -F "$DISK"
on srv1 mount "$DISK" "$mnt"
mounted_on srv1 "$DISK" || fail "mounted_on srv1 $DISK is false after mounting it"
mounted_on srv1 "$mnt" || fail "mounted_on srv1 $mnt is false after mounting on it"
! mounted_on srv2 "$DISK" || fail "a mount made in srv1 is visible in srv2"
! grep -q " $mnt " /proc/self/mounts || fail "a mount made in srv1 is visible on the machine"
on srv1 sh -c "echo data >$mnt/file"
on srv2 test ! -e "$mnt/file" || fail "srv2 sees a file on srv1's mount"
for s in $SERVERS; do
    on "$s" test -b "$DISK" || fail "$s does not see the shared disk $DISK"
    [ "$(on "$s" blockdev --getsize64 "$DISK")" = $((256 * 1024 * 1024)) ] ||
        fail "$s: the shared disk is not 256 MiB"
done
on srv1 touch /run/t_bed.marker
on srv2 test ! -e /run/t_bed.marker || fail "/run of srv1 is visible in srv2"
[ ! -e /run/t_bed.marker ] || fail "/run of srv1 is the machine's /run"
[ "$(on srv1 stat -f -c %T /run)" = tmpfs ] || fail "srv1 /run is not a tmpfs"
for d in /dev /tmp; do
    [ "$(on srv1 stat -c %d "$d")" = "$(stat -c %d "$d")" ] || fail "srv1 $d is not the machine's"
done

# --- the serial line ----------------------------------------------------------------
log "serial line srv1 <-> srv2"
[ -L "$DIR/srv1/ttyS0" ] && [ -L "$DIR/srv2/ttyS0" ] || fail "no ttyS0 links for srv1 and srv2"
on srv1 stty -F "$DIR/srv1/ttyS0" -a | grep -q 'speed 38400 baud' || fail "ttyS0 is not 38400 baud"
on_bg srv2 head -c 5 "$DIR/srv2/ttyS0" >"$TEST_TMP/serial"
on srv1 sh -c "printf hello >$DIR/srv1/ttyS0"
wait_for 5 grep -qx hello "$TEST_TMP/serial"

# --- kill by pid file ----------------------------------------------------------------
log "kill SERVER SERVICE --signal STOP|CONT|KILL"
on_bg srv2 sh -c 'trap "" TERM; exec sleep 1001' # only SIGKILL ends it
victim=$BG_PID
wait_for 5 proc_on srv2 "$victim"
echo "$victim" >"$DIR/srv2/root/run/clusterpro.pid"
proc_stopped() { [[ $(ps -o stat= -p "$1") == T* ]]; }
bed kill srv2 clusterpro --signal STOP
wait_for 5 proc_stopped "$victim"
bed kill srv2 clusterpro --signal CONT
wait_for 5 not proc_stopped "$victim"
bed kill srv2 clusterpro
wait_for 5 not proc_alive "$victim"
echo $$ >"$DIR/srv2/root/run/clusterpro_evt.pid"
! bed kill srv2 clusterpro_evt 2>/dev/null || fail "kill signalled a process that is not srv2's"

# --- usage errors ----------------------------------------------------------------------
log "usage errors exit 2"
expect_usage() {
    local rc=0
    bed "$@" >/dev/null 2>&1 || rc=$?
    [ $rc = 2 ] || fail "clpbed $* exited $rc, not 2"
}
expect_usage exec srv9 true
expect_usage frobnicate
expect_usage link srv1 lan3 down
expect_usage link srv1 lan1 sideways
expect_usage block srv1
expect_usage block srv1 srv1
expect_usage kill srv1 nosuchservice
expect_usage crash
if [ ! -x "$CLP_BUILD_DIR/bin/clpsvc" ]; then
    out=$(bed start srv1 2>&1) && fail "start succeeded without clpsvc"
    [[ $out == *"clpsvc is not built"* ]] || fail "start without clpsvc says: $out"
fi

# --- crash ----------------------------------------------------------------------------
log "crash srv1 from outside"
on srv1 ip addr add 10.32.0.150/24 dev lan2
wait_for 5 ping_ok client 10.32.0.150
# started SERVER PID CMDLINE: PID runs CMDLINE inside SERVER (the background
# clpbed exec has got there).
started() {
    proc_on "$1" "$2" && [ "$(tr '\0' ' ' <"/proc/$2/cmdline")" = "$3 " ]
}
on_bg srv1 sleep 1000
sleeper=$BG_PID
wait_for 5 started srv1 "$sleeper" "sleep 1000"
on_bg srv1 setsid sh -c 'sleep 1000 & sleep 1000; wait'
wait_for 5 sh -c "[ \$(pgrep -c -P $BG_PID) = 2 ]"
on_bg srv1 sh -c "cd $mnt && exec sleep 1000" # keeps the mount busy
wait_for 5 started srv1 "$BG_PID" "sleep 1000"
touch "$DIR/srv1/root/run/clusterpro.pid"
bed crash srv1 >/dev/null
[ -z "$(ip netns pids "$PFX-srv1")" ] || fail "processes left in srv1: $(ip netns pids "$PFX-srv1")"
! proc_alive "$sleeper" || fail "the sleep started in srv1 survived the crash"
! addr_on srv1 10.32.0.150 || fail "the floating address survived the crash of srv1"
addr_on srv1 10.32.0.1 || fail "the crash removed the base address of srv1"
! mounted_on srv1 "$DISK" || fail "the shared disk is still mounted in srv1 after the crash"
disk_free() { # nobody, in any namespace, has the disk mounted (exclusive open)
    python3 -c 'import os, sys; os.close(os.open(sys.argv[1], os.O_RDONLY | os.O_EXCL))' "$DISK"
}
wait_for 5 disk_free
on srv1 test ! -e /run/t_bed.marker || fail "srv1 /run survived the crash"
[ "$(on srv1 stat -f -c %T /run)" = tmpfs ] || fail "srv1 has no /run tmpfs after the crash"
[ -z "$(ls -A "$DIR/srv1/root/run")" ] || fail "srv1 run/ is not empty after the crash"
[ "$(on srv1 uname -n)" = srv1 ] || fail "srv1 lost its name in the crash"
wait_for 5 ping_ok srv2 10.31.0.1

log "crash srv2 from inside, through its platform.conf"
poweroff=$(sed -n 's/^poweroff=//p' "$DIR/srv2/root/etc/platform.conf")
on srv2 ip addr add 10.32.0.151/24 dev lan2
on_bg srv2 sleep 1000
sleeper=$BG_PID
wait_for 5 started srv2 "$sleeper" "sleep 1000"
rc=0
out=$(on srv2 sh -c "$poweroff; echo still-running") || rc=$?
[ $rc -ne 0 ] && [[ $out != *still-running* ]] || fail "the caller of poweroff survived (rc $rc)"
wait_for 10 not addr_on srv2 10.32.0.151
wait_for 10 not proc_alive "$sleeper"
wait_for 10 grep -q 'srv2 crashed' "$DIR/log/crash-srv2.log"
[ -z "$(ip netns pids "$PFX-srv2")" ] || fail "processes left in srv2 after crashing itself"

# --- down -----------------------------------------------------------------------------
# check_gone: nothing of the bed is left on the machine.
check_gone() {
    local what=$1 pid f
    ! ip netns list | grep -q "^$PFX-" || fail "$what: namespaces left: $(ip netns list | grep "^$PFX-")"
    ! ip -o link show type veth | grep -Eq ': (lan[12]|srv[0-9]+-lan[12]|client-lan2|gw-lan2)@' ||
        fail "$what: veth left in the machine's namespace"
    ! ip link show br-lan1 >/dev/null 2>&1 && ! ip link show br-lan2 >/dev/null 2>&1 ||
        fail "$what: bridge left in the machine's namespace"
    [ -z "$(losetup -j "$DIR/disk.img" 2>/dev/null)" ] || fail "$what: loop device left"
    ! losetup -a | grep -q "$DIR/" || fail "$what: loop device left: $(losetup -a | grep "$DIR/")"
    for f in /proc/[0-9]*/mountinfo; do
        ! grep -qs -e "$DIR/" -e " $DIR " "$f" || fail "$what: a mount under $DIR is left ($f)"
    done
    ! nft list tables 2>/dev/null | grep -q clpbed || fail "$what: nftables table left"
    for pid in $(pgrep -f "$DIR/" || true); do
        ! proc_alive "$pid" || fail "$what: process left: $(tr '\0' ' ' <"/proc/$pid/cmdline")"
    done
}
log "down removes everything"
pids=$(sed -n 's/^BED_\(SOCAT\|ANCHOR\)_PID=//p' "$DIR/state")
[ -n "$pids" ] || fail "no socat/anchor pids in the state file"
on srv3 mount "$DISK" "$mnt"              # the shared disk mounted in a server ...
mkdir -p "$TEST_TMP/hostmnt"
mount "$DISK" "$TEST_TMP/hostmnt"         # ... and on the machine itself
bed down
check_gone "down"
! grep -q " $TEST_TMP/hostmnt " /proc/self/mountinfo || fail "down left the shared disk mounted"
for pid in $pids; do
    ! proc_alive "$pid" || fail "down left process $pid"
done
bed down || fail "a second down failed"

log "down after a killed up; up after a killed up"
killed_up() {
    setsid "$CLPBED" --dir "$DIR" up -n 3 >/dev/null 2>&1 &
    local up_pid=$!
    disown "$up_pid"
    wait_for 10 sh -c "ip netns list | grep -q '^$PFX-srv2'"
    kill -9 -- "-$up_pid"
    wait_for 5 not proc_alive "$up_pid"
}
killed_up
bed down || fail "down after a killed up failed"
check_gone "down after a killed up"
killed_up
printf '<root><disk>@SHARED_DISK@</disk><dir>@DIR@</dir></root>\n' >"$TEST_TMP/conf.xml"
out=$(bed up -n 2 --conf "$TEST_TMP/conf.xml" 2>&1) || fail "up after a killed up failed: $out"
[[ $out == *"cleaning up"* ]] || fail "up did not say it cleaned a stale bed: $out"
wait_for 5 ping_ok srv2 10.31.0.1
grep -qx "<root><disk>$(bed_info disk)</disk><dir>$DIR</dir></root>" "$DIR/srv2/root/etc/clp.conf" ||
    fail "--conf: substitutions not made: $(cat "$DIR/srv2/root/etc/clp.conf")"
out=$(bed up -n 2 2>&1) && fail "a second up on a running bed succeeded"
[[ $out == *"already up"* ]] || fail "a second up says: $out"
bed down
check_gone "down after up after a killed up"

log "down after a failed up"
out=$(bed up -n 2 --disk-size 999999999 2>&1) && fail "up with an impossible disk succeeded"
bed down || fail "down after a failed up failed"
check_gone "down after a failed up"

# The kernel's neighbour table is one for the whole machine (every namespace's entries
# count against net.ipv4.neigh.default.gc_thresh3, 1024 by default); 32 servers that
# heartbeat each other on both LANs keep 1984 entries fresh. `up` raises the limits;
# without that the table is full and a new neighbour (the client's entry for a floating
# address) is never resolved. Fresh entries (updated < 5 s ago) cannot be collected,
# so adding them all at once fills the table as the heartbeats do.
log "32 servers: every pair's neighbour entries on both LANs, and the client still resolves"
bed up -n 32 >/dev/null 2>"$TEST_TMP/up32.err" || fail "up -n 32 failed: $(cat "$TEST_TMP/up32.err")"
for ((k = 1; k <= 32; k++)); do
    for ((j = 1; j <= 32; j++)); do
        ((j == k)) && continue
        printf 'neigh replace 10.31.0.%d lladdr 02:31:00:00:00:%02x dev lan1 nud reachable\n' "$j" "$j"
        printf 'neigh replace 10.32.0.%d lladdr 02:32:00:00:00:%02x dev lan2 nud reachable\n' "$j" "$j"
    done | on "srv$k" ip -batch - 2>"$TEST_TMP/neigh.err" ||
        fail "srv$k: cannot add its neighbour entries ($(sort -u "$TEST_TMP/neigh.err" | head -3 | tr '\n' ' ')," \
            "entries $((0x$(awk 'NR == 2 { print $1 }' /proc/net/stat/arp_cache)))," \
            "gc_thresh3 $(cat /proc/sys/net/ipv4/neigh/default/gc_thresh3))"
done
on client ping -c 1 -W 2 10.32.0.32 >/dev/null 2>&1 ||
    fail "with every pair's entries in place, the client cannot reach srv32 (gc_thresh3 $(cat /proc/sys/net/ipv4/neigh/default/gc_thresh3))"
bed down
check_gone "down of the 32-server bed"
