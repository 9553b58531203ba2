#!/bin/bash
# SPDX-License-Identifier: BSD-2-Clause
# bench/probe.sh - tunnel prober benchmarks (report, not assert), in
# network namespaces connected to nothing on the host:
#  1. N targets probed once a second by wanscope's prober and by fping
#     doing the same probes (-p 1000 -c D) over the same path, one after the
#     other in the same run (each alone: a raw ICMP socket sees every echo
#     reply in its namespace, so running them together would charge each
#     tool for the other's replies). CPU per probe (user, system, total) and
#     the ratios, in two topologies:
#     a. veth: the targets are on the loopback of a second namespace joined
#        by a veth pair. Sending into a veth runs the far namespace's whole
#        receive path, its echo, and the answer's way back in softirq
#        context charged to the SENDER: most of both tools' "system" time is
#        the branch's work, which on a real hub runs on the branches'
#        CPUs. This overstates what a hub pays per probe.
#     b. tun (the honest hub picture): the probes go into a tun device whose
#        reader, bench/probe_reflect_bench.c, answers them as a branch would
#        (and writes the answers back into the device). The far side's work
#        AND the hub's receive path of the answers up to the sockets (which
#        runs inside the reflector's write) are charged to the reflector,
#        reported apart; the prober pays for building, sending into the
#        tunnel device, wakeups and reading the answers. fping takes the same
#        path (a route to the targets through the tun device).
#  2. detection time of a dead tunnel at 10 probes/s (nftables drops
#     everything from the moment T0; time until the state file says down).
#  3. state stability under steady 1 % random loss (nftables numgen).
# Environment: N (targets, default 10000), D (seconds per tool and
#              topology, default 20), STAB (seconds of the stability run,
#              default 120), WANSCOPE (binary, default build/wanscope),
#              TOPO ("veth tun" by default), ONLY1=1 (only part 1).
# Run it under flock /tmp/ws-bench.lock on a shared machine.
set -u
top=$(cd "$(dirname "$0")/.." && pwd)
WANSCOPE=${WANSCOPE:-$top/build/wanscope}
REFLECT=${REFLECT:-$(dirname "$WANSCOPE")/bench/probe_reflect_bench}
N=${N:-10000} D=${D:-20} STAB=${STAB:-120} TOPO=${TOPO:-veth tun}
[ "$(id -u)" = 0 ] || { echo "bench/probe.sh: needs root (namespaces)"; exit 1; }
for t in fping nft jq; do command -v $t >/dev/null || { echo "needs $t"; exit 1; }; done
[ -x "$REFLECT" ] || { echo "needs $REFLECT (ninja -C build)"; exit 1; }
A=ws-prb-bench-$$-a B=ws-prb-bench-$$-b C=ws-prb-bench-$$-c
WORK=$(mktemp -d /tmp/ws-prb-bench.XXXX)
PIDS=()
cleanup() {
	local p
	for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null; done
	for p in "${PIDS[@]}"; do wait "$p" 2>/dev/null; done
	ip netns del "$A" 2>/dev/null; ip netns del "$B" 2>/dev/null
	ip netns del "$C" 2>/dev/null
	rm -rf "$WORK"
}
trap cleanup EXIT
trap 'exit 1' INT TERM
ax() { ip netns exec "$A" "$@"; }
bx() { ip netns exec "$B" "$@"; }
cx() { ip netns exec "$C" "$@"; }

for ((i = 0; i < N; i++)); do echo "10.64.$((i / 250)).$((i % 250 + 1))"; done >"$WORK/targets"
# veth: A (hub) -- B (targets on its loopback)
ip netns add "$A"; ip netns add "$B"
ip link add v0 netns "$A" type veth peer name v1 netns "$B"
ax ip link set lo up; bx ip link set lo up
ax ip addr add 10.0.0.1/24 dev v0; ax ip link set v0 up
bx ip addr add 10.0.0.2/24 dev v1; bx ip link set v1 up
ax ip route add 10.64.0.0/16 via 10.0.0.2
sed 's|^|address add |; s|$|/32 dev lo|' "$WORK/targets" | bx ip -batch - || exit 1
ax ping -c1 -W1 10.0.0.2 >/dev/null
# tun: C (hub) with a tun device whose reader answers for the targets
ip netns add "$C"
cx ip link set lo up
ip netns exec "$C" "$REFLECT" tnr >/dev/null & RF=$!; PIDS+=($RF)
for _ in $(seq 100); do cx ip link show tnr >/dev/null 2>&1 && break; sleep 0.05; done
cx ip addr add 10.1.0.1/32 dev tnr; cx ip link set tnr up
cx ip route add 10.64.0.0/16 dev tnr
cx ping -c1 -W1 10.64.0.1 >/dev/null || { echo "tun reflector does not answer"; exit 1; }

ticks() { awk '{print $14, $15}' "/proc/$1/stat"; }	# user system
hz=$(getconf CLK_TCK)

# ws_run NS IFACE PEER -> "probes user_ticks sys_ticks refl_user refl_sys rx tx drops"
# (probes in the measured interval: N a second times its length; the
# totals received/sent show that the rate was kept)
ws_run() {
	local ns=$1 iface=$2 peer=$3 w u0 s0 u1 s1 ru0 rs0 ru1 rs1 t0 t1
	{
		echo "state-file $WORK/state.json"
		echo "state-interval 1s"
		echo "tunnel many"
		echo "  iface $iface"
		[ -n "$peer" ] && echo "  peer $peer"
		echo "  type request"
		echo "  quorum 1"
		echo "  retries 0"
		sed 's/^/  target /' "$WORK/targets"
	} >"$WORK/many.conf"
	rm -f "$WORK/state.json"
	ip netns exec "$ns" "$WANSCOPE" probe --config "$WORK/many.conf" 2>"$WORK/ws.log" &
	w=$!; PIDS+=($w)
	sleep 2
	read -r u0 s0 < <(ticks $w); read -r ru0 rs0 < <(ticks $RF); t0=$(date +%s.%N)
	[ -n "${PERF:-}" ] && perf record -g -p $w -o "$PERF.$iface" -- sleep 8 >/dev/null 2>&1 &
	sleep $((D - 2))
	read -r u1 s1 < <(ticks $w); read -r ru1 rs1 < <(ticks $RF); t1=$(date +%s.%N)
	kill $w; wait $w
	ip netns exec "$ns" ip -s -j link show "$iface" |
		jq -r '.[0].stats64 | "  \($ns) \($dev): tx dropped \(.tx.dropped), rx dropped \(.rx.dropped)"' \
		--arg ns "$ns" --arg dev "$iface" >&2
	echo "$(awk -v n="$N" -v a="$t0" -v b="$t1" 'BEGIN { printf "%d", n * (b - a) }')" \
		"$((u1 - u0)) $((s1 - s0)) $((ru1 - ru0)) $((rs1 - rs0))" \
		"$(jq -r '"\(.tunnels[0].counters.rx_ok) \(.tunnels[0].counters.tx) \(.rx_dropped)"' "$WORK/state.json")"
}

# fp_run NS -> "probes user_ticks sys_ticks refl_user refl_sys rx tx"
fp_run() {
	local ns=$1 f u0 s0 u1 s1 ru0 rs0 ru1 rs1 t0 t1 ts te iv sent rcv
	# -i: the spacing for N probes a second (fping 5.1 takes fractions of a
	# ms when run as root). Its real rate is measured, not assumed.
	iv=$(awk -v n="$N" 'BEGIN { printf "%g", 1000 / n }')
	ts=$(date +%s.%N)
	ip netns exec "$ns" fping -q -c "$D" -p 1000 -i "$iv" -t 500 -f "$WORK/targets" 2>"$WORK/fping.out" &
	f=$!; PIDS+=($f)
	sleep 2
	read -r u0 s0 < <(ticks $f); read -r ru0 rs0 < <(ticks $RF); t0=$(date +%s.%N)
	sleep $((D - 4))
	read -r u1 s1 < <(ticks $f); read -r ru1 rs1 < <(ticks $RF); t1=$(date +%s.%N)
	wait $f
	te=$(date +%s.%N)
	sent=$(sed -n 's|.*= \([0-9]*\)/\([0-9]*\)/.*|\1|p' "$WORK/fping.out" | awk '{s += $1} END {print s + 0}')
	rcv=$(sed -n 's|.*= \([0-9]*\)/\([0-9]*\)/.*|\2|p' "$WORK/fping.out" | awk '{s += $1} END {print s + 0}')
	# fping's probes in the measured interval: its measured rate (sent over
	# its whole run time) times the interval
	echo "$(awk -v s="$sent" -v ts="$ts" -v te="$te" -v a="$t0" -v b="$t1" 'BEGIN { printf "%d", s / (te - ts) * (b - a) }')" \
		"$((u1 - u0)) $((s1 - s0)) $((ru1 - ru0)) $((rs1 - rs0)) $rcv $sent"
}

for topo in $TOPO; do
	case $topo in
	veth) echo "== 1a. veth (the far side's work charged to the sender): $N targets, one probe a second each, ${D}s per tool"
	      wsr=$(ws_run "$A" v0 10.0.0.2); fpr=$(fp_run "$A") ;;
	tun)  echo "== 1b. tun + reflector (the far side's work not charged to the prober): $N targets, one probe a second each, ${D}s per tool"
	      wsr=$(ws_run "$C" tnr ""); fpr=$(fp_run "$C") ;;
	*) echo "unknown topology $topo"; exit 1 ;;
	esac
	awk -v w="$wsr" -v f="$fpr" -v hz="$hz" -v topo="$topo" 'BEGIN {
		split(w, a, " "); split(f, b, " ")
		wu = a[2] / hz / a[1] * 1e6; ws = a[3] / hz / a[1] * 1e6
		fu = b[2] / hz / b[1] * 1e6; fs = b[3] / hz / b[1] * 1e6
		printf "wanscope: %d probes, us/probe user %.2f system %.2f total %.2f (received %d of %d, socket drops %d)\n",
			a[1], wu, ws, wu + ws, a[6], a[7], a[8]
		printf "fping:    %d probes, us/probe user %.2f system %.2f total %.2f (received %d of %d)\n",
			b[1], fu, fs, fu + fs, b[6], b[7]
		if (topo == "tun")
			printf "reflector (far side + hub receive path), us/probe: %.2f while wanscope ran, %.2f while fping ran\n",
				(a[4] + a[5]) / hz / a[1] * 1e6, (b[4] + b[5]) / hz / b[1] * 1e6
		printf "ratio wanscope/fping per probe: user %.3f, system %.3f, total %.3f\n",
			fu ? wu / fu : 0, fs ? ws / fs : 0, (fu + fs) ? (wu + ws) / (fu + fs) : 0
	}'
done

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
