#!/bin/bash
# SPDX-License-Identifier: BSD-2-Clause
# export_sampled.sh - a sampled NetFlow v9 and IPFIX export announces its
# sampler the standard way: an options template and options data record
# (samplingInterval 34, samplingAlgorithm 35) with the templates, at start
# and every refresh, and no interval in the data records. `wanscope export
# --read` of a generated capture, 1-in-4 with a fixed seed, goes to nfcapd
# on the loopback of a namespace the test creates, and is captured there.
# Checks: our decoder applies the announced rate to every record and the
# unscaled counts add up to the exporter's sampled packets; tshark decodes
# the options template and data (interval 4, random) once per refresh;
# nfdump agrees with the counts, scaled by 4 when it lists the announced
# sampler (nfdump -E) and unscaled when it does not (Debian 12's 1.7.1).
. "$(dirname "$0")/export_lib.bash"
need tcpdump tshark nfcapd nfdump python3
ip netns add "$NSA" || die "ip netns add"
ina ip link set lo up

python3 "$here/collect_mkpcap.py" "$T/in.pcap" 300 7 >/dev/null || die "mkpcap"
port=$((26000 + $$ % 1000 * 2))
rate=4
for proto in ipfix v9; do
	d=$T/$proto
	mkdir -p "$d/nf"
	ip netns exec "$NSA" nfcapd -b 127.0.0.1 -p "$port" -w "$d/nf" -t 3600 -P "$d/nfcapd.pid" \
		>"$d/nfcapd.log" 2>&1 &
	NF_PID=$!
	PIDS+=($NF_PID)
	wait_for 10 grep -qs "Startup" "$d/nfcapd.log" || die "nfcapd did not start"
	capture "$NSA" lo "$d/export.pcap" udp port "$port"
	ina "$WANSCOPE" export -r "$T/in.pcap" -c "udp://127.0.0.1:$port" -P "$proto" \
		-s "$rate" --seed 3 --template-refresh 1 --stats >"$d/stats.json" ||
		die "wanscope export -r -P $proto -s $rate failed"
	# nfcapd has the datagrams once tcpdump has seen them all
	n=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["export_datagrams"])' \
		"$d/stats.json")
	wait_for 10 sh -c "[ \$(tcpdump -r '$d/export.pcap' 2>/dev/null | wc -l) -ge $n ]" ||
		die "capture of $n datagrams incomplete"
	sleep 0.2
	stop_captures
	kill -TERM "$NF_PID"; wait "$NF_PID"
	cat "$d/stats.json"
	python3 "$here/export_verify.py" sampled --wanscope "$WANSCOPE" \
		--export "$d/export.pcap" --port "$port" \
		--proto "$( [ $proto = v9 ] && echo nf9 || echo ipfix)" --rate "$rate" \
		--stats "$d/stats.json" --nfdump "$d/nf" ||
		die "$proto 1-in-$rate: the sampler announcement does not check out"
	echo "PASS $proto 1-in-$rate"
	port=$((port + 1))
done
