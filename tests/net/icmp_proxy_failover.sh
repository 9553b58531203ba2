#!/bin/bash
# SPDX-License-Identifier: BSD-2-Clause
# icmp_proxy_failover.sh - two connectors serve the same prefixes: the edge
# spreads flows over both (16 pings with different echo identifiers reach
# both connectors), and when the connector carrying a running ping is
# killed (SIGKILL: no goodbye, the edge notices the silence) the flow moves
# to the other one and the ping is answered again after a gap.
set -u
top=$(cd "$(dirname "$0")/../.." && pwd)
WANSCOPE=${WANSCOPE:-$top/build/wanscope}
for t in ping setpriv; do
	command -v $t >/dev/null || { echo "$t not installed"; exit 77; }
done
[ "$(id -u)" = 0 ] || { echo "needs root for network namespaces"; exit 77; }
. "$top/tests/net/icmp_proxy_topo.bash"
trap px_down EXIT
fail() { echo "FAIL: $*"; for f in edge.log a.log b.log edge.stats ks/a.stats ks/b.stats \
	ping.out; do echo "--- $f"; cat "$PX_DIR/$f" 2>/dev/null; done; exit 1; }

px_up || fail "topology"
px_creds || fail "credentials"
mkdir -p "$PX_DIR/ks" && chown 65534 "$PX_DIR/ks"
px_edge
declare -A PID
for k in a b; do
	ip netns exec "$NS_K" setpriv --reuid=65534 --regid=65534 --clear-groups \
		--inh-caps=-all --bounding-set=-all \
		"$WANSCOPE" connector --edge $EU4:4433 --route 10.62.4.0/24 \
		--route fd62:4::/64 --credentials "$PX_DIR/kcreds" \
		--stats-file "$PX_DIR/ks/$k.stats" 2>"$PX_DIR/$k.log" &
	PID[$k]=$!
	PX_PIDS+=($!)
done
for i in $(seq 100); do
	grep -q '^connectors_up 2' "$PX_DIR/edge.stats" 2>/dev/null && break
	sleep 0.1
done
grep -q '^connectors_up 2' "$PX_DIR/edge.stats" || fail "two connectors did not come up"

# Spread: every ping process uses its own echo identifier, i.e. a flow;
# each family's flows must reach both connectors.
spread() { # FAMILY-FLAG DST
	local i a0 b0 a1 b1
	a0=$(px_stat "$PX_DIR/ks/a.stats" echoes_proxied)
	b0=$(px_stat "$PX_DIR/ks/b.stats" echoes_proxied)
	for i in $(seq 16); do
		ip netns exec "$NS_C" ping $1 -c 1 -W 2 $2 >/dev/null || fail "ping $1 $i"
	done
	sleep 1.2
	a1=$(px_stat "$PX_DIR/ks/a.stats" echoes_proxied)
	b1=$(px_stat "$PX_DIR/ks/b.stats" echoes_proxied)
	echo "ping $1: 16 flows spread over the connectors: a=$((a1 - a0)) b=$((b1 - b0))"
	[ "$((a1 - a0 + b1 - b0))" -ge 16 ] || fail "not all echoes were proxied"
	[ "$a1" -gt "$a0" ] && [ "$b1" -gt "$b0" ] ||
		fail "ping $1: flows were not spread over both connectors"
}
sleep 1.1
spread -4 $D4
spread -6 $D6

# Failover: one long-running flow; kill the connector that carries it.
ip netns exec "$NS_C" ping -i 0.2 -c 100 -W 1 $D4 >"$PX_DIR/ping.out" 2>&1 &
PING=$!
sleep 1.5
a0=$(px_stat "$PX_DIR/ks/a.stats" echoes_proxied) b0=$(px_stat "$PX_DIR/ks/b.stats" echoes_proxied)
sleep 1.1
a1=$(px_stat "$PX_DIR/ks/a.stats" echoes_proxied) b1=$(px_stat "$PX_DIR/ks/b.stats" echoes_proxied)
if [ "$a1" -gt "$a0" ]; then victim=a other=b; else victim=b other=a; fi
[ "$((a1 - a0 + b1 - b0))" -ge 3 ] || fail "the running ping is not proxied"
o0=$(px_stat "$PX_DIR/ks/$other.stats" echoes_proxied)
echo "the flow runs over connector $victim; killing it"
kill -KILL "${PID[$victim]}"
wait "$PING"
cat "$PX_DIR/ping.out" | tail -4
o1=$(px_stat "$PX_DIR/ks/$other.stats" echoes_proxied)
[ "$o1" -gt "$((o0 + 10))" ] || fail "the other connector did not take the flow over"
# The last ten echoes of the flow were answered (through the other one).
for s in $(seq 91 100); do
	grep -q "icmp_seq=$s ttl" "$PX_DIR/ping.out" || fail "echo $s after the failover not answered"
done
grep -q "connector .* gone" "$PX_DIR/edge.log" || fail "edge did not log the lost connector"
grep -E '^(connectors_up|sessions_failed) ' "$PX_DIR/edge.stats"
echo "PASS"
