#!/bin/bash
# SPDX-License-Identifier: BSD-2-Clause
# collect_run.sh - `wanscope run` with a config file: -n/-nv check and
# canonical print (which parses again), bad configs exit 2 naming file and
# line, the daemon collects and stores until SIGTERM, and without a
# writable /var/lib/wanscope the default store falls back to
# ./wanscope-data (said in a log line).
. "$(dirname "$0")/collect_lib.bash"
need python3 sqlite3
need_flowgen
p=$((port_base + 5))

cat >"$T/ws.conf" <<EOC
# test config
collect.listen udp://127.0.0.1:$p
collect.listen "udp://[::1]:$p"
collect.db $T/run.db
collect.commit 500ms
collect.retain 2d      # comment after a value
log.level info
EOC
"$WANSCOPE" run -n -c "$T/ws.conf" 2>"$T/n.out" || die "run -n: $(cat "$T/n.out")"
"$WANSCOPE" run -nv -c "$T/ws.conf" >"$T/c1" || die "run -nv"
"$WANSCOPE" run -nv -c "$T/c1" >"$T/c2" || die "run -nv on its own output"
cmp -s "$T/c1" "$T/c2" || die "-nv output does not round-trip: $(diff "$T/c1" "$T/c2")"
grep -qx "collect.retain 2d" "$T/c1" || die "-nv lost collect.retain"
"$WANSCOPE" run -nv >"$T/d1" && "$WANSCOPE" run -nv -c "$T/d1" >"$T/d2" && cmp -s "$T/d1" "$T/d2" ||
	die "defaults do not round-trip"

printf 'collect.listen udp://127.0.0.1:%s\ncollect.commit fast\n' "$p" >"$T/bad.conf"
"$WANSCOPE" run -n -c "$T/bad.conf" 2>"$T/bad.err"; rc=$?
[ "$rc" = 2 ] || die "bad config: exit $rc"
grep -q "bad.conf:2: collect.commit: 'fast' is not a duration" "$T/bad.err" || die "bad config message: $(cat "$T/bad.err")"

"$WANSCOPE" run -c "$T/ws.conf" 2>"$T/run.log" &
pid=$!
PIDS+=("$pid")
wait_for 10 test -s "$T/run.db.stats.json" || die "run did not start: $(cat "$T/run.log")"
"$FLOWGEN" --dest "127.0.0.1:$p" --proto nf9 --count 5000 --rate 50000 >/dev/null
"$FLOWGEN" --dest "[::1]:$p" --proto ipfix --count 5000 --rate 50000 >/dev/null
kill -USR1 "$pid"
wait_for 5 grep -q "collect: statistics:" "$T/run.log" || die "SIGUSR1 did not log statistics"
kill -TERM "$pid"; wait "$pid"; rc=$?
[ "$rc" = 0 ] || die "run exited $rc: $(tail -3 "$T/run.log")"
[ "$(rollup_flows "$T/run.db")" = 10000 ] || die "run stored $(rollup_flows "$T/run.db") records, not 10000"
"$WANSCOPE" flows top --db "$T/run.db" --by exporter --json | grep -q '"key":"::1"' || die "no IPv6 exporter"

# the default store path falls back when /var/lib/wanscope is not writable
if id nobody >/dev/null 2>&1 && [ ! -e /var/lib/wanscope ]; then
	mkdir "$T/nb" && chown nobody "$T/nb" && chmod 755 "$T"
	printf 'collect.listen udp://127.0.0.1:%s\n' "$((p + 1))" >"$T/nb/ws.conf"
	(cd "$T/nb" && exec setpriv --reuid=nobody --regid=nogroup --clear-groups \
		"$WANSCOPE" run -c ws.conf) 2>"$T/nb.log" &
	pid=$!
	PIDS+=("$pid")
	wait_for 10 test -s "$T/nb/wanscope-data/flows.db.stats.json" || die "fallback: $(cat "$T/nb.log")"
	kill -TERM "$pid"; wait "$pid" || die "fallback run failed"
	grep -q "storing flows in ./wanscope-data/flows.db" "$T/nb.log" || die "no fallback log line"
fi
echo PASS
