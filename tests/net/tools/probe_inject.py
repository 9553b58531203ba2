#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-2-Clause
# probe_inject.py IFACE - test tool run on a branch: capture one incoming
# wanscope probe (an ICMP echo reply carrying the "wsP1" magic) on IFACE,
# wait until the hub has its answer, then send back through IFACE
#   5 stale copies (the genuine probe, replayed) and
#   5 forged copies (one payload byte changed, checksum fixed).
# Prints "stale N forged N".
import socket, struct, sys, time

ETH_P_IP = 0x0800
PACKET_OUTGOING = 4

def csum(b):
    if len(b) % 2:
        b += b"\0"
    s = sum(struct.unpack("!%dH" % (len(b) // 2), b))
    while s >> 16:
        s = (s & 0xffff) + (s >> 16)
    return (~s) & 0xffff

def main():
    ifname = sys.argv[1]
    s = socket.socket(socket.AF_PACKET, socket.SOCK_DGRAM, socket.htons(ETH_P_IP))
    s.bind((ifname, ETH_P_IP))
    s.settimeout(10)
    while True:
        pkt, addr = s.recvfrom(65535)
        if addr[2] == PACKET_OUTGOING or len(pkt) < 20 + 8 + 32 or pkt[9] != 1:
            continue
        ihl = (pkt[0] & 15) * 4
        if pkt[ihl] == 0 and pkt[ihl + 8:ihl + 12] == b"wsP1":
            break
    time.sleep(1.5)          # the genuine copy was forwarded and answered
    n = 0
    for _ in range(5):
        s.sendto(pkt, (ifname, ETH_P_IP))
        n += 1
    ihl = (pkt[0] & 15) * 4
    icmp = bytearray(pkt[ihl:])
    icmp[8 + 40 % (len(icmp) - 8)] ^= 0xff   # a padding/payload byte
    icmp[2:4] = b"\0\0"
    icmp[2:4] = struct.pack("!H", csum(bytes(icmp)))
    forged = pkt[:ihl] + bytes(icmp)
    for _ in range(5):
        s.sendto(forged, (ifname, ETH_P_IP))
    print("stale %d forged %d" % (n, 5))

main()
