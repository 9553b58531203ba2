#!/bin/bash
# SPDX-License-Identifier: BSD-2-Clause
# icmp_proxy_drops.sh - the connector drops and counts what it must not
# proxy: ICMP other than echo requests from clients (timestamp requests,
# echo replies), other protocols (UDP), and forged echo replies sent to its
# ICMP socket from the private network; and it still proxies real echoes.
# Also: ping_group_range closed for the connector's group gives a clear
# error with the sysctl to run and exit status 1 (no crash), and with
# --allow-no-icmp the connector stays up and echoes are answered
# "administratively prohibited" from the connector.
set -u
top=$(cd "$(dirname "$0")/../.." && pwd)
WANSCOPE=${WANSCOPE:-$top/build/wanscope}
for t in ping setpriv python3; do
	command -v $t >/dev/null || { echo "$t not installed"; exit 77; }
done
[ "$(id -u)" = 0 ] || { echo "needs root for network namespaces"; exit 77; }
. "$top/tests/net/icmp_proxy_topo.bash"
trap px_down EXIT
fail() { echo "FAIL: $*"; for f in edge.log conn.log conn.stats; do
	echo "--- $f"; cat "$PX_DIR/$f" 2>/dev/null; done; exit 1; }
send="python3 $top/tests/net/icmp_proxy_send.py"

px_up || fail "topology"
px_creds || fail "credentials"
px_edge
px_connector
px_wait_up || fail "connector did not come up"
ip netns exec "$NS_C" ping -c 2 -i 0.2 -W 2 $D4 >/dev/null || fail "ping before the test"

# From the client: 5 timestamp requests (13), 5 echo replies (0), 3 UDP.
ip netns exec "$NS_C" $send $D4 13 0 77 1 5 || fail "send timestamps"
ip netns exec "$NS_C" $send $D4 0 0 77 1 5 || fail "send echo replies"
for i in 1 2 3; do
	ip netns exec "$NS_C" bash -c "echo x >/dev/udp/$D4/9" 2>/dev/null
done
# From the private network: echo replies to the connector's ICMP sockets
# (their identifiers are the "ports" in /proc/net/icmp) with sequences no
# echo of ours uses, from the destination and from the router.
ids=$(ip netns exec "$NS_K" awk 'NR > 1 { split($2, a, ":"); print a[2] }' /proc/net/icmp |
	while read -r h; do echo $((16#$h)); done)
[ -n "$ids" ] || fail "no ICMP sockets in the connector namespace"
for id in $ids; do
	ip netns exec "$NS_D" $send $K4 0 0 "$id" 60000 3 || fail "forge from $D4"
done
sleep 1.3
s=$PX_DIR/conn.stats
grep -E '^(drop_not_echo_request|drop_not_icmp|drop_reply_unknown|echoes_proxied|replies) ' "$s"
[ "$(px_stat "$s" drop_not_echo_request)" -ge 10 ] || fail "non-echo ICMP not counted"
[ "$(px_stat "$s" drop_not_icmp)" -ge 3 ] || fail "UDP not counted"
[ "$(px_stat "$s" drop_reply_unknown)" -ge 3 ] || fail "forged replies not counted"
# The destination never saw the timestamp requests.
ip netns exec "$NS_C" ping -c 2 -i 0.2 -W 2 $D4 >/dev/null || fail "ping after the junk"
echo "drops counted; proxy still works"

# --- ping_group_range closed for the connector's group
kill "$PX_CONN_PID"; wait "$PX_CONN_PID" 2>/dev/null
ip netns exec "$NS_K" sysctl -qw net.ipv4.ping_group_range="1 0"
: >"$PX_DIR/conn.log"
ip netns exec "$NS_K" setpriv --reuid=65534 --regid=65534 --clear-groups \
	--inh-caps=-all --bounding-set=-all \
	timeout 10 "$WANSCOPE" connector --edge $EU4:4433 --route 10.62.4.0/24 \
	--credentials "$PX_DIR/kcreds" 2>"$PX_DIR/conn.log"
rc=$?
cat "$PX_DIR/conn.log"
[ $rc = 1 ] || fail "connector without ICMP permission: exit $rc, expected 1"
grep -q 'sysctl -w net.ipv4.ping_group_range="0 2147483647"' "$PX_DIR/conn.log" ||
	fail "no sysctl hint"
grep -q -- "--allow-no-icmp" "$PX_DIR/conn.log" || fail "no --allow-no-icmp hint"

px_connector --allow-no-icmp
sleep 0.2
px_wait_up || fail "connector --allow-no-icmp did not come up"
out=$(ip netns exec "$NS_C" ping -c 2 -i 0.2 -W 1 $D4 2>&1) && fail "ping succeeded without ICMP sockets"
echo "$out"
grep -q "From $K4 .*Packet filtered" <<<"$out" ||
	fail "no 'Packet filtered' (admin prohibited) from the connector $K4"
kill -0 "$PX_CONN_PID" || fail "connector exited"
echo "PASS"
