#!/bin/bash
# SPDX-License-Identifier: BSD-2-Clause
# doctor_fourif.sh - the four-interface server behind a router: with strict
# rp_filter pings to eth1-eth3 fail; `doctor check` names exactly those
# three addresses; `doctor fix --apply` makes them answer (rp_filter still
# 1); a second --apply changes nothing; `--undo` restores the original
# state byte for byte; an offline snapshot gives the same findings.
set -u
W=${WANSCOPE:-build/wanscope}
P=ws-doc-$$
C=$P-cl R=$P-rt S=$P-sv
TMP=$(mktemp -d)
cleanup() {
	for n in $C $R $S; do ip netns del "$n" 2>/dev/null; done
	rm -rf "$TMP"
}
trap cleanup EXIT
fail() { echo "FAIL: $*"; exit 1; }
command -v jq >/dev/null || { echo "jq not installed"; exit 77; }

for n in $C $R $S; do ip netns add "$n" || exit 77; ip -n "$n" link set lo up; done
ip link add c0 netns $C type veth peer name rc netns $R
ip -n $C addr add 10.8.0.4/24 dev c0
ip -n $R addr add 10.8.0.1/24 dev rc
for i in 0 1 2 3; do
	ip link add eth$i netns $S type veth peer name r$i netns $R
	ip -n $R addr add 172.16.$((4 + i)).1/24 dev r$i
	ip -n $R link set r$i up
	ip -n $S link set eth$i up
done
ip -n $S addr add 172.16.4.2/24 dev eth0
ip -n $S addr add 172.16.5.4/24 dev eth1
ip -n $S addr add 172.16.6.4/24 dev eth2
ip -n $S addr add 172.16.7.4/24 dev eth3
ip -n $S route add default via 172.16.4.1
ip -n $C link set c0 up
ip -n $R link set rc up
ip -n $C route add default via 10.8.0.1
ip netns exec $R sysctl -qw net.ipv4.ip_forward=1 net.ipv4.conf.all.rp_filter=0 net.ipv4.conf.default.rp_filter=0
for i in rc r0 r1 r2 r3; do ip netns exec $R sysctl -qw net.ipv4.conf.$i.rp_filter=0; done
ip netns exec $S sysctl -qw net.ipv4.conf.all.rp_filter=1
for i in 0 1 2 3; do ip netns exec $S sysctl -qw net.ipv4.conf.eth$i.rp_filter=1; done

ping_ok() { ip netns exec $C ping -c 1 -W 1 "$1" >/dev/null 2>&1 || ip netns exec $C ping -c 1 -W 1 "$1" >/dev/null 2>&1; }
dumps() { # NS FILE
	{ ip -n "$1" -j addr; ip -n "$1" -j route show table all; ip -n "$1" -j -6 route show table all
	  ip -n "$1" -j rule; ip -n "$1" -j -6 rule
	  ip netns exec "$1" sysctl -a 2>/dev/null | grep -E '^net\.ipv4\.conf\.' ; } >"$2"
}

# 1. the problem, for real
ping_ok 172.16.4.2 || fail "eth0 does not answer (setup broken)"
for a in 172.16.5.4 172.16.6.4 172.16.7.4; do
	ping_ok $a && fail "$a answers before the fix (rp_filter=1 should drop it)"
done
echo "before the fix: eth0 answers, eth1-eth3 do not"

# 2. check names exactly those three, with the reason
ip netns exec $S "$W" doctor check --json >"$TMP/check.json"
rc=$?
[ $rc = 1 ] || fail "check exit status $rc, want 1"
got=$(jq -r '[.findings[].address] | sort | join(" ")' "$TMP/check.json")
[ "$got" = "172.16.5.4 172.16.6.4 172.16.7.4" ] || fail "check names '$got'"
jq -e 'all(.findings[]; .severity == "error" and (.reason | test("rp_filter")) and (.reason | test("eth0")))' \
	"$TMP/check.json" >/dev/null || fail "findings lack severity/reason: $(cat "$TMP/check.json")"
jq -e '.kernel_disagreements == []' "$TMP/check.json" >/dev/null ||
	fail "model and kernel disagree: $(jq -c .kernel_disagreements "$TMP/check.json")"
jq -e '[.findings[].iface] | sort == ["eth1","eth2","eth3"]' "$TMP/check.json" >/dev/null || fail "ifaces"
ip netns exec $S "$W" doctor check
echo "check: $got"

# 3. offline snapshot gives the same findings
ip netns exec $S "$W" doctor snapshot "$TMP/snap" >/dev/null || fail "snapshot"
for f in link.json addr.json route4.json route6.json rule4.json rule6.json sysctl.txt; do
	[ -s "$TMP/snap/$f" ] || fail "snapshot lacks $f"
done
"$W" doctor check --snapshot "$TMP/snap" --json >"$TMP/check-off.json"
[ $? = 1 ] || fail "offline check exit status"
diff <(jq -c .findings "$TMP/check.json") <(jq -c .findings "$TMP/check-off.json") ||
	fail "offline findings differ from live"
echo "offline snapshot: same findings"

# 4. explain predicts the drop
ip netns exec $S "$W" doctor explain --in eth1 --from 10.8.0.4 --to 172.16.5.4 --proto icmp --json >"$TMP/ex.json"
jq -e '.verdict.icmp == "dropped" and .verdict.tcp == "dropped" and .verdict.tcp_reason == "rp_filter"' \
	"$TMP/ex.json" >/dev/null || fail "explain: $(jq -c .verdict "$TMP/ex.json")"
jq -e 'all(.kernel[]; .agrees)' "$TMP/ex.json" >/dev/null || fail "explain: kernel disagrees"

# 5. fix --apply, with rp_filter still 1
dumps $S "$TMP/before"
ip netns exec $S "$W" doctor fix >"$TMP/fix.txt" || fail "fix (print)"
cat "$TMP/fix.txt"
grep -q 'ip rule add from 172.16.5.4' "$TMP/fix.txt" || fail "fix does not print the eth1 rule"
grep -q 'from 172.16.4.2' "$TMP/fix.txt" && fail "fix adds a rule for the primary interface"
ip netns exec $S "$W" doctor fix --apply --state "$TMP/state.json" >"$TMP/apply.txt" || fail "fix --apply"
cat "$TMP/apply.txt"
# --apply changes only what fix printed
diff <(grep -v '^#' "$TMP/fix.txt") <(sed -n 's/^added *//p' "$TMP/apply.txt") ||
	fail "--apply did something other than what was printed"
for a in 172.16.4.2 172.16.5.4 172.16.6.4 172.16.7.4; do
	ping_ok $a || fail "$a does not answer after the fix"
done
[ "$(ip netns exec $S sysctl -n net.ipv4.conf.eth1.rp_filter)" = 1 ] || fail "rp_filter changed"
ip netns exec $S "$W" doctor check --json >"$TMP/check2.json"
[ $? = 0 ] || fail "check after the fix: $(cat "$TMP/check2.json")"
echo "after the fix: all four answer, rp_filter=1, check is clean"

# 6. idempotent
dumps $S "$TMP/after1"
ip netns exec $S "$W" doctor fix --apply --state "$TMP/state.json" || fail "second --apply"
dumps $S "$TMP/after2"
cmp -s "$TMP/after1" "$TMP/after2" || fail "second --apply changed something"

# 7. undo restores the original state byte for byte
ip netns exec $S "$W" doctor fix --undo --state "$TMP/state.json" || fail "--undo"
dumps $S "$TMP/after-undo"
cmp -s "$TMP/before" "$TMP/after-undo" || { diff "$TMP/before" "$TMP/after-undo"; fail "undo is not exact"; }
[ -e "$TMP/state.json" ] && fail "state file left behind"
ping_ok 172.16.5.4 && fail "172.16.5.4 answers after --undo"
echo "undo: state restored byte for byte"

# 8. the loose alternative: ICMP answers, rp_filter becomes 2 on eth1-eth3 only; undo restores it
ip netns exec $S "$W" doctor fix --apply --loose --json --state "$TMP/state.json" >"$TMP/loose.json" || fail "--loose"
jq -e '.added == 3 and all(.applied[]; .command | test("rp_filter=2"))' "$TMP/loose.json" >/dev/null ||
	fail "loose plan: $(cat "$TMP/loose.json")"
ping_ok 172.16.6.4 || fail "no answer with loose rp_filter"
[ "$(ip netns exec $S sysctl -n net.ipv4.conf.eth0.rp_filter)" = 1 ] || fail "--loose touched eth0"
ip netns exec $S "$W" doctor fix --undo --json --state "$TMP/state.json" >/dev/null || fail "--undo (loose)"
dumps $S "$TMP/after-undo2"
cmp -s "$TMP/before" "$TMP/after-undo2" || { diff "$TMP/before" "$TMP/after-undo2"; fail "loose undo is not exact"; }
echo "loose: answers with rp_filter=2, undone exactly"
echo PASS
