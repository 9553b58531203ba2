#!/bin/bash
# SPDX-License-Identifier: BSD-2-Clause
# mk-v6rpf.sh - regenerate tests/data/doctor/v6rpf: a dual-stack host (eth0
# with the default routes, eth1 without) in a throwaway namespace, with the
# nftables ruleset firewalld 1.x writes for a public zone (its IPv6
# reverse-path rule in filter_PREROUTING), saved with `wanscope doctor
# snapshot`. Run as root: tests/data/doctor/mk-v6rpf.sh build/wanscope
set -eu
W=$(realpath "$1")
D=$(dirname "$(realpath "$0")")/v6rpf
N=ws-doc6-mk-$$
trap 'ip netns del $N 2>/dev/null' EXIT
ip netns add $N
ip -n $N link set lo up
ip netns exec $N sysctl -qw net.ipv6.conf.all.accept_ra=0 net.ipv6.conf.default.accept_ra=0
ip -n $N link add eth0 type veth peer name up0
ip -n $N link add eth1 type veth peer name up1
ip -n $N link set eth0 up
ip -n $N link set eth1 up
ip -n $N link set up0 up
ip -n $N link set up1 up
ip -n $N addr add 172.16.4.2/24 dev eth0
ip -n $N addr add 172.16.5.4/24 dev eth1
ip -n $N addr add 2001:db8:1::2/64 dev eth0 nodad
ip -n $N addr add 2001:db8:2::2/64 dev eth1 nodad
ip -n $N route add default via 172.16.4.1
ip -n $N -6 route add default via 2001:db8:1::1 dev eth0
ip netns exec $N nft -f - <<'NFT'
table inet firewalld {
	ct helper helper-tftp-udp { type "tftp" protocol udp; l3proto inet; }
	chain mangle_PREROUTING {
		type filter hook prerouting priority mangle + 10; policy accept;
		jump mangle_PREROUTING_POLICIES
	}
	chain mangle_PREROUTING_POLICIES {
	}
	chain nat_PREROUTING {
		type nat hook prerouting priority dstnat + 10; policy accept;
	}
	chain filter_PREROUTING {
		type filter hook prerouting priority filter + 10; policy accept;
		icmpv6 type { nd-router-advert, nd-neighbor-solicit } accept
		meta nfproto ipv6 fib saddr . mark . iif oif missing drop
	}
	chain filter_INPUT {
		type filter hook input priority filter + 10; policy accept;
		ct state { established, related } accept
		ct status dnat accept
		iifname "lo" accept
		ct state invalid drop
		jump filter_INPUT_POLICIES
		reject with icmpx admin-prohibited
	}
	chain filter_INPUT_POLICIES {
		iifname "eth0" jump filter_IN_public
		iifname "eth1" jump filter_IN_public
		jump filter_IN_public
	}
	chain filter_IN_public {
		meta l4proto { icmp, ipv6-icmp } accept
		tcp dport 22 accept
		ip6 daddr fe80::/64 udp dport 546 accept
	}
	chain filter_FORWARD {
		type filter hook forward priority filter + 10; policy accept;
		ct state { established, related } accept
		ct state invalid drop
		reject with icmpx admin-prohibited
	}
	chain filter_OUTPUT {
		type filter hook output priority filter + 10; policy accept;
		ct state { established, related } accept
		oifname "lo" accept
	}
}
NFT
rm -rf "$D"
ip netns exec $N "$W" doctor snapshot "$D" >/dev/null
rm -f "$D/wanscope-snapshot.txt"
# keep the sysctls the doctor reads, not the whole of `sysctl -a`
grep -E '^net\.ipv4\.(ip_forward|fwmark_reflect|tcp_fwmark_accept|conf\.)' "$D/sysctl.txt" >"$D/sysctl.tmp"
mv "$D/sysctl.tmp" "$D/sysctl.txt"
echo "wrote $D"
