# SPDX-License-Identifier: BSD-2-Clause
# export_lib.bash - helpers for the exporter's scenario tests (sourced).
# Export traffic goes to loopback inside namespaces the test creates; the
# captured traffic runs over a veth pair between two such namespaces.

: "${WANSCOPE:?WANSCOPE must name the built binary}"
top=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
here=$top/tests/net
T=$(mktemp -d /tmp/ws-exp-$$-XXXX)
NSA=ws-exp-$$-a
NSB=ws-exp-$$-b
VA=wsxa$$
VB=wsxb$$
PIDS=()

cleanup() {
	local p
	for p in "${PIDS[@]}"; do
		kill -TERM "$p" 2>/dev/null
	done
	for p in "${PIDS[@]}"; do
		wait "$p" 2>/dev/null
	done
	ip netns del "$NSA" 2>/dev/null
	ip netns del "$NSB" 2>/dev/null
	[ -n "${KEEP:-}" ] || rm -rf "$T"
}
trap cleanup EXIT

skip() { echo "$*"; exit 77; }
die() { echo "FAIL: $*" >&2; exit 1; }
need() { local c; for c in "$@"; do command -v "$c" >/dev/null || skip "$c not installed (scripts/install-deps)"; done; }
[ "$(id -u)" = 0 ] || skip "needs root (network namespaces)"

# wait_for TIMEOUT_S CMD...: poll every 0.1 s until CMD succeeds.
wait_for() {
	local end=$((SECONDS + $1)); shift
	while [ "$SECONDS" -le "$end" ]; do
		"$@" && return 0
		sleep 0.1
	done
	return 1
}

ina() { ip netns exec "$NSA" "$@"; }
inb() { ip netns exec "$NSB" "$@"; }

# Two namespaces joined by a veth pair: A 10.77.0.1 fd77::1, B .2 / ::2.
topo() {
	ip netns add "$NSA" || die "ip netns add"
	ip netns add "$NSB" || die "ip netns add"
	ip link add "$VA" netns "$NSA" type veth peer name "$VB" netns "$NSB" || die "veth"
	ina ip link set lo up
	inb ip link set lo up
	ina ip addr add 10.77.0.1/24 dev "$VA"
	inb ip addr add 10.77.0.2/24 dev "$VB"
	ina ip addr add fd77::1/64 dev "$VA" nodad
	inb ip addr add fd77::2/64 dev "$VB" nodad
	ina ip link set "$VA" up
	inb ip link set "$VB" up
}

# capture NS IF FILE FILTER...: tcpdump in the background until stopped
# (ip netns exec execs, so $! is tcpdump itself).
CAP_PIDS=()
capture() {
	local ns=$1 ifc=$2 f=$3; shift 3
	ip netns exec "$ns" tcpdump -i "$ifc" --immediate-mode -U -B 8192 -s 0 -w "$f" "$@" 2>"$f.log" &
	PIDS+=($!)
	CAP_PIDS+=($!)
	wait_for 10 grep -qs "listening on" "$f.log" || die "tcpdump on $ifc did not start"
}
# stop_captures: SIGINT every tcpdump so each writes out its file.
stop_captures() {
	local p
	for p in "${CAP_PIDS[@]}"; do
		kill -INT "$p" 2>/dev/null
		wait "$p" 2>/dev/null
	done
	CAP_PIDS=()
}

# export_start LOG ARGS...: wanscope export in A; waits until it captures.
export_start() {
	local log=$1; shift
	ip netns exec "$NSA" "$WANSCOPE" export "$@" >"$log.out" 2>"$log" &
	EXP_PID=$!
	PIDS+=("$EXP_PID")
	wait_for 10 grep -qs "capturing on" "$log" || die "exporter did not start: $(cat "$log")"
}
# export_stop LOG: SIGTERM (flushes the cache), expect exit 0.
export_stop() {
	kill -TERM "$EXP_PID"
	wait "$EXP_PID"
	local rc=$?
	[ "$rc" = 0 ] || die "exporter exited $rc: $(tail -5 "$1")"
}

# Known traffic from A to B: pings (v4 and v6), a TCP transfer of
# TCP_BYTES, UDP datagrams to a closed port, VLAN-tagged UDP frames.
TCP_BYTES=300000
traffic() {
	ip netns exec "$NSB" python3 "$here/export_traffic.py" server 10.77.0.2 5001 "$T/server.txt" &
	PIDS+=($!)
	wait_for 10 test -s "$T/server.txt" || die "TCP server did not start"
	ina ping -q -c 5 -s 1000 -i 0.2 10.77.0.2 >/dev/null || die "ping v4"
	ina ping -q -6 -c 3 -s 500 -i 0.2 fd77::2 >/dev/null || die "ping v6"
	# 802.1Q frames (VLAN 10, 10.78.0.1 -> .2, UDP, IP length 228) written
	# to the veth through a packet socket: no 8021q module needed
	ina python3 "$here/export_traffic.py" vlan "$VA" 10 4 200 || die "vlan frames"
	ina python3 "$here/export_traffic.py" client 10.77.0.2 5001 "$TCP_BYTES" || die "tcp client"
	ina python3 "$here/export_traffic.py" udp 10.77.0.2 5002 10 300 || die "udp"
	wait_for 10 grep -qs "^got $TCP_BYTES\$" "$T/server.txt" || die "server got $(cat "$T/server.txt")"
}
