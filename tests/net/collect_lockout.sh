#!/bin/bash
# SPDX-License-Identifier: BSD-2-Clause
# collect_lockout.sh - spoofed exporters cannot lock real ones out: a flood
# of plausible but undecodable headers (random sources ids and domains)
# fills the exporter table of the single receive thread; an exporter that
# starts only afterwards still gets every record stored, because entries
# that never produced a record or template make room (exporters_evicted).
. "$(dirname "$0")/collect_lib.bash"
need python3
need_flowgen
p=$((port_base + 5))
db=$T/lockout.db

ws_start "$db" --listen "udp://127.0.0.1:$p" --threads 1
"$FLOWGEN" --dest "127.0.0.1:$p" --garbage --count 40000 --rate 100000 >"$T/g.json" || die "flowgen garbage"
sent=$(json "$T/g.json" "j['datagrams']")
wait_for 10 json "$db.stats.json" "j['packets'] + j['kernel_drops'] >= $sent or exit(1)" >/dev/null ||
	die "the flood did not arrive: $(cat "$db.stats.json")"
n=$(json "$db.stats.json" "len(j['exporters'])")
echo "after the flood: $n exporters known"
[ "$n" -ge 4000 ] || die "the flood did not fill the exporter table ($n)"
# a new exporter, after the table is full
"$FLOWGEN" --dest "127.0.0.1:$p" --proto nf5 --count 3000 --rate 20000 --exporters 1 >"$T/ok.json" || die "flowgen"
want=$(json "$T/ok.json" "j['records']")
wait_for 10 json "$db.stats.json" "sum(e['records'] for e in j['exporters'] if e['protocol'] == 'nf5' and e['domain'] == 0) >= $want or exit(1)" >/dev/null ||
	die "the new exporter was locked out: $(json "$db.stats.json" "j['rejected']")"
ws_stop "$db"
s=$db.stats.json
echo "$(json "$s" "'evicted %s, exporter_limit %s' % (j.get('exporters_evicted'), j['rejected'].get('exporter_limit', 0))")"
json "$s" "j['rejected'].get('exporter_limit', 0) == 0" | grep -q True || die "exporter_limit hit"
json "$s" "j['records'] == j['store']['records']" | grep -q True || die "records lost before the store"
echo PASS
