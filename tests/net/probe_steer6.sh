#!/bin/bash
# SPDX-License-Identifier: BSD-2-Clause
# probe_steer6.sh - IPv6 route steering: branch 1's two tunnels (VXLAN,
# probed with IPv4 reply probes; tun, probed with ICMPv6 echo requests)
# each carry an IPv6 route to the branch's LAN via a gateway on the tunnel
# (IPv6 ECMP needs gateways). Killing the tun tunnel with nftables moves it
# healthy -> degraded -> down and its IPv6 route's metric to +500000 and
# +1000000 (ip -6 -j route), ECMP comes back after recovery, and on exit
# the routes are back at their configured metric.
set -u
top=$(cd "$(dirname "$0")/../.." && pwd)
WANSCOPE=${WANSCOPE:-$top/build/wanscope}
TT=$(dirname "$WANSCOPE")/tests/net/tuntunnel
[ "$(id -u)" = 0 ] || { echo "needs root"; exit 77; }
[ -x "$TT" ] || { echo "tuntunnel test tool not built ($TT)"; exit 77; }
for t in jq nft; do
	command -v $t >/dev/null || { echo "$t not installed"; exit 77; }
done
TOPO_ID=ws-ps6-$$
. "$top/tests/net/tools/probe_topo.bash"
WORK=$(mktemp -d /tmp/ws-ps6-$$.XXXX)
PROBER=
cleanup() {
	if [ -n "$PROBER" ]; then
		kill "$PROBER" 2>/dev/null
		for _ in $(seq 50); do kill -0 "$PROBER" 2>/dev/null || break; sleep 0.1; done
		kill -9 "$PROBER" 2>/dev/null
	fi
	topo_down
	rm -rf "$WORK"
}
trap cleanup EXIT
trap 'exit 1' INT TERM
fail() { echo "FAIL: $*"; [ -f "$WORK/prober.log" ] && tail -20 "$WORK/prober.log"; exit 1; }

topo_up "$TT" || fail "topology setup"
topo_branch_config 1 || fail "branch-config on b1"
hx ip -6 addr add fd00:101::/127 dev vxb1 nodad
b1x ip -6 addr add fd00:101::1/127 dev vx0 nodad
hx ip -6 addr add fd00:201::/127 dev tnb1 nodad
b1x ip -6 addr add fd00:201::1/127 dev tn0 nodad
b1x ip -6 addr add fd00:20:1::1/128 dev lo

P=fd00:20:1::/64
cat >"$WORK/hub.conf" <<CONF
state-file $WORK/tunnels.json
state-interval 200ms
interval 100ms
timeout 200ms
down-window 1s
degrade-window 3s
min-state 1s
tunnel b1-vx
  iface vxb1
  peer 10.101.0.1
  source 10.255.0.1
  route $P via fd00:101::1 metric 100
tunnel b1-tn6
  iface tnb1
  type request
  target fd00:201::1
  route $P via fd00:201::1 metric 100
CONF
"$WANSCOPE" probe --config "$WORK/hub.conf" -n >/dev/null || fail "config check"
ip netns exec "$H" "$WANSCOPE" probe --config "$WORK/hub.conf" >"$WORK/prober.log" 2>&1 &
PROBER=$!

state() { hx "$WANSCOPE" tunnels --state "$WORK/tunnels.json" --json 2>/dev/null |
	jq -r --arg n "$1" '.tunnels[] | select(.name == $n) | .state'; }
wait_state() { # tunnel state seconds
	local i
	for i in $(seq $(($3 * 10))); do
		[ "$(state "$1")" = "$2" ] && return 0
		sleep 0.1
	done
	fail "$1 did not become $2 within $3 s (is $(state "$1"))"
}
# metric of the hub's IPv6 route to P through DEV (multipath or not)
metric_via() { # dev
	hx ip -6 -j route show "$P" | jq -r --arg d "$1" \
		'.[] | select(.dev == $d or ((.nexthops // []) | map(.dev) | index($d) != null)) | .metric'
}
nexthops_at() { # metric
	hx ip -6 -j route show "$P" | jq -r --argjson m "$1" \
		'[.[] | select(.metric == $m) | if .nexthops then .nexthops[].dev else .dev end] | sort | join(",")'
}
for _ in $(seq 50); do [ -s "$WORK/tunnels.json" ] && break; sleep 0.1; done
wait_state b1-vx healthy 5
wait_state b1-tn6 healthy 5
[ "$(nexthops_at 100)" = "tnb1,vxb1" ] || fail "no IPv6 ECMP at start: $(hx ip -6 route show "$P")"
hx ip -6 route show "$P"
# traffic to the branch's IPv6 LAN really flows (through either tunnel)
hx ping -6 -c 1 -W 2 fd00:20:1::1 >/dev/null || fail "no IPv6 path to the branch LAN"

b1x nft add table inet loss
b1x nft add chain inet loss c '{ type filter hook prerouting priority 0; }'
b1x nft add rule inet loss c iifname tn0 meta l4proto ipv6-icmp numgen random mod 100 '<' 15 drop
wait_state b1-tn6 degraded 20
[ "$(metric_via tnb1)" = 500100 ] || fail "degraded IPv6 route metric: $(hx ip -6 route show "$P")"
[ "$(metric_via vxb1)" = 100 ] || fail "healthy IPv6 route metric: $(hx ip -6 route show "$P")"
hx ip -6 route show "$P"

b1x nft add rule inet loss c iifname tn0 drop
wait_state b1-tn6 down 10
[ "$(metric_via tnb1)" = 1000100 ] || fail "down IPv6 route metric: $(hx ip -6 route show "$P")"
[ "$(nexthops_at 100)" = "vxb1" ] || fail "IPv6 traffic not on the remaining tunnel"
[ "$(state b1-vx)" = healthy ] || fail "b1-vx disturbed"
hx ip -6 route show "$P"
[ "$(hx ip -j route show 10.20.1.0/24 | jq length)" = 0 ] || fail "an IPv4 route appeared"

b1x nft delete table inet loss
wait_state b1-tn6 degraded 15
wait_state b1-tn6 healthy 30
[ "$(nexthops_at 100)" = "tnb1,vxb1" ] || fail "IPv6 ECMP not restored: $(hx ip -6 route show "$P")"

# down again, then stop the prober: the route goes back to metric 100
b1x nft add table inet loss
b1x nft add chain inet loss c '{ type filter hook prerouting priority 0; }'
b1x nft add rule inet loss c iifname tn0 drop
wait_state b1-tn6 down 10
kill "$PROBER"; wait "$PROBER"; PROBER=
[ "$(nexthops_at 100)" = "tnb1,vxb1" ] ||
	fail "IPv6 routes not restored on exit: $(hx ip -6 route show "$P")"
[ "$(hx ip -6 -j route show "$P" | jq length)" = 1 ] || fail "penalised IPv6 route left behind"
echo "PASS"
