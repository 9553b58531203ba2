#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-2-Clause
# collect_replay.py - send the UDP payloads of a pcap (Ethernet or Linux
# cooked, IPv4) to 127.0.0.1:PORT, paced. Usage: collect_replay.py PCAP PORT
import socket
import struct
import sys
import time

path, port = sys.argv[1], int(sys.argv[2])
data = open(path, 'rb').read()
magic, = struct.unpack('<I', data[:4])
le = magic in (0xa1b2c3d4, 0xa1b23c4d)
e = '<' if le else '>'
linktype, = struct.unpack(e + 'I', data[20:24])
off, n = 24, 0
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
while off + 16 <= len(data):
    _, _, incl, _ = struct.unpack(e + 'IIII', data[off:off + 16])
    frame = data[off + 16:off + 16 + incl]
    off += 16 + incl
    l2 = {1: 14, 113: 16, 0: 4, 276: 20}.get(linktype)
    if l2 is None:
        sys.exit('unsupported link type %d' % linktype)
    ip = frame[l2:]
    if len(ip) < 28 or ip[0] >> 4 != 4 or ip[9] != 17:
        continue
    ihl = (ip[0] & 15) * 4
    s.sendto(ip[ihl + 8:], ('127.0.0.1', port))
    n += 1
    if n % 50 == 0:
        time.sleep(0.005)
print(n)
