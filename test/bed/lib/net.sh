# shellcheck shell=bash
# clpbed library: the bed's networks and the network faults.
#
# Two LANs, each a bridge in the hub namespace: br-lan1 (interconnect,
# 10.31.0.0/24) and br-lan2 (public, 10.32.0.0/24). A host's interface is one
# end of a veth pair created directly in the host's namespace (named lan1 or
# lan2); the other end lives in the hub (named <host>-<lan>) and is a port of
# the bridge. Nothing is ever created in the machine's own network namespace.
#
# Faults: `link` sets the hub end down, so the host's interface stays UP but
# loses its carrier (NO-CARRIER), as when a cable is pulled. `block` keeps a
# list of blocks in <dir>/blocks and turns it into one nftables table
# (inet clpbed) per server, regenerated whole at every change.

BED_GATEWAY=10.32.0.254
BED_CLIENT_IP=10.32.0.200
BED_MACHINE_IP=10.32.0.250

lan_net() {
    case $1 in lan1) echo 31 ;; lan2) echo 32 ;; esac
}

# host_ip HOST LAN: the base address of HOST on LAN (empty if it has none there).
host_ip() {
    case $1 in
        client) [ "$2" = lan2 ] && echo "$BED_CLIENT_IP" ;;
        gw) [ "$2" = lan2 ] && echo "$BED_GATEWAY" ;;
        srv*) echo "10.$(lan_net "$2").0.${1#srv}" ;;
    esac
    return 0
}

host_lans() {
    case $1 in
        client | gw) echo lan2 ;;
        *) echo lan1 lan2 ;;
    esac
}

hub_create() {
    local hub lan
    hub=$(ns_name hub)
    ip netns add "$hub" || die "cannot create the hub namespace $hub"
    ip -n "$hub" link set lo up
    for lan in lan1 lan2; do
        ip -n "$hub" link add "br-$lan" type bridge stp_state 0 forward_delay 0 ||
            die "cannot create bridge br-$lan"
        ip -n "$hub" link set "br-$lan" up
    done
}

# --- the machine's neighbour (ARP) table ---------------------------------------------
# The kernel keeps ONE IPv4 neighbour table for the whole machine: the entries of every
# network namespace count against the same limits, net.ipv4.neigh.default.gc_thresh2
# (soft) and gc_thresh3 (hard), which exist and can be set only in the machine's own
# namespace. A bed of N servers keeps about 2N(N+1) entries busy at once: every server
# heartbeats every other on both LANs by unicast (2N(N-1)), plus the client, the
# gateway and the floating addresses. At 32 servers that is 2112, over the default hard
# limit of 1024: the kernel then creates no new entry ("arp_cache: neighbor table
# overflow!", /proc/net/stat/arp_cache table_fulls), the busy ones cannot be collected
# (they are refreshed every heartbeat), and whatever was not resolved early - the
# client's entry for a floating address, some pairs of servers - gets no answer.
# A 16-server bed (544) stays under it.

BED_NEIGH_SYSCTL=/proc/sys/net/ipv4/neigh/default

# neigh_need N: the neighbour entries a bed of N servers keeps busy (with margin).
neigh_need() {
    echo $((2 * $1 * ($1 + 1) + 16))
}

# neigh_fit N: raise the machine's soft and hard limits (never lower them) to twice and
# four times what a bed of N servers needs, room for a second bed as large and for
# the beds of other users. Not undone by `down`: other beds may rely on them.
neigh_fit() {
    local need t2 t3 cur2 cur3
    need=$(neigh_need "$1")
    t2=$((2 * need)) t3=$((4 * need))
    if [ ! -e "$BED_NEIGH_SYSCTL/gc_thresh3" ]; then
        # not the machine's network namespace: the limits cannot be seen from here
        ((need <= 1024)) ||
            warn "warning: cannot check the machine's neighbour table limits from this network" \
                "namespace ($1 servers need about $need entries; the default limit is 1024)"
        return 0
    fi
    cur2=$(cat "$BED_NEIGH_SYSCTL/gc_thresh2") || die "cannot read $BED_NEIGH_SYSCTL/gc_thresh2"
    cur3=$(cat "$BED_NEIGH_SYSCTL/gc_thresh3") || die "cannot read $BED_NEIGH_SYSCTL/gc_thresh3"
    ((cur3 < t3 || cur2 < t2)) || return 0
    ((t2 > cur2)) || t2=$cur2
    ((t3 > cur3)) || t3=$cur3
    # the hard limit first, so that the soft one is never above it
    echo "$t3" >"$BED_NEIGH_SYSCTL/gc_thresh3" ||
        die "cannot raise the machine's neighbour table limit gc_thresh3 to $t3 ($1 servers need about $need entries)"
    echo "$t2" >"$BED_NEIGH_SYSCTL/gc_thresh2" ||
        die "cannot raise the machine's neighbour table limit gc_thresh2 to $t2"
    state_set BED_NEIGH_RAISED "gc_thresh2 $cur2->$t2 gc_thresh3 $cur3->$t3"
    warn "note: raised the machine's IPv4 neighbour table limits (net.ipv4.neigh.default" \
        "gc_thresh2 $cur2 -> $t2, gc_thresh3 $cur3 -> $t3): $1 servers keep about $need entries busy"
}

# host_attach HOST: create HOST's interfaces, plug them into the bridges and
# configure the base addresses and the default route.
host_attach() {
    local h=$1 ns hub lan net ip last
    ns=$(ns_name "$h")
    hub=$(ns_name hub)
    for lan in $(host_lans "$h"); do
        net=$(lan_net "$lan")
        ip=$(host_ip "$h" "$lan")
        last=${ip##*.}
        ip link add "$lan" netns "$ns" address "$(printf '02:%s:00:00:00:%02x' "$net" "$last")" \
            type veth peer name "$h-$lan" netns "$hub" ||
            die "cannot create the $lan interface of $h"
        ip -n "$hub" link set "$h-$lan" master "br-$lan" up
        ip -n "$ns" addr add "$ip/24" dev "$lan"
        ip -n "$ns" link set "$lan" up
    done
    if [ "$h" != gw ]; then
        ip -n "$ns" route add default via "$BED_GATEWAY" ||
            die "cannot add the default route of $h"
    fi
}

# host_reset_addresses HOST: back to the base configuration: extra addresses
# (floating IPs) removed from lan1, lan2 and lo; interfaces administratively up.
host_reset_addresses() {
    local h=$1 ns ifc addr keep
    ns=$(ns_name "$h")
    for ifc in lo $(host_lans "$h"); do
        case $ifc in
            lo) keep=" 127.0.0.1/8 ::1/128 " ;;
            *) keep=" $(host_ip "$h" "$ifc")/24 " ;;
        esac
        ip -n "$ns" link set "$ifc" up || true
        for addr in $(ip -n "$ns" -o addr show dev "$ifc" | awk '{print $4}'); do
            case $addr in fe80:*) continue ;; esac
            [[ $keep == *" $addr "* ]] && continue
            ip -n "$ns" addr del "$addr" dev "$ifc" || die "cannot remove $addr from $ifc of $h"
        done
    done
    if [ "$h" != gw ]; then
        ip -n "$ns" route replace default via "$BED_GATEWAY" || true
    fi
}

# link_set HOST LAN up|down: plug or pull HOST's cable on LAN (the hub end).
link_set() {
    ip -n "$(ns_name hub)" link set "$1-$2" "$3" || die "cannot set $1 $2 $3"
}

# --- nftables blocks --------------------------------------------------------------
# <dir>/blocks: one line per block: "A B NET PORT ONEWAY" with NET lan1|lan2|both,
# PORT a number or "-", ONEWAY 1 (only A->B dropped) or 0.

block_addrs() { # block_addrs SERVER NET -> "a, b"
    local lans=$2
    [ "$lans" = both ] && lans="lan1 lan2"
    local out="" lan
    for lan in $lans; do out+="${out:+, }$(host_ip "$1" "$lan")"; done
    echo "$out"
}

# nft_drop_rules CHAIN_DIR(saddr|daddr) ADDRS PORT: the rule lines for one direction.
nft_drop_rules() {
    local match="ip $1 { $2 }"
    if [ "$3" = - ]; then
        echo "        $match counter drop"
    else
        echo "        $match meta l4proto { tcp, udp } th dport $3 counter drop"
        echo "        $match meta l4proto { tcp, udp } th sport $3 counter drop"
    fi
}

# nft_ruleset SERVER: the complete nftables input for SERVER's namespace.
nft_ruleset() {
    local s=$1 a b net port oneway in="" out=""
    if [ -f "$BED_BLOCKS" ]; then
        while read -r a b net port oneway; do
            [ -n "$a" ] || continue
            # direction a -> b: a does not send, b does not accept
            if [ "$s" = "$a" ]; then out+=$(nft_drop_rules daddr "$(block_addrs "$b" "$net")" "$port")$'\n'; fi
            if [ "$s" = "$b" ]; then in+=$(nft_drop_rules saddr "$(block_addrs "$a" "$net")" "$port")$'\n'; fi
            [ "$oneway" = 1 ] && continue
            # direction b -> a
            if [ "$s" = "$b" ]; then out+=$(nft_drop_rules daddr "$(block_addrs "$a" "$net")" "$port")$'\n'; fi
            if [ "$s" = "$a" ]; then in+=$(nft_drop_rules saddr "$(block_addrs "$b" "$net")" "$port")$'\n'; fi
        done <"$BED_BLOCKS"
    fi
    echo "table inet clpbed"
    echo "delete table inet clpbed"
    [ -n "$in$out" ] || return 0
    cat <<EOF
table inet clpbed {
    chain input {
        type filter hook input priority -10; policy accept;
$in    }
    chain output {
        type filter hook output priority -10; policy accept;
$out    }
}
EOF
}

# nft_apply: load every server's table from the block list. A crash of that
# server running at the same moment kills whatever runs in its namespaces, the
# nft loading the table included: the load is tried again (a crash keeps the
# blocks, so the table must be right once it is over).
nft_apply() {
    local s i
    for s in $(bed_servers); do
        for ((i = 1; ; i++)); do
            nft_ruleset "$s" | nsenter --net="$(ns_path "$s")" nft -f - 2>/dev/null && break
            if ((i == 20)); then
                nft_ruleset "$s" | nsenter --net="$(ns_path "$s")" nft -f - ||
                    die "cannot load the nftables rules of $s"
                break
            fi
            sleep 0.1
        done
    done
}

# --- the machine on the public LAN (up --host-attach) ----------------------------------
# The one exception to "nothing in the machine's own network namespace", made only
# when asked (tools/clpdemo): a veth pair whose machine end is <prefix-hash>-h with
# 10.32.0.250/24, and whose hub end is a port of br-lan2, so that a browser on the
# machine reaches the WebManagers (10.32.0.K:29003) and the floating IPs. The pair
# goes away with the hub namespace at `down`. Only one bed per machine can be
# attached (the machine would have two routes to 10.32.0.0/24).

machine_attach() {
    local ifc hub
    ifc="cb${BED_PFX#clpbed-}"
    ifc=${ifc:0:15}
    hub=$(ns_name hub)
    if ip -o route show to 10.32.0.0/24 | grep -q .; then
        die "--host-attach: this machine already has a route to 10.32.0.0/24 (another bed attached?)"
    fi
    ip link add "$ifc" type veth peer name host-lan2 netns "$hub" ||
        die "--host-attach: cannot create the veth pair $ifc"
    state_set BED_HOST_IF "$ifc"
    ip -n "$hub" link set host-lan2 master br-lan2 up
    ip addr add "$BED_MACHINE_IP/24" dev "$ifc" || die "--host-attach: cannot address $ifc"
    ip link set "$ifc" up || die "--host-attach: cannot set $ifc up"
}
