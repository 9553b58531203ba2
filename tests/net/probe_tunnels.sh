#!/bin/bash
# SPDX-License-Identifier: BSD-2-Clause
# probe_tunnels.sh - tunnel health checks end to end: a hub and two
# branches (namespaces), each branch with a VXLAN and a tun-based tunnel,
# configured by `wanscope branch-config | sh`.
#  1. reply, request and unidirectional probes succeed on every tunnel
#  2. without the branch's policy rule reply probes fail, unidirectional
#     ones pass, and branch-check names the missing rule
#  3. the continuous prober: loss (nftables numgen) and a dead tunnel move
#     a tunnel healthy -> degraded -> down -> degraded -> healthy, the hub's
#     routes move to the remaining tunnel and back (ip -j route), alerts run
#  4. forged and replayed (stale) replies are counted and ignored
#  5. on exit the routes are back at their configured metrics
# Throughout, the steered routes carry protocol 245: a stale one of ours
# from an earlier run is removed at start, another owner's (246, the
# doctor's) is never touched.
set -u
top=$(cd "$(dirname "$0")/../.." && pwd)
WANSCOPE=${WANSCOPE:-$top/build/wanscope}
TT=$(dirname "$WANSCOPE")/tests/net/tuntunnel
[ "$(id -u)" = 0 ] || { echo "needs root"; exit 77; }
[ -x "$TT" ] || { echo "tuntunnel test tool not built ($TT)"; exit 77; }
for t in jq nft python3; do
	command -v $t >/dev/null || { echo "$t not installed"; exit 77; }
done
TOPO_ID=ws-prb-$$
. "$top/tests/net/tools/probe_topo.bash"
WORK=$(mktemp -d /tmp/ws-prb-$$.XXXX)
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
step() { echo "--- $*"; }

topo_up "$TT" || fail "topology setup"
for n in 1 2; do topo_branch_config $n || fail "branch-config on b$n"; done

step "1. all three probe types on all four tunnels"
for n in 1 2; do
	hx "$WANSCOPE" probe --iface vxb$n --peer 10.10$n.0.1 --source 10.255.0.1 \
		--count 3 --interval 0.1 --json >"$WORK/o" || fail "reply probe vxb$n: $(cat "$WORK/o")"
	tail -1 "$WORK/o" | jq -e '.sent == 3 and .received == 3 and .loss_pct == 0' >/dev/null ||
		fail "reply probe vxb$n summary: $(tail -1 "$WORK/o")"
	hx "$WANSCOPE" probe --iface tnb$n --source 10.255.0.2 --count 3 --interval 0.1 >/dev/null ||
		fail "reply probe tnb$n"
	hx "$WANSCOPE" probe --iface vxb$n --peer 10.10$n.0.1 --source 10.255.0.1 --type request \
		--target 10.99.0.1 --count 3 --interval 0.1 >/dev/null || fail "request probe vxb$n"
	hx "$WANSCOPE" probe --iface tnb$n --source 10.255.0.2 --type request --target 10.99.0.1 \
		--count 3 --interval 0.1 --size 1400 --df --dscp 46 >/dev/null ||
		fail "request probe tnb$n (1400 bytes, DF, DSCP 46)"
	hx "$WANSCOPE" probe --iface tnb$n --type unidirectional --target 192.168.$n.2 \
		--count 3 --interval 0.1 >/dev/null || fail "unidirectional probe b$n"
	bx $n "$WANSCOPE" branch-check --tunnel vx0 --hub-prefix 10.255.0.1/32 >"$WORK/o" ||
		fail "branch-check b$n vx0: $(cat "$WORK/o")"
	grep -q "leaves through vx0 (table 101)" "$WORK/o" ||
		fail "branch-check b$n vx0 does not name table 101: $(cat "$WORK/o")"
	bx $n "$WANSCOPE" branch-check --type request --tunnel tn0 --target 10.99.0.1 \
		--hub-prefix 10.255.0.2/32 >"$WORK/o" || fail "branch-check request b$n tn0: $(cat "$WORK/o")"
	grep -q "leaves through tn0 (table 102)" "$WORK/o" ||
		fail "branch-check request b$n tn0 does not name table 102: $(cat "$WORK/o")"
done
# IPv6: ICMPv6 echo through the tun tunnel (request) and outside it
hx ip -6 addr add fd00:201::/127 dev tnb1 nodad
b1x ip -6 addr add fd00:201::1/127 dev tn0 nodad
hx ip -6 addr add fd00:1::1/64 dev u1 nodad
b1x ip -6 addr add fd00:1::2/64 dev u0 nodad
hx "$WANSCOPE" probe --iface tnb1 --type request --target fd00:201::1 --count 3 \
	--interval 0.1 --json >"$WORK/o" || fail "IPv6 request probe: $(cat "$WORK/o")"
hx "$WANSCOPE" probe --type unidirectional --target fd00:1::2 --count 3 --interval 0.1 \
	>/dev/null || fail "IPv6 unidirectional probe"
# the hub's strict rp_filter would drop these probes: they were seen before it
[ "$(hx sysctl -n net.ipv4.conf.all.rp_filter)" = 1 ] || fail "hub rp_filter not strict"

step "2. without the branch's policy rule: reply fails, unidirectional passes"
while b1x ip rule del priority 101 2>/dev/null; do :; done
hx "$WANSCOPE" probe --iface vxb1 --peer 10.101.0.1 --source 10.255.0.1 --count 3 \
	--interval 0.1 --timeout 0.3 --json >"$WORK/o"
rc=$?
[ $rc = 1 ] || fail "reply probe without the rule: exit $rc, expected 1"
tail -1 "$WORK/o" | jq -e '.received == 0' >/dev/null || fail "reply probe got replies"
hx "$WANSCOPE" probe --type unidirectional --target 192.168.1.2 --count 3 --interval 0.1 \
	>/dev/null || fail "unidirectional probe without the rule"
b1x "$WANSCOPE" branch-check --tunnel vx0 --hub-prefix 10.255.0.1/32 >"$WORK/o"
[ $? = 1 ] || fail "branch-check did not fail without the rule"
grep -q "MISSING: a policy rule" "$WORK/o" || fail "branch-check did not name the rule: $(cat "$WORK/o")"
b1x nft add table inet ct_test
b1x nft add chain inet ct_test c '{ type filter hook forward priority 0; }'
b1x nft add rule inet ct_test c ct state established accept
b1x "$WANSCOPE" branch-check --tunnel vx0 --hub-prefix 10.255.0.1/32 | grep -q "choose request type" ||
	fail "branch-check did not advise request type under a stateful firewall"
b1x nft delete table inet ct_test
topo_branch_config 1 >/dev/null 2>&1	# puts the rules back (the rest exists)
hx "$WANSCOPE" probe --iface vxb1 --peer 10.101.0.1 --source 10.255.0.1 --count 2 \
	--interval 0.1 >/dev/null || fail "reply probe after restoring the rule"

step "3. continuous prober: states, steering, alerts"
cat >"$WORK/hub.conf" <<CONF
state-file $WORK/tunnels.json
state-interval 200ms
alert-exec echo "\$WANSCOPE_EVENT \$WANSCOPE_TUNNEL \$WANSCOPE_DETAIL" >> $WORK/alerts.log
interval 100ms
timeout 200ms
down-window 1s
degrade-window 5s
min-state 1s
slo-short 3s
slo-long 10s
slo-interval 1s
tunnel b1-vx
  iface vxb1
  peer 10.101.0.1
  source 10.255.0.1
  route 10.20.1.0/24 via 10.101.0.1 metric 100
tunnel b1-tn
  iface tnb1
  source 10.255.0.2
  type request
  target 10.99.0.1
  route 10.20.1.0/24 metric 100
tunnel b2-vx
  iface vxb2
  peer 10.102.0.1
  source 10.255.0.1
  route 10.20.2.0/24 via 10.102.0.1 metric 100
tunnel b2-tn
  iface tnb2
  source 10.255.0.2
  route 10.20.2.0/24 metric 100
CONF
"$WANSCOPE" probe --config "$WORK/hub.conf" -n >/dev/null || fail "config check"
hx ip route add blackhole 10.20.1.0/24 metric 777 proto 246
hx ip route add 10.20.1.0/24 dev tnb1 metric 888 proto 245
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
# metric of the hub's route to PREFIX through DEV (multipath or not)
metric_via() { # prefix dev
	hx ip -j route show "$1" | jq -r --arg d "$2" \
		'.[] | select(.dev == $d or ((.nexthops // []) | map(.dev) | index($d) != null)) | .metric'
}
nexthops_at() { # prefix metric
	hx ip -j route show "$1" | jq -r --argjson m "$2" \
		'[.[] | select(.metric == $m) | if .nexthops then .nexthops[].dev else .dev end] | sort | join(",")'
}
wait_file() { local i; for i in $(seq 50); do [ -s "$1" ] && return 0; sleep 0.1; done; fail "no $1"; }
wait_file "$WORK/tunnels.json"
sleep 1
for t in b1-vx b1-tn b2-vx b2-tn; do [ "$(state $t)" = healthy ] || fail "$t not healthy at start"; done
[ "$(nexthops_at 10.20.1.0/24 100)" = "tnb1,vxb1" ] || fail "no ECMP at start: $(hx ip route show 10.20.1.0/24)"
hx ip route show 10.20.1.0/24
routes_at() { # prefix metric [ip route selectors...]
	local p=$1 m=$2; shift 2
	hx ip -j route show "$p" "$@" | jq --argjson m "$m" '[.[] | select(.metric == $m)] | length'
}
[ "$(routes_at 10.20.1.0/24 100 proto 245)" = 1 ] || fail "steered route without protocol 245"
[ "$(routes_at 10.20.1.0/24 888)" = 0 ] || fail "our stale route (protocol 245, metric 888) left"
[ "$(routes_at 10.20.1.0/24 777 proto 246)" = 1 ] || fail "a route of protocol 246 was touched"

b1x nft add table inet loss
b1x nft add chain inet loss c '{ type filter hook forward priority 0; }'
b1x nft add rule inet loss c iifname vx0 numgen random mod 100 '<' 10 drop
wait_state b1-vx degraded 20
[ "$(metric_via 10.20.1.0/24 vxb1)" = 500100 ] || fail "degraded route metric: $(hx ip route show 10.20.1.0/24)"
[ "$(metric_via 10.20.1.0/24 tnb1)" = 100 ] || fail "healthy route metric"
hx ip route show 10.20.1.0/24

b1x nft add rule inet loss c iifname vx0 drop	# the tunnel is dead
wait_state b1-vx down 10
[ "$(metric_via 10.20.1.0/24 vxb1)" = 1000100 ] || fail "down route metric: $(hx ip route show 10.20.1.0/24)"
[ "$(routes_at 10.20.1.0/24 1000100 proto 245)" = 1 ] || fail "penalised route without protocol 245"
[ "$(nexthops_at 10.20.1.0/24 100)" = "tnb1" ] || fail "traffic not on the remaining tunnel"
hx ip route show 10.20.1.0/24
[ "$(state b1-tn)" = healthy ] && [ "$(state b2-vx)" = healthy ] || fail "other tunnels disturbed"
[ "$(hx ip -j route show 10.20.2.0/24 | jq length)" = 1 ] || fail "b2's routes were touched"

b1x nft delete table inet loss
wait_state b1-vx degraded 15
wait_state b1-vx healthy 30
[ "$(nexthops_at 10.20.1.0/24 100)" = "tnb1,vxb1" ] || fail "ECMP not restored: $(hx ip route show 10.20.1.0/24)"
hx "$WANSCOPE" tunnels --state "$WORK/tunnels.json"
for s in "healthy -> degraded" "degraded -> down" "down -> degraded" "degraded -> healthy"; do
	grep -q "tunnel b1-vx: $s" "$WORK/prober.log" || fail "no '$s' event logged"
	grep -q "^state b1-vx $s" "$WORK/alerts.log" || fail "no '$s' alert run"
done

step "4. forged and stale replies are ignored"
before=$(hx "$WANSCOPE" tunnels --state "$WORK/tunnels.json" --json | jq '.tunnels[] | select(.name == "b2-tn")')
b2x python3 "$top/tests/net/tools/probe_inject.py" tn0 || fail "injection tool"
sleep 1
after=$(hx "$WANSCOPE" tunnels --state "$WORK/tunnels.json" --json | jq '.tunnels[] | select(.name == "b2-tn")')
df=$(( $(jq .counters.forged <<<"$after") - $(jq .counters.forged <<<"$before") ))
ds=$(( $(jq .counters.stale <<<"$after") - $(jq .counters.stale <<<"$before") ))
echo "forged +$df stale +$ds"
[ "$df" -ge 5 ] || fail "forged replies not counted ($df)"
[ "$ds" -ge 5 ] || fail "stale replies not counted ($ds)"
[ "$(jq -r .state <<<"$after")" = healthy ] || fail "b2-tn disturbed by injected replies"
[ "$(jq .received <<<"$after")" -le "$(jq .sent <<<"$after")" ] || fail "injected replies counted as received"

step "5. on exit the routes go back to their configured metrics"
b1x nft add table inet loss
b1x nft add chain inet loss c '{ type filter hook forward priority 0; }'
b1x nft add rule inet loss c iifname vx0 drop
wait_state b1-vx down 10
kill "$PROBER"; wait "$PROBER"; PROBER=
[ "$(routes_at 10.20.1.0/24 777 proto 246)" = 1 ] || fail "the prober removed a route of protocol 246"
hx ip route del blackhole 10.20.1.0/24 metric 777 proto 246
[ "$(nexthops_at 10.20.1.0/24 100)" = "tnb1,vxb1" ] || fail "routes not restored on exit: $(hx ip route show 10.20.1.0/24)"
[ "$(hx ip -j route show 10.20.1.0/24 | jq length)" = 1 ] || fail "penalised route left behind"
echo "PASS"
