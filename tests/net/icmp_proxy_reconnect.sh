#!/bin/bash
# SPDX-License-Identifier: BSD-2-Clause
# icmp_proxy_reconnect.sh - the session between edge and connector over
# QUIC: an idle session stays up (keepalives) beyond the idle timeout; the
# connector reconnects when the edge restarts, after a clean stop
# (CONNECTION_CLOSE: noticed at once) and after SIGKILL (no goodbye: the
# restarted edge answers the old session with a stateless reset); and when
# the edge hangs (SIGSTOP) the connector gives up after the 10 s idle
# timeout and redials once the edge runs again. Pings work again each time.
set -u
top=$(cd "$(dirname "$0")/../.." && pwd)
WANSCOPE=${WANSCOPE:-$top/build/wanscope}
for t in ping setpriv; do
	command -v $t >/dev/null || { echo "$t not installed"; exit 77; }
done
[ "$(id -u)" = 0 ] || { echo "needs root for network namespaces"; exit 77; }
. "$top/tests/net/icmp_proxy_topo.bash"
trap px_down EXIT
fail() { echo "FAIL: $*"; for f in edge.log conn.log edge.stats conn.stats; do
	echo "--- $f"; cat "$PX_DIR/$f" 2>/dev/null; done; exit 1; }

px_up || fail "topology"
px_creds || fail "credentials"
px_edge
px_connector
px_wait_up || fail "connector did not come up"
ip netns exec "$NS_C" ping -c 1 -W 2 $D4 >/dev/null || fail "first ping"

# 1. Idle for longer than the 10 s idle timeout: keepalives hold it up.
sleep 12
[ "$(px_stat "$PX_DIR/conn.stats" session_up)" = 1 ] || fail "idle session went down"
[ "$(px_stat "$PX_DIR/conn.stats" sessions_lost)" = 0 ] || fail "idle session was lost"
ip netns exec "$NS_C" ping -c 1 -W 2 $D4 >/dev/null || fail "ping after 12 s idle"
echo "idle 12 s: session kept up"

# restart_edge SIGNAL: stop the edge, start it again, wait for the connector.
restart_edge() {
	local t0=$SECONDS
	kill -"$1" "$PX_EDGE_PID"
	wait "$PX_EDGE_PID" 2>/dev/null
	rm -f "$PX_DIR/edge.stats"
	px_edge
	for i in $(seq 300); do
		grep -q '^connectors_up 1' "$PX_DIR/edge.stats" 2>/dev/null && break
		sleep 0.1
	done
	grep -q '^connectors_up 1' "$PX_DIR/edge.stats" 2>/dev/null ||
		fail "connector did not come back after the edge's SIG$1"
	echo "edge SIG$1: connector back after $((SECONDS - t0)) s"
	ip netns exec "$NS_C" ping -c 2 -i 0.2 -W 2 $D4 >/dev/null ||
		fail "ping after the edge's SIG$1"
}

# 2. Clean stop: the connector hears CONNECTION_CLOSE and redials.
restart_edge TERM
grep -q "session down: peer closed the session" "$PX_DIR/conn.log" ||
	fail "connector did not log the edge's goodbye"
# 3. SIGKILL: the new edge does not know the session and resets it.
restart_edge KILL
grep -q "session down: the peer lost our session (stateless reset" "$PX_DIR/conn.log" ||
	fail "connector did not log the stateless reset"
# 4. A hung edge: the connector notices the silence (idle timeout).
kill -STOP "$PX_EDGE_PID"
for i in $(seq 150); do
	grep -q "session down: silent for 10 s" "$PX_DIR/conn.log" && break
	sleep 0.1
done
kill -CONT "$PX_EDGE_PID"
grep -q "session down: silent for 10 s" "$PX_DIR/conn.log" ||
	fail "connector did not give up on the hung edge"
for i in $(seq 100); do
	ip netns exec "$NS_C" ping -c 1 -W 1 $D4 >/dev/null 2>&1 && break
	sleep 0.2
done
ip netns exec "$NS_C" ping -c 2 -i 0.2 -W 2 $D4 >/dev/null || fail "ping after the hang"
echo "hung edge: connector gave up after the idle timeout and came back"
sleep 1.1
[ "$(px_stat "$PX_DIR/conn.stats" sessions_up)" -ge 4 ] || fail "sessions_up < 4"
grep -E '^(sessions_up|sessions_lost|handshakes_failed) ' "$PX_DIR/conn.stats"
echo "PASS"
