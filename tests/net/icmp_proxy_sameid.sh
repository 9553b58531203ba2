#!/bin/bash
# SPDX-License-Identifier: BSD-2-Clause
# icmp_proxy_sameid.sh - two clients ping the same destination at the same
# time with the same echo identifier (iputils `ping -e`, raw sockets as
# root) through a connector with ONE ICMP socket per family; each must get
# every one of its own replies back (its id, its
# sequence numbers, no duplicates), IPv4 and IPv6, through the connector's
# shared ICMP sockets.
set -u
top=$(cd "$(dirname "$0")/../.." && pwd)
WANSCOPE=${WANSCOPE:-$top/build/wanscope}
for t in ping setpriv tcpdump; do
	command -v $t >/dev/null || { echo "$t not installed"; exit 77; }
done
[ "$(id -u)" = 0 ] || { echo "needs root for network namespaces"; exit 77; }
. "$top/tests/net/icmp_proxy_topo.bash"
trap px_down EXIT
fail() { echo "FAIL: $*"; for f in edge.log conn.log conn.stats; do
	echo "--- $f"; cat "$PX_DIR/$f" 2>/dev/null; done; exit 1; }

px_up || fail "topology"
px_client2 || fail "second client"
px_creds || fail "credentials"
px_edge
px_connector --icmp-sockets 1	# both flows share one socket
px_wait_up || fail "connector did not come up"
ip netns exec "$NS_C2" ping -c1 -W2 $D4 >/dev/null || fail "client 2 cannot reach $D4"

N=40
for fam in 4 6; do
	if [ $fam = 4 ]; then dst=$D4; else dst=$D6; fi
	# Capture what each client receives, to check id and sequence.
	for ns in "$NS_C" "$NS_C2"; do
		ip netns exec "$ns" tcpdump -l -n -i c0 "icmp or icmp6" \
			>"$PX_DIR/cap-$ns-$fam" 2>/dev/null &
		PX_PIDS+=($!)
	done
	sleep 0.5
	ip netns exec "$NS_C" ping -$fam -e 4242 -c $N -i 0.02 -W 2 $dst >"$PX_DIR/p1" 2>&1 &
	p1=$!
	ip netns exec "$NS_C2" ping -$fam -e 4242 -c $N -i 0.02 -W 2 $dst >"$PX_DIR/p2" 2>&1 &
	p2=$!
	wait $p1 || fail "client 1 IPv$fam: $(cat "$PX_DIR/p1")"
	wait $p2 || fail "client 2 IPv$fam: $(cat "$PX_DIR/p2")"
	for f in p1 p2; do
		tail -2 "$PX_DIR/$f"
		grep -q "$N packets transmitted, $N received, 0% packet loss" "$PX_DIR/$f" ||
			fail "IPv$fam $f lost replies"
		grep -q DUP "$PX_DIR/$f" && fail "IPv$fam $f got duplicates"
		seqs=$(grep -o 'icmp_seq=[0-9]*' "$PX_DIR/$f" | cut -d= -f2 | sort -n | uniq | wc -l)
		[ "$seqs" = $N ] || fail "IPv$fam $f: $seqs distinct sequences, expected $N"
	done
	sleep 0.5
	for ns in "$NS_C" "$NS_C2"; do
		c=$(grep -E -c "echo reply,? .*id 4242, seq" "$PX_DIR/cap-$ns-$fam")
		[ "$c" -ge $N ] || fail "IPv$fam $ns: $c replies with id 4242 captured, expected $N"
	done
	echo "IPv$fam: both clients got their $N replies with id 4242"
done
sleep 1.2
grep -E '^(echoes_proxied|replies|drop_reply_unknown|drop_reply_forged) ' "$PX_DIR/conn.stats"
[ "$(px_stat "$PX_DIR/conn.stats" replies)" -ge $((4 * N)) ] || fail "connector counted too few replies"
echo "PASS"
