#!/usr/bin/env bash
# vip resource: 2 servers, one group {vip 10.33.0.10 on the virtual network
# 10.33.0.0/24, nic lan2, RIP every second}. The gw host plays the router: it
# installs the host route that the holder's RIPv2 announcements carry (next hop
# = the holder's lan2 address) and forwards the client's packets there. Checks:
# the address is on srv1's lan2, gw routes 10.33.0.10 via 10.32.0.1, the client
# reaches it; a kill -9 of the core leaves the address and the announcer
# untouched (same pid, announcements go on); `clpgrp -m` moves it to srv2 and
# srv1 withdraws its route (metric 16); `clpbed crash srv2` fails it back to
# srv1 and gw follows; stopping the group withdraws the route. A checker
# samples both servers every ~100 ms: never the VIP on two servers.
# vipw1 (the vip's monitor, timing Active): Normal where vip1 is online,
# Offline elsewhere; srv2 back, the announcer killed (-9) on srv1 → vipw1
# Error ("... announcer ... is not running"), vip1 reactivated (rm 13, a new
# announcer, the route still via srv1); srv1's lan2 cable pulled → vipw1
# Error ("the link of lan2 ... is down"), failed over to srv2 (rm 14), gw
# routes via srv2 and the client reaches it; the group stopped there
# withdraws the route.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/lib_rsc.sh"

VIP=10.33.0.10
bed_up -n 2 --conf "$CLP_SOURCE_DIR/test/data/bed/rsc-vip.conf"
RIPLOG=$TEST_TMP/rip.log
: >"$RIPLOG"
on gw sysctl -qw net.ipv4.ip_forward=1
# The client is on the servers' LAN: gw, forwarding its packets back out of
# lan2, would send it ICMP redirects ("10.33.0.10 via 10.32.0.1"), which the
# client caches and keeps using after the VIP has moved. A router serving
# clients of another network sends none; neither does gw here.
on gw sysctl -qw net.ipv4.conf.all.send_redirects=0 net.ipv4.conf.lan2.send_redirects=0
on_bg gw python3 "$CLP_SOURCE_DIR/test/data/bed/rsc-vip-router.py" "$RIPLOG" </dev/null \
    >"$TEST_TMP/router.out" 2>&1

# gw_routes_via ADDR: gw's route to the VIP goes via ADDR.
gw_routes_via() {
    on gw ip route show "$VIP/32" | grep -q "via $1 "
}
no_gw_route() {
    [ -z "$(on gw ip route show "$VIP/32")" ]
}
client_reaches() {
    on client ping -c1 -W1 -q "$VIP" >/dev/null
}
# announcements FROM METRIC: how many RIP announcements FROM sent with METRIC.
announcements() {
    awk -v f="$1" -v m="$2" -v d="$VIP" '$2 == f && $4 == d && $5 == m { n++ } END { print n + 0 }' \
        "$RIPLOG"
}
at_least() {
    [ "$(announcements "$1" "$2")" -ge "$3" ]
}
announcer() {
    cat "$CLPBED_DIR/$1/root/work/rsc/vip1/announcer"
}
mon_is() {
    local st
    st=$(on "$1" clpstat -o json | json_py "
m = next(m for m in d['monitors'] if m['name'] == '$2')
print(next(s['status'] for s in m['servers'] if s['name'] == '$1'))")
    [ "$st" = "$3" ] || { echo "$2 on $1 is $st"; return 1; }
}
# own SERVER MODULE ID TEXT: SERVER itself wrote such a record.
own_has() {
    awk -F'\t' -v s="$1" -v m="$2" -v id="$3" -v t="$4" \
        '$1 == s && $4 == m && $5 == id && index($10, t) { f = 1 } END { exit !f }' \
        "$CLPBED_DIR/$1/root/alert/alert.log" 2>/dev/null
}
server_online() {
    on srv1 clpstat -o json | json_py "
sys.exit(0 if next(s['status'] for s in d['servers'] if s['name'] == '$1') == 'Online' else 1)"
}

rsc_checker_start "$VIP"
bed start all >/dev/null
wait_for 60 group_is srv1 failover1 srv1
addr_on srv1 "$VIP" || fail "$VIP is not on srv1"
on srv1 ip -o addr show dev lan2 | grep -q "inet $VIP/24 " || fail "$VIP/24 is not on srv1's lan2"
wait_for 10 gw_routes_via 10.32.0.1
wait_for 10 client_reaches
# Sent from the RIP port, with the configured metric, every second.
grep -q " 10.32.0.1 520 $VIP 2\$" "$RIPLOG" || fail "no announcement from port 520, metric 2"
wait_for 10 at_least 10.32.0.1 2 3
log "srv1 holds $VIP; gw routes it via 10.32.0.1; the client reaches it"
wait_for 10 mon_is srv1 vipw1 Normal
mon_is srv2 vipw1 Offline || fail "vipw1 is not Offline on srv2"

# kill -9 of the core: same address, same announcer, which goes on announcing.
pid=$(announcer srv1)
proc_alive "$pid" || fail "no announcer process on srv1"
core=$(core_pid srv1)
recovered() {
    grep -q 'group failover1: all its resources are still active after the restart' \
        "$CLPBED_DIR/srv1/root/log/clusterpro.log"
}
bed kill srv1 clusterpro
wait_for 20 core_restarted srv1 "$core"
wait_for 20 recovered
group_is srv1 failover1 srv1 || fail "failover1 is not online on srv1 after the core restart"
[ "$(announcer srv1)" = "$pid" ] && proc_alive "$pid" || fail "the announcer was restarted"
n=$(announcements 10.32.0.1 2)
wait_for 10 at_least 10.32.0.1 2 $((n + 2))
[ "$(announcements 10.32.0.1 16)" = 0 ] || fail "the route was withdrawn during the core restart"
log "core kill -9: the announcer (pid $pid) and the address are untouched"

t0=$(now_us)
on srv1 clpgrp -m failover1 >/dev/null
wait_for 30 group_is srv1 failover1 srv2
wait_for 10 gw_routes_via 10.32.0.2
log "moved to srv2; gw routes via srv2 $((($(now_us) - t0) / 1000)) ms after the request"
wait_for 10 client_reaches
not addr_on srv1 "$VIP" || fail "$VIP is still on srv1"
not proc_alive "$pid" || fail "srv1's announcer still runs"
[ "$(announcements 10.32.0.1 16)" -ge 1 ] || fail "srv1 did not withdraw its route (metric 16)"

t0=$(now_us)
bed crash srv2 >/dev/null
wait_for 60 group_is srv1 failover1 srv1
wait_for 10 gw_routes_via 10.32.0.1
log "failed over to srv1; gw routes via srv1 $((($(now_us) - t0) / 1000)) ms after the crash"
wait_for 10 client_reaches

wait_for 10 mon_is srv1 vipw1 Normal

# vipw1: the announcer gone → reactivation; the cable pulled → failover.
bed start srv2 >/dev/null
wait_for 30 server_online srv2
pid=$(announcer srv1)
t0=$(now_us)
kill -9 "$pid"
wait_for 10 own_has srv1 rm 9 "Detected an error in monitoring vipw1. (2 : the RIP announcer of $VIP (resource vip1) is not running)"
wait_for 10 own_has srv1 rm 13 "Recovery target vip1 has restarted because an error was detected in monitoring vipw1."
new_announcer() {
    local p
    p=$(announcer srv1) && [ "$p" != "$pid" ] && proc_alive "$p"
}
wait_for 10 new_announcer
wait_for 10 mon_is srv1 vipw1 Normal
log "announcer killed on srv1: vipw1 Error, vip1 reactivated (new announcer $(announcer srv1)), Normal again $((($(now_us) - t0) / 1000)) ms after the kill"
n=$(announcements 10.32.0.1 2)
wait_for 10 at_least 10.32.0.1 2 $((n + 2))
gw_routes_via 10.32.0.1 || fail "gw no longer routes via srv1 after the reactivation"
group_is srv1 failover1 srv1 || fail "failover1 left srv1 at its reactivation"

t0=$(now_us)
bed link srv1 lan2 down
wait_for 10 own_has srv1 rm 9 "Detected an error in monitoring vipw1. (2 : the link of lan2 (holding $VIP) is down"
wait_for 10 own_has srv1 rm 14 "Recovery target vip1 failed over because an error was detected in monitoring vipw1."
wait_for 30 group_is srv2 failover1 srv2
wait_for 10 gw_routes_via 10.32.0.2
wait_for 10 client_reaches
log "FIGURE: srv1's lan2 pulled: vipw1 failed vip1 over to srv2; gw routes via srv2 $((($(now_us) - t0) / 1000)) ms after the cable"
bed link srv1 lan2 up
wait_for 10 mon_is srv2 vipw1 Normal
mon_is srv1 vipw1 Offline || fail "vipw1 is not Offline on srv1"

rsc_checker_stop

on srv2 clpgrp -t failover1 >/dev/null
wait_for 30 not addr_on srv2 "$VIP"
wait_for 10 no_gw_route
not client_reaches || fail "the client still reaches $VIP after the group stopped"
log "stopping the group withdrew the route"
