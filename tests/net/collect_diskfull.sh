#!/bin/bash
# SPDX-License-Identifier: BSD-2-Clause
# collect_diskfull.sh - the store's disk fills up (a 4 MiB tmpfs in a
# private mount namespace): the collector keeps receiving, counts what the
# store could not keep, says so in the log, and the database stays
# readable.
. "$(dirname "$0")/collect_lib.bash"
need unshare sqlite3 python3
need_flowgen
[ "$(id -u)" = 0 ] || skip "needs root (mount)"
p=$((port_base + 3))
mkdir -p "$T/full"

unshare -m --propagation private bash -c '
	set -u
	mount -t tmpfs -o size=4m tmpfs "$1" || exit 77
	exec "$2" collect --listen "udp://127.0.0.1:$3" --db "$1/flows.db" --commit 200ms \
		--stats-file "$4/stats.json" --rollup-keys 100000
' _ "$T/full" "$WANSCOPE" "$p" "$T" 2>"$T/ws.log" &
WS_PID=$!
PIDS+=("$WS_PID")
wait_for 10 test -s "$T/stats.json" || { grep -q "tmpfs" "$T/ws.log" && skip "no tmpfs"; die "did not start: $(cat "$T/ws.log")"; }
# random keys compress badly: the raw files and rollups outgrow 4 MiB
"$FLOWGEN" --dest "127.0.0.1:$p" --proto nf5 --rate 200000 --count 1500000 --keys 16000000 >"$T/gen.json"
sent=$(json "$T/gen.json" "j['records']")
wait_for 20 json "$T/stats.json" "j['records'] + 0 >= $sent * 0.99 or exit(1)" >/dev/null
sleep 1
kill -0 "$WS_PID" || die "the collector died on a full disk: $(tail "$T/ws.log")"
s=$T/stats.json
json "$s" "j['store']['raw_dropped'] + j['store']['rollup_dropped'] > 0" | grep -q True ||
	die "a full disk but nothing counted as dropped: $(cat "$s")"
grep -q "No space left on device\|database or disk is full" "$T/ws.log" || die "no log line about the full disk"
[ "$(grep -c "No space left on device\|database or disk is full" "$T/ws.log")" -lt 50 ] ||
	die "disk-full log lines are not rate-limited"
# the collector still receives: a small stream still counts
before=$(json "$s" "j['records']")
"$FLOWGEN" --dest "127.0.0.1:$p" --proto nf5 --rate 50000 --count 3000 >/dev/null
wait_for 10 json "$s" "j['records'] >= $before + 3000 or exit(1)" >/dev/null ||
	die "not receiving after the disk filled: $(cat "$s")"
echo "$(json "$s" "'records %d, store: %s' % (j['records'], j['store'])")"
kill -TERM "$WS_PID"; wait "$WS_PID"; rc=$?
[ "$rc" = 0 ] || [ "$rc" = 1 ] || die "exit status $rc"
echo PASS
