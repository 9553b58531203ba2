#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-2-Clause
"""check_decode.py - `wanscope decode` against tshark, field by field

Usage: check_decode.py WANSCOPE DATADIR

For every capture in DATADIR/captures.tsv (made by DATADIR/regen from real
exporters), decode it with wanscope and compare each record with the
independent decoder's view (NAME.expect.jsonl: tshark's fields, renamed).
Records are matched in order: both decoders walk packets in capture order
and records in packet order. Every known difference between tshark's view
and ours is handled in wscompare.py, with the reason next to it. When
tshark is installed, each golden file is also derived again from its
capture, so the committed expectations are provably tshark's view. Then
the command's behaviour is checked: exit codes, limits, filters, formats,
stdin, several files sharing template state, and malformed input.
"""
import csv
import io
import json
import os
import shutil
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from wscompare import compare_records, expected_records, fail, failures  # noqa: E402

WANSCOPE, DATA = sys.argv[1], sys.argv[2]
# Errors that are the exporter's, per expectation.
EXPECTED_ERRORS = {
    # pmacct's sfprobe with an IPv6 agent address sends, in its first
    # datagram, a flow sample whose length field says 6 bytes (a sample
    # needs at least 32, and lengths are multiples of 4). The decoder
    # rejects it, steps over its 6 bytes, finds the next sample header
    # misaligned, rejects that too and gives up the datagram: two
    # bad_sample. tshark throws an exception at the same place (frame 1
    # malformed) and shows nothing of the datagram after it either.
    "pm-sflow-v6": {"bad_sample": 2},
}


def run(args, stdin=None):
    p = subprocess.run([WANSCOPE, "decode"] + args, input=stdin, capture_output=True,
                       timeout=120)
    return p.returncode, p.stdout, p.stderr.decode(errors="replace")


def decode(args, stdin=None):
    rc, out, err = run(["--stats"] + args, stdin)
    lines = [json.loads(l) for l in out.decode().splitlines()]
    stats = lines[-1] if lines and lines[-1].get("type") == "stats" else None
    return rc, [l for l in lines if l.get("type") != "stats"], stats, err


def check_capture(name, port, diss, kind, exp):
    path = os.path.join(DATA, name if name.endswith(".pcapng") else name + ".pcap")
    with open(os.path.join(DATA, exp + ".expect.jsonl")) as f:
        want = expected_records(f)
    rc, got, stats, err = decode([path])
    if rc != 0:
        fail("%s: exit %d: %s" % (name, rc, err.strip()))
        return
    compare_records(name, want, got)
    errors = {k: v for k, v in stats["decoder"]["errors"].items() if v}
    if errors != EXPECTED_ERRORS.get(exp, {}):
        fail("%s: decode errors %r, want %r" % (name, errors, EXPECTED_ERRORS.get(exp, {})))
    frag = stats["fragments"]
    if "frag" in name:
        if frag["reassembled"] == 0:
            fail("%s: no fragments reassembled" % name)
        if frag["incomplete"] != (1 if "lossy" in name else 0):
            fail("%s: %d datagrams incomplete" % (name, frag["incomplete"]))
    # Forcing the protocol by port gives the same records.
    proto = {"nf5": "nf5", "nf9": "nf9", "ipfix": "ipfix", "sflow5": "sflow"}[
        want[0]["version"]] if want else "nf9"
    rc2, got2, _, _ = decode(["--port", "%s=%s" % (port, proto), path])
    if rc2 != 0 or got2 != got:
        fail("%s: --port %s=%s changes the output" % (name, port, proto))
    print("ok %s: %d records match tshark (%s)" % (name, len(got), kind))


def check_golden(name, port, diss, exp):
    """The golden file is tshark's view, renamed: derive it again."""
    path = os.path.join(DATA, name if name.endswith(".pcapng") else name + ".pcap")
    js = subprocess.run(["tshark", "-r", path, "-d", "udp.port==%s,%s" % (port, diss),
                         "-T", "json"], capture_output=True, timeout=120).stdout
    conv = subprocess.run([sys.executable, os.path.join(DATA, "tshark2ws.py")], input=js,
                          capture_output=True, timeout=120).stdout
    with open(os.path.join(DATA, exp + ".expect.jsonl"), "rb") as f:
        if conv != f.read():
            fail("%s: tshark's view differs from %s.expect.jsonl" % (name, exp))


def check_cli():
    nf9 = os.path.join(DATA, "sf-nf9.pcap")
    with open(nf9, "rb") as f:
        cap = f.read()
    tmp = tempfile.mkdtemp()

    def expect_rc(args, want, what, stdin=None, msg=None):
        rc, out, err = run(args, stdin)
        if rc != want:
            fail("cli %s: exit %d, want %d (%s)" % (what, rc, want, err.strip()))
        if msg and msg not in err:
            fail("cli %s: stderr lacks %r: %r" % (what, msg, err))
        return out, err

    expect_rc([os.path.join(tmp, "missing.pcap")], 1, "missing file", msg="No such file")
    expect_rc([os.path.join(DATA, "captures.tsv")], 1, "not a capture",
              msg="not a pcap or pcapng capture")
    expect_rc([], 2, "no file")
    expect_rc(["--format", "xml", nf9], 2, "bad format", msg="'xml'")
    expect_rc(["--port", "x=ipfix", nf9], 2, "bad port", msg="not a number")
    expect_rc(["--port", "2055=foo", nf9], 2, "bad proto", msg="'foo'")
    expect_rc(["--exporter", "nope", nf9], 2, "bad exporter")
    expect_rc(["--limit", "-1", nf9], 2, "bad limit")
    out, _ = expect_rc(["--help"], 0, "help")
    for word in (b"--format", b"--stats", b"--port", b"--exporter", b"--limit",
                 b"Exit status", b"Examples"):
        if word not in out:
            fail("cli help lacks %r" % word)

    # A capture cut inside its 5th packet: the first 4 decode, exit 0 and
    # a warning; cut inside the file header: exit 1.
    cut = os.path.join(tmp, "cut.pcap")
    with open(cut, "wb") as f:
        off, n = 24, 0
        while n < 4:
            caplen = int.from_bytes(cap[off + 8:off + 12], "little")
            off += 16 + caplen
            n += 1
        f.write(cap[:off + 100])
    rc, got, stats, err = decode([cut])
    if rc != 0 or "cut short" not in err or stats["capture"]["packets"] != 4:
        fail("cli truncated capture: exit %d packets %s: %s" % (
            rc, stats and stats["capture"]["packets"], err))
    with open(cut, "wb") as f:
        f.write(cap[:10])
    expect_rc([cut], 1, "truncated header", msg="truncated")

    rc, full, stats, _ = decode([nf9])
    # --limit, --exporter, stdin, several files
    rc, got, _, _ = decode(["--limit", "5", nf9])
    if len(got) != 5:
        fail("cli --limit 5: %d records" % len(got))
    rc, got, st, _ = decode(["--exporter", "192.0.2.1", nf9])
    if got or st["capture"]["filtered"] != st["capture"]["udp_datagrams"]:
        fail("cli --exporter other: %d records, %r" % (len(got), st["capture"]))
    rc, got, _, _ = decode(["--exporter", "127.0.0.1", nf9])
    if got != full:
        fail("cli --exporter 127.0.0.1 differs from no filter")
    rc, got, _, _ = decode(["-"], stdin=cap)
    if got != full:
        fail("cli stdin differs from the file")
    # Split after the first packet (it carries the templates): alone, the
    # rest cannot be decoded; after the first file in the same run it can,
    # because one decoder keeps template state across files.
    first, rest = os.path.join(tmp, "first.pcap"), os.path.join(tmp, "rest.pcap")
    caplen = int.from_bytes(cap[24 + 8:24 + 12], "little")
    with open(first, "wb") as f:
        f.write(cap[:24 + 16 + caplen])
    with open(rest, "wb") as f:
        f.write(cap[:24] + cap[24 + 16 + caplen:])
    rc, got, st, _ = decode([first, rest])
    if got != full:
        fail("cli two files: %d records, one file %d" % (len(got), len(full)))
    rc, got, st, _ = decode([rest])
    if len(got) >= len(full) or not (st["decoder"]["errors"]["no_template"] or
                                     st["decoder"]["errors"]["pending_expired"]):
        fail("cli rest alone: %d records, errors %r" % (len(got), st["decoder"]["errors"]))

    # CSV and text
    rc, out, _ = run(["--format", "csv", nf9])
    rows = list(csv.DictReader(io.StringIO(out.decode())))
    if rc != 0 or len(rows) != len(full) or rows[0]["src"] != full[0]["src"]:
        fail("cli csv: %d rows" % len(rows))
    rc, out, err = run(["--format", "text", "--stats", nf9])
    if rc != 0 or len(out.splitlines()) != len(full) + 1 or "records:" not in err:
        fail("cli text: %d lines, stderr %r" % (len(out.splitlines()), err[:200]))

    # Malformed input: every packet of each capture, damaged in turn (cut
    # short with its IP/UDP lengths fixed up, or a byte overwritten). The
    # decoder must count errors, never crash, exit 0.
    damaged = os.path.join(tmp, "damaged.pcap")
    bad_total = 0
    for name in ("sf-nf5", "sf-nf9", "sf-ipfix", "pm-sflow", "pm-ipfix-sampled"):
        with open(os.path.join(DATA, name + ".pcap"), "rb") as f:
            src = f.read()
        out = bytearray(src[:24])
        off, k = 24, 0
        while off + 16 <= len(src):
            caplen = int.from_bytes(src[off + 8:off + 12], "little")
            pkt = bytearray(src[off + 16:off + 16 + caplen])
            out += src[off:off + 16] + pkt
            for variant in range(6):
                p = bytearray(pkt)
                k += 1
                if variant < 3:  # cut the payload at an odd place
                    keep = 42 + (k * 37) % max(1, len(p) - 42)
                    p = p[:keep]
                    p[16:18] = (len(p) - 14).to_bytes(2, "big")  # IPv4 total length
                    p[24:26] = (0).to_bytes(2, "big")  # IPv4 checksum (not checked)
                    p[38:40] = (len(p) - 34).to_bytes(2, "big")  # UDP length
                else:  # overwrite a payload byte
                    i = 42 + (k * 131) % max(1, len(p) - 42)
                    p[i] ^= 0xFF if variant == 3 else 0x80
                out += src[off:off + 8] + len(p).to_bytes(4, "little") * 2 + p
            off += 16 + caplen
        with open(damaged, "wb") as f:
            f.write(out)
        rc, got, st, err = decode(["--quiet", damaged])
        bad = sum(st["decoder"]["errors"].values()) if st else 0
        bad_total += bad
        if rc != 0 or st is None:
            fail("cli damaged %s: exit %d: %s" % (name, rc, err[-300:]))
        else:
            print("ok damaged %s: %d packets, %d records, %d errors counted: %s" % (
                name, st["capture"]["packets"], len(got), bad,
                {k: v for k, v in st["decoder"]["errors"].items() if v}))
    if bad_total == 0:
        fail("cli damaged captures: no decode error counted at all")


def main():
    with open(os.path.join(DATA, "captures.tsv")) as f:
        for line in f:
            if line.startswith("#") or not line.strip():
                continue
            name, port, diss, kind, exp = line.rstrip("\n").split("\t")
            check_capture(name, port, diss, kind, exp)
            if shutil.which("tshark"):
                check_golden(name, port, diss, exp)
    check_cli()
    if failures:
        print("%d failures" % len(failures))
        sys.exit(1)
    print("all decode checks passed")


if __name__ == "__main__":
    main()
