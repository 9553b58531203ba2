#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-2-Clause
"""relink.py - rewrite an Ethernet pcap's link layer, for link-type tests

Usage: relink.py IN.pcap OUT.pcap KIND [ARG]
KIND: sll | sll2 | raw | null | vlan | qinq | drop FRAME[,FRAME...]
      | snap N (cut every packet to N captured bytes)

The IP packets stay byte for byte the same, so tshark and wanscope must
decode the variants exactly as the original.
"""
import struct
import sys

LINKTYPE = {"sll": 113, "sll2": 276, "raw": 101, "null": 0}


def read(path):
    with open(path, "rb") as f:
        data = f.read()
    magic, vmaj, vmin, zone, sig, snap, link = struct.unpack("<IHHiIII", data[:24])
    assert magic == 0xA1B2C3D4 and link == 1, "expects a little-endian Ethernet pcap"
    off, pkts = 24, []
    while off + 16 <= len(data):
        sec, usec, cap, wire = struct.unpack("<IIII", data[off:off + 16])
        pkts.append((sec, usec, wire, data[off + 16:off + 16 + cap]))
        off += 16 + cap
    return snap, pkts


def convert(kind, p):
    et, rest = p[12:14], p[14:]
    family = 2 if rest[0] >> 4 == 4 else 24
    if kind == "sll":
        return struct.pack("!HHH", 0, 772, 6) + p[6:12] + b"\0\0" + et + rest
    if kind == "sll2":
        return et + b"\0\0" + struct.pack("!IHBB", 1, 772, 0, 6) + p[6:12] + b"\0\0" + rest
    if kind == "raw":
        return rest
    if kind == "null":
        return struct.pack("<I", family) + rest
    if kind == "vlan":
        return p[:12] + struct.pack("!HH", 0x8100, 42) + et + rest
    if kind == "qinq":
        return p[:12] + struct.pack("!HHHH", 0x88A8, 7, 0x8100, 42) + et + rest
    raise SystemExit("relink.py: unknown kind " + kind)


def main():
    src, dst, kind = sys.argv[1:4]
    snap, pkts = read(src)
    link = LINKTYPE.get(kind, 1)
    drop = set()
    cut = None
    if kind == "drop":
        drop = {int(x) for x in sys.argv[4].split(",")}
    if kind == "snap":
        cut = int(sys.argv[4])
    with open(dst, "wb") as f:
        f.write(struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, cut or snap, link))
        for i, (sec, usec, wire, p) in enumerate(pkts, 1):
            if i in drop:
                continue
            if kind not in ("drop", "snap"):
                p = convert(kind, p)
                wire = len(p)
            if cut is not None:
                p = p[:cut]
            f.write(struct.pack("<IIII", sec, usec, len(p), wire) + p)


if __name__ == "__main__":
    main()
