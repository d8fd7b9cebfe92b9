#!/usr/bin/env python3
"""t_rsc_vip's router, run on the bed's gw host: listens to RIPv2 responses
(224.0.0.9, UDP 520) on lan2 and installs each announced host route in gw's
routing table (ip route replace DEST/32 via SENDER); a route announced with
metric 16 by the server it points to is removed. Unlike a full RIP router, the
latest announcement wins at once (a real router keeps the old next hop until a
better metric arrives or the route times out after 180 s). Every announcement
is logged as: <epoch ms> <sender> <sport> <dest> <metric>.
usage: rsc-vip-router.py LOGFILE"""
import socket
import struct
import subprocess
import sys
import time

log = open(sys.argv[1], "a", buffering=1)
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("", 520))
s.setsockopt(socket.IPPROTO_IP, socket.IP_ADD_MEMBERSHIP,
             struct.pack("4s4s", socket.inet_aton("224.0.0.9"), socket.inet_aton("10.32.0.254")))
routes = {}
while True:
    data, (src, sport) = s.recvfrom(1500)
    if len(data) < 24 or data[0] != 2 or data[1] != 2:
        continue
    for off in range(4, len(data) - 19, 20):
        afi, _tag, dst, _mask, nh, metric = struct.unpack("!HH4s4s4sI", data[off:off + 20])
        if afi != socket.AF_INET:
            continue
        dest = socket.inet_ntoa(dst)
        via = socket.inet_ntoa(nh) if nh != b"\0\0\0\0" else src
        if metric < 16:
            if routes.get(dest) != via:
                subprocess.run(["ip", "route", "replace", dest + "/32", "via", via, "dev", "lan2"])
                routes[dest] = via
        elif routes.get(dest) == via:
            subprocess.run(["ip", "route", "del", dest + "/32"])
            del routes[dest]
        log.write("%d %s %d %s %d\n" % (time.time() * 1000, src, sport, dest, metric))
