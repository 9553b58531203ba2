#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-2-Clause
# export_traffic.py - known traffic for the exporter's tests (inside namespaces)
#   server ADDR PORT FILE   accept one TCP connection, write "ready", then "got N"
#   client ADDR PORT N      send N bytes over TCP and close
#   udp ADDR PORT COUNT SIZE  send COUNT datagrams of SIZE payload bytes
import socket
import sys
import time


def main():
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
