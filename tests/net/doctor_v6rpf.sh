#!/bin/bash
# SPDX-License-Identifier: BSD-2-Clause
# doctor_v6rpf.sh - an IPv6 multi-homed host (eth0 2001:db8:1::2/64 with the
# default route, eth1 2001:db8:2::2/64) behind two routers, with firewalld's
# IPv6 reverse-path rule (`meta nfproto ipv6 fib saddr . mark . iif oif
# missing drop` in table inet firewalld, chain filter_PREROUTING). A client
# behind eth1's router pings eth1's address: the rule drops it (the route
# back leaves by eth0). `doctor check` and `doctor explain` name the rule;
# `doctor fix --apply` (a table for eth1 and `ip -6 rule add from ...`)
# makes it answer with the rule unchanged; check is then clean; --undo
# removes exactly what was added. An offline snapshot gives the same
# findings. Then, without the nftables rule but with a stateful filter on
# eth0's router, TCP to eth1's address fails until the same fix.
set -u
W=${WANSCOPE:-build/wanscope}
P=ws-doc6-$$
C=$P-cl A=$P-ra B=$P-rb S=$P-sv
TMP=$(mktemp -d)
HTTP_PID=
cleanup() {
	[ -n "$HTTP_PID" ] && kill "$HTTP_PID" 2>/dev/null
	for n in $C $A $B $S; do ip netns del "$n" 2>/dev/null; done
	rm -rf "$TMP"
}
trap cleanup EXIT
fail() { echo "FAIL: $*"; exit 1; }
for t in jq nft ping curl; do command -v $t >/dev/null || { echo "$t not installed"; exit 77; }; done
PY=/usr/bin/python3
[ -x $PY ] || PY=$(command -v python3) || { echo "python3 not installed"; exit 77; }

for n in $C $A $B $S; do
	ip netns add "$n" || exit 77
	ip -n "$n" link set lo up
	# no duplicate address detection (link-local addresses included), no RAs
	ip netns exec "$n" sysctl -qw net.ipv6.conf.all.accept_ra=0 net.ipv6.conf.default.accept_ra=0 \
		net.ipv6.conf.all.accept_dad=0 net.ipv6.conf.default.accept_dad=0
done
# S.eth0 -- A.ra0 ; S.eth1 -- B.rb1 ; A.core -- B.core ; C.c0 -- B.rc
ip link add eth0 netns $S type veth peer name ra0 netns $A
ip link add eth1 netns $S type veth peer name rb1 netns $B
ip link add core netns $A type veth peer name core netns $B
ip link add c0 netns $C type veth peer name rc netns $B
ip -n $S addr add 2001:db8:1::2/64 dev eth0 nodad
ip -n $S addr add 2001:db8:2::2/64 dev eth1 nodad
ip -n $A addr add 2001:db8:1::1/64 dev ra0 nodad
ip -n $A addr add 2001:db8:ff::1/64 dev core nodad
ip -n $B addr add 2001:db8:2::1/64 dev rb1 nodad
ip -n $B addr add 2001:db8:ff::2/64 dev core nodad
ip -n $B addr add 2001:db8:20::1/64 dev rc nodad
ip -n $C addr add 2001:db8:20::10/64 dev c0 nodad
for l in eth0 eth1; do ip -n $S link set $l up; done
for l in ra0 core; do ip -n $A link set $l up; done
for l in rb1 core rc; do ip -n $B link set $l up; done
ip -n $C link set c0 up
ip -n $S -6 route add default via 2001:db8:1::1 dev eth0
ip -n $C -6 route add default via 2001:db8:20::1
ip -n $A -6 route add 2001:db8:20::/64 via 2001:db8:ff::2
ip -n $B -6 route add 2001:db8:1::/64 via 2001:db8:ff::1
for n in $A $B; do ip netns exec $n sysctl -qw net.ipv6.conf.all.forwarding=1; done
# firewalld's nftables backend, reduced to its IPv6 reverse-path filter
ip netns exec $S nft -f - <<'NFT' || fail "host nftables"
table inet firewalld {
	chain filter_PREROUTING {
		type filter hook prerouting priority filter + 10; policy accept;
		icmpv6 type { nd-router-advert, nd-neighbor-solicit } accept
		meta nfproto ipv6 fib saddr . mark . iif oif missing drop
	}
	chain filter_INPUT {
		type filter hook input priority filter + 10; policy accept;
		ct state { established, related } accept
		iifname "lo" accept
	}
}
NFT

# wait (at most 5 s) until no address is tentative anywhere
for _ in $(seq 50); do
	t=0
	for n in $C $A $B $S; do [ -n "$(ip -n $n -6 addr show tentative)" ] && t=1; done
	[ $t = 0 ] && break
	sleep 0.1
done

ping_ok() { ip netns exec $C ping -6 -c 1 -W 1 "$1" >/dev/null 2>&1 || ip netns exec $C ping -6 -c 1 -W 1 "$1" >/dev/null 2>&1; }
dumps() { # NS FILE
	{ ip -n "$1" -j addr; ip -n "$1" -j route show table all; ip -n "$1" -j -6 route show table all
	  ip -n "$1" -j rule; ip -n "$1" -j -6 rule; ip netns exec "$1" nft list ruleset; } >"$2"
}

# 1. the problem, for real
ping_ok 2001:db8:1::2 || fail "eth0 does not answer (setup broken)"
ping_ok 2001:db8:2::2 && fail "eth1 answers before the fix (the nft rpfilter rule should drop it)"
echo "before the fix: eth0 answers, eth1 does not"

# 2. check names eth1's address and the rule
ip netns exec $S "$W" doctor check --json >"$TMP/check.json"
rc=$?
[ $rc = 1 ] || fail "check exit status $rc, want 1: $(cat "$TMP/check.json")"
jq -e '[.findings[] | [.iface, .address, .severity, .kind]] == [["eth1", "2001:db8:2::2", "error", "nft_rpfilter"]]' \
	"$TMP/check.json" >/dev/null || fail "check: $(jq -c .findings "$TMP/check.json")"
jq -e '.findings[0].reason | test("inet firewalld filter_PREROUTING handle [0-9]+") and test("eth0")' \
	"$TMP/check.json" >/dev/null || fail "check reason: $(jq -c .findings "$TMP/check.json")"
jq -e '.kernel_disagreements == []' "$TMP/check.json" >/dev/null ||
	fail "model and kernel disagree: $(jq -c .kernel_disagreements "$TMP/check.json")"
ip netns exec $S "$W" doctor check
handle=$(ip netns exec $S nft -j list ruleset | jq '.nftables[].rule | select(.chain? == "filter_PREROUTING") | .handle' | tail -1)

# 3. offline snapshot gives the same findings
ip netns exec $S "$W" doctor snapshot "$TMP/snap" >/dev/null || fail "snapshot"
[ -s "$TMP/snap/nft.json" ] || fail "snapshot lacks nft.json"
"$W" doctor check --snapshot "$TMP/snap" --json >"$TMP/check-off.json"
diff <(jq -c .findings "$TMP/check.json") <(jq -c .findings "$TMP/check-off.json") ||
	fail "offline findings differ from live"
echo "offline snapshot: same findings"

# 4. explain names the rule that drops
ip netns exec $S "$W" doctor explain --in eth1 --from 2001:db8:20::10 --to 2001:db8:2::2 --proto icmp --json >"$TMP/ex.json"
jq -e --arg r "inet firewalld filter_PREROUTING handle $handle" \
	'.verdict.icmp == "dropped" and .verdict.tcp_reason == "nft_rpfilter" and .verdict.rule == $r' \
	"$TMP/ex.json" >/dev/null || fail "explain: $(jq -c .verdict "$TMP/ex.json")"
jq -e 'all(.kernel[]; .agrees)' "$TMP/ex.json" >/dev/null || fail "explain: kernel disagrees: $(jq -c .kernel "$TMP/ex.json")"
ip netns exec $S "$W" doctor explain --in eth1 --from 2001:db8:20::10 --to 2001:db8:2::2 >"$TMP/ex.txt"
cat "$TMP/ex.txt"
grep -q 'Policy routing is the fix' "$TMP/ex.txt" || fail "explain does not say policy routing is the fix"
grep -q 'fib saddr . mark oif missing drop' "$TMP/ex.txt" || fail "explain does not print the loose rule"
ip netns exec $S "$W" doctor explain --in eth0 --from 2001:db8:20::10 --to 2001:db8:1::2 --json >/dev/null ||
	fail "explain: eth0 should be answered"

# 5. fix --apply, with the firewall untouched
dumps $S "$TMP/before"
ip netns exec $S "$W" doctor fix >"$TMP/fix.txt" || fail "fix (print)"
cat "$TMP/fix.txt"
grep -q '^ip -6 rule add from 2001:db8:2::2 lookup' "$TMP/fix.txt" || fail "fix does not print the eth1 rule"
grep -q '^ip -6 route add default via 2001:db8:2::1 dev eth1 table' "$TMP/fix.txt" || fail "fix: no default route for eth1's table"
grep -q 'from 2001:db8:1::2' "$TMP/fix.txt" && fail "fix adds a rule for the primary interface"
grep -q 'predicted after the fix: every address answers symmetrically' "$TMP/fix.txt" || fail "fix predicts leftovers"
ip netns exec $S nft list ruleset >"$TMP/nft-before"
ip netns exec $S "$W" doctor fix --apply --state "$TMP/state.json" >"$TMP/apply.txt" || fail "fix --apply"
cat "$TMP/apply.txt"
diff <(grep -v '^#' "$TMP/fix.txt") <(sed -n 's/^added *//p' "$TMP/apply.txt") ||
	fail "--apply did something other than what was printed"
ping_ok 2001:db8:2::2 || fail "eth1 does not answer after the fix"
ping_ok 2001:db8:1::2 || fail "eth0 does not answer after the fix"
ip netns exec $S nft list ruleset | cmp -s - "$TMP/nft-before" || fail "the fix changed the firewall"
ip netns exec $S "$W" doctor check --json >"$TMP/check2.json"
[ $? = 0 ] || fail "check after the fix: $(cat "$TMP/check2.json")"
echo "after the fix: eth1 answers with the rpfilter rule in place; check is clean"

# 6. idempotent, and undo removes exactly what was added
dumps $S "$TMP/after1"
ip netns exec $S "$W" doctor fix --apply --state "$TMP/state.json" >/dev/null || fail "second --apply"
dumps $S "$TMP/after2"
cmp -s "$TMP/after1" "$TMP/after2" || fail "second --apply changed something"
ip netns exec $S "$W" doctor fix --undo --state "$TMP/state.json" || fail "--undo"
dumps $S "$TMP/after-undo"
cmp -s "$TMP/before" "$TMP/after-undo" || { diff "$TMP/before" "$TMP/after-undo"; fail "undo is not exact"; }
[ -e "$TMP/state.json" ] && fail "state file left behind"
ping_ok 2001:db8:2::2 && fail "eth1 answers after --undo"
echo "undo: state restored byte for byte"

# 7. no rpfilter rule, but a stateful filter on eth0's router (its own
# conntrack zone per interface): ICMP works, TCP to eth1 does not
ip netns exec $S nft delete table inet firewalld
ip netns exec $A nft -f - <<'NFT' || fail "router A nftables"
table inet psf {
	chain fwdchk {
		type filter hook forward priority filter; policy accept;
		meta l4proto tcp ct state invalid counter drop
	}
}
NFT
ip netns exec $A sysctl -qw net.netfilter.nf_conntrack_tcp_loose=0 2>/dev/null
ip netns exec $S $PY -m http.server --bind 2001:db8:2::2 8080 >/dev/null 2>&1 &
HTTP_PID=$!
for _ in $(seq 50); do
	ip netns exec $S ss -ltn 2>/dev/null | grep -q ':8080' && break
	sleep 0.1
done
http_ok() { ip netns exec $C curl -s -o /dev/null --max-time 3 "http://[$1]:8080/"; }
ping_ok 2001:db8:2::2 || fail "no rpfilter rule: eth1 should answer ICMP"
http_ok 2001:db8:2::2 && fail "TCP to eth1 works although the SYN-ACK crosses router A's state filter"
ip netns exec $S "$W" doctor check --json >"$TMP/check3.json"
jq -e '[.findings[] | [.iface, .address, .kind]] == [["eth1", "2001:db8:2::2", "asymmetric"]]' "$TMP/check3.json" >/dev/null ||
	fail "check (asymmetric): $(jq -c .findings "$TMP/check3.json")"
ip netns exec $S "$W" doctor explain --in eth1 --from 2001:db8:20::10 --to 2001:db8:2::2 --json >"$TMP/ex3.json"
jq -e '.verdict.icmp == "answered" and .verdict.tcp == "dropped" and .verdict.tcp_reason == "asymmetric" and .verdict.egress == "eth0"' \
	"$TMP/ex3.json" >/dev/null || fail "explain (asymmetric): $(jq -c .verdict "$TMP/ex3.json")"
ip netns exec $S "$W" doctor fix --apply --state "$TMP/state.json" >/dev/null || fail "fix --apply (asymmetric)"
http_ok 2001:db8:2::2 || fail "TCP to eth1 fails after the fix"
ip netns exec $S "$W" doctor fix --undo --state "$TMP/state.json" >/dev/null || fail "--undo (asymmetric)"
echo "stateful filter: TCP fails before the fix, works after it"
echo PASS
