#!/bin/bash
# SPDX-License-Identifier: BSD-2-Clause
# export_run.sh - the exporter as a component of `wanscope run`: a config
# file enables it (collector off) on a veth in a namespace, IPFIX to the
# loopback of that namespace. The test traffic's records add up exactly
# to tshark's per-packet sums of the interface, our decoder and tshark
# agree, and SIGTERM exports the cache and exits 0.
. "$(dirname "$0")/export_lib.bash"
need tcpdump tshark python3 ping
topo

port=$((24000 + $$ % 1000))
cat >"$T/run.conf" <<EOC
collect.enable no
export.enable yes
export.interface $VA
export.collector udp://127.0.0.1:$port
export.protocol ipfix
export.idle_timeout 30s
EOC
"$WANSCOPE" run -n -c "$T/run.conf" || die "config refused"
# the keys are spelled with underscores; the hyphenated spelling is unknown
sed 's/^export.idle_timeout/export.idle-timeout/' "$T/run.conf" >"$T/old.conf"
"$WANSCOPE" run -n -c "$T/old.conf" 2>"$T/old.err" && die "export.idle-timeout accepted"
grep -q "old.conf:6: unknown option 'export.idle-timeout'" "$T/old.err" ||
	die "no unknown-option error for export.idle-timeout: $(cat "$T/old.err")"
capture "$NSA" lo "$T/export.pcap" udp port "$port"
capture "$NSA" "$VA" "$T/traffic.pcap"
ip netns exec "$NSA" "$WANSCOPE" run -c "$T/run.conf" 2>"$T/run.log" &
RUN_PID=$!
PIDS+=($RUN_PID)
wait_for 10 grep -qs "capturing on" "$T/run.log" || die "run did not start: $(cat "$T/run.log")"
traffic
kill -TERM "$RUN_PID"
wait "$RUN_PID" || die "wanscope run exited $?: $(tail -5 "$T/run.log")"
stop_captures
grep "export: stats" "$T/run.log"
python3 "$here/export_verify.py" flows --wanscope "$WANSCOPE" --export "$T/export.pcap" \
	--port "$port" --proto ipfix --traffic "$T/traffic.pcap" --icmp \
	--tcp-bytes "$TCP_BYTES" || die "flows exported by wanscope run do not add up"
echo PASS
