#!/bin/bash
# SPDX-License-Identifier: BSD-2-Clause
# probe_nftables.sh - `branch-config --format nftables` on branches with a
# stateful firewall (`ct state invalid drop`), in the hub + two branches
# topology of tools/probe_topo.bash:
#  1. the printed ruleset passes `nft -c` and loads; with it (and the mark
#     rule its header names) reply- and request-type probes pass b1's
#     firewall, because the probes bypass conntrack
#  2. control: b2 with the plain iproute2 configuration and the same
#     firewall drops reply-type probes as out-of-state (an echo reply
#     nobody asked for), which is why the nftables form exists
set -u
top=$(cd "$(dirname "$0")/../.." && pwd)
WANSCOPE=${WANSCOPE:-$top/build/wanscope}
TT=$(dirname "$WANSCOPE")/tests/net/tuntunnel
[ "$(id -u)" = 0 ] || { echo "needs root"; exit 77; }
[ -x "$TT" ] || { echo "tuntunnel test tool not built ($TT)"; exit 77; }
for t in jq nft; do
	command -v $t >/dev/null || { echo "$t not installed"; exit 77; }
done
TOPO_ID=ws-prbnft-$$
. "$top/tests/net/tools/probe_topo.bash"
WORK=$(mktemp -d /tmp/ws-prbnft-$$.XXXX)
cleanup() { topo_down; rm -rf "$WORK"; }
trap cleanup EXIT
trap 'exit 1' INT TERM
fail() { echo "FAIL: $*"; exit 1; }
step() { echo "--- $*"; }

firewall() { # n: a stateful filter that drops what conntrack calls invalid
	bx "$1" nft -f - <<'NFT'
table inet fw {
	chain input { type filter hook input priority filter; policy accept; ct state invalid counter drop; }
	chain forward { type filter hook forward priority filter; policy accept; ct state invalid counter drop; }
}
NFT
}
dropped() { bx "$1" nft -j list table inet fw | jq '[.nftables[].rule? // empty | .expr[] | .counter? // empty | .packets] | add'; }
probe() { # iface source [args...]: 3 probes, prints received
	local ifc=$1 src=$2; shift 2
	hx "$WANSCOPE" probe --iface "$ifc" --source "$src" --count 3 --interval 0.1 \
		--timeout 0.3 --json "$@" | tail -1 | jq .received
}

topo_up "$TT" || fail "topology setup"

step "1. b1: nftables form, stateful firewall"
"$WANSCOPE" branch-config --type reply --tunnel tn0 --hub-prefix 10.255.0.2/32 --table 102 \
	--format nftables >"$WORK/reply.nft" || fail "branch-config reply"
"$WANSCOPE" branch-config --type request --tunnel tn0 --target 10.99.0.1 \
	--hub-prefix 10.255.0.2/32 --table 102 --format nftables >"$WORK/request.nft" ||
	fail "branch-config request"
for f in reply request; do
	b1x nft -c -f "$WORK/$f.nft" || fail "nft -c rejects the $f ruleset: $(cat "$WORK/$f.nft")"
	b1x nft -f "$WORK/$f.nft" || fail "nft -f $f"
done
# the routing part is printed as indented comments in the headers (the
# same mark rule for both types: run it once)
sed -n 's/^#   //p' "$WORK/reply.nft" "$WORK/request.nft" | awk '!seen[$0]++' | b1x sh -e ||
	fail "the headers' ip commands"
b1x ip addr add 10.99.0.1/32 dev lo 2>/dev/null
firewall 1 || fail "firewall b1"
r=$(probe tnb1 10.255.0.2) || fail "reply probe"
[ "$r" = 3 ] || fail "reply probes through b1's firewall: $r of 3 came back"
r=$(probe tnb1 10.255.0.2 --type request --target 10.99.0.1) || fail "request probe"
[ "$r" = 3 ] || fail "request probes through b1's firewall: $r of 3 came back"
[ "$(dropped 1)" = 0 ] || fail "b1's firewall dropped $(dropped 1) packets"
echo "b1: reply 3/3, request 3/3, firewall drops 0"

step "2. control: b2 with the iproute2 form and the same firewall"
topo_branch_config 2 || fail "branch-config b2"
r=$(probe tnb2 10.255.0.2) || true
[ "$r" = 3 ] || fail "reply probes on b2 before the firewall: $r of 3"
firewall 2 || fail "firewall b2"
r=$(probe tnb2 10.255.0.2) || true
[ "$r" = 0 ] || fail "b2's firewall let $r reply probes through"
[ "$(dropped 2)" -ge 3 ] || fail "b2's firewall counted $(dropped 2) drops"
echo "b2: reply 0/3 behind the firewall, $(dropped 2) dropped as invalid"
echo PASS
