#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-2-Clause
"""gen-traffic.py - write a deterministic traffic capture for the exporters

Usage: gen-traffic.py OUT.pcap

The capture holds TCP, UDP and ICMP flows over IPv4 and ICMPv6/TCP/UDP
flows over IPv6, some with 802.1Q tags, over two minutes starting at
2026-01-01T00:00:00Z. softflowd and pmacctd read it and export flows;
the same input always gives the same export (tests/data/regen).
"""
import random
import struct
import sys

BASE = 1767225600  # 2026-01-01T00:00:00Z


def csum(data):
    if len(data) % 2:
        data += b"\0"
    s = sum(struct.unpack("!%dH" % (len(data) // 2), data))
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return ~s & 0xFFFF


def ip4(a):
    return bytes(int(x) for x in a.split("."))


def ip6(a):
    import ipaddress
    return ipaddress.IPv6Address(a).packed


def l4(proto, src, dst, sport, dport, payload, flags=0, itype=0, icode=0, seq=0):
    if proto == 6:
        h = struct.pack("!HHIIBBHHH", sport, dport, seq, 0, 5 << 4, flags, 8192, 0, 0)
    elif proto == 17:
        h = struct.pack("!HHHH", sport, dport, 8 + len(payload), 0)
    else:  # ICMP / ICMPv6 echo
        h = struct.pack("!BBHHH", itype, icode, 0, sport, seq & 0xFFFF)
    seg = h + payload
    if proto == 1:
        c = csum(seg)
    else:
        if len(src) == 4:
            ph = src + dst + struct.pack("!BBH", 0, proto, len(seg))
        else:
            ph = src + dst + struct.pack("!IxxxB", len(seg), proto)
        c = csum(ph + seg)
    off = {6: 16, 17: 6}.get(proto, 2)
    return seg[:off] + struct.pack("!H", c) + seg[off + 2:]


def packet(f, payload, flags=0, seq=0, reply=False):
    src, dst = (f["dst"], f["src"]) if reply else (f["src"], f["dst"])
    sport, dport = (f["dport"], f["sport"]) if reply else (f["sport"], f["dport"])
    proto = f["proto"]
    itype = f.get("itype", 0)
    if reply and proto in (1, 58):
        itype = {8: 0, 128: 129}[itype]
    if f["v"] == 4:
        s, d = ip4(src), ip4(dst)
        seg = l4(proto, s, d, sport, dport, payload, flags, itype, 0, seq)
        hdr = struct.pack("!BBHHHBBH4s4s", 0x45, f["tos"], 20 + len(seg),
                          f["ipid"] & 0xFFFF, 0x4000, 64, proto, 0, s, d)
        f["ipid"] += 1
        hdr = hdr[:10] + struct.pack("!H", csum(hdr)) + hdr[12:]
        l3, et = hdr + seg, 0x0800
    else:
        s, d = ip6(src), ip6(dst)
        seg = l4(proto, s, d, sport, dport, payload, flags, itype, 0, seq)
        vtc = (6 << 28) | (f["tos"] << 20) | f["label"]
        l3, et = struct.pack("!IHBB", vtc, len(seg), proto, 64) + s + d + seg, 0x86DD
    mac_a, mac_b = b"\x02\x00\x00\x00\x00\x01", b"\x02\x00\x00\x00\x00\x02"
    eth = (mac_a + mac_b) if reply else (mac_b + mac_a)
    if f["vlan"]:
        eth += struct.pack("!HH", 0x8100, f["vlan"])
    return eth + struct.pack("!H", et) + l3


def flows(rng):
    out = []
    for i in range(28):  # IPv4 TCP
        out.append(dict(v=4, proto=6, src="10.1.%d.%d" % (i // 8, 10 + i),
                        dst="192.0.2.%d" % (1 + i % 5), sport=40000 + i * 7,
                        dport=[80, 443, 22, 25][i % 4], tos=[0, 0x10, 0xB8][i % 3],
                        vlan=[0, 0, 100, 200][i % 4], n=rng.randint(4, 18)))
    for i in range(12):  # IPv4 UDP
        out.append(dict(v=4, proto=17, src="10.2.0.%d" % (1 + i),
                        dst="198.51.100.%d" % (1 + i % 3), sport=50000 + i,
                        dport=[53, 123, 514, 4789][i % 4], tos=0x28 if i % 2 else 0,
                        vlan=100 if i % 3 == 0 else 0, n=rng.randint(1, 8)))
    for i in range(6):  # ICMP echo
        out.append(dict(v=4, proto=1, src="10.3.0.%d" % (1 + i), dst="203.0.113.%d" % (1 + i),
                        sport=0x100 + i, dport=0, itype=8, tos=0, vlan=0,
                        n=rng.randint(2, 6)))
    for i in range(16):  # IPv6 TCP
        out.append(dict(v=6, proto=6, src="2001:db8:1::%x" % (0x10 + i),
                        dst="2001:db8:ff::%x" % (1 + i % 4), sport=41000 + i * 3,
                        dport=[443, 80, 8080, 22][i % 4], tos=[0, 0x20][i % 2],
                        vlan=[0, 300][i % 2], n=rng.randint(4, 14)))
    for i in range(8):  # IPv6 UDP
        out.append(dict(v=6, proto=17, src="2001:db8:2::%x" % (1 + i),
                        dst="2001:db8:ff::53", sport=52000 + i, dport=[53, 443][i % 2],
                        tos=0, vlan=0, n=rng.randint(1, 6)))
    for i in range(4):  # ICMPv6 echo
        out.append(dict(v=6, proto=58, src="2001:db8:3::%x" % (1 + i),
                        dst="2001:db8:ff::%x" % (0x100 + i), sport=0x200 + i, dport=0,
                        itype=128, tos=0, vlan=0, n=rng.randint(2, 5)))
    # one long flow so that sampled exporters see it
    out.append(dict(v=4, proto=17, src="10.9.9.9", dst="192.0.2.99", sport=5004, dport=5004,
                    tos=0xB8, vlan=0, n=600))
    out.append(dict(v=6, proto=17, src="2001:db8:9::9", dst="2001:db8:ff::99", sport=5006,
                    dport=5006, tos=0xB8, vlan=0, n=400))
    for k, f in enumerate(out):
        f["ipid"] = 1000 * (k + 1)
        f["label"] = (k * 4099) & 0xFFFFF if f["v"] == 6 else 0
        f["start"] = rng.randint(0, 90000)  # ms after BASE
    return out


def main():
    rng = random.Random(20260101)
    pkts = []
    for f in flows(rng):
        t = f["start"]
        for j in range(f["n"]):
            reply = f["proto"] != 17 and j % 2 == 1
            if f["proto"] == 6:
                flags = 0x02 if j == 0 else 0x12 if j == 1 else 0x11 if j >= f["n"] - 2 else 0x18
            else:
                flags = 0
            size = rng.randint(0, 160) if f["n"] < 100 else 60
            payload = bytes((j + b) & 0xFF for b in range(size))
            pkts.append((t, len(pkts), packet(f, payload, flags, j + 1, reply)))
            t += rng.randint(1, 400) if f["n"] < 100 else 40
    pkts.sort()
    with open(sys.argv[1], "wb") as out:
        out.write(struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 65535, 1))
        for t, _, p in pkts:
            sec, ms = divmod(t, 1000)
            out.write(struct.pack("<IIII", BASE + sec, ms * 1000, len(p), len(p)))
            out.write(p)


if __name__ == "__main__":
    main()
