#!/bin/bash
# SPDX-License-Identifier: BSD-2-Clause
# probe_alerts.sh - the alert webhook end to end: the continuous prober in
# the hub namespace POSTs its events as JSON to a listener on the hub's
# loopback (tests/net/tools/webhook_sink.py); a tunnel is killed with
# nftables and revived. Checks every body is JSON with Content-Type
# application/json, names the tunnel, and that the transitions
# healthy -> degraded -> down and the SLO alert arrive, then down -> degraded
# and slo-resolved after the tunnel is back. Only namespace addresses.
set -u
top=$(cd "$(dirname "$0")/../.." && pwd)
WANSCOPE=${WANSCOPE:-$top/build/wanscope}
TT=$(dirname "$WANSCOPE")/tests/net/tuntunnel
[ "$(id -u)" = 0 ] || { echo "needs root"; exit 77; }
[ -x "$TT" ] || { echo "tuntunnel test tool not built ($TT)"; exit 77; }
for t in jq nft python3; do
	command -v $t >/dev/null || { echo "$t not installed"; exit 77; }
done
TOPO_ID=ws-pal-$$
. "$top/tests/net/tools/probe_topo.bash"
WORK=$(mktemp -d /tmp/ws-pal-$$.XXXX)
PROBER= SINK=
cleanup() {
	if [ -n "$PROBER" ]; then
		kill "$PROBER" 2>/dev/null
		for _ in $(seq 50); do kill -0 "$PROBER" 2>/dev/null || break; sleep 0.1; done
		kill -9 "$PROBER" 2>/dev/null
	fi
	[ -n "$SINK" ] && { kill "$SINK" 2>/dev/null; wait "$SINK" 2>/dev/null; }
	topo_down
	rm -rf "$WORK"
}
trap cleanup EXIT
trap 'exit 1' INT TERM
fail() {
	echo "FAIL: $*"
	[ -f "$WORK/prober.log" ] && tail -20 "$WORK/prober.log"
	[ -f "$WORK/hooks" ] && cat "$WORK/hooks"
	exit 1
}

"$WANSCOPE" probe --help 2>&1 | grep -q . || fail "no wanscope"
topo_up "$TT" || fail "topology setup"
topo_branch_config 1 || fail "branch-config on b1"

ip netns exec "$H" python3 "$top/tests/net/tools/webhook_sink.py" 18080 "$WORK/hooks" &
SINK=$!
for _ in $(seq 50); do [ -e "$WORK/hooks.ready" ] && break; sleep 0.1; done
[ -e "$WORK/hooks.ready" ] || fail "webhook listener did not start"

cat >"$WORK/hub.conf" <<CONF
state-file $WORK/tunnels.json
state-interval 200ms
alert-webhook http://127.0.0.1:18080/wanscope-hook
interval 100ms
timeout 200ms
down-window 1s
degrade-window 3s
min-state 1s
slo 98
slo-short 2s
slo-long 4s
slo-interval 1s
tunnel b1-tn
  iface tnb1
  source 10.255.0.2
  route 10.20.1.0/24 metric 100
CONF
"$WANSCOPE" probe --config "$WORK/hub.conf" -n >/dev/null || fail "config check"
ip netns exec "$H" "$WANSCOPE" probe --config "$WORK/hub.conf" >"$WORK/prober.log" 2>&1 &
PROBER=$!

# hook EVENT [JQ-CONDITION]: wait up to 20 s for a matching POST body
hook() {
	local i
	for i in $(seq 200); do
		[ -f "$WORK/hooks" ] && cut -f3 "$WORK/hooks" |
			jq -e -s --arg e "$1" "map(select(.event == \$e ${2:+and ($2)})) | length > 0" \
			>/dev/null 2>&1 && return 0
		sleep 0.1
	done
	fail "no webhook '$1' ${2:-} within 20 s"
}
for _ in $(seq 50); do [ -s "$WORK/tunnels.json" ] && break; sleep 0.1; done
sleep 1
[ ! -s "$WORK/hooks" ] || fail "webhook fired while healthy: $(cat "$WORK/hooks")"

b1x nft add table inet loss
b1x nft add chain inet loss c '{ type filter hook prerouting priority 0; }'
b1x nft add rule inet loss c iifname tn0 drop
hook state '.tunnel == "b1-tn" and .previous == "healthy" and .state == "degraded"'
hook state '.tunnel == "b1-tn" and .previous == "degraded" and .state == "down" and (.detail | test("probes in the last 1000 ms failed"))'
hook slo-alert '.tunnel == "b1-tn" and (.detail | test("objective 98%"))'

b1x nft delete table inet loss
hook state '.tunnel == "b1-tn" and .previous == "down" and .state == "degraded"'
hook slo-resolved '.tunnel == "b1-tn"'

# every body: well-formed JSON object with exactly the documented keys,
# posted to the configured path with the JSON content type
while IFS=$'\t' read -r path ctype body; do
	[ "$path" = /wanscope-hook ] || fail "webhook path '$path'"
	[ "$ctype" = application/json ] || fail "webhook Content-Type '$ctype'"
	jq -e 'keys == ["detail","event","previous","state","tunnel"]' <<<"$body" >/dev/null ||
		fail "webhook body keys: $body"
done <"$WORK/hooks"
echo "webhook POSTs received: $(wc -l <"$WORK/hooks")"
cut -f3 "$WORK/hooks"
echo "PASS"
