#!/bin/bash
# SPDX-License-Identifier: BSD-2-Clause
# icmp_proxy_paths.sh - iputils ping, traceroute -I and mtr from a client
# through `wanscope edge` and an unprivileged `wanscope connector`:
#  1. everything up: every hop shows (edge, connector, router, destination),
#     IPv4 and IPv6, and the reply TTL is kept (64 - 3 hops);
#  2. the destination drops echo requests: the path stops after the router;
#  3. the connector is down: the edge answers net unreachable, and nothing
#     after the edge answers.
set -u
top=$(cd "$(dirname "$0")/../.." && pwd)
WANSCOPE=${WANSCOPE:-$top/build/wanscope}
for t in ping traceroute mtr nft setpriv; do
	command -v $t >/dev/null || { echo "$t not installed"; exit 77; }
done
[ "$(id -u)" = 0 ] || { echo "needs root for network namespaces"; exit 77; }
. "$top/tests/net/icmp_proxy_topo.bash"
trap px_down EXIT
fail() { echo "FAIL: $*"; sleep 1.1; for f in edge.log conn.log edge.stats conn.stats; do
	echo "--- $f"; cat "$PX_DIR/$f" 2>/dev/null; done; exit 1; }
inc() { ip netns exec "$NS_C" "$@"; }

px_up || fail "topology"
px_creds || fail "credentials init"
px_edge
px_connector
px_wait_up || fail "connector did not come up"

# hops FILE: the hop addresses traceroute printed, one line per hop
hops() { awk '/^ *[0-9]+ / { print $2 }' "$1"; }

# --- 1. everything up
out=$(inc ping -c 3 -i 0.2 -W 2 $D4) || fail "ping $D4: $out"
grep -q "ttl=61" <<<"$out" || fail "reply TTL not 61 (64 minus router, connector, edge): $out"
out=$(inc ping -6 -c 3 -i 0.2 -W 2 $D6) || fail "ping -6 $D6: $out"
grep -q "ttl=61" <<<"$out" || fail "IPv6 reply hop limit not 61: $out"
echo "ping v4/v6: ok, ttl 61"

inc traceroute -I -n -q 1 -w 2 $D4 >"$PX_DIR/tr4" 2>&1 || fail "traceroute: $(cat "$PX_DIR/tr4")"
cat "$PX_DIR/tr4"
[ "$(hops "$PX_DIR/tr4" | tr '\n' ' ')" = "$E4 $K4 $R4 $D4 " ] ||
	fail "traceroute -I: expected $E4 $K4 $R4 $D4"
inc traceroute -6 -I -n -q 1 -w 2 $D6 >"$PX_DIR/tr6" 2>&1 || fail "traceroute -6"
cat "$PX_DIR/tr6"
[ "$(hops "$PX_DIR/tr6" | tr '\n' ' ')" = "$E6 $K6 $R6 $D6 " ] ||
	fail "traceroute -6 -I: expected $E6 $K6 $R6 $D6"

inc mtr -r -n -c 3 -i 0.2 $D4 >"$PX_DIR/mtr4" 2>&1 || fail "mtr: $(cat "$PX_DIR/mtr4")"
cat "$PX_DIR/mtr4"
for a in $E4 $K4 $R4 $D4; do
	grep -q -- "-- $a " "$PX_DIR/mtr4" || fail "mtr -r: hop $a missing"
done
grep -- "-- $D4 " "$PX_DIR/mtr4" | grep -q " 0.0%" || fail "mtr: loss to $D4"

# wanscope's own tools, when this build has them.
if "$WANSCOPE" traceroute --help >/dev/null 2>&1; then
	inc "$WANSCOPE" traceroute -n $D4 >"$PX_DIR/wtr4" 2>&1 || fail "wanscope traceroute"
	cat "$PX_DIR/wtr4"
	[ "$(hops "$PX_DIR/wtr4" | tr '\n' ' ')" = "$E4 $K4 $R4 $D4 " ] ||
		fail "wanscope traceroute: expected $E4 $K4 $R4 $D4"
	inc "$WANSCOPE" traceroute -6 -n $D6 >"$PX_DIR/wtr6" 2>&1 || fail "wanscope traceroute -6"
	[ "$(hops "$PX_DIR/wtr6" | tr '\n' ' ')" = "$E6 $K6 $R6 $D6 " ] ||
		fail "wanscope traceroute -6: expected $E6 $K6 $R6 $D6: $(cat "$PX_DIR/wtr6")"
	inc "$WANSCOPE" ping -c 2 -i 0.2 $D4 >/dev/null || fail "wanscope ping"
	inc "$WANSCOPE" mtr -r -n -c 2 -i 0.2 $D4 >"$PX_DIR/wmtr4" 2>&1 || fail "wanscope mtr"
	cat "$PX_DIR/wmtr4"
	for a in $E4 $K4 $R4 $D4; do
		grep -q -- "-- $a " "$PX_DIR/wmtr4" || fail "wanscope mtr -r: hop $a missing"
	done
	have_wanscope_tools=1
else
	have_wanscope_tools=0
	echo "note: wanscope traceroute not in this build; system tools only"
fi

# --- 2. the destination drops echo requests
ip netns exec "$NS_D" nft -f - <<'NFT' || fail "nft"
table inet wsdrop {
	chain in {
		type filter hook input priority 0;
		icmp type echo-request drop
		icmpv6 type echo-request drop
	}
}
NFT
inc ping -c 2 -i 0.2 -W 1 $D4 >/dev/null && fail "ping succeeded through the ICMP drop"
inc traceroute -I -n -q 1 -w 1 -m 6 $D4 >"$PX_DIR/tr4d" 2>&1
cat "$PX_DIR/tr4d"
[ "$(hops "$PX_DIR/tr4d" | head -3 | tr '\n' ' ')" = "$E4 $K4 $R4 " ] ||
	fail "traceroute with ICMP dropped: first hops should be $E4 $K4 $R4"
hops "$PX_DIR/tr4d" | tail -n +4 | grep -qv '^\*$' &&
	fail "traceroute with ICMP dropped: something answered after the router"
if [ $have_wanscope_tools = 1 ]; then
	inc "$WANSCOPE" traceroute -n -m 6 $D4 >"$PX_DIR/wtr4d" 2>&1
	cat "$PX_DIR/wtr4d"
	[ "$(hops "$PX_DIR/wtr4d" | head -3 | tr '\n' ' ')" = "$E4 $K4 $R4 " ] ||
		fail "wanscope traceroute with ICMP dropped: first hops should be $E4 $K4 $R4"
	hops "$PX_DIR/wtr4d" | tail -n +4 | grep -qv '^\*$' &&
		fail "wanscope traceroute with ICMP dropped: an answer after the router"
fi
ip netns exec "$NS_D" nft delete table inet wsdrop

# --- 3. the connector is down
kill "$PX_CONN_PID"
wait "$PX_CONN_PID" 2>/dev/null
for i in $(seq 50); do
	grep -q '^connectors_up 0' "$PX_DIR/edge.stats" && break
	sleep 0.1
done
grep -q '^connectors_up 0' "$PX_DIR/edge.stats" || fail "edge still has a connector"
out=$(inc ping -c 2 -i 0.2 -W 1 $D4 2>&1) && fail "ping succeeded without a connector"
echo "$out"
grep -q "From $E4 .*Destination Net Unreachable" <<<"$out" ||
	fail "ping: no 'Destination Net Unreachable' from the edge $E4"
inc traceroute -I -n -q 1 -w 1 -m 5 $D4 >"$PX_DIR/tr4x" 2>&1
cat "$PX_DIR/tr4x"
[ "$(hops "$PX_DIR/tr4x" | head -1)" = "$E4" ] || fail "connector down: first hop not the edge"
hops "$PX_DIR/tr4x" | tail -n +2 | grep -E -q "$K4|$R4|$D4" &&
	fail "connector down: a hop behind the connector answered"
# After the edge: '* * *' or the edge's own !N, never the connector.
awk '/^ *2 / { print }' "$PX_DIR/tr4x" | grep -E -q "\*|$E4 .*!N" ||
	fail "connector down: hop 2 is neither '*' nor !N from the edge"
echo "PASS"
