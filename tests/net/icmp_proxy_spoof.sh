#!/bin/bash
# SPDX-License-Identifier: BSD-2-Clause
# icmp_proxy_spoof.sh - an authenticated connector cannot spoof: the edge
# passes only echo replies from inside the connector's announced prefixes
# and ICMP errors about a client's echo into them, addressed to a client
# that used the edge; everything else a (malicious) connector sends is
# dropped and counted by reason. A second "connector" (icmp_inject, same
# credentials, announcing the same prefixes as the real one) sends
# hand-made packets; tcpdump on the client shows which ones arrived.
set -u
top=$(cd "$(dirname "$0")/../.." && pwd)
WANSCOPE=${WANSCOPE:-$top/build/wanscope}
INJECT=$(dirname "$WANSCOPE")/tests/unit/icmp/icmp_inject
for t in ping setpriv python3 tcpdump; do
	command -v $t >/dev/null || { echo "$t not installed"; exit 77; }
done
[ -x "$INJECT" ] || { echo "test helper $INJECT not built"; exit 77; }
[ "$(id -u)" = 0 ] || { echo "needs root for network namespaces"; exit 77; }
. "$top/tests/net/icmp_proxy_topo.bash"
TCPDUMP_PID=
cleanup() { [ -n "$TCPDUMP_PID" ] && kill "$TCPDUMP_PID" 2>/dev/null; px_down; }
trap cleanup EXIT
fail() { echo "FAIL: $*"; for f in edge.log conn.log edge.stats inject.log cap.txt; do
	echo "--- $f"; cat "$PX_DIR/$f" 2>/dev/null; done; exit 1; }

px_up || fail "topology"
px_creds || fail "credentials"
px_edge
px_connector
px_wait_up || fail "connector did not come up"
# The client uses the edge (IPv4 and IPv6): it becomes a known client.
ip netns exec "$NS_C" ping -c 2 -i 0.2 -W 2 $D4 >/dev/null || fail "ping before the test"
ip netns exec "$NS_C" ping -6 -c 2 -i 0.2 -W 2 $D6 >/dev/null || fail "ping -6 before"

ip netns exec "$NS_C" tcpdump -l -n -i c0 -U icmp or icmp6 or udp \
	>"$PX_DIR/cap.txt" 2>/dev/null &
TCPDUMP_PID=$!
for i in $(seq 50); do
	ip netns exec "$NS_C" ping -c 1 -W 1 $D4 >/dev/null
	grep -q "$D4" "$PX_DIR/cap.txt" && break
	sleep 0.1
done
grep -q "$D4" "$PX_DIR/cap.txt" || fail "tcpdump did not start"

# The packets a malicious connector sends (one hex line each).
python3 - "$C4" "$C6" >"$PX_DIR/pkts.hex" <<'EOF' || fail "packet builder"
import socket, struct, sys
c4, c6 = sys.argv[1], sys.argv[2]

def csum(b):
    if len(b) % 2:
        b += b"\0"
    s = sum(struct.unpack("!%dH" % (len(b) // 2), b))
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return ~s & 0xFFFF

def ip4(src, dst, proto, l4):
    h = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(l4), 1, 0, 60, proto, 0,
                    socket.inet_aton(src), socket.inet_aton(dst))
    return h[:10] + struct.pack("!H", csum(h)) + h[12:] + l4

def icmp4(typ, code, rest, data):
    b = struct.pack("!BBH", typ, code, 0) + rest + data
    return b[:2] + struct.pack("!H", csum(b)) + b[4:]

def ip6(src, dst, nh, l4):
    return struct.pack("!IHBB16s16s", 6 << 28, len(l4), nh, 60,
                       socket.inet_pton(socket.AF_INET6, src),
                       socket.inet_pton(socket.AF_INET6, dst)) + l4

def icmp6(src, dst, typ, code, rest, data):
    b = struct.pack("!BBH", typ, code, 0) + rest + data
    ph = (socket.inet_pton(socket.AF_INET6, src) + socket.inet_pton(socket.AF_INET6, dst) +
          struct.pack("!IxxxB", len(b), 58))
    return b[:2] + struct.pack("!H", csum(ph + b)) + b[4:]

def reply4(src, dst, ident):
    return ip4(src, dst, 1, icmp4(0, 0, struct.pack("!HH", ident, 1), b"spoof-test"))

def echo4(src, dst, ident):
    return ip4(src, dst, 1, icmp4(8, 0, struct.pack("!HH", ident, 1), b""))

def texc4(router, client, target, ident):
    return ip4(router, client, 1, icmp4(11, 0, b"\0\0\0\0", echo4(client, target, ident)))

def reply6(src, dst, ident):
    return ip6(src, dst, 58, icmp6(src, dst, 129, 0, struct.pack("!HH", ident, 1), b"spoof"))

pkts = [
    reply4("10.62.4.77", c4, 4001),               # pass: from inside the prefix
    texc4("10.62.3.2", c4, "10.62.4.2", 4002),   # pass: router's error about us
    reply6("fd62:4::77", c6, 4003),              # pass
    reply4("192.0.2.99", c4, 4004),              # src outside
    reply4("10.62.3.2", c4, 4005),               # src outside (a router, not an error)
    reply6("fd62:9::1", c6, 4006),               # src outside
    texc4("10.62.3.2", c4, "10.62.9.9", 4007),   # error about another network
    reply4("10.62.4.77", "10.62.1.99", 4008),    # to a host that is no client
    ip4("10.62.4.77", c4, 17, struct.pack("!HHHH", 53, 9, 8, 0)),  # UDP
    ip4("10.62.4.77", "10.62.1.1", 6, b"\0" * 20),                  # TCP to the edge
]
for p in pkts:
    print(p.hex())
EOF

# The injector dials the edge from the connector's namespace (as root; it
# opens no ICMP socket) with the connector's credentials.
ip netns exec "$NS_K" "$INJECT" $EU4:4433 "$PX_DIR/creds" 10.62.4.0/24 fd62:4::/64 \
	<"$PX_DIR/pkts.hex" >"$PX_DIR/inject.log" 2>&1 || fail "injector"
sleep 1.3	# the edge writes its stats file every second
kill "$TCPDUMP_PID"; wait "$TCPDUMP_PID" 2>/dev/null; TCPDUMP_PID=
cat "$PX_DIR/cap.txt"
s=$PX_DIR/edge.stats
grep -E '^drop_conn_' "$s"

grep -q "10.62.4.77 > $C4: ICMP echo reply, id 4001" "$PX_DIR/cap.txt" ||
	fail "legitimate echo reply from inside the prefix did not arrive"
grep -q "10.62.3.2 > $C4: ICMP time exceeded" "$PX_DIR/cap.txt" ||
	fail "legitimate time exceeded from a router behind the connector did not arrive"
grep -q "fd62:4::77 > $C6: ICMP6, echo reply, id 4003" "$PX_DIR/cap.txt" ||
	fail "legitimate IPv6 echo reply did not arrive"
grep -qE "192.0.2.99|id 400[4-8]|fd62:9::1|UDP" "$PX_DIR/cap.txt" &&
	fail "a spoofed packet reached the client"
[ "$(grep -c 'ICMP time exceeded' "$PX_DIR/cap.txt")" = 1 ] ||
	fail "the time exceeded about another network reached the client"
[ "$(px_stat "$s" drop_conn_src_outside)" -ge 3 ] || fail "spoofed sources not counted"
[ "$(px_stat "$s" drop_conn_bad_error)" -ge 1 ] || fail "foreign error not counted"
[ "$(px_stat "$s" drop_conn_dst_not_client)" -ge 1 ] || fail "non-client destination not counted"
[ "$(px_stat "$s" drop_conn_not_allowed)" -ge 2 ] || fail "UDP/TCP not counted"
grep -q "packet refused: src_outside" "$PX_DIR/edge.log" || fail "no log line for refusals"
ip netns exec "$NS_C" ping -c 2 -i 0.2 -W 2 $D4 >/dev/null || fail "ping after the spoofing"
echo "PASS"
