#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-2-Clause
# export_traffic.py - known traffic for the exporter's tests (inside namespaces)
#   server ADDR PORT FILE   accept one TCP connection, write "ready", then "got N"
#   client ADDR PORT N      send N bytes over TCP and close
#   udp ADDR PORT COUNT SIZE  send COUNT datagrams of SIZE payload bytes
#   vlan IF VID COUNT SIZE  write COUNT 802.1Q-tagged IPv4/UDP frames with SIZE
#                           payload bytes (10.78.0.1 -> 10.78.0.2) to IF
import socket
import struct
import sys
import time


def csum(b):
    s = sum(struct.unpack('!%dH' % (len(b) // 2), b))
    while s >> 16:
        s = (s & 0xffff) + (s >> 16)
    return ~s & 0xffff


def vlan(ifname, vid, count, size):
    s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW)
    s.bind((ifname, 0))
    mac = open('/sys/class/net/%s/address' % ifname).read().strip()
    src = bytes.fromhex(mac.replace(':', ''))
    udp = struct.pack('!HHHH', 4000, 4001, 8 + size, 0) + b'v' * size
    ip = struct.pack('!BBHHHBBH4s4s', 0x45, 0, 20 + len(udp), 1, 0, 64, 17, 0,
                     bytes([10, 78, 0, 1]), bytes([10, 78, 0, 2]))
    ip = ip[:10] + struct.pack('!H', csum(ip)) + ip[12:]
    # 802.1p priority 5 (PCP) beside the VLAN id
    frame = b'\xff' * 6 + src + struct.pack('!HH', 0x8100, 5 << 13 | vid) + b'\x08\x00' + ip + udp
    for _ in range(count):
        s.send(frame)
        time.sleep(0.01)


def main():
    if sys.argv[1] == 'vlan':
        vlan(sys.argv[2], int(sys.argv[3]), int(sys.argv[4]), int(sys.argv[5]))
        return
    mode, addr, port = sys.argv[1], sys.argv[2], int(sys.argv[3])
    if mode == 'server':
        s = socket.socket()
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        s.bind((addr, port))
        s.listen(1)
        open(sys.argv[4], 'w').write('ready\n')
        c, _ = s.accept()
        n = 0
        while True:
            b = c.recv(65536)
            if not b:
                break
            n += len(b)
        c.close()
        open(sys.argv[4], 'w').write('got %d\n' % n)
    elif mode == 'client':
        n = int(sys.argv[4])
        for _ in range(50):
            try:
                c = socket.create_connection((addr, port), timeout=5)
                break
            except OSError:
                time.sleep(0.1)
        c.sendall(b'x' * n)
        c.shutdown(socket.SHUT_WR)
        c.recv(1)
        c.close()
    elif mode == 'udp':
        s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        for _ in range(int(sys.argv[4])):
            s.sendto(b'u' * int(sys.argv[5]), (addr, port))
            time.sleep(0.01)


main()
