#!/bin/bash
# SPDX-License-Identifier: BSD-2-Clause
# export_sflow.sh - wanscope export -P sflow on a veth in a namespace,
# unsampled and 1-in-4, counters every second, to a collector address on
# that namespace's loopback. Checks with our decoder and tshark: sample
# counts agree with each other and with the exporter's own count, the
# announced rate, gap-free sequence numbers, growing sample pools, frame
# lengths, counter samples present; unsampled, every packet of the test
# traffic is a sample, its frame length the IP length + 18.
. "$(dirname "$0")/export_lib.bash"
need tcpdump tshark python3 ping
topo

port=$((23000 + $$ % 1000))
for rate in 1 4; do
	d=$T/rate$rate
	mkdir -p "$d"
	capture "$NSA" lo "$d/export.pcap" udp port "$port"
	capture "$NSA" "$VA" "$d/traffic.pcap"
	export_start "$d/export.log" -i "$VA" -P sflow -s "$rate" --seed 7 --stats \
		--counter-interval 1 -c "udp://127.0.0.1:$port"
	traffic
	export_stop "$d/export.log"
	stop_captures
	cat "$d/export.log.out"
	python3 "$here/export_verify.py" sflow --wanscope "$WANSCOPE" \
		--export "$d/export.pcap" --port "$port" --rate "$rate" \
		--stats "$d/export.log.out" --counters-min 2 --traffic "$d/traffic.pcap" \
		--ifindex "$(ina cat /sys/class/net/$VA/ifindex)" ||
		die "sflow 1-in-$rate: samples do not add up"
	echo "PASS sflow 1-in-$rate"
done
