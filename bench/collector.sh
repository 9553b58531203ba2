#!/bin/bash
# SPDX-License-Identifier: BSD-2-Clause
# collector.sh - wanscope collect against nfcapd/sfcapd (nfdump) and
# nfacctd/sfacctd (pmacct) on the same paced streams over loopback.
# For each protocol (NetFlow v5, v9, IPFIX, sFlow) and each collector:
# CPU nanoseconds per record (user+system of the collector, from its
# rusage at exit, so the final flush counts) and records lost; then the
# ratios to the best peer. Reports only; asserts nothing.
# Beside them runs the receive floor (ws-recv-floor: the same sockets and
# recvmmsg batches as wanscope, records counted from the framing and
# discarded): the kernel receive path alone, the least CPU per record any
# collector that reads sockets can spend on this machine.
#
# Environment: RATE (records/s, default 1000000), COUNT (records per run,
# default 3000000), PROTOS (default "nf5 nf9 ipfix sflow"), PEERS
# (default "nfdump pmacct"; "none" for wanscope and the floor alone),
# FLOOR (default 1; 0 leaves the receive floor out), WSARGS (more
# arguments for wanscope collect, e.g. "--raw-compress lz4").
set -u
cd "$(dirname "$0")/.."
top=$PWD
W=${WANSCOPE:-$top/build/wanscope}
G=${FLOWGEN:-$top/build/bench/ws-flowgen}
F=${RECVFLOOR:-$top/build/bench/ws-recv-floor}
FLOOR=${FLOOR:-1}
WSARGS=${WSARGS:-}
RATE=${RATE:-1000000}
COUNT=${COUNT:-3000000}
PROTOS=${PROTOS:-nf5 nf9 ipfix sflow}
PEERS=${PEERS:-nfdump pmacct}
T=$(mktemp -d /tmp/ws-bench-$$-XXXX)
port=$((30000 + $$ % 1000 * 8))
RUNPID=
trap '[ -n "$RUNPID" ] && kill -INT $RUNPID 2>/dev/null; rm -rf "$T"' EXIT

[ -x "$W" ] && [ -x "$G" ] && [ -x "$F" ] || { echo "build first: ninja -C build"; exit 1; }
sysctl -qw net.core.rmem_max=67108864 2>/dev/null || true

# cpu_start OUT CMD...: run CMD; when it exits, OUT holds "user_ns sys_ns".
cpu_start() {
	local out=$1; shift
	python3 - "$out" "$@" <<'PY' &
import os, signal, sys
out, cmd = sys.argv[1], sys.argv[2:]
pid = os.fork()
if pid == 0:
    os.execvp(cmd[0], cmd)
for s in (signal.SIGINT, signal.SIGTERM):
    signal.signal(s, lambda n, f: os.kill(pid, n))
while True:
    try:
        _, status, ru = os.wait4(pid, 0)
        break
    except InterruptedError:
        continue
with open(out, "w") as f:
    f.write("%d %d\n" % (ru.ru_utime * 1e9, ru.ru_stime * 1e9))
PY
	RUNPID=$!
}

cpu_stop() { # SIGNAL
	kill -"$1" "$RUNPID"
	wait "$RUNPID"
	RUNPID=
}

wait_port() { # PORT
	local n=50
	while [ $n -gt 0 ]; do
		ss -Hlun "sport = :$1" | grep -q . && return 0
		sleep 0.1; n=$((n - 1))
	done
	return 1
}

# Wait until the collector has been idle (no CPU) for a second.
settle() {
	local pid last now
	pid=$(pgrep -P "$RUNPID" | head -1)
	last=-1
	for _ in $(seq 1 60); do
		now=$(awk '{print $14 + $15}' "/proc/$pid/stat" 2>/dev/null) || return
		[ "$now" = "$last" ] && return
		last=$now
		sleep 1
	done
}

results=$T/results
: >"$results"

run_one() { # PROTO COLLECTOR
	local proto=$1 who=$2 p=$((port + 1)) stored sent cpu recs pk
	rm -rf "$T/run"; mkdir -p "$T/run"
	case $who in
	wanscope)
		cpu_start "$T/cpu" "$W" collect --listen "udp://127.0.0.1:$p" --db "$T/run/flows.db" --rcvbuf 64M $WSARGS 2>>"$T/wanscope.log"
		;;
	floor)
		cpu_start "$T/cpu" "$F" --listen "127.0.0.1:$p" --rcvbuf $((64 << 20)) >"$T/floor.json" 2>>"$T/floor.log"
		;;
	nfcapd)
		cpu_start "$T/cpu" nfcapd -b 127.0.0.1 -p "$p" -w "$T/run" -t 3600 >>"$T/nfdump.log" 2>&1
		;;
	sfcapd)
		cpu_start "$T/cpu" sfcapd -b 127.0.0.1 -p "$p" -w "$T/run" -t 3600 >>"$T/nfdump.log" 2>&1
		;;
	nfacctd|sfacctd)
		cat >"$T/pm.conf" <<EOC
daemonize: false
${who}_ip: 127.0.0.1
${who}_port: $p
plugin_buffer_size: 102400
plugin_pipe_size: 10240000
${who}_pipe_size: 67108864
plugins: print[p]
aggregate[p]: peer_src_ip, src_host, dst_host, src_port, dst_port, proto
print_output[p]: csv
print_output_file[p]: $T/run/out.csv
print_refresh_time[p]: 3600
print_cache_entries[p]: 65537
print_output_file_append[p]: true
EOC
		cpu_start "$T/cpu" "$who" -f "$T/pm.conf" 2>>"$T/pmacct.log"
		;;
	esac
	wait_port "$p" || { echo "$who did not start"; cpu_stop INT; return; }
	sleep 0.5
	"$G" --dest "127.0.0.1:$p" --proto "$proto" --rate "$RATE" --count "$COUNT" --exporters 4 >"$T/gen.json"
	settle
	case $who in
	nfacctd|sfacctd) cpu_stop INT ;;
	*) cpu_stop TERM ;;
	esac
	sent=$(python3 -c "import json; print(json.load(open('$T/gen.json'))['records'])")
	pk=$(python3 -c "import json; print(json.load(open('$T/gen.json'))['packets'])")
	case $who in
	wanscope)
		stored=$(python3 -c "import json; print(json.load(open('$T/run/flows.db.stats.json'))['store']['records'])")
		python3 -c "import json; s = json.load(open('$T/run/flows.db.stats.json'))['store']; print('%.1f' % (s['raw_bytes'] / max(s['raw_records'], 1)))" >"$T/bpr"
		python3 -c "import json; s = json.load(open('$T/run/flows.db.stats.json')); print('kernel_drops %d datagrams, queue_drops %d records, receive paused %d times, %d ms' % (s['kernel_drops'], s['queue_drops'], s.get('pauses', 0), s.get('paused_ms', 0)))" >"$T/why" ;;
	floor)
		stored=$(python3 -c "import json; print(json.load(open('$T/floor.json'))['records'])") ;;
	nfcapd|sfcapd)
		stored=$(nfdump -R "$T/run" -I 2>/dev/null | awk '/^Flows:/{print $2}') ;;
	*)
		# pmacct aggregates: estimate records from the packets it counted
		stored=$(python3 - "$T/run/out.csv" "$pk" "$sent" <<'PY'
import csv, sys
try:
    rows = [r for r in csv.DictReader(open(sys.argv[1])) if (r.get('PACKETS') or '').isdigit()]
except OSError:
    rows = []
got = sum(int(r['PACKETS']) for r in rows)
print(int(round(int(sys.argv[3]) * got / int(sys.argv[2]))))
PY
		) ;;
	esac
	stored=${stored:-0}
	read -r u s <"$T/cpu"
	cpu=$(( (u + s) / (sent > 0 ? sent : 1) ))
	cpus=$(( (u + s) / (stored > 0 ? stored : 1) ))
	bpr=
	[ "$who" = wanscope ] && bpr=$(cat "$T/bpr" 2>/dev/null)
	printf '%-6s %-9s %10s %10s %10s %8s %12s %10s\n' "$proto" "$who" "$sent" "$stored" $((sent - stored)) "$cpu" "$cpus" "$bpr"
	[ "$who" = wanscope ] && echo "       (wanscope$([ "$stored" != "$sent" ] && echo " lost"): $(cat "$T/why" 2>/dev/null))"
	echo "$proto $who $sent $stored $cpu" >>"$results"
}

echo "rate $RATE records/s, $COUNT records per run, $(nproc) CPUs, load average $(cut -d' ' -f1-3 /proc/loadavg)"
echo "ns/rec: collector CPU (user+sys) per record sent; ns/stored: per record stored;"
echo "raw B/rec: wanscope's raw-file bytes per record stored${WSARGS:+ (wanscope $WSARGS)}"
echo "(pmacct aggregates: its 'stored' is estimated from the packets it counted;"
echo " floor: the kernel receive path alone, records counted and discarded)"
printf '%-6s %-9s %10s %10s %10s %8s %12s %10s\n' proto collector sent stored lost ns/rec ns/stored "raw B/rec"
for proto in $PROTOS; do
	run_one "$proto" wanscope
	[ "$FLOOR" = 1 ] && run_one "$proto" floor
	for peer in $PEERS; do
		case $peer/$proto in
		nfdump/sflow) command -v sfcapd >/dev/null && run_one "$proto" sfcapd ;;
		nfdump/*) run_one "$proto" nfcapd ;;
		pmacct/sflow) run_one "$proto" sfacctd ;;
		pmacct/*) run_one "$proto" nfacctd ;;
		esac
	done
done

echo "load average at the end: $(cut -d' ' -f1-3 /proc/loadavg)"
echo
echo "ratios (CPU per record sent; best peer = the peer with the least CPU per record"
echo "that stored anything; the floor bounds every collector from below):"
python3 - "$results" <<'PY'
import sys
rows = [l.split() for l in open(sys.argv[1]) if l.strip()]
by = {}
for proto, who, sent, stored, cpu in rows:
    by.setdefault(proto, {})[who] = (int(sent), int(stored), int(cpu))
for proto, d in by.items():
    if 'wanscope' not in d:
        continue
    ws = d['wanscope']
    fl = d.get('floor')
    peers = {k: v for k, v in d.items() if k not in ('wanscope', 'floor')}
    line = "%-6s wanscope %d ns/rec (lost %d)" % (proto, ws[2], ws[0] - ws[1])
    if fl:
        line += "; floor %d ns/rec (lost %d), wanscope/floor %.2f" % (
            fl[2], fl[0] - fl[1], ws[2] / fl[2] if fl[2] else float('nan'))
    if peers:
        best = min(peers, key=lambda k: peers[k][2] if peers[k][1] > 0 else 1e18)
        b = peers[best][2]
        line += "; best peer %s %d ns/rec: wanscope/best %.2f (goal <= 0.33)" % (
            best, b, ws[2] / b if b else float('nan'))
        if fl:
            line += ", floor/best %.2f (%s)" % (
                fl[2] / b if b else float('nan'),
                "a third of the best peer is below the floor: unreachable by any socket reader"
                if fl[2] * 3 > b else "a third of the best peer is above the floor")
        line += "; lost: " + ", ".join("%s %d" % (k, v[0] - v[1]) for k, v in peers.items())
    print(line)
PY
