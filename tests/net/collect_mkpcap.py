#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-2-Clause
# collect_mkpcap.py - write a deterministic Ethernet pcap of TCP/UDP/ICMP
# flows (IPv4 and IPv6) for exporters such as softflowd to turn into
# NetFlow/IPFIX/sFlow. Usage: collect_mkpcap.py OUT.pcap [FLOWS] [SEED] [V6]
import random
import struct
import sys


def csum(b):
    if len(b) % 2:
        b += b'\0'
    s = sum(struct.unpack('!%dH' % (len(b) // 2), b))
    while s >> 16:
        s = (s & 0xffff) + (s >> 16)
    return ~s & 0xffff


def ip4(src, dst, proto, payload, ident):
    h = struct.pack('!BBHHHBBH4s4s', 0x45, 0, 20 + len(payload), ident & 0xffff,
                    0, 64, proto, 0, bytes(src), bytes(dst))
    h = h[:10] + struct.pack('!H', csum(h)) + h[12:]
    return b'\x08\x00', h + payload


def ip6(src, dst, proto, payload):
    h = struct.pack('!IHBB16s16s', 0x60000000, len(payload), proto, 64,
                    bytes(src), bytes(dst))
    return b'\x86\xdd', h + payload


def l4(proto, sport, dport, n, seq):
    if proto == 6:
        return struct.pack('!HHIIBBHHH', sport, dport, seq, 0, 0x50, 0x18,
                           8192, 0, 0) + b'x' * n
    if proto == 17:
        return struct.pack('!HHHH', sport, dport, 8 + n, 0) + b'u' * n
    return struct.pack('!BBHHH', 8, 0, 0, sport, seq & 0xffff) + b'i' * n


def main():
    out = sys.argv[1]
    nflows = int(sys.argv[2]) if len(sys.argv) > 2 else 60
    rnd = random.Random(int(sys.argv[3]) if len(sys.argv) > 3 else 1)
    v6 = int(sys.argv[4]) if len(sys.argv) > 4 else 1
    pkts = []
    t0 = 1700000000.0
    for f in range(nflows):
        proto = (6, 17, 1)[f % 3]
        six = v6 and f % 4 == 3
        if six:
            src = bytes([0x20, 0x01, 0x0d, 0xb8] + [0] * 11 + [1 + f % 200])
            dst = bytes([0x20, 0x01, 0x0d, 0xb8, 0, 1] + [0] * 9 + [1 + f % 7])
            proto = 58 if proto == 1 else proto
        else:
            src = bytes([10, 0, f // 250, 1 + f % 250])
            dst = bytes([203, 0, 113, 1 + f % 9])
        sport = 1024 + rnd.randrange(60000)
        dport = (53, 80, 443, 123, 8080)[rnd.randrange(5)]
        npk = 1 + rnd.randrange(20)
        start = t0 + f * 0.05
        for i in range(npk):
            size = rnd.randrange(0, 1200)
            p = proto if proto != 58 else 1
            payload = l4(p, sport, dport, size, i)
            if proto == 58:
                payload = bytes([128]) + payload[1:]
            if six:
                et, ipb = ip6(src, dst, proto, payload)
            else:
                et, ipb = ip4(src, dst, proto, payload, f * 100 + i)
            frame = b'\x02\0\0\0\0\x02' + b'\x02\0\0\0\0\x01' + et + ipb
            pkts.append((start + i * 0.01, frame))
    pkts.sort(key=lambda x: x[0])
    with open(out, 'wb') as fh:
        fh.write(struct.pack('<IHHiIII', 0xa1b2c3d4, 2, 4, 0, 0, 65535, 1))
        for ts, fr in pkts:
            sec = int(ts)
            usec = int(round((ts - sec) * 1e6))
            fh.write(struct.pack('<IIII', sec, usec, len(fr), len(fr)) + fr)
    print(len(pkts))


main()
