#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-2-Clause
"""tshark2ws.py - rename tshark's view of export packets to wanscope's fields

Usage: tshark -r CAP -d udp.port==N,cflow -T json | tshark2ws.py > NAME.expect.jsonl

tshark (Wireshark's cflow and sflow dissectors) is the independent decoder;
this script only renames its fields to the names `wanscope decode` prints
and turns tshark's text forms into JSON numbers/strings (hex "0x1b" -> 27,
"Jan  1, 2026 00:00:19.571000000 UTC" -> "2026-01-01T00:00:19.571Z"). It
never decodes anything itself: values tshark reports in another form
(relative NetFlow v5/v9 times, the combined ICMP type/code, sFlow frame
lengths) are passed on under their own names (time_start_rel, ...), and
tests/data/check_decode.py explains how they relate to ours.

Each output line is one record: {"frame":N,"recv_time":...,"version":...,
"exporter":..., fields...}. Options records are marked "options":true,
records of packets tshark found malformed "malformed":true.
Fields tshark shows that have no wanscope name are kept in "other".
"""
import json
import re
import sys
from datetime import datetime, timezone

# cflow (NetFlow v5/v9/IPFIX) field -> wanscope field
CFLOW = {
    "cflow.srcaddr": "src", "cflow.srcaddrv6": "src",
    "cflow.dstaddr": "dst", "cflow.dstaddrv6": "dst",
    "cflow.srcport": "src_port", "cflow.dstport": "dst_port",
    "cflow.protocol": "proto", "cflow.tcpflags": "tcp_flags", "cflow.tos": "tos",
    "cflow.inputint": "in_if", "cflow.outputint": "out_if",
    "cflow.octets": "bytes", "cflow.octets64": "bytes",
    "cflow.packets": "packets", "cflow.packets64": "packets",
    "cflow.srcas": "src_as", "cflow.dstas": "dst_as",
    "cflow.nexthop": "next_hop", "cflow.nexthopv6": "next_hop",
    "cflow.bgpnexthop": "bgp_next_hop", "cflow.bgpnexthopv6": "bgp_next_hop",
    "cflow.srcmask": "src_mask", "cflow.srcmaskv6": "src_mask",
    "cflow.dstmask": "dst_mask", "cflow.dstmaskv6": "dst_mask",
    "cflow.vlanid": "vlan", "cflow.direction": "direction",
    "cflow.flow_end_reason": "end_reason", "cflow.forwarding_status": "fwd_status",
    "cflow.ip_version": "ip_version", "cflow.ipv6flowlabel": "flow_label",
    "cflow.ipv6flowlabel24": "flow_label",
    "cflow.srcmac": "src_mac", "cflow.dstmac": "dst_mac",
    "cflow.abstimestart": "time_start", "cflow.abstimeend": "time_end",
    "cflow.timestart": "time_start_rel", "cflow.timeend": "time_end_rel",
    "cflow.icmp_type_code_ipv4": "icmp_type_code", "cflow.icmp_type_code_ipv6": "icmp_type_code",
    "cflow.icmp_type": "icmp_type", "cflow.icmp_code": "icmp_code",
    "cflow.icmp_ipv4_type": "icmp_type", "cflow.icmp_ipv4_code": "icmp_code",
    "cflow.icmp_ipv6_type": "icmp_type", "cflow.icmp_ipv6_code": "icmp_code",
    "cflow.flows": "flows", "cflow.sampler_id": "sampler_id",
    "cflow.ingress_vrfid": "vrf_in", "cflow.egress_vrfid": "vrf_out",
    "cflow.sampling_interval": "sampling_interval",
    "cflow.sampling_algorithm": "sampling_algorithm",
    "cflow.sampling_packet_interval": "sampling_packet_interval",
}
# keys that are structure or tshark's own bookkeeping, not record fields
SKIP = {"cflow.timedelta", "cflow.padding", "cflow.template_frame", "cflow.tcpflags_tree",
        "cflow.timedelta_tree", "cflow.post_vlanid", "cflow.flowset_id",
        "cflow.flowset_length"}
SFLOW_CTR = {
    "sflow_245.ifindex": "if_index", "sflow_245.iftype": "if_type",
    "sflow_245.ifspeed": "if_speed", "sflow_245.ifdirection": "if_direction",
    "sflow_245.ifinoct": "in_octets", "sflow_245.ifinpkt": "in_ucast",
    "sflow_245.ifinmcast": "in_mcast", "sflow_245.ifinbcast": "in_bcast",
    "sflow_245.ifindisc": "in_discards", "sflow_245.ifinerr": "in_errors",
    "sflow_245.ifinunk": "in_unknown", "sflow_245.ifoutoct": "out_octets",
    "sflow_245.ifoutpkt": "out_ucast", "sflow_245.ifoutmcast": "out_mcast",
    "sflow_245.ifoutbcast": "out_bcast", "sflow_245.ifoutdisc": "out_discards",
    "sflow_245.ifouterr": "out_errors", "sflow_245.ifpromisc": "promisc",
    "sflow_245.ifadmin_status": "if_admin_status",
    "sflow_245.ifoper_status": "if_oper_status",
}
# sampled header (tshark's dissection of it) -> wanscope field
SFLOW_HDR = {
    "eth.src": "src_mac", "eth.dst": "dst_mac", "vlan.id": "vlan",
    "ip.src": "src", "ip.dst": "dst", "ipv6.src": "src", "ipv6.dst": "dst",
    "ip.proto": "proto", "ipv6.nxt": "proto", "ip.dsfield": "tos", "ipv6.tclass": "tos",
    "ip.version": "ip_version", "ipv6.version": "ip_version",
    "ipv6.flow": "flow_label",
    "tcp.srcport": "src_port", "tcp.dstport": "dst_port",
    "udp.srcport": "src_port", "udp.dstport": "dst_port",
    "tcp.flags": "tcp_flags", "icmp.type": "icmp_type", "icmp.code": "icmp_code",
    "icmpv6.type": "icmp_type", "icmpv6.code": "icmp_code",
}

MONTHS = {m: i + 1 for i, m in enumerate(
    "Jan Feb Mar Apr May Jun Jul Aug Sep Oct Nov Dec".split())}


def pairs(kv):
    """Keep duplicate keys: tshark repeats them (e.g. two sampled headers)."""
    return kv


def iso(text):
    """'Jan  1, 2026 00:00:19.571000000 UTC' -> '2026-01-01T00:00:19.571Z'"""
    m = re.match(r"(\w{3})\s+(\d+), (\d{4}) (\d\d):(\d\d):(\d\d)\.(\d+) UTC", text)
    if not m:
        return text
    mon, d, y, hh, mm, ss, frac = m.groups()
    return "%s-%02d-%02dT%s:%s:%s.%sZ" % (y, MONTHS[mon], int(d), hh, mm, ss, frac[:3])


def num(v):
    if isinstance(v, str):
        if re.fullmatch(r"0x[0-9a-fA-F]+", v):
            return int(v, 16)
        if re.fullmatch(r"-?\d+", v):
            return int(v)
        if re.fullmatch(r"-?\d+\.\d+", v):
            return float(v)
    return v


def value(wkey, v):
    if wkey in ("time_start", "time_end"):
        return iso(v)
    if wkey in ("src", "dst", "next_hop", "bgp_next_hop", "src_mac", "dst_mac"):
        return v
    return num(v)


def flat(obj):
    """All (key, value) leaf pairs under a tshark tree node, in order."""
    for k, v in obj:
        if isinstance(v, list) and v and isinstance(v[0], tuple):
            yield k, None
            yield from flat(v)
        else:
            yield k, v


def cflow_record(node, base):
    rec = dict(base)
    other = {}
    for k, v in flat(node):
        if v is None or k in SKIP or k.startswith("cflow.tcpflags."):
            continue
        w = CFLOW.get(k)
        if w:
            rec[w] = value(w, v)
        elif "scope" in k:
            rec["options"] = True
            other[k] = v
        else:
            other[k] = v
    if other:
        rec["other"] = other
    return rec


OPTION_TEMPLATES = set()  # (exporter, domain, template id) of options templates


def cflow_walk(node, base, out):
    for k, v in node:
        if not (isinstance(v, list) and v and isinstance(v[0], tuple)):
            continue
        if k.startswith("pdu ") or re.match(r"Flow \d+$", k):
            rec = cflow_record(v, base)
            if (base["exporter"], base["domain"], base.get("template_id")) in OPTION_TEMPLATES:
                rec["options"] = True
            out.append(rec)
        elif k.startswith("FlowSet") or k.startswith("Set "):
            sub = dict(base)
            for kk, vv in v:
                if kk == "cflow.flowset_id":
                    sub["template_id"] = int(vv)
            if sub.get("template_id") in (1, 3):  # v9 / IPFIX options templates
                for kk, vv in flat(v):
                    if kk == "cflow.template_id":
                        OPTION_TEMPLATES.add((base["exporter"], base["domain"], int(vv)))
            cflow_walk(v, sub, out)


def cflow_packet(layer, base, out):
    hdr = dict(layer)
    ver = int(hdr.get("cflow.version", 0))
    base = dict(base, version={5: "nf5", 9: "nf9", 10: "ipfix"}.get(ver, str(ver)))
    if ver == 5:
        ts = dict(hdr.get("cflow.timestamp_tree", []))
        base["hdr_unix_secs"] = int(ts.get("cflow.unix_secs", 0))
        base["hdr_unix_nsecs"] = int(ts.get("cflow.unix_nsecs", 0))
        base["hdr_sysuptime"] = float(hdr.get("cflow.sysuptime", 0))
        base["domain"] = int(hdr.get("cflow.engine_type", 0)) << 8 | int(hdr.get("cflow.engine_id", 0))
        base["hdr_samplerate"] = int(hdr.get("cflow.samplerate", 0))
        base["hdr_samplingmode"] = int(hdr.get("cflow.samplingmode", 0))
    else:
        base["domain"] = int(hdr.get("cflow.source_id", hdr.get("cflow.od_id", 0)))
        if "cflow.sysuptime" in hdr:
            base["hdr_sysuptime"] = float(hdr["cflow.sysuptime"])
        if "cflow.timestamp" in hdr:
            base["export_time"] = iso(hdr["cflow.timestamp"])
    cflow_walk(layer, base, out)


def sflow_sample(kind, node, base):
    rec = dict(base)
    rec["type"] = "counters" if kind == "counters" else "flow"
    other = {}
    for k, v in flat(node):
        if v is None:
            continue
        if k == "sflow.flow_sample.sampling_rate":
            rec["sampling_rate"] = int(v)
        elif k in ("sflow.flow_sample.input_interface", "sflow_245.input_interface"):
            rec["in_if"] = int(v)
        elif k in ("sflow.flow_sample.output_interface_value",):
            rec["out_if"] = int(v)
        elif k in ("sflow.flow_sample.sequence_number", "sflow.counters_sample.sequence_number"):
            rec["seq"] = int(v)
        elif k == "sflow_245.header.frame_length":
            rec["frame_length"] = int(v)
        elif k == "sflow_245.header.payload_stripped":
            rec["payload_stripped"] = int(v)
        elif k in ("sflow_245.vlan.in",):
            rec["switch_vlan_in"] = int(v)
        elif k in SFLOW_CTR and kind == "counters":
            rec[SFLOW_CTR[k]] = num(v)
        elif k in SFLOW_HDR and kind == "flow":
            w = SFLOW_HDR[k]
            # the first (outer) header wins, as in tshark's tree order
            if w not in rec:
                rec[w] = value(w, v)
        elif k in ("sflow.flow_sample.sample_pool", "sflow.flow_sample.dropped_packets",
                   "sflow.flow_sample.index", "sflow.flow_sample.source_id_class"):
            other[k] = v
    if other:
        rec["other"] = other
    return rec


def sflow_packet(layer, base, out):
    hdr = dict(layer)
    base = dict(base, version="sflow5", exporter=hdr.get("sflow_245.agent", hdr.get("sflow_245.agent.v6")),
                domain=int(hdr.get("sflow_245.sub_agent_id", 0)),
                dgram_seq=int(hdr.get("sflow_245.sequence_number", 0)))
    for k, v in layer:
        if not isinstance(v, list):
            continue
        if k.startswith("Flow sample") or k.startswith("Expanded flow sample"):
            out.append(sflow_sample("flow", v, base))
        elif k.startswith("Counters sample") or k.startswith("Expanded counters sample"):
            out.append(sflow_sample("counters", v, base))


def main():
    frames = json.load(sys.stdin, object_pairs_hook=pairs)
    for fr in frames:
        layers = dict(dict(fr)["_source"])["layers"]
        lay = dict(layers)
        frame = dict(lay["frame"])
        base = {"frame": int(frame["frame.number"]),
                "recv_time_epoch": frame["frame.time_epoch"]}
        ipl = dict(lay.get("ip", lay.get("ipv6", [])))
        base["exporter"] = ipl.get("ip.src", ipl.get("ipv6.src"))
        out = []
        for name, layer in layers:
            if name == "cflow":
                cflow_packet(layer, base, out)
            elif name == "sflow":
                sflow_packet(layer, base, out)
        # tshark shows what it could read of a malformed packet, then stops
        malformed = "_ws.malformed" in lay
        for rec in out:
            rec.setdefault("type", "flow")
            if malformed:
                rec["malformed"] = True
            print(json.dumps(rec, sort_keys=True, separators=(",", ":")))


if __name__ == "__main__":
    main()
