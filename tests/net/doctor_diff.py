#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-2-Clause
"""doctor_diff.py - the path doctor's FIB model against the kernel.

For many random network-namespace configurations (addresses, tables,
routes incl. multipath/blackhole/unreachable/prohibit/throw, policy rules
with priorities/from/to/iif/oif/fwmark/not/goto/suppress_prefixlength,
rp_filter/src_valid_mark/accept_local/forwarding), ask `ip -j route get`
(input path with iif, including the reverse-path filter, and output path)
and `wanscope doctor route --batch` the same questions and compare:
success/failure, and on success type, table, device (any multipath
candidate), gateway and preferred source. Error texts are never compared.

usage: doctor_diff.py WANSCOPE PREFIX [CONFIGS] [QUERIES] [SEED]
"""
import concurrent.futures
import json
import random
import subprocess
import sys

W, PREFIX = sys.argv[1], sys.argv[2]
NCONF = int(sys.argv[3]) if len(sys.argv) > 3 else 220
NQ = int(sys.argv[4]) if len(sys.argv) > 4 else 30
SEED = int(sys.argv[5]) if len(sys.argv) > 5 else random.randrange(1 << 30)
rng = random.Random(SEED)
DEVS = ["d0", "d1", "d2", "d3"]
TABLES = ["main", "100", "200", "300"]


def run(args, inp=None):
    return subprocess.run(args, input=inp, capture_output=True, text=True)


def rand_host():
    k = rng.random()
    if k < 0.6:
        return "10.%d.%d.%d" % (rng.randrange(4), rng.randrange(4), rng.randrange(1, 255))
    if k < 0.75:
        return "192.168.%d.%d" % (rng.randrange(4), rng.randrange(1, 255))
    if k < 0.9:
        return "172.%d.%d.%d" % (rng.randrange(16, 32), rng.randrange(256), rng.randrange(1, 255))
    return "8.8.%d.%d" % (rng.randrange(256), rng.randrange(1, 255))


def rand_prefix():
    k = rng.random()
    a, b = rng.randrange(4), rng.randrange(4)
    if k < 0.15:
        return "default"
    if k < 0.25:
        return "10.0.0.0/8"
    if k < 0.45:
        return "10.%d.0.0/16" % a
    if k < 0.75:
        return "10.%d.%d.0/24" % (a, b)
    if k < 0.82:
        return "10.%d.%d.%d/%d" % (a, b, rng.randrange(0, 256, 16), rng.choice([28, 30]))
    if k < 0.9:
        return "192.168.%d.0/24" % a
    return "172.16.0.0/12"


def make_config(addrs):
    """Return (ip batch text, sysctl args) for one random configuration."""
    cmds = ["link set lo up"]
    for i, d in enumerate(DEVS):
        cmds.append("link add %s type veth peer name e%d" % (d, i))
        cmds.append("link set %s up" % d)
        cmds.append("link set e%d up" % i)
    # addresses: one or two per device, sometimes two devices share a subnet
    for d in DEVS:
        for _ in range(rng.choice([1, 1, 2])):
            if addrs and rng.random() < 0.15:
                a = rng.choice(addrs)[1].rsplit(".", 1)[0]
                ip = "%s.%d" % (a, rng.randrange(1, 255))
            else:
                ip = "10.%d.%d.%d" % (rng.randrange(4), rng.randrange(4), rng.randrange(1, 255))
            if any(x[1] == ip for x in addrs):
                continue
            addrs.append((d, ip))
            cmds.append("addr add %s/24 dev %s" % (ip, d))
    # routes
    for _ in range(rng.randrange(4, 16)):
        t = rng.choice(TABLES)
        p = rand_prefix()
        metric = rng.choice(["", "", " metric 10", " metric 100"])
        k = rng.random()
        if k < 0.45:
            d = rng.choice(DEVS)
            via = " via %s onlink" % rand_host() if rng.random() < 0.7 else ""
            cmds.append("route add %s%s dev %s table %s%s" % (p, via, d, t, metric))
        elif k < 0.6:
            d1, d2 = rng.sample(DEVS, 2)
            cmds.append("route add %s table %s%s nexthop via %s dev %s onlink nexthop via %s dev %s onlink weight 2"
                        % (p, t, metric, rand_host(), d1, rand_host(), d2))
        else:
            typ = rng.choice(["blackhole", "unreachable", "prohibit", "throw"])
            cmds.append("route add %s %s table %s%s" % (typ, p, t, metric))
    # rules
    prios = sorted(rng.sample(range(1, 32000), rng.randrange(0, 9)))
    for pr in prios:
        sel = []
        k = rng.random()
        if k < 0.35 and addrs:
            sel.append("from %s" % rng.choice(addrs)[1])
        elif k < 0.5:
            sel.append("from %s" % rand_prefix().replace("default", "0.0.0.0/0"))
        if rng.random() < 0.25:
            sel.append("to %s" % rand_prefix().replace("default", "0.0.0.0/0"))
        if rng.random() < 0.25:
            sel.append("iif %s" % rng.choice(DEVS + ["lo"]))
        if rng.random() < 0.08:
            sel.append("oif %s" % rng.choice(DEVS))
        if rng.random() < 0.25:
            sel.append("fwmark 0x%x/0x%x" % (rng.choice([1, 2, 3, 0x10]), rng.choice([0xff, 0x1, 0xffffffff])))
        if rng.random() < 0.1:
            sel.insert(0, "not")
        k = rng.random()
        if k < 0.6:
            act = "lookup %s" % rng.choice(TABLES + ["local", "500"])
            if rng.random() < 0.15:
                act += " suppress_prefixlength 0"
        elif k < 0.72:
            later = [x for x in prios if x > pr]
            act = "goto %d" % (rng.choice(later) if later and rng.random() < 0.8 else pr + 1)
        elif k < 0.76:
            act = "nop"
        else:
            act = rng.choice(["blackhole", "unreachable", "prohibit"])
        cmds.append("rule add %s %s priority %d" % (" ".join(sel), act, pr))
    sysctls = ["net.ipv4.conf.all.rp_filter=%d" % rng.choice([0, 0, 1, 2]),
               "net.ipv4.conf.all.forwarding=%d" % rng.choice([0, 1, 1]),
               "net.ipv4.conf.all.src_valid_mark=%d" % rng.choice([0, 0, 1]),
               "net.ipv4.conf.all.accept_local=%d" % rng.choice([0, 0, 0, 1])]
    for d in DEVS:
        sysctls.append("net.ipv4.conf.%s.rp_filter=%d" % (d, rng.choice([0, 1, 1, 2])))
        if rng.random() < 0.3:
            sysctls.append("net.ipv4.conf.%s.forwarding=%d" % (d, rng.choice([0, 1])))
        if rng.random() < 0.2:
            sysctls.append("net.ipv4.conf.%s.src_valid_mark=1" % d)
        if rng.random() < 0.1:
            sysctls.append("net.ipv4.conf.%s.accept_local=1" % d)
    return "\n".join(cmds) + "\n", sysctls


def make_queries(addrs):
    qs = []
    for _ in range(NQ):
        mark = " mark 0x%x" % rng.choice([1, 2, 3, 0x10, 0x11]) if rng.random() < 0.25 else ""
        if rng.random() < 0.6:
            k = rng.random()
            if k < 0.5 and addrs:
                dst = rng.choice(addrs)[1]
            else:
                dst = rand_host()
            src = rng.choice(addrs)[1] if addrs and rng.random() < 0.08 else rand_host()
            qs.append("%s from %s iif %s%s" % (dst, src, rng.choice(DEVS), mark))
        else:
            dst = rand_host() if rng.random() < 0.85 or not addrs else rng.choice(addrs)[1]
            frm = " from %s" % rng.choice(addrs)[1] if addrs and rng.random() < 0.5 else ""
            qs.append("%s%s%s" % (dst, frm, mark))
    return qs


def compare(q, k, m):
    """Return None when they agree, 'ambiguous', or a description."""
    kok = k is not None
    if kok != m["ok"]:
        if m.get("rp_ambiguous") or (m.get("devs") and len(m["devs"]) > 1 and " iif " in q):
            return "ambiguous"
        return "kernel %s, model %s" % ("ok" if kok else "error", "ok" if m["ok"] else "error (%s)" % m.get("why"))
    if not kok:
        return None
    ktype = k.get("type", "unicast")
    if ktype != m["type"]:
        return "type: kernel %s, model %s" % (ktype, m["type"])
    ktable = k.get("table", "main")
    if ktable != m["table"]:
        return "table: kernel %s, model %s" % (ktable, m["table"])
    kdev = k.get("dev")
    devs = m["devs"] if m["devs"] else [m["dev"]]
    if ktype in ("local", "broadcast"):
        devs = [m["dev"]]
    if kdev not in devs:
        return "dev: kernel %s, model %s" % (kdev, devs)
    if ktype == "unicast" and m["devs"]:
        i = m["devs"].index(kdev)
        gws = [g for d, g in zip(m["devs"], m["gateways"]) if d == kdev]
        if k.get("gateway") not in gws:
            return "gateway: kernel %s, model %s" % (k.get("gateway"), m["gateways"][i])
    if " from " not in q and " iif " not in q and len(m.get("devs") or []) <= 1:
        if k.get("prefsrc") != m.get("prefsrc"):
            return "prefsrc: kernel %s, model %s" % (k.get("prefsrc"), m.get("prefsrc"))
    return None


def one_config(n, batch, sysctls, qs):
    """Apply one configuration in its own namespace and ask both sides.
    Return: (queries, model answers, kernel answers) or a string error."""
    ns = "%s-d%d" % (PREFIX, n)
    if run(["ip", "netns", "add", ns]).returncode:
        return "cannot create namespaces"
    try:
        run(["ip", "-n", ns, "-force", "-batch", "-"], batch)
        run(["nsenter", "--net=/run/netns/" + ns, "sysctl", "-qw"] + sysctls)
        model = run(["nsenter", "--net=/run/netns/" + ns, W, "doctor", "route", "--json", "--batch", "-"],
                    "\n".join(qs) + "\n")
        mlines = model.stdout.splitlines()
        if model.returncode or len(mlines) != len(qs):
            return "config %d: doctor route failed: %s" % (n, model.stderr.strip())
        # One `ip -batch` for all questions; `link show lo` after each one
        # marks where its answer (one JSON line, or nothing on error) ends.
        out = run(["ip", "-n", ns, "-j", "-force", "-batch", "-"],
                  "".join("route get %s\nlink show lo\n" % q for q in qs)).stdout.splitlines()
        krs, cur = [], None
        for line in out:
            if line.startswith('[{"ifindex"'):
                krs.append(cur)
                cur = None
            else:
                cur = line
        if len(krs) != len(qs):
            return "config %d: ip -batch answered %d of %d questions" % (n, len(krs), len(qs))
        return qs, mlines, krs
    finally:
        run(["ip", "netns", "del", ns])


def main():
    total = mism = amb = inputs = rp_drops = errors = 0
    kinds = {}
    shown = 0
    configs = []
    for n in range(NCONF):
        addrs = []
        batch, sysctls = make_config(addrs)
        configs.append((n, batch, sysctls, make_queries(addrs)))
    with concurrent.futures.ThreadPoolExecutor(3) as ex:
        results = list(ex.map(lambda c: one_config(*c), configs))
    for (n, batch, sysctls, _), res in zip(configs, results):
        if isinstance(res, str):
            print(res)
            return 77 if res.startswith("cannot") else 1
        for q, ml, kr in zip(*res):
            m = json.loads(ml)
            k = json.loads(kr)[0] if kr else None
            total += 1
            if " iif " in q:
                inputs += 1
                if m.get("rp") not in (None, "pass"):
                    rp_drops += 1
            if k is None:
                errors += 1
            else:
                kind = ("input " if " iif " in q else "output ") + k.get("type", "unicast")
                kinds[kind] = kinds.get(kind, 0) + 1
            why = compare(q, k, m)
            if why == "ambiguous":
                amb += 1
            elif why:
                mism += 1
                if shown < 12:
                    shown += 1
                    print("MISMATCH config %d (seed %d): ip route get %s: %s" % (n, SEED, q, why))
                    if shown <= 3:
                        print(batch + " ".join(sysctls))
                        print("  kernel:", kr or "error")
                        print("  model: ", ml)
    print("seed %d: %d configurations, %d lookups (%d input with reverse-path check, %d rp drops by the model, "
          "%d kernel errors): %d mismatches, %d multipath-ambiguous"
          % (SEED, NCONF, total, inputs, rp_drops, errors, mism, amb))
    print("kernel successes by path and type:", json.dumps(kinds, sort_keys=True))
    if rp_drops < NCONF // 10 or errors < total // 20:
        print("too few interesting cases: the generator is broken")
        return 1
    return 1 if mism else 0


sys.exit(main())
