#!/bin/bash
# SPDX-License-Identifier: BSD-2-Clause
# doctor_samesubnet.sh - two interfaces on one subnet (10.0.0.11/24 on eth0,
# 10.0.0.12/24 on eth1) behind a "provider" namespace that keeps connection
# state per interface (nftables conntrack zones, as a cloud's protocol state
# filtering does). With rp_filter=2, ping to 10.0.0.12 works and TCP (a real
# HTTP server and curl) fails; `doctor explain` predicts both; after
# `doctor fix --apply` both work; --undo restores the state exactly.
set -u
W=${WANSCOPE:-build/wanscope}
P=ws-doc-$$
C=$P-cl V=$P-pv S=$P-sv
TMP=$(mktemp -d)
HTTP_PID=
cleanup() {
	[ -n "$HTTP_PID" ] && kill "$HTTP_PID" 2>/dev/null
	for n in $C $V $S; do ip netns del "$n" 2>/dev/null; done
	rm -rf "$TMP"
}
trap cleanup EXIT
fail() { echo "FAIL: $*"; exit 1; }
for t in jq curl nft; do command -v $t >/dev/null || { echo "$t not installed"; exit 77; }; done
PY=/usr/bin/python3
[ -x $PY ] || PY=$(command -v python3) || { echo "python3 not installed"; exit 77; }

for n in $C $V $S; do ip netns add "$n" || exit 77; ip -n "$n" link set lo up; done
ip link add c0 netns $C type veth peer name to-client netns $V
ip link add eth0 netns $S type veth peer name to-eth0 netns $V
ip link add eth1 netns $S type veth peer name to-eth1 netns $V
ip -n $C addr add 10.8.0.4/24 dev c0
ip -n $V addr add 10.8.0.1/24 dev to-client
ip -n $V addr add 10.0.0.1/32 dev to-eth0
ip -n $V addr add 10.0.0.1/32 dev to-eth1
for l in to-client to-eth0 to-eth1; do ip -n $V link set $l up; done
ip -n $V route add 10.0.0.11/32 dev to-eth0
ip -n $V route add 10.0.0.12/32 dev to-eth1
ip netns exec $V sysctl -qw net.ipv4.ip_forward=1 net.ipv4.conf.all.rp_filter=0
for l in to-client to-eth0 to-eth1; do ip netns exec $V sysctl -qw net.ipv4.conf.$l.rp_filter=0; done
ip netns exec $V nft -f - <<'NFT' || fail "provider nftables"
table inet psf {
	chain pre {
		type filter hook prerouting priority raw; policy accept;
		iifname "to-client" ip daddr 10.0.0.11 ct zone set 1
		iifname "to-client" ip daddr 10.0.0.12 ct zone set 2
		iifname "to-eth0" ct zone set 1
		iifname "to-eth1" ct zone set 2
	}
	chain fwdchk {
		type filter hook forward priority filter; policy accept;
		meta l4proto tcp ct state invalid counter drop
	}
}
NFT
ip -n $C link set c0 up
ip -n $C route add default via 10.8.0.1
ip -n $S link set eth0 up
ip -n $S link set eth1 up
ip -n $S addr add 10.0.0.11/24 dev eth0
ip -n $S addr add 10.0.0.12/24 dev eth1
ip -n $S route add default via 10.0.0.1 dev eth0
ip netns exec $S sysctl -qw net.ipv4.conf.all.rp_filter=2
for l in eth0 eth1; do ip netns exec $S sysctl -qw net.ipv4.conf.$l.rp_filter=2; done

ip netns exec $S $PY -m http.server --bind 0.0.0.0 8080 --directory "$TMP" >/dev/null 2>&1 &
HTTP_PID=$!
echo hello >"$TMP/index.html"
for _ in $(seq 50); do
	ip netns exec $S ss -ltnH 'sport = :8080' | grep -q LISTEN && break
	sleep 0.1
done
ping_ok() { ip netns exec $C ping -c 1 -W 1 "$1" >/dev/null 2>&1 || ip netns exec $C ping -c 1 -W 1 "$1" >/dev/null 2>&1; }
http_ok() { ip netns exec $C curl -s -m 3 -o /dev/null "http://$1:8080/index.html"; }
dumps() {
	{ ip -n "$1" -j addr; ip -n "$1" -j route show table all; ip -n "$1" -j -6 route show table all
	  ip -n "$1" -j rule; ip -n "$1" -j -6 rule
	  ip netns exec "$1" sysctl -a 2>/dev/null | grep -E '^net\.ipv4\.conf\.' ; } >"$2"
}

# 1. the problem, for real
http_ok 10.0.0.11 || fail "HTTP to 10.0.0.11 (eth0) fails: setup broken"
ping_ok 10.0.0.12 || fail "ping to 10.0.0.12 fails with rp_filter=2"
http_ok 10.0.0.12 && fail "HTTP to 10.0.0.12 works before the fix (provider should drop the SYN-ACK)"
echo "before the fix: ping 10.0.0.12 works, HTTP to 10.0.0.12 times out"

# 2. explain predicts both outcomes
ip netns exec $S "$W" doctor explain --in eth1 --from 10.8.0.4 --to 10.0.0.12 --proto tcp --dport 8080 \
	--json >"$TMP/ex.json"
[ $? = 1 ] || fail "explain exit status"
jq -e '.verdict.icmp == "answered" and .verdict.tcp == "dropped" and .verdict.tcp_reason == "asymmetric"
       and .verdict.filter == "upstream" and .verdict.egress == "eth0"' "$TMP/ex.json" >/dev/null ||
	fail "explain verdict: $(jq -c .verdict "$TMP/ex.json")"
jq -e 'keys_unsorted | last == "verdict"' "$TMP/ex.json" >/dev/null || fail "verdict is not last"
jq -e 'all(.kernel[]; .agrees)' "$TMP/ex.json" >/dev/null || fail "kernel disagrees: $(jq -c .kernel "$TMP/ex.json")"
ip netns exec $S "$W" doctor explain --in eth1 --from 10.8.0.4 --to 10.0.0.12 --proto tcp --dport 8080
echo "explain: ICMP answered, TCP dropped (asymmetric, upstream filter)"

# 3. check, live and offline
ip netns exec $S "$W" doctor check --json >"$TMP/check.json"
[ $? = 1 ] || fail "check exit status"
jq -e '[.findings[] | select(.kind == "asymmetric") | .address] == ["10.0.0.12"]' "$TMP/check.json" >/dev/null ||
	fail "check: $(cat "$TMP/check.json")"
jq -e '.kernel_disagreements == []' "$TMP/check.json" >/dev/null || fail "kernel disagreements"
ip netns exec $S "$W" doctor snapshot "$TMP/snap" >/dev/null || fail snapshot
"$W" doctor check --snapshot "$TMP/snap" --json >"$TMP/check-off.json"
diff <(jq -c .findings "$TMP/check.json") <(jq -c .findings "$TMP/check-off.json") || fail "offline differs"
"$W" doctor explain --snapshot "$TMP/snap" --in eth1 --from 10.8.0.4 --to 10.0.0.12 --json >"$TMP/ex-off.json"
diff <(jq -c .verdict "$TMP/ex.json") <(jq -c .verdict "$TMP/ex-off.json") || fail "offline explain differs"

# 4. the fix
dumps $S "$TMP/before"
ip netns exec $S "$W" doctor fix --apply --state "$TMP/state.json" || fail "fix --apply"
ping_ok 10.0.0.12 || fail "ping to 10.0.0.12 fails after the fix"
http_ok 10.0.0.12 || fail "HTTP to 10.0.0.12 fails after the fix"
http_ok 10.0.0.11 || fail "HTTP to 10.0.0.11 fails after the fix"
ip netns exec $S "$W" doctor explain --in eth1 --from 10.8.0.4 --to 10.0.0.12 --json |
	jq -e '.verdict.icmp == "answered" and .verdict.tcp == "answered"' >/dev/null || fail "explain after fix"
ip netns exec $S "$W" doctor check >/dev/null || fail "check after the fix finds problems"
# strict rp_filter works too with the fix in place
ip netns exec $S sysctl -qw net.ipv4.conf.all.rp_filter=1 net.ipv4.conf.eth0.rp_filter=1 net.ipv4.conf.eth1.rp_filter=1
http_ok 10.0.0.12 || fail "HTTP to 10.0.0.12 fails with the fix and rp_filter=1"
ip netns exec $S sysctl -qw net.ipv4.conf.all.rp_filter=2 net.ipv4.conf.eth0.rp_filter=2 net.ipv4.conf.eth1.rp_filter=2
echo "after the fix: ping and HTTP to 10.0.0.12 work"

# 5. undo
ip netns exec $S "$W" doctor fix --undo --state "$TMP/state.json" >/dev/null || fail "--undo"
dumps $S "$TMP/after"
cmp -s "$TMP/before" "$TMP/after" || { diff "$TMP/before" "$TMP/after"; fail "undo is not exact"; }
echo PASS
