#!/bin/bash
# SPDX-License-Identifier: BSD-2-Clause
# icmp_tools_perm.sh - ping_group_range handling of wanscope ping/traceroute/
# mtr: closed range and no CAP_NET_RAW gives a clear error naming the sysctl
# and exit 2; a supplementary group inside the range is enough (as the
# kernel decides); root with the range closed falls back to raw sockets.
here=$(cd "$(dirname "$0")" && pwd)
. "$here/icmp_topo.bash"

W=${WANSCOPE:-$here/../../build/wanscope}
[ "$(id -u)" = 0 ] || { echo "needs root (network namespaces)"; exit 77; }
[ -x "$W" ] || { echo "no wanscope binary at $W"; exit 77; }
command -v setpriv >/dev/null || { echo "missing tool: setpriv"; exit 77; }

fails=0
out=$(mktemp -d)
cleanup() { topo_down; rm -rf "$out"; }
trap cleanup EXIT
ok() { echo "ok: $*"; }
bad() { echo "FAIL: $*"; fails=$((fails + 1)); }

topo_up || { bad "topology"; exit 1; }
ip netns exec "$NS_C" sysctl -qw net.ipv4.ping_group_range="1 0"

for cmd in "ping -c 1" "traceroute -m 3" "mtr -r -c 1"; do
	for d in $D4 $D6; do
		as_user "$W" $cmd "$d" >"$out/o" 2>"$out/e"
		rc=$?
		if [ $rc = 2 ] && [ ! -s "$out/o" -o "${cmd%% *}" != ping ] &&
		   grep -qF 'sysctl -w net.ipv4.ping_group_range="0 2147483647"' "$out/e" &&
		   grep -qF 'sysctl -w net.ipv4.ping_group_range="65534 65534"' "$out/e" &&
		   grep -q '"1 0"' "$out/e"; then
			ok "$cmd $d: exit 2 with the sysctl fix"
		else
			bad "$cmd $d: exit $rc, stderr: $(cat "$out/e")"
		fi
	done
done
cat "$out/e"

# The kernel also accepts a supplementary group in the range.
ip netns exec "$NS_C" sysctl -qw net.ipv4.ping_group_range="4242 4242"
ip netns exec "$NS_C" setpriv --reuid=65534 --regid=65534 --groups=4242 \
	--inh-caps=-all --bounding-set=-all "$W" ping -c 1 "$D4" >"$out/o" 2>&1 &&
	ok "supplementary group 4242 in range: ping works" ||
	bad "supplementary group: $(cat "$out/o")"
as_user "$W" ping -c 1 "$D6" >"$out/o" 2>"$out/e"
[ $? = 2 ] && grep -qF 'ping_group_range="65534 65534"' "$out/e" &&
	ok "group 65534 outside \"4242 4242\": refused" || bad "outside range: $(cat "$out/e")"

# Root without ping sockets ("1 0" refuses even root) uses raw sockets.
ip netns exec "$NS_C" sysctl -qw net.ipv4.ping_group_range="1 0"
ip netns exec "$NS_C" "$W" traceroute -n -q 1 "$D4" >"$out/o" 2>&1 &&
	[ "$(awk 'NR > 1 { print $2 }' "$out/o" | xargs)" = "$R1_4 $R2_4 $D4" ] &&
	ok "root, range closed: raw-socket traceroute" || bad "raw traceroute: $(cat "$out/o")"
ip netns exec "$NS_C" "$W" ping -6 -c 2 -i 0.1 "$D6" >"$out/o" 2>&1 &&
	ok "root, range closed: raw-socket ping -6" || bad "raw ping -6: $(cat "$out/o")"

[ $fails = 0 ] || { echo "$fails check(s) failed"; exit 1; }
echo "all checks passed"
