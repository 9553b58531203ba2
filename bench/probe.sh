#!/bin/bash
# SPDX-License-Identifier: BSD-2-Clause
# bench/probe.sh - tunnel prober benchmarks (report, not assert), in two
# namespaces joined by a veth pair, nothing connected to the host:
#  1. N targets (addresses on the far side's loopback) probed once a
#     second by wanscope's prober and, in the same run, by fping doing the
#     same probes (-p 1000 -c D); CPU seconds per probe and the ratio.
#  2. detection time of a dead tunnel at 10 probes/s (nftables drops
#     everything from the moment T0; time until the state file says down).
#  3. state stability under steady 1 % random loss (nftables numgen).
# Environment: N (targets, default 5000), D (seconds, default 20),
#              STAB (seconds of the stability run, default 120),
#              WANSCOPE (binary, default build/wanscope),
#              ONLY1=1 (run only the CPU comparison).
set -u
top=$(cd "$(dirname "$0")/.." && pwd)
WANSCOPE=${WANSCOPE:-$top/build/wanscope}
N=${N:-5000} D=${D:-20} STAB=${STAB:-120}
[ "$(id -u)" = 0 ] || { echo "bench/probe.sh: needs root (namespaces)"; exit 1; }
for t in fping nft jq; do command -v $t >/dev/null || { echo "needs $t"; exit 1; }; done
A=ws-prb-bench-$$-a B=ws-prb-bench-$$-b
WORK=$(mktemp -d /tmp/ws-prb-bench.XXXX)
PIDS=()
cleanup() {
	local p
	for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null; done
	for p in "${PIDS[@]}"; do wait "$p" 2>/dev/null; done
	ip netns del "$A" 2>/dev/null; ip netns del "$B" 2>/dev/null
	rm -rf "$WORK"
}
trap cleanup EXIT
trap 'exit 1' INT TERM
ax() { ip netns exec "$A" "$@"; }
bx() { ip netns exec "$B" "$@"; }

ip netns add "$A"; ip netns add "$B"
ip link add v0 netns "$A" type veth peer name v1 netns "$B"
ax ip link set lo up; bx ip link set lo up
ax ip addr add 10.0.0.1/24 dev v0; ax ip link set v0 up
bx ip addr add 10.0.0.2/24 dev v1; bx ip link set v1 up
ax ip route add 10.64.0.0/16 via 10.0.0.2
# N target addresses on B's loopback
for ((i = 0; i < N; i++)); do
	echo "address add 10.64.$((i / 250)).$((i % 250 + 1))/32 dev lo"
done | bx ip -batch - || exit 1
for ((i = 0; i < N; i++)); do echo "10.64.$((i / 250)).$((i % 250 + 1))"; done >"$WORK/targets"
ax ping -c1 -W1 10.0.0.2 >/dev/null

cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }
cpu_user() { awk '{print $14}' "/proc/$1/stat"; }
hz=$(getconf CLK_TCK)

echo "== 1. $N targets, one probe a second each, ${D}s: wanscope prober vs fping"
{
	echo "state-file $WORK/state.json"
	echo "state-interval 1s"
	echo "tunnel many"
	echo "  iface v0"
	echo "  peer 10.0.0.2"
	echo "  type request"
	echo "  quorum 1"
	echo "  retries 0"
	sed 's/^/  target /' "$WORK/targets"
} >"$WORK/many.conf"
ip netns exec "$A" "$WANSCOPE" probe --config "$WORK/many.conf" 2>"$WORK/ws.log" &
WS=$!; PIDS+=($WS)
# fping: every target once per 1000 ms; spacing 1000/N ms (fping minimum 1 ms).
iv=$(awk -v n="$N" 'BEGIN { v = 1000 / n; if (v < 1) v = 1; printf "%g", v }')
ip netns exec "$A" fping -q -c "$D" -p 1000 -i "$iv" -t 500 -f "$WORK/targets" 2>"$WORK/fping.out" &
FP=$!; PIDS+=($FP)
sleep 1
ws0=$(cpu_ticks $WS); fp0=$(cpu_ticks $FP); wsu0=$(cpu_user $WS); fpu0=$(cpu_user $FP)
tx0=$(jq '.tunnels[0].counters.tx' "$WORK/state.json")
t0=$(date +%s.%N)
sleep $((D - 3))
ws1=$(cpu_ticks $WS); fp1=$(cpu_ticks $FP); wsu1=$(cpu_user $WS); fpu1=$(cpu_user $FP)
tx1=$(jq '.tunnels[0].counters.tx' "$WORK/state.json")
rx=$(jq '.tunnels[0].counters.rx_ok' "$WORK/state.json")
t1=$(date +%s.%N)
wait $FP
fsent=$(sed -n 's|.*= \([0-9]*\)/\([0-9]*\)/.*|\1|p' "$WORK/fping.out" | awk '{s += $1} END {print s + 0}')
frcv=$(sed -n 's|.*= \([0-9]*\)/\([0-9]*\)/.*|\2|p' "$WORK/fping.out" | awk '{s += $1} END {print s + 0}')
el=$(awk -v a="$t0" -v b="$t1" 'BEGIN { print b - a }')
wsp=$((tx1 - tx0))
# fping's probes in the same interval: its rate times the interval
fpp=$(awk -v s="$fsent" -v d="$D" -v e="$el" 'BEGIN { printf "%d", s / d * e }')
kill $WS; wait $WS
awk -v wt=$((ws1 - ws0)) -v ft=$((fp1 - fp0)) -v wu=$((wsu1 - wsu0)) -v fu=$((fpu1 - fpu0)) -v wp="$wsp" -v fp="$fpp" -v hz="$hz" \
    -v fs="$fsent" -v fr="$frcv" -v rx="$rx" -v tx="$tx1" 'BEGIN {
	wc = wt / hz; fc = ft / hz
	printf "wanscope: %d probes, %.2f s CPU (user %.2f), %.2f us/probe (received %d of %d)\n",
		wp, wc, wu / hz, wp ? wc / wp * 1e6 : 0, rx, tx
	printf "fping:    %d probes, %.2f s CPU (user %.2f), %.2f us/probe (received %d of %d)\n",
		fp, fc, fu / hz, fp ? fc / fp * 1e6 : 0, fr, fs
	if (wp && fp && fu > 0)
		printf "ratio wanscope/fping user-space CPU per probe: %.3f\n", (wu / hz / wp) / (fu / hz / fp)
	if (wp && fp && fc > 0)
		printf "ratio wanscope/fping CPU per probe: %.3f\n", (wc / wp) / (fc / fp)
}'

[ -n "${ONLY1:-}" ] && exit 0

echo "== 2. detection of a dead tunnel at 10 probes/s (defaults otherwise)"
cat >"$WORK/one.conf" <<CONF
state-file $WORK/one.json
state-interval 100ms
tunnel one
  iface v0
  peer 10.0.0.2
  type request
  target 10.64.0.1
  interval 100ms
  timeout 200ms
CONF
for run in 1 2 3 4; do
	[ $run = 4 ] && echo "  down-window 700ms" >>"$WORK/one.conf"
	bx nft flush ruleset
	ip netns exec "$A" "$WANSCOPE" probe --config "$WORK/one.conf" 2>"$WORK/one.log" &
	P=$!; PIDS+=($P)
	sleep 2
	bx nft add table inet b
	bx nft add chain inet b c '{ type filter hook input priority 0; }'
	T0=$(date +%s%3N)
	bx nft add rule inet b c icmp type echo-request drop
	T0b=$(date +%s%3N)
	for _ in $(seq 300); do
		[ "$(jq -r '.tunnels[0].state' "$WORK/one.json" 2>/dev/null)" = down ] && break
		sleep 0.01
	done
	at=$(jq -r '.tunnels[0].last_transition.at' "$WORK/one.json")
	T1=$(date -d "$at" +%s%3N)
	echo "run $run$([ $run = 4 ] && echo ' (down-window 700ms)'): down $((T1 - T0b))..$((T1 - T0)) ms after the drop rule ($(jq -r '.tunnels[0].last_transition.reason' "$WORK/one.json"))"
	kill $P; wait $P
done
bx nft flush ruleset

sed -i '/down-window/d' "$WORK/one.conf"
echo "== 3. stability under 1% random loss, 10 probes/s, ${STAB}s (default windows, min-state 5m)"
ip netns exec "$A" "$WANSCOPE" probe --config "$WORK/one.conf" 2>"$WORK/stab.log" &
P=$!; PIDS+=($P)
sleep 1
bx nft add table inet b
bx nft add chain inet b c '{ type filter hook input priority 0; }'
bx nft add rule inet b c icmp type echo-request numgen random mod 100 '<' 1 drop
sleep "$STAB"
jq -r '.tunnels[0] | "state \(.state), \(.transitions) transition(s), loss \(.loss_pct)% over the stats window"' "$WORK/one.json"
kill $P; wait $P
grep -E "tunnel one: " "$WORK/stab.log" | sed 's/^/  /'
