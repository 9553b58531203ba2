#!/bin/bash
# SPDX-License-Identifier: BSD-2-Clause
# export_offline.sh - wanscope export --read on a generated capture (TCP,
# UDP, ICMP, IPv4 and IPv6 flows), exported to the loopback of a namespace
# the test creates and captured there. Per 5-tuple packets and bytes must
# equal tshark's per-packet sums of the input and softflowd -r's export of
# the same file (NetFlow v9); two runs are byte-identical (capture time is
# the clock); a tiny cache (--max-flows 16) evicts and still loses nothing.
. "$(dirname "$0")/export_lib.bash"
need tcpdump tshark softflowd softflowctl python3
ip netns add "$NSA" || die "ip netns add"
ina ip link set lo up

npk=$(python3 "$here/collect_mkpcap.py" "$T/in.pcap" 300 7) || die "mkpcap"
port=$((25000 + $$ % 1000 * 8))
capture "$NSA" lo "$T/export.pcap" udp portrange "$port-$((port + 7))"

run() { # PORT ARGS...: export the capture once
	local p=$1; shift
	ina "$WANSCOPE" export -r "$T/in.pcap" -c "udp://127.0.0.1:$p" --stats "$@" \
		>"$T/stats-$p.json" || die "wanscope export -r $* failed"
}
run "$port" -P ipfix
run $((port + 1)) -P ipfix
run $((port + 2)) -P v9 --max-flows 16
run $((port + 3)) -P ipfix --max-flows 16
ctl=$T/sf.ctl
ina softflowd -r "$T/in.pcap" -n "127.0.0.1:$((port + 4))" -v 9 -6 -A milli \
	-c "$ctl" -p "$ctl.pid" -d >"$T/softflowd.log" 2>&1 &
sfpid=$!
PIDS+=($sfpid)
# softflowd -r reads up to 8192 packets each time its control socket
# wakes it: ask until it has read the whole file, then shut it down
sf_read() { ina softflowctl -c "$ctl" statistics 2>/dev/null | grep -qx "Packets processed: $npk"; }
wait_for 5 test -S "$ctl" || die "softflowd did not start: $(cat "$T/softflowd.log")"
wait_for 20 sf_read || die "softflowd did not read the $npk packets"
ina softflowctl -c "$ctl" shutdown >/dev/null 2>&1
wait "$sfpid"
sleep 0.2
stop_captures

split() { # PORT: the export stream to PORT alone
	tcpdump -r "$T/export.pcap" -w "$T/export-$1.pcap" udp dst port "$1" 2>/dev/null
}
for p in $port $((port + 1)) $((port + 2)) $((port + 3)) $((port + 4)); do split "$p"; done

cat "$T/stats-$port.json"
python3 "$here/export_verify.py" offline --wanscope "$WANSCOPE" --input "$T/in.pcap" \
	--export "$T/export-$port.pcap" --port "$port" --proto ipfix \
	--softflowd "$T/export-$((port + 4)).pcap" --sfport $((port + 4)) \
	--stats "$T/stats-$port.json" || die "IPFIX from --read does not add up"
a=$(tshark -r "$T/export-$port.pcap" -T fields -e udp.payload 2>/dev/null | md5sum)
b=$(tshark -r "$T/export-$((port + 1)).pcap" -T fields -e udp.payload 2>/dev/null | md5sum)
echo "run 1 payloads $a, run 2 $b"
[ "$a" = "$b" ] || die "two --read runs exported different datagrams"
python3 "$here/export_verify.py" offline --wanscope "$WANSCOPE" --input "$T/in.pcap" \
	--export "$T/export-$((port + 2)).pcap" --port $((port + 2)) --proto nf9 \
	--stats "$T/stats-$((port + 2)).json" --evicted ||
	die "v9 with a full cache does not add up"
python3 "$here/export_verify.py" offline --wanscope "$WANSCOPE" --input "$T/in.pcap" \
	--export "$T/export-$((port + 3)).pcap" --port $((port + 3)) --proto ipfix \
	--stats "$T/stats-$((port + 3)).json" --evicted ||
	die "IPFIX with a full cache does not add up"
echo PASS
