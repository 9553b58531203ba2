#!/bin/bash
# SPDX-License-Identifier: BSD-2-Clause
# export_live.sh - wanscope export on a veth in a namespace, IPFIX and
# NetFlow v9 to two collectors on that namespace's loopback (nfcapd on
# 127.0.0.1, nothing on [::1]). Known traffic (pings v4/v6, a TCP
# transfer, UDP) crosses the veth. Checks: our decoder, tshark and nfdump
# agree on every record, both collectors got the same stream, and the
# records of the test traffic add up exactly to tshark's per-packet sums
# of a capture of the same interface; it runs as nobody once capturing;
# exit 0 on SIGTERM.
. "$(dirname "$0")/export_lib.bash"
need tcpdump tshark nfcapd nfdump python3 ping
topo

port=$((21000 + $$ % 1000 * 2))
for proto in ${PROTOS:-ipfix v9}; do
	d=$T/$proto
	mkdir -p "$d/nf"
	ip netns exec "$NSA" nfcapd -b 127.0.0.1 -p "$port" -w "$d/nf" -t 3600 -P "$d/nfcapd.pid" \
		>"$d/nfcapd.log" 2>&1 &
	NF_PID=$!
	PIDS+=($NF_PID)
	capture "$NSA" lo "$d/export.pcap" udp port "$port" or udp port $((port + 1))
	capture "$NSA" "$VA" "$d/traffic.pcap"
	export_start "$d/export.log" -i "$VA" -P "$proto" --stats \
		-c "udp://127.0.0.1:$port" -c "udp://[::1]:$((port + 1))"
	uid=$(awk '/^Uid:/ {print $3}' /proc/"$EXP_PID"/status)
	echo "exporter runs as uid $uid (effective)"
	[ "$uid" = "$(id -u nobody)" ] || die "exporter kept uid $uid, expected nobody"
	traffic
	export_stop "$d/export.log"
	stop_captures
	kill -TERM "$NF_PID"; wait "$NF_PID"
	cat "$d/export.log.out"
	python3 "$here/export_verify.py" flows --wanscope "$WANSCOPE" \
		--export "$d/export.pcap" --port "$port" --port2 $((port + 1)) \
		--proto "$( [ $proto = v9 ] && echo nf9 || echo ipfix)" \
		--traffic "$d/traffic.pcap" --nfdump "$d/nf" --stats "$d/export.log.out" \
		--icmp --tcp-bytes "$TCP_BYTES" || die "$proto: exported flows do not add up"
	echo "PASS $proto"
done
