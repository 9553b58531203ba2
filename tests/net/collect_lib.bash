# SPDX-License-Identifier: BSD-2-Clause
# collect_lib.sh - helpers for the collector's scenario tests (sourced).
# All traffic goes to 127.0.0.1 / ::1 only.

: "${WANSCOPE:?WANSCOPE must name the built binary}"
top=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
T=$(mktemp -d /tmp/ws-collect-$$-XXXX)
PIDS=()

cleanup() {
	local p
	for p in "${PIDS[@]}"; do
		kill -TERM "$p" 2>/dev/null
	done
	for p in "${PIDS[@]}"; do
		wait "$p" 2>/dev/null
	done
	rm -rf "$T"
}
trap cleanup EXIT; [ -n "${KEEPT:-}" ] && trap - EXIT
[ -n "${KEEP:-}" ] && trap - EXIT

skip() { echo "$*"; exit 77; }
die() { echo "FAIL: $*" >&2; exit 1; }
need() { local c; for c in "$@"; do command -v "$c" >/dev/null || skip "$c not installed (scripts/install-deps)"; done; }

# A UDP port free on loopback, different per test run.
port_base=$((20000 + ($$ % 2000) * 16))

# wait_for TIMEOUT_S CMD...: poll every 0.1 s until CMD succeeds.
wait_for() {
	local end=$((SECONDS + $1)); shift
	while [ "$SECONDS" -le "$end" ]; do
		"$@" && return 0
		sleep 0.1
	done
	return 1
}

# ws_start DB ARGS...: start a collector; sets WS_PID.
ws_start() {
	local db=$1; shift
	rm -f "$db.stats.json"
	"$WANSCOPE" collect --db "$db" "$@" 2>>"$db.log" &
	WS_PID=$!
	PIDS+=("$WS_PID")
	wait_for 10 test -s "$db.stats.json" || die "collector did not start: $(cat "$db.log")"
}

# ws_stop: SIGTERM, expect exit 0.
ws_stop() {
	kill -TERM "$WS_PID"
	wait "$WS_PID"
	local rc=$?
	[ "$rc" = 0 ] || die "collector exited $rc: $(tail -5 "$1.log")"
}

# json FILE EXPR: evaluate a python expression over the JSON in FILE (as j).
json() { python3 -c "import json,sys; j=json.load(open(sys.argv[1])); print($2)" "$1"; }

# softflowd_send PCAP DEST VERSION: export a capture once and wait for it.
softflowd_send() {
	local ctl=$T/sf-$RANDOM.ctl pid
	softflowd -r "$1" -n "$2" -v "$3" -A milli -c "$ctl" -p "$ctl.pid" -d >>"$T/softflowd.log" 2>&1 &
	pid=$!
	wait_for 5 test -S "$ctl" && softflowctl -c "$ctl" statistics >/dev/null 2>&1
	wait_for 5 test -S "$ctl" && softflowctl -c "$ctl" shutdown >/dev/null 2>&1
	wait "$pid" 2>/dev/null
	return 0
}

# nfdump_totals DIR: "flows packets bytes" of everything nfcapd/sfcapd stored.
nfdump_totals() {
	nfdump -R "$1" -I | awk '/^Flows:/{f=$2} /^Packets:/{p=$2} /^Bytes:/{b=$2} END{print f, p, b}'
}

# ws_totals DB: "flows packets bytes" from the rollups (all time).
ws_totals() {
	"$WANSCOPE" flows top --db "$1" --by exporter --last 3650d --json --unscaled |
	python3 -c "import json,sys; r=json.load(sys.stdin); print(sum(x['flows'] for x in r), sum(x['packets'] for x in r), sum(x['bytes'] for x in r))"
}

FLOWGEN=${FLOWGEN:-$(dirname "$WANSCOPE")/bench/ws-flowgen}
need_flowgen() { [ -x "$FLOWGEN" ] || skip "ws-flowgen not built ($FLOWGEN)"; }

# rollup_flows DB: flows in the rollups (all time).
rollup_flows() { sqlite3 "$1" "SELECT coalesce(sum(flows), 0) FROM rollup WHERE dim = 'proto'"; }
# raw_records DB: records the raw files hold (read back through wanscope).
raw_records() { "$WANSCOPE" flows raw --db "$1" --last 3650d --json | wc -l; }
