#!/bin/bash
# SPDX-License-Identifier: BSD-2-Clause
# icmp_proxy_auth.sh - mutual authentication between edge and connector:
# a connector certificate from another CA, a connector presenting a
# certificate with the edge's name, a connector that does not trust the
# edge's CA, and an "edge" presenting a connector's certificate are all
# refused, with a log line naming the reason and a counter; the right
# credentials then work.
set -u
top=$(cd "$(dirname "$0")/../.." && pwd)
WANSCOPE=${WANSCOPE:-$top/build/wanscope}
for t in ping setpriv timeout; do
	command -v $t >/dev/null || { echo "$t not installed"; exit 77; }
done
[ "$(id -u)" = 0 ] || { echo "needs root for network namespaces"; exit 77; }
. "$top/tests/net/icmp_proxy_topo.bash"
trap px_down EXIT
fail() { echo "FAIL: $*"; for f in edge.log edge2.log edge.stats try.log kstats/try.stats; do
	echo "--- $f"; cat "$PX_DIR/$f" 2>/dev/null; done; exit 1; }

px_up || fail "topology"
px_creds || fail "credentials"
"$WANSCOPE" credentials init "$PX_DIR/other" >/dev/null || fail "second CA"

# creds DIR CA_FROM CRT_FROM KEY_FROM: a connector credentials directory.
mkcreds() {
	mkdir -p "$PX_DIR/$1" && cp "$2" "$PX_DIR/$1/ca.crt" &&
	cp "$3" "$PX_DIR/$1/connector.crt" && cp "$4" "$PX_DIR/$1/connector.key" &&
	chown -R 65534:65534 "$PX_DIR/$1"
}
C=$PX_DIR/creds O=$PX_DIR/other
mkcreds foreign-cert $C/ca.crt $O/connector.crt $O/connector.key || fail "mkcreds"
mkcreds edge-name $C/ca.crt $C/edge.crt $C/edge.key || fail "mkcreds"
mkcreds foreign-ca $O/ca.crt $O/connector.crt $O/connector.key || fail "mkcreds"

# try DIR [EDGE]: run a connector for 3 s with credentials DIR.
try() {
	: >"$PX_DIR/try.log"
	mkdir -p "$PX_DIR/kstats" && chown 65534 "$PX_DIR/kstats"
	rm -f "$PX_DIR/kstats/try.stats"
	ip netns exec "$NS_K" setpriv --reuid=65534 --regid=65534 --clear-groups \
		--inh-caps=-all --bounding-set=-all \
		timeout 3 "$WANSCOPE" connector --edge "${2:-$EU4:4433}" \
		--route 10.62.4.0/24 --credentials "$PX_DIR/$1" \
		--stats-file "$PX_DIR/kstats/try.stats" 2>"$PX_DIR/try.log"
	echo "--- connector with $1:"; cat "$PX_DIR/try.log"
}
refused() { # WHAT: the edge refused it and is still without connectors
	local n=$1
	sleep 1.1
	[ "$(px_stat "$PX_DIR/edge.stats" handshakes_failed)" -gt "$n" ] ||
		fail "$2: edge did not count a failed handshake"
	[ "$(px_stat "$PX_DIR/edge.stats" connectors_up)" = 0 ] || fail "$2: connector is up"
	[ "$(px_stat "$PX_DIR/kstats/try.stats" sessions_up)" = 0 ] || fail "$2: connector session up"
	[ "$(px_stat "$PX_DIR/kstats/try.stats" handshakes_failed)" -ge 1 ] ||
		fail "$2: connector did not count a failed handshake"
}

px_edge
for i in $(seq 50); do [ -s "$PX_DIR/edge.stats" ] && break; sleep 0.1; done

# 1. Certificate signed by another CA: the edge refuses it.
n=$(px_stat "$PX_DIR/edge.stats" handshakes_failed)
try foreign-cert
refused "$n" "foreign CA"
grep -qi "connector .*handshake refused.*certificate is NOT trusted" "$PX_DIR/edge.log" ||
	fail "edge log does not say the connector's certificate is not trusted"
grep -qi "session down: .*refused us" "$PX_DIR/try.log" ||
	fail "connector log does not say the edge refused it"

# 2. Right CA, but the certificate is the edge's (wrong name).
n=$(px_stat "$PX_DIR/edge.stats" handshakes_failed)
try edge-name
refused "$n" "wrong name"
grep -qi "connector .*handshake refused.*does not match" "$PX_DIR/edge.log" ||
	fail "edge log does not say the name does not match"

# 3. The connector does not trust the edge's CA: it refuses the edge.
n=$(px_stat "$PX_DIR/edge.stats" handshakes_failed)
try foreign-ca
refused "$n" "untrusted edge"
grep -qi "session down: .*certificate is NOT trusted" "$PX_DIR/try.log" ||
	fail "connector log does not say the edge's certificate is not trusted"

# 4. An "edge" presenting a connector certificate: the connector refuses.
mkdir -p "$PX_DIR/fake-edge" && cp $C/ca.crt "$PX_DIR/fake-edge/" &&
	cp $C/connector.crt "$PX_DIR/fake-edge/edge.crt" &&
	cp $C/connector.key "$PX_DIR/fake-edge/edge.key" || fail "fake edge credentials"
ip netns exec "$NS_E" "$WANSCOPE" edge --listen $EU4:4434 --tun ws1 --no-routes \
	--credentials "$PX_DIR/fake-edge" 2>"$PX_DIR/edge2.log" &
PX_PIDS+=($!)
sleep 0.3
try kcreds $EU4:4434
grep -qi "session down: .*does not match" "$PX_DIR/try.log" ||
	fail "connector log does not say the edge's name does not match"
[ "$(px_stat "$PX_DIR/kstats/try.stats" sessions_up)" = 0 ] || fail "fake edge accepted"

# 5. The right credentials work.
px_connector
px_wait_up || fail "connector with the right credentials did not come up"
ip netns exec "$NS_C" ping -c 2 -i 0.2 -W 2 $D4 >/dev/null || fail "ping"
grep -E '^(handshakes_failed|sessions_up|connectors_up) ' "$PX_DIR/edge.stats"
echo "PASS"
