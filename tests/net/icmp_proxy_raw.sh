#!/bin/bash
# SPDX-License-Identifier: BSD-2-Clause
# icmp_proxy_raw.sh - the connector's raw-socket fallback: ping_group_range
# closed ("1 0": nobody, not even root, may open ICMP datagram sockets) but
# the connector runs as root with CAP_NET_RAW. It says so at start-up, uses
# raw sockets, and ping (IPv4 and IPv6) and traceroute -I through the edge
# still work, every hop shown (errors from the router behind the connector
# come through the raw socket's error queue).
set -u
top=$(cd "$(dirname "$0")/../.." && pwd)
WANSCOPE=${WANSCOPE:-$top/build/wanscope}
for t in ping traceroute; do
	command -v $t >/dev/null || { echo "$t not installed"; exit 77; }
done
[ "$(id -u)" = 0 ] || { echo "needs root for network namespaces"; exit 77; }
. "$top/tests/net/icmp_proxy_topo.bash"
trap px_down EXIT
fail() { echo "FAIL: $*"; for f in edge.log conn.log conn.stats; do
	echo "--- $f"; cat "$PX_DIR/$f" 2>/dev/null; done; exit 1; }
hops() { awk '/^ *[0-9]+ / { print $2 }' "$1"; }

px_up || fail "topology"
px_creds || fail "credentials"
ip netns exec "$NS_K" sysctl -qw net.ipv4.ping_group_range="1 0" || fail "sysctl"
px_edge
# As root: CAP_NET_RAW, but no ping socket permission.
ip netns exec "$NS_K" "$WANSCOPE" connector --edge $EU4:4433 --route 10.62.4.0/24 \
	--route fd62:4::/64 --credentials "$PX_DIR/creds" \
	--stats-file "$PX_DIR/conn.stats" 2>"$PX_DIR/conn.log" &
PX_PIDS+=($!)
px_wait_up || fail "connector did not come up"
cat "$PX_DIR/conn.log"
grep -q "CAP_NET_RAW: raw" "$PX_DIR/conn.log" || fail "no note about the raw fallback"
grep -q "(raw fallback)" "$PX_DIR/conn.log" || fail "connector does not say it uses raw sockets"

out=$(ip netns exec "$NS_C" ping -c 3 -i 0.2 -W 2 $D4) || fail "ping $D4: $out"
grep -q "ttl=61" <<<"$out" || fail "reply TTL not 61: $out"
out=$(ip netns exec "$NS_C" ping -6 -c 3 -i 0.2 -W 2 $D6) || fail "ping -6 $D6: $out"
ip netns exec "$NS_C" traceroute -I -n -q 1 -w 2 $D4 >"$PX_DIR/tr4" 2>&1 || fail "traceroute"
cat "$PX_DIR/tr4"
[ "$(hops "$PX_DIR/tr4" | tr '\n' ' ')" = "$E4 $K4 $R4 $D4 " ] ||
	fail "traceroute -I over raw sockets: expected $E4 $K4 $R4 $D4"
ip netns exec "$NS_C" traceroute -6 -I -n -q 1 -w 2 $D6 >"$PX_DIR/tr6" 2>&1 || fail "traceroute -6"
cat "$PX_DIR/tr6"
[ "$(hops "$PX_DIR/tr6" | tr '\n' ' ')" = "$E6 $K6 $R6 $D6 " ] ||
	fail "traceroute -6 -I over raw sockets: expected $E6 $K6 $R6 $D6"
sleep 1.1
grep -E '^(echoes_proxied|replies|errors_translated) ' "$PX_DIR/conn.stats"
[ "$(px_stat "$PX_DIR/conn.stats" errors_translated)" -ge 2 ] || fail "no errors translated"
echo "PASS"
