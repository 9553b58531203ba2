#!/bin/bash
# SPDX-License-Identifier: BSD-2-Clause
# fix_snapshot.sh - `doctor fix` plans on hand-written snapshots: the changes,
# table ids that avoid collisions, no rule for the primary interface, and a
# predicted result without findings. Usage: fix_snapshot.sh WANSCOPE DATADIR
set -eu
W=$1 D=$2
command -v jq >/dev/null || { echo "jq not installed"; exit 77; }
out=$("$W" doctor fix --snapshot "$D/fourif" --json)
jq -e '.predicted_findings == [] and (.changes | length) == 9
       and ([.interfaces[].table] == [10003, 10004, 10005])
       and ([.changes[] | select(.kind == "rule") | .src] == ["172.16.5.4", "172.16.6.4", "172.16.7.4"])
       and all(.changes[]; .present == false)' <<<"$out" >/dev/null || { echo "fourif: $out"; exit 1; }
out=$("$W" doctor fix --snapshot "$D/samesubnet" --json)
jq -e '.predicted_findings == [] and ([.changes[] | select(.kind == "sysctl") | .command] | length) == 4
       and ([.changes[] | select(.kind == "route" and .dst == "default") | .gateway] == ["10.0.0.1"])
       and ([.changes[] | select(.kind == "rule") | .src] == ["10.0.0.12"])' <<<"$out" >/dev/null ||
	{ echo "samesubnet: $out"; exit 1; }
# --loose leaves the asymmetry, and says so
out=$("$W" doctor fix --snapshot "$D/fourif" --loose --json)
jq -e '(.predicted_findings | length) == 3 and all(.predicted_findings[]; .severity == "warning")
       and all(.interfaces[]; .method == "loose_rp_filter")' <<<"$out" >/dev/null || { echo "loose: $out"; exit 1; }
# table ids skip ones in use: the policy snapshot uses 100 and 200, priorities 0..32767
"$W" doctor fix --snapshot "$D/policy" --json | jq -e '.changes | length >= 0' >/dev/null
# usage errors
"$W" doctor fix --format xml 2>/dev/null && exit 1
"$W" doctor fix --apply --snapshot "$D/fourif" 2>/dev/null && exit 1
rc=0; "$W" doctor check --snapshot "$D/nonexistent" 2>/dev/null || rc=$?; [ $rc = 2 ]
rc=0; "$W" doctor explain --snapshot "$D/fourif" 2>/dev/null || rc=$?; [ $rc = 2 ]
rc=0; "$W" doctor check --snapshot "$D/fourif" >/dev/null || rc=$?; [ $rc = 1 ]
{ "$W" doctor explain --snapshot "$D/fourif" --to 172.16.5.4 --from 10.8.0.4 --json || true; } |
	jq -e '.verdict == {"icmp":"dropped","tcp":"dropped","tcp_reason":"rp_filter","filter":"","ingress":"eth1","egress":null}' >/dev/null
# IPv6: firewalld's reverse-path rule drops eth1's IPv6 requests; the plan
# gives eth1 one table for both families, `ip -6 rule`s, and says how the
# rule would be loosened without touching it
out=$("$W" doctor fix --snapshot "$D/v6rpf" --json)
jq -e '.predicted_findings == []
       and ([.interfaces[] | [.iface, .family, .table]] == [["eth1", 4, 10005], ["eth1", 6, 10005]])
       and ([.changes[] | select(.kind == "rule") | .src] == ["172.16.5.4", "2001:db8:2::2"])
       and ([.changes[] | select(.family == 6) | .command] == [
             "ip -6 route add 2001:db8:2::/64 dev eth1 table 10005 proto 246",
             "ip -6 route add default via 2001:db8:2::1 dev eth1 table 10005 proto 246",
             "ip -6 rule add from 2001:db8:2::2 lookup 10005 priority 10005 protocol 246"])
       and (.notes | any(test("filter_PREROUTING handle 14") and test("meta nfproto ipv6 fib saddr . mark oif missing drop")))' \
	<<<"$out" >/dev/null || { echo "v6rpf: $out"; exit 1; }
"$W" doctor fix --snapshot "$D/v6rpf" --gateway eth1=2001:db8:2::fe --gateway eth1=172.16.5.254 |
	grep -q '^ip -6 route add default via 2001:db8:2::fe dev eth1 table 10005' || { echo "v6rpf: --gateway"; exit 1; }
"$W" doctor fix --snapshot "$D/v6rpf" --format vyos | grep -q '^set policy local-route6 rule 10005 source address 2001:db8:2::2' ||
	{ echo "v6rpf: vyos"; exit 1; }
rc=0; "$W" doctor check --snapshot "$D/v6rpf" --json >/dev/null || rc=$?; [ $rc = 1 ]
{ "$W" doctor explain --snapshot "$D/v6rpf" --to 2001:db8:2::2 --json || true; } |
	jq -e '.verdict == {"icmp":"dropped","tcp":"dropped","tcp_reason":"nft_rpfilter","filter":"","ingress":"eth1","egress":null,"rule":"inet firewalld filter_PREROUTING handle 14"}' >/dev/null ||
	{ echo "v6rpf: explain"; exit 1; }
echo ok
