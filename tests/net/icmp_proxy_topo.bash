# SPDX-License-Identifier: BSD-2-Clause
# icmp_proxy_topo.bash - sourced by tests/net/icmp_proxy_*.sh and
# bench/icmp.sh: client -- edge -- (underlay) -- connector -- router -- dst,
# each in its own namespace, IPv4 and IPv6.
#
#   client .2 |10.62.1.0/24 fd62:1::/64| .1 edge .1 |10.62.2.0/24 fd62:2::/64|
#   .2 conn .1 |10.62.3.0/24 fd62:3::/64| .2 router .1 |10.62.4.0/24 fd62:4::/64| .2 dst
#
# The edge forwards (it is a router with a TUN); the connector does NOT
# forward: it is an ordinary host whose unprivileged process proxies ICMP.
# Defines NS_* names, addresses, px_up, px_down, px_creds, px_edge,
# px_connector (unprivileged), px_wait_up. PX_TRANSPORT (quic|dtls) picks
# the edge-connector transport (default: the programs' default, QUIC).

PX=ws-icmpx-$$
NS_C=$PX-c NS_E=$PX-e NS_K=$PX-k NS_R=$PX-r NS_D=$PX-d
C4=10.62.1.2 E4=10.62.1.1 EU4=10.62.2.1 KU4=10.62.2.2 K4=10.62.3.1 R4=10.62.3.2 D4=10.62.4.2
C6=fd62:1::2 E6=fd62:1::1 EU6=fd62:2::1 KU6=fd62:2::2 K6=fd62:3::1 R6=fd62:3::2 D6=fd62:4::2
PX_DIR=$(mktemp -d /tmp/ws-icmpx-$$.XXXXXX)
PX_PIDS=()

px_down() {
	local pid ns
	for pid in "${PX_PIDS[@]}"; do
		kill "$pid" 2>/dev/null
	done
	for pid in "${PX_PIDS[@]}"; do
		wait "$pid" 2>/dev/null
	done
	for ns in "$NS_C" "$NS_E" "$NS_K" "$NS_R" "$NS_D" "$NS_C2"; do
		ip netns del "$ns" 2>/dev/null
	done
	rm -rf "$PX_DIR"
	return 0
}

px_link() { # NS_A IF_A A4 A6 NS_B IF_B B4 B6
	ip link add "$2" netns "$1" type veth peer name "$6" netns "$5" || return 1
	ip -n "$1" addr add "$3" dev "$2" && ip -n "$1" -6 addr add "$4" dev "$2" nodad &&
	ip -n "$5" addr add "$7" dev "$6" && ip -n "$5" -6 addr add "$8" dev "$6" nodad &&
	ip -n "$1" link set "$2" up && ip -n "$5" link set "$6" up
}

px_up() {
	local ns
	for ns in "$NS_C" "$NS_E" "$NS_K" "$NS_R" "$NS_D"; do
		ip netns add "$ns" || return 1
		ip -n "$ns" link set lo up
		ip netns exec "$ns" sysctl -qw net.ipv6.conf.all.accept_dad=0 \
			net.ipv6.conf.default.accept_dad=0 net.ipv4.conf.all.rp_filter=0 \
			net.ipv4.conf.default.rp_filter=0
		ip netns exec "$ns" sysctl -qw net.ipv4.icmp_ratelimit=0 \
			net.ipv6.icmp.ratelimit=0 net.ipv4.icmp_msgs_per_sec=100000 2>/dev/null
	done
	px_link "$NS_C" c0 $C4/24 $C6/64 "$NS_E" e0 $E4/24 $E6/64 || return 1
	px_link "$NS_E" e1 $EU4/24 $EU6/64 "$NS_K" k0 $KU4/24 $KU6/64 || return 1
	px_link "$NS_K" k1 $K4/24 $K6/64 "$NS_R" r0 $R4/24 $R6/64 || return 1
	px_link "$NS_R" r1 10.62.4.1/24 fd62:4::1/64 "$NS_D" d0 $D4/24 $D6/64 || return 1
	for ns in "$NS_E" "$NS_R"; do
		ip netns exec "$ns" sysctl -qw net.ipv4.ip_forward=1 \
			net.ipv6.conf.all.forwarding=1 || return 1
	done
	ip -n "$NS_C" route add default via $E4 &&
	ip -n "$NS_C" -6 route add default via $E6 &&
	ip -n "$NS_K" route add 10.62.4.0/24 via $R4 &&
	ip -n "$NS_K" -6 route add fd62:4::/64 via $R6 &&
	ip -n "$NS_D" route add default via 10.62.4.1 &&
	ip -n "$NS_D" -6 route add default via fd62:4::1 || return 1
	# The connector's namespace lets every group open ICMP sockets.
	ip netns exec "$NS_K" sysctl -qw net.ipv4.ping_group_range="0 2147483647" || return 1
	local i
	for i in $(seq 50); do
		ip netns exec "$NS_K" ping -c1 -W1 -q $D4 >/dev/null 2>&1 &&
		ip netns exec "$NS_K" ping -6 -c1 -W1 -q $D6 >/dev/null 2>&1 &&
		ip netns exec "$NS_E" ping -c1 -W1 -q $C4 >/dev/null 2>&1 &&
		ip netns exec "$NS_E" ping -c1 -W1 -q $KU4 >/dev/null 2>&1 && return 0
		sleep 0.1
	done
	echo "topology: not all links answer" >&2
	return 1
}

# Credentials: the connector (uid 65534) gets its own readable copy.
px_creds() {
	"$WANSCOPE" credentials init "$PX_DIR/creds" >/dev/null || return 1
	mkdir -p "$PX_DIR/kcreds" &&
	cp "$PX_DIR/creds/ca.crt" "$PX_DIR/creds/connector.crt" \
		"$PX_DIR/creds/connector.key" "$PX_DIR/kcreds/" &&
	chown -R 65534:65534 "$PX_DIR/kcreds" && chmod 1777 "$PX_DIR"
}

px_edge() { # extra args...
	ip netns exec "$NS_E" "$WANSCOPE" edge --listen $EU4:4433 --tun ws0 \
		--credentials "$PX_DIR/creds" --stats-file "$PX_DIR/edge.stats" \
		${PX_TRANSPORT:+--transport "$PX_TRANSPORT"} "$@" 2>>"$PX_DIR/edge.log" &
	PX_PIDS+=($!)
	PX_EDGE_PID=$!
}

# The connector runs as nobody, no groups, no capabilities.
px_connector() { # extra args...
	: >"$PX_DIR/conn.stats"
	chown 65534 "$PX_DIR/conn.stats"
	ip netns exec "$NS_K" setpriv --reuid=65534 --regid=65534 --clear-groups \
		--inh-caps=-all --bounding-set=-all \
		"$WANSCOPE" connector --edge $EU4:4433 --route 10.62.4.0/24 \
		--route fd62:4::/64 --credentials "$PX_DIR/kcreds" \
		--stats-file "$PX_DIR/conn.stats" ${PX_TRANSPORT:+--transport "$PX_TRANSPORT"} \
		"$@" 2>>"$PX_DIR/conn.log" &
	PX_PIDS+=($!)
	PX_CONN_PID=$!
}

# Wait until the edge has an authenticated connector (stats file says so).
px_wait_up() {
	local i up=0
	for i in $(seq 100); do
		grep -q '^connectors_up [1-9]' "$PX_DIR/edge.stats" 2>/dev/null &&
		ip -n "$NS_E" route show 10.62.4.0/24 | grep -q ws0 && { up=1; break; }
		sleep 0.1
	done
	if [ "$up" != 1 ]; then
		echo "edge: no connector came up" >&2
		cat "$PX_DIR/edge.log" "$PX_DIR/conn.log" >&2
		return 1
	fi
	case ${PX_TRANSPORT:-quic} in	# the transport asked for is in use
	quic) grep -q "listening on .* (QUIC)" "$PX_DIR/edge.log" ;;
	dtls) grep -q "listening on .* (DTLS 1.2)" "$PX_DIR/edge.log" ;;
	esac || { echo "edge: not using ${PX_TRANSPORT:-quic}" >&2; return 1; }
}

# stat FILE NAME: a counter's value
px_stat() {
	sed -n "s/^$2 //p" "$1"
}

# A second client namespace on the edge: 10.62.5.2/24, fd62:5::2/64.
NS_C2=$PX-c2 C2_4=10.62.5.2 C2_6=fd62:5::2
px_client2() {
	ip netns add "$NS_C2" || return 1
	ip -n "$NS_C2" link set lo up
	ip netns exec "$NS_C2" sysctl -qw net.ipv6.conf.all.accept_dad=0 \
		net.ipv6.conf.default.accept_dad=0
	px_link "$NS_C2" c0 $C2_4/24 $C2_6/64 "$NS_E" e2 10.62.5.1/24 fd62:5::1/64 || return 1
	ip -n "$NS_C2" route add default via 10.62.5.1 &&
	ip -n "$NS_C2" -6 route add default via fd62:5::1
}
