#!/bin/bash
# SPDX-License-Identifier: BSD-2-Clause
# collect_garbage.sh - a flood of random bytes and malformed NetFlow/IPFIX/
# sFlow headers: the collector survives, keeps decoding good exporters,
# and its statistics explain every datagram; the allow-list drops and
# counts everything from elsewhere.
. "$(dirname "$0")/collect_lib.bash"
need python3
need_flowgen
p=$((port_base + 2))
db=$T/garbage.db

ws_start "$db" --listen "udp://127.0.0.1:$p" --threads 2
# a good exporter is known before the flood and keeps exporting during it
# (collect_lockout.sh covers an exporter that starts after the flood).
"$FLOWGEN" --dest "127.0.0.1:$p" --proto ipfix --count 2000 --rate 100000 --exporters 2 >"$T/ok1.json" || die "flowgen"
"$FLOWGEN" --dest "127.0.0.1:$p" --garbage --count 50000 --rate 100000 >"$T/g.json" &
g=$!
"$FLOWGEN" --dest "127.0.0.1:$p" --proto ipfix --count 18000 --rate 40000 --exporters 2 >"$T/ok.json" || die "flowgen"
wait "$g" || die "flowgen garbage"
sent=$(( $(json "$T/g.json" "j['datagrams']") + $(json "$T/ok.json" "j['datagrams']") + $(json "$T/ok1.json" "j['datagrams']") ))
wait_for 10 json "$db.stats.json" "j['packets'] + j['kernel_drops'] >= $sent or exit(1)" >/dev/null ||
	die "not everything arrived: sent $sent: $(cat "$db.stats.json")"
kill -0 "$WS_PID" || die "the collector died"
ws_stop "$db"
s=$db.stats.json
echo "sent $sent datagrams; $(json "$s" "'received %d, kernel drops %d, decoded %d, rejected %s' % (j['packets'], j['kernel_drops'], j['decoded'], j['rejected'])")"
json "$s" "j['packets'] + j['kernel_drops'] == $sent" | grep -q True || die "datagrams unaccounted"
json "$s" "j['packets'] == j['decoded'] + sum(j['rejected'].values()) + j['not_allowed'] + j['truncated']" |
	grep -q True || die "statistics do not add up"
json "$s" "sum(j['rejected'].values()) > 40000" | grep -q True || die "the garbage was not rejected"
# the good stream came through whole (garbage may decode into records of its own)
json "$s" "sum(e['records'] for e in j['exporters'] if e['protocol'] == 'ipfix' and e['domain'] < 2 and e['records'] >= 9000)" |
	grep -qx 20000 || die "good IPFIX records lost: $(cat "$s")"
json "$s" "j['records'] == j['store']['records'] and j['queue_drops'] == 0" | grep -q True ||
	die "records lost between decoder and store"
[ "$(rollup_flows "$db")" = "$(json "$s" "j['store']['records']")" ] || die "rollups disagree with the statistics"

# allow-list: only 127.0.0.2 may export
db=$T/allow.db
ws_start "$db" --listen "udp://127.0.0.1:$((p + 1))" --allow 127.0.0.2/32
"$FLOWGEN" --dest "127.0.0.1:$((p + 1))" --proto nf5 --count 30000 --rate 100000 --exporters 2 >"$T/a.json"
sent=$(json "$T/a.json" "j['datagrams']")
wait_for 10 json "$db.stats.json" "j['packets'] >= $sent or exit(1)" >/dev/null || die "allow: not received"
ws_stop "$db"
# flowgen alternates its two sources every 32 datagrams
json "$db.stats.json" "(j['not_allowed'] + j['decoded'] == $sent, j['not_allowed'] >= 480, [e['address'] for e in j['exporters']])" |
	grep -qx "(True, True, \['127.0.0.2'\])" || die "allow-list: $(cat "$db.stats.json")"
echo PASS
