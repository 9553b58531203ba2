# SPDX-License-Identifier: BSD-2-Clause
# icmp_tools.bash - the body of icmp_tools_v4.sh / icmp_tools_v6.sh: wanscope
# ping, traceroute and mtr run unprivileged in the client namespace of
# client -- r1 -- r2 -- dst, checked against the real topology and against
# Debian's traceroute -I. Expects FAM=4 or FAM=6.

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
. "$here/icmp_topo.bash"

W=${WANSCOPE:-$here/../../build/wanscope}
[ "$(id -u)" = 0 ] || { echo "needs root (network namespaces)"; exit 77; }
[ -x "$W" ] || { echo "no wanscope binary at $W"; exit 77; }
for t in ip nft setpriv traceroute jq; do
	command -v $t >/dev/null || { echo "missing tool: $t"; exit 77; }
done

fails=0
out=$(mktemp -d)
cleanup() { topo_down; rm -rf "$out"; }
trap cleanup EXIT

ok() { echo "ok: $*"; }
bad() { echo "FAIL: $*"; fails=$((fails + 1)); }

if [ "$FAM" = 4 ]; then
	F=-4 D=$D4 R1=$R1_4 R2=$R2_4 NFT_FAM=ip NFT_ECHO="icmp type echo-request"
else
	F=-6 D=$D6 R1=$R1_6 R2=$R2_6 NFT_FAM=ip6 NFT_ECHO="icmpv6 type echo-request"
fi

topo_up || { bad "topology"; exit 1; }

# --- ping: three replies, exit 0, iputils summary.
as_user "$W" ping $F -c 3 -i 0.2 "$D" >"$out/ping" 2>&1
rc=$?
cat "$out/ping"
[ $rc = 0 ] && ok "ping exit 0" || bad "ping exit $rc"
n=$(grep -c "bytes from $D: icmp_seq=" "$out/ping")
[ "$n" = 3 ] && ok "ping: 3 reply lines" || bad "ping: $n reply lines"
grep -q "^3 packets transmitted, 3 received, 0% packet loss" "$out/ping" &&
	ok "ping summary" || bad "ping summary"
grep -q "^rtt min/avg/max/mdev = [0-9.]*/[0-9.]*/[0-9.]*/[0-9.]* ms" "$out/ping" &&
	ok "ping rtt line" || bad "ping rtt line"

as_user "$W" ping $F --json -c 2 -i 0.1 "$D" >"$out/ping.json"
[ "$(jq -r '.received' "$out/ping.json")" = 2 ] &&
[ "$(jq -r '[.events[] | select(.type == "reply")] | length' "$out/ping.json")" = 2 ] &&
	ok "ping --json" || bad "ping --json: $(cat "$out/ping.json")"

# TTL 2 expires at r2: the error queue names it.
as_user "$W" ping $F -c 1 -t 2 -W 2 "$D" >"$out/ping-ttl" 2>&1
rc=$?
grep -Eq "^From $R2 icmp_seq=1 Time (to live exceeded|exceeded: Hop limit)" "$out/ping-ttl" && [ $rc = 1 ] &&
	ok "ping -t 2: time exceeded from r2, exit 1" ||
	bad "ping -t 2 (exit $rc): $(cat "$out/ping-ttl")"
sys=$(ip netns exec "$NS_C" ping $F -c 1 -t 2 -W 2 "$D" 2>&1 | grep '^From')
[ "$sys" = "$(grep '^From' "$out/ping-ttl")" ] && ok "ping -t 2 line as iputils: $sys" ||
	bad "iputils says '$sys'"

# --- traceroute: r1, r2, destination, as Debian's traceroute -I sees them.
as_user "$W" traceroute $F -I -n -w 2 "$D" >"$out/tr" 2>&1
rc=$?
cat "$out/tr"
ip netns exec "$NS_C" traceroute $F -I -n -w 2 "$D" >"$out/tr-sys" 2>&1
cat "$out/tr-sys"
hops=$(awk 'NR > 1 { print $1, $2 }' "$out/tr")
[ $rc = 0 ] && ok "traceroute exit 0" || bad "traceroute exit $rc"
[ "$hops" = "$(printf '1 %s\n2 %s\n3 %s' "$R1" "$R2" "$D")" ] &&
	ok "traceroute hops r1 r2 dst" || bad "traceroute hops: $hops"
[ "$hops" = "$(awk 'NR > 1 { print $1, $2 }' "$out/tr-sys")" ] &&
	ok "traceroute agrees with Debian traceroute -I" || bad "traceroute differs from Debian's"
grep -Eq "^ 1  $R1  [0-9.]+ ms  [0-9.]+ ms  [0-9.]+ ms$" "$out/tr" &&
	ok "traceroute line format" || bad "traceroute line format"

as_user "$W" traceroute $F --json -q 1 "$D" >"$out/tr.json"
[ "$(jq -r '[.hops[].probes[0].address] | join(" ")' "$out/tr.json")" = "$R1 $R2 $D" ] &&
	ok "traceroute --json" || bad "traceroute --json: $(cat "$out/tr.json")"

# --- mtr --report: the same hops, no loss.
as_user "$W" mtr $F -r -c 5 -i 0.1 "$D" >"$out/mtr" 2>&1
rc=$?
cat "$out/mtr"
[ $rc = 0 ] && ok "mtr exit 0" || bad "mtr exit $rc"
grep -q "Loss%   Snt   Last   Avg  Best  Wrst StDev" "$out/mtr" && ok "mtr header" ||
	bad "mtr header"
rows=$(awk '/\|--/ { print $1, $2, $3, $4 }' "$out/mtr")
[ "$rows" = "$(printf '1.|-- %s 0.0%% 5\n2.|-- %s 0.0%% 5\n3.|-- %s 0.0%% 5' "$R1" "$R2" "$D")" ] &&
	ok "mtr rows r1 r2 dst, 0% loss, 5 sent" || bad "mtr rows: $rows"

as_user "$W" mtr $F --json -c 3 -i 0.1 "$D" >"$out/mtr.json"
[ "$(jq -r '[.report.hubs[] | .host] | join(" ")' "$out/mtr.json")" = "$R1 $R2 $D" ] &&
[ "$(jq -r '[.report.hubs[] | ."Loss%"] | max' "$out/mtr.json")" = 0 ] &&
	ok "mtr --json" || bad "mtr --json: $(cat "$out/mtr.json")"

# --- r2 drops echo requests to the destination: * * * beyond r2.
ip netns exec "$NS_R2" nft -f - <<NFT || bad "nft drop rule"
table inet wsicmp {
	chain filter_fwd {
		type filter hook forward priority 0;
		$NFT_FAM daddr $D $NFT_ECHO drop
	}
}
NFT
as_user "$W" traceroute $F -n -m 5 -w 1 "$D" >"$out/tr-drop" 2>&1
rc=$?
cat "$out/tr-drop"
[ "$(awk 'NR > 1 { print $1, $2 }' "$out/tr-drop")" = \
  "$(printf '1 %s\n2 %s\n3 *\n4 *\n5 *' "$R1" "$R2")" ] && [ $rc = 1 ] &&
grep -q '^ 3  \* \* \*$' "$out/tr-drop" &&
	ok "traceroute shows * * * beyond r2 (exit 1)" || bad "traceroute with drop (exit $rc)"
ip netns exec "$NS_C" traceroute $F -I -n -m 5 -w 1 "$D" >"$out/tr-drop-sys" 2>&1
[ "$(awk 'NR > 1 { print $1, $2 }' "$out/tr-drop")" = \
  "$(awk 'NR > 1 { print $1, $2 }' "$out/tr-drop-sys")" ] &&
	ok "agrees with Debian traceroute -I" ||
	bad "differs from Debian: $(cat "$out/tr-drop-sys")"
as_user "$W" mtr $F -r -c 3 -i 0.1 -Z 0.5 -m 6 "$D" >"$out/mtr-drop" 2>&1
rc=$?
cat "$out/mtr-drop"
[ $rc = 1 ] && grep -Eq "^  3\.\|-- \?\?\? +100\.0%" "$out/mtr-drop" &&
	ok "mtr: ??? with 100% loss beyond r2" || bad "mtr with drop (exit $rc)"
ip netns exec "$NS_R2" nft delete table inet wsicmp

# --- numgen loss on r1: mtr reports loss at the destination.
ip netns exec "$NS_R1" nft -f - <<NFT || bad "nft loss rule"
table inet wsloss {
	chain filter_fwd {
		type filter hook forward priority 0;
		$NFT_FAM daddr $D $NFT_ECHO numgen random mod 100 < 40 drop
	}
}
NFT
as_user "$W" mtr $F -r -c 30 -i 0.05 -Z 0.5 "$D" >"$out/mtr-loss" 2>&1
rc=$?
cat "$out/mtr-loss"
loss=$(awk -v d="$D" '$2 == d { sub("%", "", $3); print $3 }' "$out/mtr-loss")
hop1=$(awk -v r="$R1" '$2 == r { sub("%", "", $3); print $3 }' "$out/mtr-loss")
awk -v l="${loss:-0}" 'BEGIN { exit !(l > 0 && l < 100) }' &&
	ok "mtr: destination loss $loss%" || bad "mtr: destination loss '${loss}'"
[ "$hop1" = "0.0" ] && ok "mtr: r1 itself has no loss" || bad "mtr: r1 loss '$hop1'"
ip netns exec "$NS_R1" nft delete table inet wsloss

if [ $fails != 0 ]; then
	echo "$fails check(s) failed"
	exit 1
fi
echo "all checks passed"
exit 0
