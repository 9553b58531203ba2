#!/bin/bash
# SPDX-License-Identifier: BSD-2-Clause
# collect_crash.sh - kill -9 in the middle of a stream never corrupts the
# store: the database passes integrity_check, rollups and raw records
# count the same records, and a restarted collector continues on it.
. "$(dirname "$0")/collect_lib.bash"
need sqlite3 python3
need_flowgen
p=$((port_base + 1))
db=$T/crash.db

ws_start "$db" --listen "udp://127.0.0.1:$p" --commit 200ms --rotate 1s
"$FLOWGEN" --dest "127.0.0.1:$p" --proto nf9 --rate 100000 --count 2000000 --exporters 3 \
	>"$T/gen1.json" &
gen=$!
PIDS+=("$gen")
# wait until some commits happened, then kill -9 mid-stream
wait_for 20 json "$db.stats.json" "j['store']['commits'] >= 5 and j['store']['raw_files'] >= 2 or exit(1)" >/dev/null ||
	die "no commits: $(cat "$db.stats.json")"
kill -KILL "$WS_PID"
wait "$WS_PID" 2>/dev/null
kill "$gen" 2>/dev/null; wait "$gen" 2>/dev/null

[ "$(sqlite3 "$db" 'PRAGMA integrity_check')" = ok ] || die "integrity_check after kill -9"
r1=$(rollup_flows "$db")
w1=$(raw_records "$db")
echo "after kill -9: rollups $r1 records, raw files $w1 records"
[ "$r1" -gt 0 ] && [ "$r1" = "$w1" ] || die "after kill -9: rollups $r1 != raw $w1"

# restart on the same store: uncommitted tails are cut, new records add up
ws_start "$db" --listen "udp://127.0.0.1:$p" --commit 200ms
grep -q "cutting .* uncommitted bytes" "$db.log" || echo "(no uncommitted tail was left this time)"
"$FLOWGEN" --dest "127.0.0.1:$p" --proto nf5 --rate 50000 --count 30000 >"$T/gen2.json"
wait_for 10 json "$db.stats.json" "j['records'] >= 30000 or exit(1)" >/dev/null ||
	die "restart: records not received: $(cat "$db.stats.json")"
ws_stop "$db"
[ "$(sqlite3 "$db" 'PRAGMA integrity_check')" = ok ] || die "integrity_check after restart"
r2=$(rollup_flows "$db")
w2=$(raw_records "$db")
echo "after restart: rollups $r2 records, raw files $w2 records"
[ "$r2" = "$w2" ] || die "after restart: rollups $r2 != raw $w2"
[ "$r2" = $((r1 + 30000)) ] || die "after restart: $r2 records, expected $r1 + 30000"
# every raw file is exactly as long as its committed size
sqlite3 "$db" "SELECT path, size FROM raw_file" | while IFS='|' read -r f s; do
	[ "$(stat -c %s "$db.d/$f")" = "$s" ] || die "$f: size differs from the index"
done || exit 1
echo PASS
