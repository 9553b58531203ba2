#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-2-Clause
# icmp_proxy_send.py - send hand-made ICMP messages from a raw socket (test
# helper for tests/net/icmp_proxy_*.sh; needs CAP_NET_RAW).
# usage: icmp_proxy_send.py DST TYPE CODE ID SEQ [COUNT]   (IPv4 only)
import socket
import struct
import sys


def csum(b):
    if len(b) % 2:
        b += b"\0"
    s = sum(struct.unpack("!%dH" % (len(b) // 2), b))
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return ~s & 0xFFFF


def main():
    dst, typ, code, ident, seq = sys.argv[1], *map(int, sys.argv[2:6])
    count = int(sys.argv[6]) if len(sys.argv) > 6 else 1
    s = socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_ICMP)
    for i in range(count):
        body = b"wanscope-test-%04d" % i
        hdr = struct.pack("!BBHHH", typ, code, 0, ident, (seq + i) & 0xFFFF)
        c = csum(hdr + body)
        s.sendto(struct.pack("!BBHHH", typ, code, c, ident, (seq + i) & 0xFFFF) + body,
                 (dst, 0))


main()
