#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-2-Clause
# export_verify.py - compare what an exporter sent with the traffic it saw
#
#   export_verify.py flows --export X.pcap --port P --proto ipfix|nf9
#       [--traffic T.pcap] [--nfdump DIR] [--softflowd S.pcap:PORT]
#       [--stats STATS.json] [--icmp] [--wanscope BIN]
#
# Sums packets and bytes of the flow records in the export capture three
# ways: our decoder (wanscope decode), tshark's cflow dissector and, when
# given, nfdump reading nfcapd's files; all must agree. Records of our
# test traffic (between 10.77.0.0/24 or fd77::/64 hosts, without IPv6
# neighbour discovery) must add up to tshark's per-packet sums of the
# traffic capture (IP total length), per IP protocol.
#
#   export_verify.py offline --input IN.pcap --export X.pcap --port P
#       --proto ipfix|nf9 [--softflowd S.pcap --sfport P2] [--stats S] [--evicted]
# Per 5-tuple (ICMP: addresses and protocol) packets and bytes exported
# from a capture must equal tshark's per-packet sums of it, and what
# softflowd -r exported from the same capture.
#
#   export_verify.py sflow --export X.pcap --port P --rate N [--stats S]
#       [--traffic T.pcap]
# Counts flow and counter samples with our decoder and with tshark, and
# checks the announced rate, sequence numbers and sample pools.
#
#   export_verify.py sampled --export X.pcap --port P --proto ipfix|nf9
#       --rate N --stats S [--nfdump DIR]
# A sampled v9/IPFIX export: our decoder gives every record rate N (from
# the options record: the data records carry no interval), tshark finds
# one options template and one options data record (interval N, random)
# per template refresh, nfdump's counts are ours, times N if nfdump lists
# the announced sampler (nfdump -E), as they are if it does not.
import argparse
import glob
import collections
import ipaddress
import json
import subprocess
import sys

NETS = [ipaddress.ip_network('10.77.0.0/24'), ipaddress.ip_network('fd77::/64'),
        ipaddress.ip_network('10.78.0.0/24')]
fail = False


def check(what, a, b):
    global fail
    ok = a == b
    sa, sb = str(a), str(b)
    if ok and len(sa) > 40:
        sa = sb = '(%d items)' % len(a) if isinstance(a, list) else sa[:40] + '...'
    print('%-60s %s %s %s' % (what, sa, '==' if ok else '!=', sb))
    if not ok:
        fail = True


def ours(addr):
    try:
        a = ipaddress.ip_address(addr)
    except ValueError:
        return False
    return any(a in n for n in NETS)


def keep(src, dst, proto, icmp_type):
    if not (ours(src) and ours(dst)):
        return False
    return not (proto == 58 and 133 <= icmp_type <= 137)


def tshark(args):
    out = subprocess.run(['tshark'] + args, capture_output=True, text=True, check=True)
    return out.stdout.splitlines()


def first(v, conv=int, default=0):
    v = v.split(',')[0]
    return conv(v) if v != '' else default


def truth(pcap):
    """Per IP protocol: packets and IP bytes of our test traffic."""
    t = collections.Counter()
    fields = ['ip.src', 'ip.dst', 'ip.proto', 'ip.len', 'ipv6.src', 'ipv6.dst',
              'ipv6.nxt', 'ipv6.plen', 'icmpv6.type']
    cmd = ['-r', pcap, '-T', 'fields', '-E', 'occurrence=f']
    for f in fields:
        cmd += ['-e', f]
    for line in tshark(cmd):
        v = line.split('\t')
        if v[0]:
            src, dst, proto, ln, it = v[0], v[1], first(v[2]), first(v[3]), 0
        elif v[4]:
            src, dst, proto, ln = v[4], v[5], first(v[6]), first(v[7]) + 40
            it = first(v[8])
        else:
            continue
        if keep(src, dst, proto, it):
            t[(proto, 'packets')] += 1
            t[(proto, 'bytes')] += ln
    return t


def decode(wanscope, pcap, port, proto):
    out = subprocess.run([wanscope, 'decode', '-q', '-p', '%d=%s' % (port, proto), pcap],
                         capture_output=True, text=True, check=True)
    return [json.loads(line) for line in out.stdout.splitlines()]


def sums(recs, filt):
    t = collections.Counter()
    for r in recs:
        if r.get('type') != 'flow':
            continue
        if filt and not keep(r.get('src', ''), r.get('dst', ''), r.get('proto', 0),
                             r.get('icmp_type', 0)):
            continue
        key = r.get('proto', 0) if filt else 'all'
        t[(key, 'packets')] += r['packets']
        t[(key, 'bytes')] += r['bytes']
        t[(key, 'flows')] += 1
    return t


def cflow_totals(pcap, port, proto):
    p = b = n = 0
    for line in tshark(['-r', pcap, '-d', 'udp.port==%d,cflow' % port, '-T', 'fields',
                        '-e', 'cflow.packets', '-e', 'cflow.octets',
                        '-Y', 'udp.dstport==%d' % port]):
        ps, bs = line.split('\t')
        if ps:
            p += sum(int(x) for x in ps.split(','))
            n += len(ps.split(','))
        if bs:
            b += sum(int(x) for x in bs.split(','))
    return n, p, b


def nfdump_totals(d):
    out = subprocess.run(['nfdump', '-R', d, '-q', '-N', '-o', 'fmt:%pkt %byt'],
                         capture_output=True, text=True, check=True)
    n = p = b = 0
    for line in out.stdout.splitlines():
        v = line.split()
        if len(v) == 2:
            n += 1
            p += int(v[0])
            b += int(v[1])
    return n, p, b


def flows(a):
    recs = decode(a.wanscope, a.export, a.port, a.proto)
    exporters = collections.Counter(r['exporter'] for r in recs if r['type'] == 'flow')
    allsum = sums([r for r in recs if r.get('exporter') == '127.0.0.1'], False)
    n, p, b = cflow_totals(a.export, a.port, a.proto)
    print('export capture: %d records from %s' % (len(recs), dict(exporters)))
    check('records: wanscope decode vs tshark', allsum[('all', 'flows')], n)
    check('packets: wanscope decode vs tshark', allsum[('all', 'packets')], p)
    check('bytes: wanscope decode vs tshark', allsum[('all', 'bytes')], b)
    if a.port2:
        s2 = sums([r for r in recs if r.get('exporter') == '::1'], False)
        check('records: second collector ([::1]) vs first', s2[('all', 'flows')],
              allsum[('all', 'flows')])
        check('bytes: second collector ([::1]) vs first', s2[('all', 'bytes')],
              allsum[('all', 'bytes')])
    if a.nfdump:
        n2, p2, b2 = nfdump_totals(a.nfdump)
        check('records: nfdump vs wanscope decode', n2, allsum[('all', 'flows')])
        check('packets: nfdump vs wanscope decode', p2, allsum[('all', 'packets')])
        check('bytes: nfdump vs wanscope decode', b2, allsum[('all', 'bytes')])
    if a.stats:
        st = json.load(open(a.stats))
        check('records: exporter stats vs decoded', st['export_records'],
              allsum[('all', 'flows')])
        check('packets: exporter stats (IP packets) vs decoded',
              st['sampled'] - st['non_ip'] - st['malformed'], allsum[('all', 'packets')])
    if a.traffic:
        t = truth(a.traffic)
        mine = sums([r for r in recs if r.get('exporter') == '127.0.0.1'], True)
        for proto in sorted({k[0] for k in t}):
            for what in ('packets', 'bytes'):
                check('proto %d %s: exported vs traffic capture (tshark)' % (proto, what),
                      mine[(proto, what)], t[(proto, what)])
        if a.tcp_bytes:
            tcp = [r for r in recs if r.get('exporter') == '127.0.0.1' and
                   r.get('proto') == 6 and r.get('dst_port') == 5001]
            check('TCP to port 5001: bytes >= payload sent', sum(r['bytes'] for r in tcp)
                  >= a.tcp_bytes, True)
    if a.icmp:
        recs4 = [r for r in recs if r.get('exporter') == '127.0.0.1']
        req = [r for r in recs4 if r.get('proto') == 1 and r.get('icmp_type') == 8]
        rep = [r for r in recs4 if r.get('proto') == 1 and r.get('icmp_type') == 0]
        req6 = [r for r in recs4 if r.get('proto') == 58 and r.get('icmp_type') == 128]
        req5 = [r for r in req if r.get('dst') == '10.77.0.2']
        check('ICMP echo request packets (ping -c 5)', sum(r['packets'] for r in req5), 5)
        check('ICMP echo request bytes (5 x 1028)', sum(r['bytes'] for r in req5), 5140)
        check('ICMP echo reply bytes (5 x 1028)',
              sum(r['bytes'] for r in rep if r.get('src') == '10.77.0.2'), 5140)
        check('ICMP echo request direction egress',
              sorted({r.get('direction') for r in req}), [1])
        check('ICMP echo reply direction ingress',
              sorted({r.get('direction') for r in rep}), [0])
        check('ICMPv6 echo request bytes (3 x 548)', sum(r['bytes'] for r in req6), 1644)
        vl = [r for r in recs4 if r.get('dst') == '10.78.0.2']
        check('VLAN 10 frames: vlan field', sorted({r.get('vlan') for r in vl}), [10])
        check('VLAN 10 frames: packets, bytes (4 x 228)',
              (sum(r['packets'] for r in vl), sum(r['bytes'] for r in vl)), (4, 912))
        check('untagged echo requests: vlan 0',
              sorted({r.get('vlan') for r in req if r.get('dst') == '10.77.0.2'}), [0])


def sflow(a):
    recs = decode(a.wanscope, a.export, a.port, 'sflow')
    fl = [r for r in recs if r['type'] == 'flow']
    ct = [r for r in recs if r['type'] == 'counters']
    lines = tshark(['-r', a.export, '-d', 'udp.port==%d,sflow' % a.port, '-T', 'fields',
                    '-e', 'sflow.flow_sample.sampling_rate',
                    '-e', 'sflow.flow_sample.sample_pool',
                    '-e', 'sflow.flow_sample.sequence_number',
                    '-e', 'sflow.counters_sample.sequence_number',
                    '-e', 'sflow_245.header.frame_length',
                    '-e', 'sflow_245.vlan.in', '-e', 'sflow_245.vlan.out',
                    '-e', 'sflow_245.pri.in', '-e', 'sflow_245.pri.out'])
    rates, pools, seqs, cseqs, flen = [], [], [], [], []
    vin, vout, pin, pout = [], [], [], []
    for line in lines:
        v = line.split('\t')
        for col, lst in zip(v, (rates, pools, seqs, cseqs, flen, vin, vout, pin, pout)):
            if col:
                lst += [int(x) for x in col.split(',')]
    check('flow samples: wanscope decode vs tshark', len(fl), len(rates))
    check('counter samples: wanscope decode vs tshark', len(ct), len(cseqs))
    check('announced rates (tshark)', sorted(set(rates)), [a.rate])
    check('announced rates (wanscope decode)', sorted({r['sampling_rate'] for r in fl}),
          [a.rate])
    check('flow sample sequence numbers 0..n-1', seqs, list(range(len(seqs))))
    check('counter sample sequence numbers 0..n-1', cseqs, list(range(len(cseqs))))
    check('sample pools increase', pools == sorted(pools) and len(set(pools)) == len(pools),
          True)
    check('frame lengths: decode vs tshark', sum(r['bytes'] for r in fl), sum(flen))
    # tagged frames (the test's VLAN 10, priority 5) carry extended switch data
    tagged = [r for r in fl if r.get('vlan')]
    check('extended switch records (tshark) = tagged samples (wanscope decode)',
          len(vin), len(tagged))
    check('extended switch: VLAN in, out', sorted(set(vin + vout)), [10] if vin else [])
    check('extended switch: 802.1p priority in, out', sorted(set(pin + pout)),
          [5] if vin else [])
    if a.rate == 1 and a.traffic:
        check('rate 1: every VLAN 10 frame has extended switch data', len(vin), 4)
    if a.stats:
        st = json.load(open(a.stats))
        check('flow samples: exporter stats vs tshark', st['flow_samples'], len(rates))
        check('sampled packets: exporter stats vs tshark', st['sampled'], len(rates))
        check('last sample pool <= packets seen', pools[-1] <= st['packets'] if pools else
              True, True)
        if a.rate == 1:
            check('rate 1: every packet sampled', st['sampled'], st['packets'])
        else:
            # 1-in-N with a mean skip of N: far from every packet, far from none
            check('1-in-%d: sampled between packets/(3N) and 3*packets/N' % a.rate,
                  st['packets'] / (3 * a.rate) <= st['sampled'] <= 3 * st['packets'] / a.rate,
                  True)
    if a.traffic and a.rate == 1:
        t = truth(a.traffic)
        for proto in sorted({k[0] for k in t}):
            mine = [r for r in fl if r.get('proto') == proto and
                    keep(r.get('src', ''), r.get('dst', ''), proto, r.get('icmp_type', 0))]
            check('proto %d: samples vs packets in the traffic capture' % proto,
                  len(mine), t[(proto, 'packets')])
            check('proto %d: frame length - 18 (Ethernet, FCS) vs IP bytes' % proto,
                  sum(r['bytes'] - 18 - (4 if r.get('vlan') else 0) for r in mine), t[(proto, 'bytes')])
    if a.counters_min:
        check('counter samples >= %d' % a.counters_min, len(ct) >= a.counters_min, True)
        octs = [c.get('in_octets', 0) for c in ct]
        check('counter in_octets never decrease, last > 0',
              octs == sorted(octs) and octs[-1] > 0, True)
        check('counter if_index is the interface', sorted({c['if_index'] for c in ct}),
              [a.ifindex])


def keyed_truth(pcap):
    """Per (src, dst, proto, sport, dport): packets and IP bytes."""
    t = collections.Counter()
    fields = ['ip.src', 'ip.dst', 'ip.proto', 'ip.len', 'ipv6.src', 'ipv6.dst',
              'ipv6.nxt', 'ipv6.plen', 'tcp.srcport', 'tcp.dstport', 'udp.srcport',
              'udp.dstport']
    cmd = ['-r', pcap, '-T', 'fields', '-E', 'occurrence=f']
    for f in fields:
        cmd += ['-e', f]
    for line in tshark(cmd):
        v = line.split('\t')
        if v[0]:
            src, dst, proto, ln = v[0], v[1], first(v[2]), first(v[3])
        elif v[4]:
            src, dst, proto, ln = v[4], v[5], first(v[6]), first(v[7]) + 40
        else:
            continue
        sp = first(v[8]) or first(v[10])
        dp = first(v[9]) or first(v[11])
        k = (src, dst, proto) + ((sp, dp) if proto in (6, 17) else ())
        t[k + ('packets',)] += 1
        t[k + ('bytes',)] += ln
    return t


def keyed(recs):
    t = collections.Counter()
    for r in recs:
        if r.get('type') != 'flow':
            continue
        proto = r.get('proto', 0)
        k = (r['src'], r['dst'], proto) + \
            ((r.get('src_port', 0), r.get('dst_port', 0)) if proto in (6, 17) else ())
        t[k + ('packets',)] += r['packets']
        t[k + ('bytes',)] += r['bytes']
    return t


def offline(a):
    truth_k = keyed_truth(a.input)
    mine = decode(a.wanscope, a.export, a.port, a.proto)
    mine_k = keyed(mine)
    tot = lambda t, w: sum(v for k, v in t.items() if k[-1] == w)
    print('input: %d flows (5-tuples), %d packets' % (len(truth_k) // 2,
                                                     tot(truth_k, 'packets')))
    for w in ('packets', 'bytes'):
        check('%s: wanscope export vs tshark sums of the input' % w, tot(mine_k, w),
              tot(truth_k, w))
    check('per 5-tuple packets and bytes: wanscope export vs tshark',
          sorted(mine_k.items()) == sorted(truth_k.items()), True)
    n, p, b = cflow_totals(a.export, a.port, a.proto)
    check('packets: tshark cflow vs wanscope decode', p, tot(mine_k, 'packets'))
    check('bytes: tshark cflow vs wanscope decode', b, tot(mine_k, 'bytes'))
    if a.softflowd:
        sf = keyed(decode(a.wanscope, a.softflowd, a.sfport, 'nf9'))
        for w in ('packets', 'bytes'):
            check('%s: softflowd -r vs wanscope export -r' % w, tot(sf, w), tot(mine_k, w))
        check('per 5-tuple packets and bytes: softflowd vs wanscope export',
              sorted(sf.items()) == sorted(mine_k.items()), True)
    if a.stats:
        st = json.load(open(a.stats))
        check('records: exporter stats vs decoded', st['export_records'],
              sum(1 for r in mine if r['type'] == 'flow'))
        if a.evicted:
            check('full cache evicted flows (stats)', st['evicted'] > 0, True)
            check('evicted records carry flowEndReason 5',
                  sum(1 for r in mine if r.get('end_reason') == 5) == st['evicted']
                  if a.proto == 'ipfix' else True, True)


def tshark_sets(pcap, port):
    """Per datagram: the set ids, sampling intervals and algorithms."""
    out = []
    for line in tshark(['-r', pcap, '-d', 'udp.port==%d,cflow' % port, '-T', 'fields',
                        '-e', 'cflow.flowset_id', '-e', 'cflow.sampling_interval',
                        '-e', 'cflow.sampling_algorithm', '-Y', 'udp.dstport==%d' % port]):
        v = (line.split('\t') + ['', '', ''])[:3]
        out.append([[int(x) for x in f.split(',') if x] for f in v])
    return out


def sampled(a):
    recs = [r for r in decode(a.wanscope, a.export, a.port, a.proto) if r['type'] == 'flow']
    st = json.load(open(a.stats))
    print('%d records, %d sampled of %d packets' % (len(recs), st['sampled'], st['packets']))
    check('records: decoded vs exporter stats', len(recs), st['export_records'])
    check('sampling rates applied by wanscope decode', sorted({r['sampling_rate'] for r in recs}),
          [a.rate])
    pk = sum(r['packets'] for r in recs)
    by = sum(r['bytes'] for r in recs)
    check('packets in records (unscaled) vs sampled IP packets', pk,
          st['sampled'] - st['non_ip'] - st['malformed'])
    check('1-in-%d: sampled between packets/(3N) and 3*packets/N' % a.rate,
          st['packets'] / (3 * a.rate) <= st['sampled'] <= 3 * st['packets'] / a.rate, True)
    opt_tmpl = 3 if a.proto == 'ipfix' else 1
    sets = tshark_sets(a.export, a.port)
    ntmpl = sum(ids.count(opt_tmpl) for ids, _, _ in sets)
    ndata = sum(ids.count(258) for ids, _, _ in sets)
    intervals = [v for _, iv, _ in sets for v in iv]
    algos = [v for _, _, al in sets for v in al]
    print('tshark: %d datagrams, %d options templates, %d options data sets, intervals %s'
          % (len(sets), ntmpl, ndata, sorted(set(intervals))))
    check('tshark: options templates (one per refresh, > 1)', ntmpl > 1, True)
    check('tshark: an options data record with each options template', ndata, ntmpl)
    check('tshark: options templates lead the datagram with the templates',
          all(ids.index(opt_tmpl) == 1 for ids, _, _ in sets if opt_tmpl in ids), True)
    check('tshark: samplingInterval values = options records (none per flow record)',
          intervals, [a.rate] * ntmpl)
    check('tshark: samplingAlgorithm 2 (random)', algos, [2] * ntmpl)
    n, p, b = cflow_totals(a.export, a.port, a.proto)
    check('tshark cflow packets, bytes vs wanscope decode', (p, b), (pk, by))
    if a.nfdump:
        ex = subprocess.run(['nfdump', '-E'] + glob.glob(a.nfdump + '/nfcapd.*'),
                            capture_output=True, text=True).stdout
        applied = 'Sampler' in ex
        print('nfdump -E:', ex.strip().replace('\n', ' | '))
        n, p, b = nfdump_totals(a.nfdump)
        scale = a.rate if applied else 1
        print('nfdump %s the announced sampler' % ('applies' if applied else 'ignores'))
        check('nfdump records', n, len(recs))
        check('nfdump packets, bytes vs wanscope decode x %d' % scale, (p, b),
              (pk * scale, by * scale))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('mode', choices=['flows', 'sflow', 'offline', 'sampled'])
    ap.add_argument('--input')
    ap.add_argument('--softflowd')
    ap.add_argument('--sfport', type=int)
    ap.add_argument('--evicted', action='store_true')
    ap.add_argument('--export', required=True)
    ap.add_argument('--port', type=int, required=True)
    ap.add_argument('--port2', type=int)
    ap.add_argument('--proto', default='ipfix')
    ap.add_argument('--traffic')
    ap.add_argument('--nfdump')
    ap.add_argument('--stats')
    ap.add_argument('--icmp', action='store_true')
    ap.add_argument('--tcp-bytes', type=int)
    ap.add_argument('--rate', type=int, default=1)
    ap.add_argument('--counters-min', type=int, default=0)
    ap.add_argument('--ifindex', type=int, default=0)
    ap.add_argument('--wanscope', required=True)
    a = ap.parse_args()
    {'flows': flows, 'sflow': sflow, 'offline': offline, 'sampled': sampled}[a.mode](a)
    sys.exit(1 if fail else 0)


main()
