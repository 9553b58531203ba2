# SPDX-License-Identifier: BSD-2-Clause
# probe_topo.bash - sourced by tests/net/probe_*.sh and bench/probe.sh:
# a hub and two branches in namespaces, each branch with two tunnels to the
# hub: kernel VXLAN (vx0, Ethernet-like) and a tun-based UDP tunnel (tn0, L3).
#
#   hub lo 10.255.0.1 (probe source for VXLAN tunnels), 10.255.0.2 (tun)
#   hub u1 192.168.1.1/24 -- b1 u0 192.168.1.2/24   (underlay, veth)
#   hub u2 192.168.2.1/24 -- b2 u0 192.168.2.2/24
#   hub vxbN 10.10N.0.0/31 -- bN vx0 10.10N.0.1/31  (VXLAN VNI 10N)
#   hub tnbN 10.20N.0.0/31 -- bN tn0 10.20N.0.1/31  (tuntunnel, UDP 500N)
#   bN lo 10.99.0.1/32 (request target), 10.20.N.1/32 (its "LAN"); the reply
#   target 172.64.240.253 is NOT local to the branches (it would be a martian)
# Nothing here is connected to the host's interfaces.

TOPO_ID=${TOPO_ID:-ws-prb-$$}
H=$TOPO_ID-h
B1=$TOPO_ID-b1
B2=$TOPO_ID-b2
TOPO_PIDS=()

hx() { ip netns exec "$H" "$@"; }
b1x() { ip netns exec "$B1" "$@"; }
b2x() { ip netns exec "$B2" "$@"; }
bx() { local n=$1; shift; ip netns exec "$TOPO_ID-b$n" "$@"; }

topo_down() {
	local p
	for p in "${TOPO_PIDS[@]}"; do kill "$p" 2>/dev/null; done
	for p in "${TOPO_PIDS[@]}"; do wait "$p" 2>/dev/null; done
	ip netns del "$H" 2>/dev/null
	ip netns del "$B1" 2>/dev/null
	ip netns del "$B2" 2>/dev/null
}

# Wait up to ~5 s for a device to appear in a namespace.
topo_wait_dev() { # ns dev
	local i
	for i in $(seq 50); do
		ip netns exec "$1" ip link show "$2" >/dev/null 2>&1 && return 0
		sleep 0.1
	done
	echo "device $2 did not appear in $1" >&2
	return 1
}

topo_up() { # path-to-tuntunnel
	local tt=$1 n
	ip netns add "$H" && ip netns add "$B1" && ip netns add "$B2" || return 1
	hx ip link set lo up
	hx ip addr add 10.255.0.1/32 dev lo
	hx ip addr add 10.255.0.2/32 dev lo
	hx sysctl -qw net.ipv4.conf.all.rp_filter=1 net.ipv4.conf.default.rp_filter=1
	for n in 1 2; do
		local B=$TOPO_ID-b$n
		ip link add u$n netns "$H" type veth peer name u0 netns "$B" || return 1
		hx ip addr add 192.168.$n.1/24 dev u$n
		hx ip link set u$n up
		bx $n ip link set lo up
		bx $n ip addr add 192.168.$n.2/24 dev u0
		bx $n ip link set u0 up
		bx $n ip route add default via 192.168.$n.1
				bx $n ip addr add 10.20.$n.1/32 dev lo
		bx $n sysctl -qw net.ipv4.ip_forward=1 net.ipv4.conf.all.rp_filter=0 \
			net.ipv4.conf.default.rp_filter=0 net.ipv4.conf.all.send_redirects=0
		# VXLAN
		hx ip link add vxb$n type vxlan id 10$n local 192.168.$n.1 remote 192.168.$n.2 \
			dstport 4789 dev u$n
		hx ip addr add 10.10$n.0.0/31 dev vxb$n
		hx ip link set vxb$n up
		bx $n ip link add vx0 type vxlan id 10$n local 192.168.$n.2 remote 192.168.$n.1 \
			dstport 4789 dev u0
		bx $n ip addr add 10.10$n.0.1/31 dev vx0
		bx $n ip link set vx0 up
		bx $n sysctl -qw net.ipv4.conf.vx0.rp_filter=0
		# tun-based UDP tunnel
		ip netns exec "$H" "$tt" tnb$n 192.168.$n.1 500$n 192.168.$n.2 500$n & TOPO_PIDS+=($!)
		ip netns exec "$B" "$tt" tn0 192.168.$n.2 500$n 192.168.$n.1 500$n & TOPO_PIDS+=($!)
		topo_wait_dev "$H" tnb$n || return 1
		topo_wait_dev "$B" tn0 || return 1
		hx ip addr add 10.20$n.0.0/31 dev tnb$n
		hx ip link set tnb$n up
		bx $n ip addr add 10.20$n.0.1/31 dev tn0
		bx $n ip link set tn0 up
		bx $n sysctl -qw net.ipv4.conf.tn0.rp_filter=0
	done
}

# Configure branch N for reply- and request-type probes with branch-config.
topo_branch_config() { # n
	local n=$1
	"$WANSCOPE" branch-config --type reply --tunnel vx0 --hub-prefix 10.255.0.1/32 \
		--via 10.10$n.0.0 --table 101 | bx $n sh -e || return 1
	"$WANSCOPE" branch-config --type reply --tunnel tn0 --hub-prefix 10.255.0.2/32 \
		--table 102 | bx $n sh -e || return 1
	"$WANSCOPE" branch-config --type request --tunnel vx0 --target 10.99.0.1 \
		--hub-prefix 10.255.0.1/32 --via 10.10$n.0.0 --table 101 | bx $n sh -e || return 1
	"$WANSCOPE" branch-config --type request --tunnel tn0 --target 10.99.0.1 \
		--hub-prefix 10.255.0.2/32 --table 102 | bx $n sh -e || return 1
}
