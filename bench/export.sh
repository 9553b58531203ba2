#!/bin/bash
# SPDX-License-Identifier: BSD-2-Clause
# export.sh - exporter speed: wanscope export --read beside softflowd -r
#
# Both read the same generated capture (Ethernet; TCP, UDP, ICMP; IPv4 and
# IPv6; FLOWS flows of 1-20 packets) and export NetFlow v9 / IPFIX to a
# port on the loopback of a private network namespace (as root; else host
# loopback 127.0.0.1) where nothing listens. Reports CPU time (user+sys,
# getrusage of the child) per packet and the ratio softflowd / wanscope.
# Benchmarks report; nothing here asserts timing. Runs under
# flock /tmp/ws-bench.lock so benchmarks never overlap.
#
# Usage: bench/export.sh [BUILD_DIR]   (default: build)
# Environment: FLOWS (default 30000), RUNS (best of, default 3)
set -u
cd "$(dirname "$0")/.."
top=$PWD
build=${1:-build}
ws=$top/$build/wanscope
FLOWS=${FLOWS:-30000}
RUNS=${RUNS:-3}
[ -x "$ws" ] || { echo "export.sh: build first (ninja -C $build)" >&2; exit 1; }
for c in softflowd softflowctl python3; do
	command -v $c >/dev/null || { echo "export.sh: $c not installed, skipped"; exit 0; }
done
if [ -z "${WS_BENCH_LOCKED:-}" ]; then
	WS_BENCH_LOCKED=1 exec flock /tmp/ws-bench.lock "$0" "$@"
fi
T=$(mktemp -d /tmp/ws-bench-export-XXXX)
ns=
cleanup() { [ -n "$ns" ] && ip netns del "$ns" 2>/dev/null; rm -rf "$T"; }
trap cleanup EXIT
run=()
if [ "$(id -u)" = 0 ]; then
	ns=ws-bench-exp-$$
	ip netns add "$ns" && ip -n "$ns" link set lo up && run=(ip netns exec "$ns")
fi

packets=$(python3 tests/net/collect_mkpcap.py "$T/in.pcap" "$FLOWS" 3)
echo "capture: $FLOWS flows, $packets packets, $(du -h "$T/in.pcap" | cut -f1)"

# cpu CMD...: user+sys seconds of CMD (wait4 of that process: here
# RUSAGE_CHILDREN reported 0.4 s more than the process's own rusage and
# than perf stat's task-clock)
cpu() {
	python3 - "$@" <<'PY'
import os, subprocess, sys
p = subprocess.Popen(sys.argv[1:], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
_, _, ru = os.wait4(p.pid, 0)
print('%.4f' % (ru.ru_utime + ru.ru_stime))
PY
}

sf_once() { # VERSION: softflowd -r reads 8192 packets each time its control
	# socket wakes it, so ask for statistics until it has read them all
	local ctl=$T/sf.ctl
	rm -f "$ctl"
	python3 - "$ctl" "$1" "$T/in.pcap" "$packets" "${run[@]}" <<'PY'
import os, subprocess, sys, time
ctl, ver, pcap, total, pre = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4]), sys.argv[5:]
p = subprocess.Popen(pre + ['softflowd', '-r', pcap, '-n', '127.0.0.1:9', '-v', ver,
                     '-6', '-A', 'milli', '-c', ctl, '-p', ctl + '.pid', '-d'],
                     stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
for _ in range(100):
    if os.path.exists(ctl):
        break
    time.sleep(0.05)
done = 0
for _ in range(100000):
    out = subprocess.run(pre + ['softflowctl', '-c', ctl, 'statistics'],
                         capture_output=True, text=True).stdout
    for line in out.splitlines():
        if line.startswith('Packets processed:'):
            done = int(line.split(':')[1])
    if done >= total:
        break
subprocess.run(pre + ['softflowctl', '-c', ctl, 'shutdown'], stdout=subprocess.DEVNULL,
               stderr=subprocess.DEVNULL)
_, status, ru = os.wait4(p.pid, 0)
if done < total:
    sys.stderr.write('softflowd read only %d of %d packets\n' % (done, total))
# softflowd's own CPU only (ip netns exec execs it)
print('%.4f' % (ru.ru_utime + ru.ru_stime))
PY
}

best() { sort -g | head -1; }

printf '%-8s %14s %14s %10s\n' proto "wanscope ns/pkt" "softflowd ns/pkt" ratio
for v in 9 10; do
	p=$([ $v = 9 ] && echo v9 || echo ipfix)
	w=$(for i in $(seq "$RUNS"); do
		cpu "${run[@]}" "$ws" export -q -r "$T/in.pcap" -P "$p" -c udp://127.0.0.1:9
	done | best)
	s=$(for i in $(seq "$RUNS"); do sf_once $v; done | best)
	python3 -c "
w, s, n = $w, $s, $packets
print('%-8s %14.0f %14.0f %10.2f' % ('$p', w * 1e9 / n, s * 1e9 / n, s / w if w else 0))"
done
