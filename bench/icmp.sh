#!/bin/bash
# SPDX-License-Identifier: BSD-2-Clause
# bench/icmp.sh - echo round trips per second and latency: through
# `wanscope edge` + `wanscope connector` versus direct on the same
# namespaces, and versus pasta (passt), which proxies a namespace's pings
# through ICMP sockets. Prints ratios; asserts nothing. Needs root.
#
# Load: iputils `ping -f -l INFLIGHT -c N` (flood with INFLIGHT echoes in
# flight) from a raw socket; latency: `ping -i 0.002 -c 300` average.
# The connector's CPU time during the flood gives echoes per CPU second
# (the "per core" figure). Each edge-connector transport in TRANSPORTS is
# measured with a fresh edge and connector.
# Environment: N (default 100000), INFLIGHT (default 64),
#              TRANSPORTS (default "quic dtls").
set -u
top=$(cd "$(dirname "$0")/.." && pwd)
WANSCOPE=${WANSCOPE:-$top/build/wanscope}
N=${N:-100000}
INFLIGHT=${INFLIGHT:-64}
TRANSPORTS=${TRANSPORTS:-quic dtls}
[ "$(id -u)" = 0 ] || { echo "bench/icmp.sh: needs root (network namespaces)"; exit 1; }
. "$top/tests/net/icmp_proxy_topo.bash"
trap px_down EXIT
px_up || exit 1
px_creds || exit 1

# flood NS [wrapper...]: prints "RATE AVG_RTT_MS" for N echoes to $D4
flood() {
	local ns=$1 out t0 t1 rate avg
	shift
	out=$(ip netns exec "$ns" "$@" ping -q -f -l "$INFLIGHT" -c "$N" -W 1 $D4 2>&1)
	rate=$(awk -v n="$N" '/packets transmitted/ {
		for (i = 1; i <= NF; i++) if ($i == "time") { t = $(i + 1); sub("ms", "", t) }
		split($0, a, ","); split(a[2], r, " "); if (t > 0) printf "%.0f", r[1] / (t / 1000) }' <<<"$out")
	echo "${rate:-0}"
}
latency() {
	local ns=$1
	shift
	ip netns exec "$ns" "$@" ping -q -i 0.002 -c 300 -W 1 $D4 2>&1 |
		awk -F/ '/^rtt/ { printf "%.3f", $5 }'
}
cpu_ticks() { awk '{ print $14 + $15 }' "/proc/$1/stat"; }

echo "bench/icmp.sh: $N echoes, $INFLIGHT in flight, 1 router behind the connector"

# 1. direct: from the connector's namespace, kernel path to the destination
d_rate=$(flood "$NS_K")
d_lat=$(latency "$NS_K")

# 2. through edge + connector, from the client, per transport
declare -A p_rate p_lat conn_cpu edge_cpu wall replies per_cpu us_per
hz=$(getconf CLK_TCK)
for tr in $TRANSPORTS; do
	PX_TRANSPORT=$tr
	rm -f "$PX_DIR/edge.stats" "$PX_DIR/edge.log" "$PX_DIR/conn.log"
	px_edge
	px_connector
	px_wait_up || exit 1
	ip netns exec "$NS_C" ping -c 3 -i 0.2 -q $D4 >/dev/null || { echo "no path"; exit 1; }
	sleep 1.1
	t0=$(cpu_ticks "$PX_CONN_PID")
	e0=$(cpu_ticks "$PX_EDGE_PID")
	r0=$(px_stat "$PX_DIR/conn.stats" replies)
	s0=$(date +%s.%N)
	p_rate[$tr]=$(flood "$NS_C")
	s1=$(date +%s.%N)
	t1=$(cpu_ticks "$PX_CONN_PID")
	e1=$(cpu_ticks "$PX_EDGE_PID")
	sleep 1.2
	r1=$(px_stat "$PX_DIR/conn.stats" replies)
	p_lat[$tr]=$(latency "$NS_C")
	conn_cpu[$tr]=$(awk -v a="$t0" -v b="$t1" -v hz="$hz" 'BEGIN { printf "%.2f", (b - a) / hz }')
	edge_cpu[$tr]=$(awk -v a="$e0" -v b="$e1" -v hz="$hz" 'BEGIN { printf "%.2f", (b - a) / hz }')
	wall[$tr]=$(awk -v a="$s0" -v b="$s1" 'BEGIN { printf "%.2f", b - a }')
	replies[$tr]=$((r1 - r0))
	per_cpu[$tr]=$(awk -v n="${replies[$tr]}" -v c="${conn_cpu[$tr]}" \
		'BEGIN { if (c > 0) printf "%.0f", n / c; else print "n/a" }')
	us_per[$tr]=$(awk -v n="${replies[$tr]}" -v c="${conn_cpu[$tr]}" \
		'BEGIN { if (n > 0) printf "%.1f", c * 1e6 / n; else print "n/a" }')
	w_ttl=$(ip netns exec "$NS_C" ping -c1 -W1 $D4 | grep -o 'ttl=[0-9]*')
	kill "$PX_CONN_PID" "$PX_EDGE_PID"
	wait "$PX_CONN_PID" "$PX_EDGE_PID" 2>/dev/null
done

# 3. pasta: a namespace of its own (NS_P) attached to pasta running in the
# connector's namespace; pasta proxies NS_P's pings through ICMP sockets to
# the same destination. (Run as root with --netns-only: on this host
# /dev/net/tun is root-only, so pasta cannot run unprivileged here.)
pa_rate=0 pa_lat=0 pa_ttl=?
if command -v pasta >/dev/null; then
	NS_P=$PX-p
	ip netns add "$NS_P"
	ip netns exec "$NS_K" pasta --runas 0 --config-net -4 -i k1 -g $R4 \
		--netns "/run/netns/$NS_P" --netns-only -P "$PX_DIR/pasta.pid" \
		>"$PX_DIR/pasta.log" 2>&1
	for i in $(seq 50); do
		ip netns exec "$NS_P" ping -c1 -W1 -q $D4 >/dev/null 2>&1 && break
		sleep 0.1
	done
	pa_rate=$(flood "$NS_P")
	pa_lat=$(latency "$NS_P")
	pa_ttl=$(ip netns exec "$NS_P" ping -c1 -W1 $D4 | grep -o 'ttl=[0-9]*')
	[ -f "$PX_DIR/pasta.pid" ] && kill "$(cat "$PX_DIR/pasta.pid")"
	ip netns del "$NS_P"
fi

ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.2f", a / b; else print "n/a" }'; }
printf '\n%-34s %12s %12s\n' "path" "echo/s" "avg rtt ms"
printf '%-34s %12s %12s\n' "direct (connector ns -> dst)" "$d_rate" "$d_lat"
for tr in $TRANSPORTS; do
	printf '%-34s %12s %12s\n' "wanscope edge + connector ($tr)" "${p_rate[$tr]}" \
		"${p_lat[$tr]}"
done
printf '%-34s %12s %12s\n' "pasta (ICMP sockets)" "${pa_rate:-0}" "${pa_lat:-0}"
echo "reply TTL seen by the client: wanscope $w_ttl (64 - 3 hops), pasta $pa_ttl"
for tr in $TRANSPORTS; do
	echo
	echo "[$tr] wanscope / direct throughput: $(ratio "${p_rate[$tr]}" "$d_rate")"
	echo "[$tr] wanscope / pasta throughput:  $(ratio "${p_rate[$tr]}" "${pa_rate:-0}")"
	echo "[$tr] added latency vs direct:      $(awk -v a="${p_lat[$tr]}" -v b="$d_lat" \
		'BEGIN { printf "%.3f ms", a - b }')"
	echo "[$tr] added latency vs pasta:       $(awk -v a="${p_lat[$tr]}" -v b="${pa_lat:-0}" \
		'BEGIN { printf "%.3f ms", a - b }')"
	echo "[$tr] connector: ${replies[$tr]} replies in the flood; CPU ${conn_cpu[$tr]}s" \
		"(edge ${edge_cpu[$tr]}s) in ${wall[$tr]}s wall"
	echo "[$tr] connector CPU per echo: ${us_per[$tr]} us; echoes per CPU second:" \
		"${per_cpu[$tr]} (goal: >= 100000)"
done
