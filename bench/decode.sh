#!/bin/bash
# SPDX-License-Identifier: BSD-2-Clause
# decode.sh - flow decoding speed: wanscope beside tshark and nfdump
#
# For each export capture in tests/data (NetFlow v5, v9, IPFIX, sFlow):
#  1. decode_bench: flow_decode() alone over the payloads held in memory,
#     with a null sink: records/s on one core (the decoder's own speed);
#  2. `wanscope decode` end to end (read capture, decode, write JSON lines
#     to /dev/null) on a capture made by repeating the export packets;
#  3. tshark decoding the same big capture (-T fields of the flow fields);
#  4. nfcapd (nfdump's collector) receiving the same export packets over
#     loopback, in a private network namespace when run as root: its CPU
#     time per stored record; and `nfdump -r` printing what it stored.
# Prints records/s for each and ratios against wanscope. Benchmarks report;
# nothing here asserts timing.
#
# Usage: bench/decode.sh [BUILD_DIR]   (default: build)
# Environment: REPEAT (copies of each capture in the big file, default 1000),
#              BENCH_SECONDS (decode_bench CPU time per capture, default 2)
set -u
cd "$(dirname "$0")/.."
top=$PWD
build=${1:-build}
[ "${1:-}" ] && build=$1
REPEAT=${REPEAT:-1000}
BENCH_SECONDS=${BENCH_SECONDS:-2}
bench=$top/$build/bench/decode_bench
ws=$top/$build/wanscope
[ -x "$bench" ] && [ -x "$ws" ] || { echo "decode.sh: build first (ninja -C $build)" >&2; exit 1; }

# Re-run inside a private network namespace (loopback only) when root.
if [ -z "${WS_BENCH_INNER:-}" ] && [ "$(id -u)" = 0 ] && command -v unshare >/dev/null; then
	exec env WS_BENCH_INNER=1 unshare -n "$0" "$@"
fi
[ -n "${WS_BENCH_INNER:-}" ] && ip link set lo up

work=$(mktemp -d /tmp/ws-bench.XXXXXX)
trap 'rm -rf "$work"' EXIT

# cpu CMD...: run CMD (stdout to /dev/null), print "user+sys wall" seconds.
cpu() {
	python3 - "$@" <<'EOF'
import os, resource, subprocess, sys, time
r0 = resource.getrusage(resource.RUSAGE_CHILDREN)   # python's own start-up
t = time.monotonic()
subprocess.run(sys.argv[1:], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
w = time.monotonic() - t
r = resource.getrusage(resource.RUSAGE_CHILDREN)
print("%.3f %.3f" % (r.ru_utime + r.ru_stime - r0.ru_utime - r0.ru_stime, w))
EOF
}

# repeat IN OUT N: the capture's packets N times, time moving on
repeat() {
	python3 - "$@" <<'EOF'
import struct, sys
src, dst, n = sys.argv[1], sys.argv[2], int(sys.argv[3])
data = open(src, "rb").read()
hdr, pkts, off = data[:24], [], 24
while off + 16 <= len(data):
    sec, usec, cap, wire = struct.unpack("<IIII", data[off:off + 16])
    pkts.append((sec, usec, data[off + 8:off + 16 + cap]))
    off += 16 + cap
with open(dst, "wb") as f:
    f.write(hdr)
    for i in range(n):
        for sec, usec, rest in pkts:
            f.write(struct.pack("<II", sec + i, usec) + rest)
EOF
}

# send_udp CAP PORT: replay the capture's UDP payloads to 127.0.0.1:PORT
send_udp() {
	python3 - "$@" <<'EOF'
import socket, struct, sys, time
data = open(sys.argv[1], "rb").read()
port = int(sys.argv[2])
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
off, n = 24, 0
link = struct.unpack("<I", data[20:24])[0]
while off + 16 <= len(data):
    cap = struct.unpack("<I", data[off + 8:off + 12])[0]
    p = data[off + 16:off + 16 + cap]
    off += 16 + cap
    ip = p[14:] if link == 1 else p
    if ip[0] >> 4 != 4 or ip[9] != 17:
        continue
    ihl = (ip[0] & 15) * 4
    s.sendto(ip[ihl + 8:], ("127.0.0.1", port))
    n += 1
    if n % 64 == 0:
        time.sleep(0.0005)   # stay below what the receiver drains
EOF
}

ratio() { python3 -c "import sys; a, b = float(sys.argv[1]), float(sys.argv[2]); print('%.1f' % (a / b) if b > 0 else '-')" "$1" "$2"; }
rate() { python3 -c "import sys; r, s = float(sys.argv[1]), float(sys.argv[2]); print('%.0f' % (r / s) if s > 0 else 0)" "$1" "$2"; }

printf '%-18s %10s | %12s %12s | %12s %7s | %12s %7s | %12s %7s\n' capture records \
	"decode r/s" "wanscope r/s" "tshark r/s" "ratio" "nfcapd r/s" "ratio" "nfdump-r r/s" "ratio"
port=39000
while IFS=$'\t' read -r name cport diss kind exp; do
	case $name in '#'*) continue ;; esac
	[ "$kind" = export ] || continue
	case $name in *frag*) continue ;; esac
	port=$((port + 1))
	cap=tests/data/$name.pcap
	big=$work/$name-big.pcap
	repeat "$cap" "$big" "$REPEAT"
	proto=$(case $diss in sflow) echo sflow ;; *) echo cflow ;; esac)

	dec=$("$bench" -t "$BENCH_SECONDS" "$cap" | sed -n 's/.*records_per_s=\([0-9]*\).*/\1/p')
	records=$("$ws" decode --stats -q "$big" | tail -1 |
		python3 -c 'import json, sys; print(json.load(sys.stdin)["decoder"]["records"])')
	read -r ws_cpu _ < <(cpu "$ws" decode -q "$big")
	ws_rate=$(rate "$records" "$ws_cpu")

	if [ "$diss" = sflow ]; then
		fields="-e sflow_245.header.frame_length -e sflow.flow_sample.sampling_rate -e ip.src -e ip.dst"
	else
		fields="-e cflow.srcaddr -e cflow.dstaddr -e cflow.srcport -e cflow.dstport -e cflow.octets -e cflow.packets"
	fi
	ts_rate=0
	if command -v tshark >/dev/null; then
		# shellcheck disable=SC2086
		read -r ts_cpu _ < <(cpu tshark -r "$big" -d "udp.port==$cport,$proto" -T fields $fields)
		ts_rate=$(rate "$records" "$ts_cpu")
	fi

	nf_rate=0 nfr_rate=0
	capd=nfcapd
	[ "$diss" = sflow ] && capd=sfcapd
	if command -v $capd >/dev/null && command -v nfdump >/dev/null; then
		mkdir -p "$work/nf-$name"
		$capd -b 127.0.0.1 -p "$port" -w "$work/nf-$name" -t 3600 -B 8388608 \
			>"$work/nf-$name.log" 2>&1 &
		cpid=$!
		sleep 0.5
		send_udp "$big" "$port"
		sleep 0.5
		ticks=$(awk '{print $14 + $15}' /proc/$cpid/stat 2>/dev/null || echo 0)
		kill "$cpid"
		wait "$cpid" 2>/dev/null
		hz=$(getconf CLK_TCK)
		nf_cpu=$(python3 -c "print($ticks / $hz)")
		f=$(ls "$work/nf-$name"/nfcapd.* 2>/dev/null | head -1)
		if [ -n "$f" ]; then
			stored=$(nfdump -r "$f" -q -o csv 2>/dev/null | grep -c '^[0-9]')
			nf_rate=$(rate "$stored" "$nf_cpu")
			read -r nfr_cpu _ < <(cpu nfdump -r "$f" -o csv)
			nfr_rate=$(rate "$stored" "$nfr_cpu")
			[ "$stored" != "$records" ] &&
				echo "  ($capd stored $stored of $records records; CPU $nf_cpu s)" >&2
		fi
	fi
	printf '%-18s %10s | %12s %12s | %12s %7s | %12s %7s | %12s %7s\n' "$name" "$records" \
		"$dec" "$ws_rate" "$ts_rate" "$(ratio "$ws_rate" "$ts_rate")" \
		"$nf_rate" "$(ratio "$ws_rate" "$nf_rate")" "$nfr_rate" "$(ratio "$ws_rate" "$nfr_rate")"
done <tests/data/captures.tsv
echo
echo "decode r/s: flow_decode() alone, one core, payloads in memory, null sink."
echo "wanscope r/s: 'wanscope decode' end to end (capture in, JSON lines out), CPU time."
echo "tshark/nfcapd/nfdump-r r/s: the peer's CPU time per record on the same input;"
echo "ratio = wanscope end to end / peer. nfcapd receives the packets over loopback"
echo "(socket reads included); nfdump -r prints the records nfcapd stored as CSV."
