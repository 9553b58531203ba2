#!/bin/bash
# SPDX-License-Identifier: BSD-2-Clause
# collect_backpressure.sh - a store slower than the exporters: the receive
# thread stops reading instead of dropping decoded records, so
#  - with a big socket buffer, a burst many times the queue is stored
#    completely (also when SIGTERM comes while most of it still waits in
#    the socket buffer), queue_drops 0, and the statistics show the pauses;
#  - with a tiny socket buffer the loss is the kernel's, counted as
#    kernel_drops (equal to the drops /proc/net/udp shows for the socket),
#    and sent = stored + kernel-dropped records.
# The store is slowed with the test knob WANSCOPE_COLLECT_STORE_DELAY_US
# (it sleeps that long per chunk of 1024 records) and the queue is the
# smallest --queue allows (2 chunks). Traffic goes to 127.0.0.1 only.
. "$(dirname "$0")/collect_lib.bash"
need python3 sqlite3
need_flowgen
p=$((port_base + 11))
export WANSCOPE_COLLECT_STORE_DELAY_US=2000
PER=30			# NetFlow v5 records per ws-flowgen datagram
FAST=100000000		# records/s: as fast as ws-flowgen can send

# all: wait until everything decoded is stored and nothing more arrives
settled() {
	local f=$1.stats.json q="'%d %d %d' % (j['packets'], j['queued'], j['store']['records'])" a b
	a=$(json "$f" "$q") || return 1
	set -- $a
	[ "$2" = "$3" ] || return 1	# queued = stored
	sleep 1.2	# the statistics file is rewritten every second
	b=$(json "$f" "$q") || return 1
	[ "$a" = "$b" ]
}

# 1. big socket buffer: nothing is lost
db=$T/big.db
ws_start "$db" --listen "udp://127.0.0.1:$p" --threads 1 --queue 2048 --rcvbuf 32M --commit 500ms
"$FLOWGEN" --dest "127.0.0.1:$p" --proto nf5 --count 90000 --rate $FAST >"$T/b1.json" || die "flowgen"
wait_for 60 settled "$db" || die "the collector did not catch up: $(cat "$db.stats.json")"
s=$db.stats.json
echo "burst 1: $(json "$s" "'records %d, stored %d, queue_drops %d, kernel_drops %d, pauses %s' % (j['records'], j['store']['records'], j['queue_drops'], j['kernel_drops'], j.get('pauses'))")"
json "$s" "j['store']['records']" | grep -qx 90000 || die "burst 1: not every record stored: $(cat "$s")"
# 2. a second burst, SIGTERM as soon as it is sent: what waits in the
#    socket buffer is read and stored before the collector exits
"$FLOWGEN" --dest "127.0.0.1:$p" --proto nf5 --count 90000 --rate $FAST >"$T/b2.json" || die "flowgen"
ws_stop "$db"
echo "burst 2: $(json "$s" "'records %d, stored %d, queue_drops %d, kernel_drops %d, pauses %s, paused_ms %s' % (j['records'], j['store']['records'], j['queue_drops'], j['kernel_drops'], j.get('pauses'), j.get('paused_ms'))")"
json "$s" "(j['records'], j['queued'], j['store']['records'], j['queue_drops'], j['kernel_drops'])" |
	grep -qx "(180000, 180000, 180000, 0, 0)" || die "records lost: $(cat "$s")"
json "$s" "j['packets']" | grep -qx 6000 || die "datagrams lost: $(cat "$s")"
json "$s" "j['pauses'] > 0 and j['queue_waits'] == 0" | grep -q True ||
	die "the receive thread never paused for the slow store: $(cat "$s")"
[ "$(rollup_flows "$db")" = 180000 ] || die "rollups hold $(rollup_flows "$db") flows, want 180000"
[ "$(raw_records "$db")" = 180000 ] || die "raw files hold $(raw_records "$db") records, want 180000"

# 3. tiny socket buffer: the kernel drops, and says so
db=$T/small.db
ws_start "$db" --listen "udp://127.0.0.1:$((p + 1))" --threads 1 --queue 2048 --rcvbuf 4K --commit 500ms
"$FLOWGEN" --dest "127.0.0.1:$((p + 1))" --proto nf5 --count 60000 --rate $FAST >"$T/s1.json" || die "flowgen"
wait_for 60 settled "$db" || die "the collector did not catch up: $(cat "$db.stats.json")"
# SO_RXQ_OVFL comes with the next datagram read: one more, slowly
"$FLOWGEN" --dest "127.0.0.1:$((p + 1))" --proto nf5 --count $PER --rate 1000 >"$T/s2.json" || die "flowgen"
wait_for 20 json "$db.stats.json" "j['packets'] + j['kernel_drops'] >= 2001 or exit(1)" >/dev/null ||
	die "the last datagram did not arrive: $(cat "$db.stats.json")"
wait_for 20 settled "$db" || die "the collector did not catch up: $(cat "$db.stats.json")"
# what the kernel counted for the collector's sockets on that port
phex=$(printf '%04X' $((p + 1)))
proc_drops=$(awk -v p=":$phex" '$2 ~ p"$" { d += $NF } END { print d + 0 }' /proc/net/udp)
ws_stop "$db"
s=$db.stats.json
sent=$(( $(json "$T/s1.json" "j['records']") + $(json "$T/s2.json" "j['records']") ))
echo "tiny buffer: sent $sent; $(json "$s" "'stored %d, kernel_drops %d (x $PER records), queue_drops %d, pauses %d' % (j['store']['records'], j['kernel_drops'], j['queue_drops'], j['pauses'])"); /proc/net/udp drops $proc_drops"
json "$s" "j['kernel_drops'] > 0" | grep -q True || die "no kernel drops with a 4K socket buffer: $(cat "$s")"
json "$s" "j['queue_drops']" | grep -qx 0 || die "records dropped after decoding: $(cat "$s")"
json "$s" "j['kernel_drops']" | grep -qx "$proc_drops" || die "kernel_drops disagrees with /proc/net/udp ($proc_drops)"
json "$s" "j['store']['records'] + $PER * j['kernel_drops'] == $sent and j['records'] == j['store']['records']" |
	grep -q True || die "records unaccounted for: sent $sent: $(cat "$s")"
[ "$(rollup_flows "$db")" = "$(json "$s" "j['store']['records']")" ] || die "rollups disagree with the statistics"
echo PASS
