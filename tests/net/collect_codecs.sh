#!/bin/bash
# SPDX-License-Identifier: BSD-2-Clause
# collect_codecs.sh - --raw-compress zstd, lz4 and none on one store: the
# collector runs three times on the same database, each time with another
# codec, so its directory holds the three kinds of raw file. Then:
#  - `wanscope flows raw` reads every record of every kind, and the sums
#    match what ws-flowgen sent;
#  - each file through `zstdcat` / `lz4cat` / `cat` (by its name) is a
#    plain IPFIX stream: ipfixDump (libfixbuf) counts the records the
#    store says the file holds, and the stream, wrapped in a capture, gives
#    `wanscope decode` the same records `flows raw` prints.
# Traffic goes to 127.0.0.1 only.
. "$(dirname "$0")/collect_lib.bash"
need python3 sqlite3 zstdcat lz4cat ipfixDump
need_flowgen
p=$((port_base + 9))
db=$T/codecs.db
N=3000
declare -A sent_bytes

for codec in zstd lz4 none; do
	ws_start "$db" --listen "udp://127.0.0.1:$p" --raw-compress "$codec" --commit 500ms
	"$FLOWGEN" --dest "127.0.0.1:$p" --proto nf9 --count $N --rate 50000 >"$T/gen-$codec.json" ||
		die "ws-flowgen"
	wait_for 10 python3 -c "import json,sys; sys.exit(json.load(open('$db.stats.json'))['store']['records'] < $N)" ||
		die "$codec: the store did not get $N records"
	ws_stop "$db"
	sent_bytes[$codec]=$(json "$T/gen-$codec.json" "j['bytes']")
done

# the files: one kind per run, named by kind
for suffix in .ipfix.zst .ipfix.lz4 .ipfix; do
	n=$(sqlite3 "$db" "SELECT count(*) FROM raw_file WHERE path LIKE '%$suffix' AND records > 0")
	[ "$n" -ge 1 ] || die "no raw file ending in $suffix: $(sqlite3 "$db" 'SELECT path FROM raw_file')"
done
n=$(sqlite3 "$db" "SELECT count(*) FROM raw_file WHERE records > 0")
[ "$n" -eq 3 ] || die "expected 3 raw files with records, found $n"

# every record of every kind through flows raw
"$WANSCOPE" flows raw --db "$db" --last 3650d --json >"$T/raw.jsonl" || die "flows raw"
got=$(wc -l <"$T/raw.jsonl")
[ "$got" -eq $((3 * N)) ] || die "flows raw: $got records, want $((3 * N))"
want=$(( ${sent_bytes[zstd]} + ${sent_bytes[lz4]} + ${sent_bytes[none]} ))
sum=$(python3 -c "import json,sys; print(sum(json.loads(l)['bytes'] for l in open(sys.argv[1])))" "$T/raw.jsonl")
[ "$sum" -eq "$want" ] || die "flows raw: $sum bytes, ws-flowgen sent $want"

# each file decompressed by the standard tools is plain IPFIX
: >"$T/all.ipfix"
while IFS='|' read -r path size records; do
	f=$db.d/$path
	case $path in
	*.ipfix.zst) zstdcat "$f" >"$T/one.ipfix" 2>"$T/tool.err" || die "zstdcat $path: $(cat "$T/tool.err")" ;;
	*.ipfix.lz4) lz4cat "$f" >"$T/one.ipfix" 2>"$T/tool.err" || die "lz4cat $path: $(cat "$T/tool.err")" ;;
	*.ipfix) cat "$f" >"$T/one.ipfix" ;;
	*) die "unexpected raw file $path" ;;
	esac
	[ "$(stat -c %s "$f")" -eq "$size" ] || die "$path: size on disk differs from the committed size"
	[ "$(head -c 2 "$T/one.ipfix" | od -An -tx1 | tr -d ' ')" = 000a ] ||
		die "$path: decompressed, it does not start with an IPFIX message"
	# ipfixDump prints one "--- data record" line per record
	n=$(ipfixDump --in "$T/one.ipfix" 2>"$T/dump.err" | grep -c -- '--- data record') ||
		die "ipfixDump $path: $(head -3 "$T/dump.err")"
	[ "$n" -eq "$records" ] || die "$path: ipfixDump counts $n records, the store says $records"
	cat "$T/one.ipfix" >>"$T/all.ipfix"
done < <(sqlite3 "$db" "SELECT path, size, records FROM raw_file WHERE records > 0 ORDER BY id")

# the plain streams in a capture (one IPFIX message per UDP datagram) for
# wanscope decode; its records are those flows raw prints
python3 - "$T/all.ipfix" "$T/all.pcap" <<'PY' || die "wrapping the stream in a capture"
import struct, sys
data = open(sys.argv[1], 'rb').read()
out = open(sys.argv[2], 'wb')
out.write(struct.pack('<IHHiIII', 0xa1b2c3d4, 2, 4, 0, 0, 65535, 101))  # raw IP
off, n = 0, 0
while off + 16 <= len(data):
    ver, mlen = struct.unpack('!HH', data[off:off + 4])
    assert ver == 10 and mlen >= 16 and off + mlen <= len(data), (off, ver, mlen)
    msg = data[off:off + mlen]
    udp = struct.pack('!HHHH', 4739, 4739, 8 + len(msg), 0) + msg
    ip = struct.pack('!BBHHHBBH4s4s', 0x45, 0, 20 + len(udp), n & 0xffff, 0, 64, 17, 0,
                     bytes([127, 0, 0, 1]), bytes([127, 0, 0, 1])) + udp
    out.write(struct.pack('<IIII', 1700000000 + n, 0, len(ip), len(ip)) + ip)
    off += mlen
    n += 1
assert off == len(data), (off, len(data))
PY
"$WANSCOPE" decode --quiet "$T/all.pcap" >"$T/decode.jsonl" || die "wanscope decode"
python3 - "$T/decode.jsonl" "$T/raw.jsonl" <<'PY' || die "decode and flows raw differ"
import json, sys
keys = ('src', 'dst', 'src_port', 'dst_port', 'proto', 'bytes', 'packets', 'in_if',
        'out_if', 'tcp_flags', 'time_start', 'time_end')
def load(p):
    recs = [json.loads(l) for l in open(p)]
    return sorted(tuple(r.get(k) for k in keys) for r in recs if r.get('type', 'flow') == 'flow')
a, b = load(sys.argv[1]), load(sys.argv[2])
if a != b:
    print("decode: %d records, flows raw: %d" % (len(a), len(b)))
    for x, y in zip(a, b):
        if x != y:
            print(" first difference:", x, y)
            break
    sys.exit(1)
PY
echo "ok: zstd, lz4 and plain raw files in one store; $((3 * N)) records read back and" \
	"through zstdcat/lz4cat + ipfixDump + wanscope decode"
