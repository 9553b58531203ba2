#!/bin/bash
# SPDX-License-Identifier: BSD-2-Clause
# collect_exporters.sh - real exporters feed the collector on loopback:
# softflowd (NetFlow v5, v9, IPFIX) and pmacctd's sfprobe (sFlow) read the
# same capture twice, once towards `wanscope collect`, once towards nfcapd
# / sfcapd; the stored totals (flows, packets, bytes) must be the same,
# in the rollups and in the raw records, and the statistics must explain
# every packet. Per-exporter sampling rates given to the collector scale
# the stored records (softflowd announces none).
. "$(dirname "$0")/collect_lib.bash"
need softflowd softflowctl nfcapd nfdump python3

python3 "$top/tests/net/collect_mkpcap.py" "$T/in.pcap" 300 7 >/dev/null || die "mkpcap"

check_run() { # NAME DB NFDIR
	local name=$1 db=$2 dir=$3 ws nf raw u v
	ws=$(ws_totals "$db")
	nf=$(nfdump_totals "$dir")
	echo "$name: wanscope $ws / peer $nf"
	[ -n "$ws" ] && [ "$ws" = "$nf" ] || die "$name: totals differ: wanscope '$ws', peer '$nf'"
	# the raw records hold the same: count them and sum their bytes
	raw=$("$WANSCOPE" flows raw --db "$db" --last 3650d --json |
	      python3 -c "import json,sys; r=[json.loads(l) for l in sys.stdin]; print(len(r), sum(x.get('packets',0) for x in r), sum(x.get('bytes',0) for x in r))")
	[ "$raw" = "$ws" ] || die "$name: raw records '$raw' differ from rollups '$ws'"
	# and the scan path (top from raw files) agrees with the rollups
	[ "$("$WANSCOPE" flows top --db "$db" --by dst --last 3650d --json --unscaled --limit 1000 | md5sum)" = \
	  "$("$WANSCOPE" flows top --db "$db" --by dst --last 3650d --json --unscaled --limit 1000 --scan | md5sum)" ] ||
		die "$name: top --by dst differs between rollups and raw scan"
	# a filter on the exporter alone is answered from rollups, others by a
	# scan; both must agree with the truth
	[ "$("$WANSCOPE" flows top --db "$db" --by proto --last 3650d --json 'exporter ::/0 or exporter 0.0.0.0/0' | md5sum)" = \
	  "$("$WANSCOPE" flows top --db "$db" --by proto --last 3650d --json | md5sum)" ] ||
		die "$name: exporter filter changed the answer"
	[ "$("$WANSCOPE" flows top --db "$db" --by proto --last 3650d --json 'exporter 192.0.2.0/24')" = "[]" ] ||
		die "$name: a filter on an absent exporter matched"
	u=$("$WANSCOPE" flows top --db "$db" --by dstport --last 3650d --json --unscaled 'udp and not port 53' |
	    python3 -c "import json,sys; print(sum(x['flows'] for x in json.load(sys.stdin)))")
	v=$("$WANSCOPE" flows raw --db "$db" --last 3650d --json |
	    python3 -c "import json,sys; print(sum(1 for l in sys.stdin for x in [json.loads(l)] if x.get('proto') == 17 and x.get('src_port') != 53 and x.get('dst_port') != 53))")
	[ "$u" = "$v" ] || die "$name: 'udp and not port 53' counts $u flows, the raw records say $v"
	# every datagram accounted for, nothing dropped
	json "$db.stats.json" "j['packets'] == j['decoded'] + sum(j['rejected'].values()) + j['not_allowed'] + j['truncated']" | grep -q True ||
		die "$name: statistics do not add up: $(cat "$db.stats.json")"
	json "$db.stats.json" "j['queue_drops'] + j['store']['raw_dropped'] + j['store']['rollup_dropped'] + sum(j['rejected'].values())" | grep -qx 0 ||
		die "$name: drops: $(cat "$db.stats.json")"
	# softflowd's IPFIX sequence numbers count records it does not send
	# as data (the decoder then reports loss on a lossless stream), so
	# the loopback no-loss check holds for the other protocols only
	[ "$name" = "NetFlow v10" ] ||
	json "$db.stats.json" "sum(e['sequence_lost'] for e in j['exporters'])" | grep -qx 0 ||
		die "$name: sequence loss reported on loopback"
}

# check_rate NAME DB RATE: every raw record carries RATE, and the scaled
# totals are RATE times the unscaled ones.
check_rate() {
	local s u
	"$WANSCOPE" flows raw --db "$2" --last 3650d --json |
	python3 -c "import json,sys; r=set(json.loads(l)['sampling_rate'] for l in sys.stdin); sys.exit(r != {$3})" ||
		die "$1: raw records do not all carry sampling rate $3"
	s=$("$WANSCOPE" flows top --db "$2" --by exporter --last 3650d --json |
	    python3 -c "import json,sys; r=json.load(sys.stdin); print(sum(x['packets'] for x in r), sum(x['bytes'] for x in r))")
	u=$(ws_totals "$2" | awk -v k="$3" '{print $2 * k, $3 * k}')
	[ "$s" = "$u" ] || die "$1: scaled totals '$s', want $3 x unscaled = '$u'"
}

i=0
for v in 5 9 10; do
	i=$((i + 1))
	p=$((port_base + i))
	db=$T/v$v.db
	if [ "$v" = 10 ]; then
		# IPFIX over an IPv6 listener
		ws_start "$db" --listen "udp://[::1]:$p" --threads 2
		dest="[::1]:$p"
	else
		# v5: a default rate for this exporter (softflowd announces none);
		# v9: a forced rate for its prefix, beside a global one it beats
		case $v in
		5) rate=10; extra=(--default-sampling 127.0.0.1=10 --default-sampling 192.0.2.0/24=3) ;;
		9) rate=4; extra=(--sampling 7 --sampling 127.0.0.0/8=4) ;;
		esac
		ws_start "$db" --listen "udp://127.0.0.1:$p" --threads 2 "${extra[@]}"
		dest="127.0.0.1:$p"
	fi
	mkdir -p "$T/nf$v"
	nfcapd -b 127.0.0.1 -p $((p + 8)) -w "$T/nf$v" -t 3600 >"$T/nfcapd$v.log" 2>&1 &
	nfpid=$!
	PIDS+=("$nfpid")
	sleep 0.3
	softflowd_send "$T/in.pcap" "$dest" "$v"
	softflowd_send "$T/in.pcap" "127.0.0.1:$((p + 8))" "$v"
	wait_for 5 json "$db.stats.json" "j['packets'] > 0 or exit(1)" >/dev/null ||
		die "v$v: the collector received nothing"
	ws_stop "$db"
	kill -TERM "$nfpid"; wait "$nfpid"
	check_run "NetFlow v$v" "$db" "$T/nf$v"
	[ "$v" = 10 ] || check_rate "NetFlow v$v" "$db" "$rate"
	json "$db.stats.json" "j['exporters'][0]['protocol']" | grep -qx "$( case $v in 5) echo nf5;; 9) echo nf9;; 10) echo ipfix;; esac)" ||
		die "v$v: exporter protocol: $(cat "$db.stats.json")"
done

# sFlow from pmacctd's sfprobe, against sfcapd
if command -v pmacctd >/dev/null && command -v sfcapd >/dev/null; then
	p=$((port_base + 10))
	db=$T/sflow.db
	ws_start "$db" --listen "udp://127.0.0.1:$p"
	mkdir -p "$T/sf"
	sfcapd -b 127.0.0.1 -p $((p + 1)) -w "$T/sf" -t 3600 >"$T/sfcapd.log" 2>&1 &
	sfpid=$!
	PIDS+=("$sfpid")
	sleep 0.3
	# pmacctd exports live to wanscope while tcpdump records the stream;
	# then the recorded datagrams are replayed to sfcapd, so both see the
	# very same sFlow (and a lossy peer cannot fail the comparison)
	tcpdump -i lo -U -w "$T/sflow.pcap" "udp and dst port $p" 2>"$T/tcpdump.log" &
	tdpid=$!
	PIDS+=("$tdpid")
	wait_for 10 grep -q "listening on" "$T/tcpdump.log" || die "tcpdump: $(cat "$T/tcpdump.log")"
	cat >"$T/pm.conf" <<EOC
daemonize: false
pcap_savefile: $T/in.pcap
plugins: sfprobe[s]
sfprobe_receiver[s]: 127.0.0.1:$p
sfprobe_agentip[s]: 127.0.0.1
EOC
	timeout 60 pmacctd -f "$T/pm.conf" >"$T/pm.log" 2>&1 || die "pmacctd: $(tail -3 "$T/pm.log")"
	sleep 0.5
	kill -INT "$tdpid"; wait "$tdpid"
	n=$(python3 "$top/tests/net/collect_replay.py" "$T/sflow.pcap" $((p + 1))) || die "replay"
	[ "$n" -gt 0 ] || die "no sFlow datagrams recorded"
	wait_for 10 json "$db.stats.json" "j['packets'] >= $n or exit(1)" >/dev/null ||
		die "wanscope received fewer than the $n datagrams recorded"
	sleep 0.5
	ws_stop "$db"
	json "$db.stats.json" "j['queue_drops'] + j['kernel_drops'] + sum(j['rejected'].values())" | grep -qx 0 ||
		die "sFlow (live): drops: $(cat "$db.stats.json")"
	# tcpdump may miss datagrams on a loaded machine, so the comparison
	# with sfcapd uses a second collector fed the very same recording
	db=$T/sflow-replay.db
	ws_start "$db" --listen "udp://127.0.0.1:$((p + 2))"
	m=$(python3 "$top/tests/net/collect_replay.py" "$T/sflow.pcap" $((p + 2))) || die "replay"
	wait_for 10 json "$db.stats.json" "j['packets'] >= $m or exit(1)" >/dev/null ||
		die "wanscope received fewer than the $m datagrams replayed"
	sleep 0.5
	ws_stop "$db"
	kill -TERM "$sfpid"; wait "$sfpid"
	check_run "sFlow" "$db" "$T/sf"
else
	echo "sFlow: skipped (pmacctd or sfcapd missing)"
fi
echo "PASS"
