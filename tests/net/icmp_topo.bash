# SPDX-License-Identifier: BSD-2-Clause
# icmp_topo.bash - sourced by tests/net/icmp_tools_*.sh: the namespace
# topology client -- r1 -- r2 -- dst (veth pairs, forwarding on), IPv4 and
# IPv6, with ping_group_range opened in the client namespace only.
#
#   client .2 | 10.61.1.0/24 fd61:1::/64 | .1 r1 .1 | 10.61.2.0/24 fd61:2::/64 |
#   .2 r2 .1 | 10.61.3.0/24 fd61:3::/64 | .2 dst
#
# Defines: NS_C NS_R1 NS_R2 NS_D, the addresses below, topo_up, topo_down,
# as_user (run a command unprivileged in the client namespace).

P=ws-icmp-$$
NS_C=$P-c NS_R1=$P-r1 NS_R2=$P-r2 NS_D=$P-d
C4=10.61.1.2 R1_4=10.61.1.1 R2_4=10.61.2.2 D4=10.61.3.2
C6=fd61:1::2 R1_6=fd61:1::1 R2_6=fd61:2::2 D6=fd61:3::2

topo_down() {
	local ns
	for ns in "$NS_C" "$NS_R1" "$NS_R2" "$NS_D"; do
		ip netns del "$ns" 2>/dev/null
	done
	return 0
}

# link NS_A IF_A ADDR4_A ADDR6_A NS_B IF_B ADDR4_B ADDR6_B (prefix lengths included)
topo_link() {
	ip link add "$2" netns "$1" type veth peer name "$6" netns "$5" || return 1
	ip -n "$1" addr add "$3" dev "$2" && ip -n "$1" -6 addr add "$4" dev "$2" nodad &&
	ip -n "$5" addr add "$7" dev "$6" && ip -n "$5" -6 addr add "$8" dev "$6" nodad &&
	ip -n "$1" link set "$2" up && ip -n "$5" link set "$6" up
}

topo_up() {
	local ns
	for ns in "$NS_C" "$NS_R1" "$NS_R2" "$NS_D"; do
		ip netns add "$ns" || return 1
		ip -n "$ns" link set lo up
		ip netns exec "$ns" sysctl -qw net.ipv6.conf.all.accept_dad=0 \
			net.ipv6.conf.default.accept_dad=0
	done
	topo_link "$NS_C" c0 $C4/24 $C6/64 "$NS_R1" r1a $R1_4/24 $R1_6/64 || return 1
	topo_link "$NS_R1" r1b 10.61.2.1/24 fd61:2::1/64 "$NS_R2" r2a $R2_4/24 $R2_6/64 || return 1
	topo_link "$NS_R2" r2b 10.61.3.1/24 fd61:3::1/64 "$NS_D" d0 $D4/24 $D6/64 || return 1
	for ns in "$NS_R1" "$NS_R2"; do
		ip netns exec "$ns" sysctl -qw net.ipv4.ip_forward=1 \
			net.ipv6.conf.all.forwarding=1 || return 1
	done
	ip -n "$NS_C" route add default via $R1_4 &&
	ip -n "$NS_C" -6 route add default via $R1_6 &&
	ip -n "$NS_R1" route add default via $R2_4 &&
	ip -n "$NS_R1" -6 route add default via $R2_6 &&
	ip -n "$NS_R2" route add 10.61.1.0/24 via 10.61.2.1 &&
	ip -n "$NS_R2" -6 route add fd61:1::/64 via fd61:2::1 &&
	ip -n "$NS_D" route add default via 10.61.3.1 &&
	ip -n "$NS_D" -6 route add default via fd61:3::1 || return 1
	# Routers answer without rate limits getting in the tests' way.
	for ns in "$NS_R1" "$NS_R2" "$NS_D"; do
		ip netns exec "$ns" sysctl -qw net.ipv4.icmp_ratelimit=0 \
			net.ipv6.icmp.ratelimit=0 2>/dev/null
		ip netns exec "$ns" sysctl -qw net.ipv4.icmp_msgs_per_sec=100000 2>/dev/null
	done
	# Open ICMP sockets for every group, in the client namespace only.
	ip netns exec "$NS_C" sysctl -qw net.ipv4.ping_group_range="0 2147483647" || return 1
	# Wait until the far end answers (neighbour resolution, no DAD).
	local i
	for i in $(seq 50); do
		ip netns exec "$NS_C" ping -c1 -W1 -q $D4 >/dev/null 2>&1 &&
		ip netns exec "$NS_C" ping -6 -c1 -W1 -q $D6 >/dev/null 2>&1 && return 0
		sleep 0.1
	done
	echo "topology: $D4 / $D6 not reachable from the client" >&2
	return 1
}

# as_user CMD...: unprivileged (uid/gid 65534, no groups, no capabilities)
# in the client namespace.
as_user() {
	ip netns exec "$NS_C" setpriv --reuid=65534 --regid=65534 --clear-groups \
		--inh-caps=-all --bounding-set=-all "$@"
}
