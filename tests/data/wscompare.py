#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-2-Clause
"""wscompare.py - compare `wanscope decode` records with tshark's (renamed)

Shared by check_decode.py and check_pmacct.py. Every known difference
between tshark's view and ours is handled here, with the reason beside it.
"""
import json
import re

MONTHS = {m: i + 1 for i, m in enumerate("Jan Feb Mar Apr May Jun Jul Aug Sep Oct Nov Dec".split())}


def iso(text):
    """tshark's 'Jan  7, 2025 05:57:55.000000000 UTC' -> ISO 8601 ms"""
    m = re.match(r"(\w{3})\s+(\d+), (\d{4}) (\d\d):(\d\d):(\d\d)\.(\d+) UTC", text)
    mon, d, y, hh, mm, ss, frac = m.groups()
    return "%s-%02d-%02dT%s:%s:%s.%sZ" % (y, MONTHS[mon], int(d), hh, mm, ss, frac[:3])

failures = []


def fail(msg):
    failures.append(msg)
    print("FAIL: " + msg)


def ms(iso):
    """'2026-01-01T00:00:19.571Z' -> epoch ms"""
    from datetime import datetime, timezone
    d = datetime.strptime(iso, "%Y-%m-%dT%H:%M:%S.%fZ").replace(tzinfo=timezone.utc)
    return round(d.timestamp() * 1000)


# Fields compared as they are: tshark's value must equal ours, and a field
# tshark shows must be present in our record.
SAME = ["src", "dst", "src_port", "dst_port", "proto", "tcp_flags", "tos", "in_if",
        "out_if", "bytes", "packets", "src_as", "dst_as", "next_hop", "bgp_next_hop",
        "src_mask", "dst_mask", "vlan", "direction", "end_reason",
        "flow_label", "src_mac", "dst_mac", "ip_version", "flows",
        "vrf_in", "vrf_out"]
COUNTERS = ["if_index", "if_type", "if_speed", "if_direction", "in_octets", "in_ucast",
            "in_mcast", "in_bcast", "in_discards", "in_errors", "in_unknown", "out_octets",
            "out_ucast", "out_mcast", "out_bcast", "out_discards", "out_errors", "promisc"]
# sFlow interface value 0x3fffffff means "the packet's interface is internal
# or unknown" (sFlow v5, section 5: ifIndex of 0x3FFFFFFF); pmacct's sfprobe
# sends it because it reads a file. tshark shows the number, we leave the
# field out (no invented interface).
SFLOW_IF_UNKNOWN = 0x3FFFFFFF


def expected_records(lines):
    """tshark's records (JSON lines), options data applied and removed."""
    recs, sampling = [], {}
    for line in lines:
        r = json.loads(line)
        if r.get("malformed"):
            # tshark stopped inside this packet (an exception) after
            # showing what it had read of the broken sample/record; we
            # reject that part and count it (tests say which errors).
            continue
        key = (r["exporter"], r.get("domain", 0))
        if r.get("options"):
            # Options data (sampling, interface names) is state, not
            # flows: wanscope applies it and prints no record for it.
            other = r.get("other", {})
            rate = (r.get("sampling_interval") or r.get("sampling_packet_interval")
                    or other.get("cflow.sampler_random_interval"))
            # Random n-out-of-N sampling (RFC 5477 selectorAlgorithm 3, as
            # Cisco IOS XR sends it): tshark shows samplingSize n and
            # samplingPopulation N; the rate is N / n.
            pop, size = other.get("cflow.sampling_population"), other.get("cflow.sampling_size")
            if pop and size and int(size):
                rate = int(pop) // int(size)
            if rate:
                sampling[key] = int(rate)
            continue
        r["_sampling"] = sampling.get(key)
        recs.append(r)
    return recs


def compare_records(name, want, got):
    """Match records in order and compare each. Return: records compared."""
    if len(got) != len(want):
        fail("%s: %d records, tshark %d" % (name, len(got), len(want)))
    for i, (e, g) in enumerate(zip(want, got)):
        t = "counters" if e["type"] == "counters" else "flow"
        where = "%s record %d (tshark frame %d)" % (name, i + 1, e["frame"])
        if g["type"] != t:
            fail("%s: type %s, tshark %s" % (where, g["type"], t))
            continue
        compare_flow(where, e, g)
    return min(len(want), len(got))


def compare_flow(where, e, g):
    # tshark gives the capture time as epoch seconds; we print ISO ms.
    want = int(float(e["recv_time_epoch"]) * 1000)
    if ms(g["recv_time"]) != want:
        fail("%s: recv_time %s, tshark %s" % (where, g["recv_time"], e["recv_time_epoch"]))
    for k in ("version", "exporter", "domain"):
        if k in e and g.get(k) != e[k]:
            fail("%s: %s %r, tshark %r" % (where, k, g.get(k), e[k]))
    if e["version"] == "sflow5":
        compare_sflow(where, e, g)
        return
    for k in SAME:
        if k in e and g.get(k) != e[k]:
            fail("%s: %s %r, tshark %r" % (where, k, g.get(k), e[k]))
    # forwardingStatus (RFC 7270): one byte, status in the two high bits
    # and a reason code below; we print the byte, tshark the status and,
    # in a field named after the status, the reason code.
    if "fwd_status" in e:
        reason = [int(v) for k, v in e.get("other", {}).items()
                  if k.startswith("cflow.forwarding_status_") and k.endswith("_code")]
        fs = g.get("fwd_status")
        if fs is None or fs >> 6 != e["fwd_status"] or (reason and fs & 63 != reason[0]):
            fail("%s: fwd_status %r, tshark status %r reason %r" % (
                where, fs, e["fwd_status"], reason))
    # samplerId (IE 48) and selectorId (IE 302) name the same thing; when
    # an exporter sends both (Huawei) we keep selectorId, tshark shows both.
    if "sampler_id" in e:
        ids = {e["sampler_id"], int(e.get("other", {}).get("cflow.selector_id", -1))}
        if g.get("sampler_id") not in ids:
            fail("%s: sampler_id %r, tshark %r" % (where, g.get("sampler_id"), ids))
    # ICMP: IPFIX/v9 send type and code as one 16-bit field (IEs 32/139,
    # type * 256 + code), which tshark shows as such.
    if "icmp_type_code" in e:
        tc = e["icmp_type_code"]
        if (g.get("icmp_type"), g.get("icmp_code")) != (tc >> 8, tc & 255):
            fail("%s: icmp %r/%r, tshark type_code %d" % (where, g.get("icmp_type"),
                                                         g.get("icmp_code"), tc))
    for k in ("time_start", "time_end"):
        if k in e and g.get(k) != e[k]:
            fail("%s: %s %r, tshark %r" % (where, k, g.get(k), e[k]))
        rel = k + "_rel"
        sys_init = e.get("other", {}).get("cflow.sys_init_time")
        if rel in e and sys_init:
            # IPFIX flowStart/EndSysUpTime (IEs 22/21) are ms since
            # systemInitTimeMilliseconds (IE 160), which tshark shows apart.
            want = ms(iso(sys_init)) + round(e[rel] * 1000)
            if k not in g or ms(g[k]) != want:
                fail("%s: %s %r, from tshark's sysInitTime view %d" % (where, k, g.get(k), want))
        elif rel in e and "hdr_unix_secs" in e:
            # NetFlow v5 times are milliseconds of exporter uptime; tshark
            # shows them relative to boot. Absolute = export time - sysuptime
            # + first/last (the header carries both clocks).
            export = e["hdr_unix_secs"] * 1000 + e["hdr_unix_nsecs"] // 1000000
            want = export - round(e["hdr_sysuptime"] * 1000) + round(e[rel] * 1000)
            if k not in g or ms(g[k]) != want:
                fail("%s: %s %r, from tshark's uptime view %d" % (where, k, g.get(k), want))
    # Sampling: v5 carries the interval in its header (0 = unsampled);
    # v9/IPFIX in options data that precedes the records.
    rate = e.get("_sampling") or 1
    if e["version"] == "nf5" and e.get("hdr_samplerate"):
        rate = e["hdr_samplerate"]
    if g.get("sampling_rate") != rate:
        fail("%s: sampling_rate %r, exporter announced %r" % (where, g.get("sampling_rate"), rate))


def compare_sflow(where, e, g):
    if e["type"] == "counters":
        for k in COUNTERS:
            if k in e and g.get(k) != e[k]:
                fail("%s: %s %r, tshark %r" % (where, k, g.get(k), e[k]))
        return
    for k in ("src", "dst", "src_port", "dst_port", "proto", "src_mac", "dst_mac",
              "ip_version", "sampling_rate", "seq", "flow_label"):
        if k in e and g.get(k) != e[k]:
            fail("%s: %s %r, tshark %r" % (where, k, g.get(k), e[k]))
    # tshark shows the IP header's DS field / traffic class and the TCP
    # flags field (12 bits with the NS/reserved bits); we keep 8 bits.
    if "tos" in e and g.get("tos") != e["tos"] & 0xFF:
        fail("%s: tos %r, tshark %r" % (where, g.get("tos"), e["tos"]))
    if "tcp_flags" in e and g.get("tcp_flags") != e["tcp_flags"] & 0xFF:
        fail("%s: tcp_flags %r, tshark %r" % (where, g.get("tcp_flags"), e["tcp_flags"]))
    # A flow sample is one sampled packet: bytes is the frame length the
    # exporter reports (sFlow's frame_length: the original frame including
    # the Ethernet header and the 4-byte FCS), packets 1.
    if g.get("bytes") != e.get("frame_length") or g.get("packets") != 1:
        fail("%s: bytes/packets %r/%r, tshark frame_length %r" % (
            where, g.get("bytes"), g.get("packets"), e.get("frame_length")))
    # The VLAN: from the sampled 802.1Q header when there is one, else the
    # extended switch record's incoming VLAN (0 = none, left out by us).
    vlan = e.get("vlan", e.get("switch_vlan_in") or None)
    if vlan is not None and g.get("vlan") != vlan:
        fail("%s: vlan %r, tshark %r" % (where, g.get("vlan"), vlan))
    for k in ("in_if", "out_if"):
        if k in e and e[k] != SFLOW_IF_UNKNOWN and g.get(k) != e[k]:
            fail("%s: %s %r, tshark %r" % (where, k, g.get(k), e[k]))
    # ICMP type/code come from the sampled header.
    for k in ("icmp_type", "icmp_code"):
        if k in e and g.get(k) != e[k]:
            fail("%s: %s %r, tshark %r" % (where, k, g.get(k), e[k]))
