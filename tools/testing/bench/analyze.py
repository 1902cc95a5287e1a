#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0
"""Turn the guest console of `make bench` into results.json, results.md and
the gnuplot input for results.png.

    analyze.py CONSOLE.LOG OUTDIR [SECONDS]

SECONDS: how long the whole run took, for results.md.

The console carries (see guest.sh) one AABENCH-META line and blobs
(gzip + base64 between AABENCH-BLOB-BEGIN NAME / AABENCH-BLOB-END): per
repetition the fio JSON of every cell (TARGET.ENGINE.WL.ATTRS.REP.json),
the aioattr engine's report (...attr.json), the /proc/stat counters
(counters.REP), and once cryptsetup.txt, limit_dmzero.json, the
allocation and RCU counts (kcount.*.txt) and the perf profiles
(perf.*.txt).  Only the standard library is used.
"""
import base64
import bisect
import gzip
import json
import os
import re
import statistics
import sys

# The disks that complete in hard interrupt context (issue 11): aiodemo
# completion=hardirq (hd) and virtio-blk over null-co (vb), raw and under
# each crypt target (prefix + crypt, cryptnowq, iocrypt).
HARDIRQ_DISKS = {"hd": "aiodemo hardirq", "vb": "virtio-blk 2q"}
TARGETS = ["brd", "crypt", "cryptnowq", "iocrypt", "aiodemo"] + [
    d + s for d in HARDIRQ_DISKS for s in ("", "crypt", "cryptnowq", "iocrypt")] + ["ext4"]
TARGET_NAMES = {
    "ext4": "ext4 file on aiodemo 2 ms (buffered)",
    "brd": "brd (raw)",
    "crypt": "dm-crypt default",
    "cryptnowq": "dm-crypt no_r/w_workqueue",
    "iocrypt": "iocrypt",
    "aiodemo": "aiodemo 0 ns (raw)",
}
for _d, _n in HARDIRQ_DISKS.items():
    TARGET_NAMES.update({_d: f"{_n} (raw)", _d + "crypt": f"{_n}: dm-crypt default",
                         _d + "cryptnowq": f"{_n}: dm-crypt no_r/w_workqueue",
                         _d + "iocrypt": f"{_n}: iocrypt"})
ENGINES = ["libaio", "io_uring", "aioattr", "aioattrfb", "io_uringfb"]
# The buffered cells of issue 13: aioattr with max_workers=16, fio's
# posixaio engine on glibc and with LD_PRELOAD=libaioattr-posix.
POSIX_ENGINES = ["posixaio", "posixaa", "posixaaw16"]
BUF_ENGINES = ["libaio", "io_uring", "aioattr", "aioattrw16"] + POSIX_ENGINES
ALL_ENGINES = ENGINES + ["aioattrw16"] + POSIX_ENGINES
ENGINE_NAMES = {"aioattrfb": "aioattr fixedbufs=1", "io_uringfb": "io_uring fixedbufs=1",
                "aioattrnw": "aioattr submit_wait=0",
                "aioattrsq0": "aioattr sqring=0",
                "aioattrw16": "aioattr max_workers=16",
                "posixaio": "posixaio (glibc)", "posixaa": "posixaio + libaioattr-posix",
                "posixaaw16": "posixaio + libaioattr-posix, max_workers=16"}
WLS = ["rr1", "rr16", "rr16j2", "rr32", "rr128", "rw1", "rw32", "sr8", "rr1j2", "cold16",
       "warm16"]
WL_NAMES = {
    "rr1": "4k randread QD1",
    "rr32": "4k randread QD32",
    "rr128": "4k randread QD128",
    "rw1": "4k randwrite QD1",
    "rw32": "4k randwrite QD32",
    "sr8": "128k seq read QD8",
    "rr1j2": "4k randread QD1, 2 jobs",
    "rr16": "4k randread QD16",
    "rr16j2": "4k randread QD16, a job per vCPU",
    "cold16": "4k randread QD16, cold page cache",
    "warm16": "4k randread QD16, warm page cache",
}
WL_DDIR = {"rr1": "read", "rr32": "read", "rr128": "read", "rw1": "write", "rw32": "write",
           "sr8": "read", "rr1j2": "read", "rr16": "read", "rr16j2": "read", "cold16": "read",
           "warm16": "read"}
# The cells of issue 10 (fast path): devices and workloads.
FAST_TARGETS = ["brd", "aiodemo"]
FAST_WLS = ["rr1", "rr32", "rw1", "rw32"]
# Slab allocations and RCU callbacks (guest.sh's kcount window).
SLAB_EVENTS = ["kmem:kmalloc", "kmem:kmalloc_node", "kmem:kmem_cache_alloc",
               "kmem:kmem_cache_alloc_node"]
RCU_EVENTS = ["aabench:call_rcu", "aabench:kvfree_call_rcu"]
IO_EVENT = "block:block_bio_queue"


def ename(e):
    return ENGINE_NAMES.get(e, e)


def read_blobs(path):
    blobs, meta, name, buf = {}, {}, None, []
    with open(path, "rb") as f:
        for raw in f:
            line = raw.decode("latin-1").rstrip("\r\n")
            if name is not None:
                if line == "AABENCH-BLOB-END":
                    try:
                        blobs[name] = gzip.decompress(base64.b64decode("".join(buf)))
                    except Exception as e:  # a torn blob: report, go on
                        print(f"analyze: blob {name} unreadable: {e}", file=sys.stderr)
                    name, buf = None, []
                else:
                    buf.append(line.strip())
            elif line.startswith("AABENCH-BLOB-BEGIN "):
                name, buf = line.split(" ", 1)[1].strip(), []
            elif line.startswith("AABENCH-META "):
                for kv in line.split()[1:]:
                    k, _, v = kv.partition("=")
                    meta[k] = v
    return blobs, meta


def fio_json(data):
    text = data.decode("utf-8", "replace")
    i = text.find("{")
    return json.loads(text[i:]) if i >= 0 else None


def med(xs):
    xs = [x for x in xs if x is not None]
    return statistics.median(xs) if xs else None


def lines_of(path):
    """The lines of the file at PATH, none if it cannot be read."""
    try:
        with open(path) as f:
            return f.read().splitlines()
    except OSError:
        return []


def host_steal(path):
    """Percent of this machine's CPU time stolen by its hypervisor in each
    fio run's window, by run name, from run.sh's host.stat: the /proc/stat
    cpu line (user nice system idle iowait irq softirq steal ...) as the
    guest printed the run's begin and end."""
    begin, steal = {}, {}
    for line in lines_of(path):
        parts = line.split()
        if len(parts) < 10 or parts[0] not in ("begin", "end"):
            continue
        try:
            v = [int(x) for x in parts[2:10]]
        except ValueError:
            continue
        if parts[0] == "begin":
            begin[parts[1]] = v
        elif parts[1] in begin:
            d = [b - a for a, b in zip(begin.pop(parts[1]), v)]
            if sum(d) > 0:
                steal[parts[1]] = 100.0 * d[7] / sum(d)
    return steal


def insn_marks(path):
    """The instruction-counting plugin's marks (BENCH_INSN=1, run.sh's
    insn.marks): mark number -> the (user, kernel[, user blocks, kernel
    blocks[, user and kernel memory accesses, user and kernel misses of
    the TLB model]]) totals of each time it was set, in order."""
    marks = {}
    for line in lines_of(path):
        parts = line.split()
        if len(parts) in (4, 6, 10) and parts[0] == "mark":
            try:
                marks.setdefault(int(parts[1]), []).append(tuple(int(x) for x in parts[2:]))
            except ValueError:
                continue
    return marks


def insn_per_io(run, c, marks):
    """Guest instructions per I/O of a run, user and kernel, from its marks
    (mark= in its counters: the I/O phase's start, and that + 1 its end).
    A mark set more than once (over 2048 runs) tells runs apart by order
    only, and is left out."""
    if "mark" not in c or not run.get("ios"):
        return
    k = int(c["mark"])
    pre, post = marks.get(k, []), marks.get(k + 1, [])
    if len(pre) != 1 or len(post) != 1:
        return
    user = post[0][0] - pre[0][0]
    kernel = post[0][1] - pre[0][1]
    run["insn_user_per_io"] = user / run["ios"]
    run["insn_kernel_per_io"] = kernel / run["ios"]
    run["insn_per_io"] = (user + kernel) / run["ios"]
    names = ("blocks_user_per_io", "blocks_kernel_per_io", "mem_user_per_io",
             "mem_kernel_per_io", "tlbmiss_user_per_io", "tlbmiss_kernel_per_io")
    if len(pre[0]) == len(post[0]):
        for i, name in enumerate(names[:len(pre[0]) - 2]):
            run[name] = (post[0][i + 2] - pre[0][i + 2]) / run["ios"]


def insn_profile(path, blobs, runs, outpath):
    """BENCH_INSN=2: the plugin's kernel profile (instructions by block
    address, insn.profile) added up by function with the guest's
    kallsyms, per I/O of the marked runs, into OUTPATH."""
    syms = blobs.get("kallsyms.txt")
    if not syms:
        return
    table = []
    for line in syms.decode(errors="replace").splitlines():
        parts = line.split()
        if len(parts) >= 3:
            try:
                table.append((int(parts[0], 16), " ".join(parts[2:])))
            except ValueError:
                continue
    table.sort()
    addrs = [a for a, _ in table]
    by_fn = {}
    for line in lines_of(path):
        parts = line.split()
        if len(parts) != 2:
            continue
        va, n = int(parts[0], 16), int(parts[1])
        i = bisect.bisect_right(addrs, va) - 1
        name = table[i][1] if i >= 0 else "?"
        by_fn[name] = by_fn.get(name, 0) + n
    marked = [r for r in runs if r.get("insn_per_io") is not None]
    ios = sum(r["ios"] for r in marked)
    total = sum(by_fn.values())
    if not ios or not total:
        return
    cells = sorted({f"{r['target']} {r['engine']} {r['workload']} {r['attrs']}" for r in marked})
    with open(outpath, "w") as f:
        f.write(f"# kernel instructions per I/O by function over {ios} I/Os of: "
                f"{', '.join(cells)}\n")
        f.write(f"# total {total / ios:.0f} per I/O\n")
        for name, n in sorted(by_fn.items(), key=lambda kv: -kv[1])[:120]:
            f.write(f"{n / ios:9.1f} {100.0 * n / total:6.2f}%  {name}\n")


def steal_md(runs):
    xs = sorted(r["host_steal_pct"] for r in runs if "host_steal_pct" in r)
    if not xs:
        return ""
    over = sum(1 for x in xs if x > 5)
    return (f"Host steal (the `steal` of this machine's own /proc/stat, the time its "
            f"hypervisor ran something else, over each fio run): median "
            f"{statistics.median(xs):.1f}%, max {xs[-1]:.1f}%, {over} of {len(xs)} runs "
            f"above 5%.\n")


def slow_md(runs, factor=1.3):
    """The runs whose busy CPU per I/O is at least FACTOR times the lowest
    of their cell (three runs or more): the guest ran slower than in the
    cell's other repetitions - on a shared host that happens without
    steal, while the work per I/O (BENCH_INSN) stays the same."""
    cells = {}
    for r in runs:
        if r.get("cpu_us_per_io"):
            k = (r["target"], r["engine"], r["workload"], r["attrs"])
            cells.setdefault(k, []).append(r)
    slow, n = [], 0
    for k, rs in sorted(cells.items()):
        if len(rs) < 3:
            continue
        n += len(rs)
        low = min(r["cpu_us_per_io"] for r in rs)
        for r in rs:
            x = r["cpu_us_per_io"] / low
            if x >= factor:
                slow.append(f"{' '.join(k)} rep {r['rep']} ({x:.1f}x)")
    if not n:
        return ""
    listed = "; ".join(slow[:12])
    if len(slow) > 12:
        listed += f"; and {len(slow) - 12} more (results.json: cpu_us_per_io per run)"
    return (f"Slow repetitions (busy CPU per I/O at least {factor}x the lowest of the "
            f"same cell - the guest running slower, not doing more): {len(slow)} of {n} "
            f"runs{': ' + listed if slow else ''}.\n")


def parse_runs(blobs, meta, steal, marks):
    user_hz = float(meta.get("user_hz") or 100)
    counters = {}
    for name, data in blobs.items():
        if name.startswith("counters."):
            for line in data.decode().splitlines():
                parts = line.split()
                if not parts:
                    continue
                kv = dict(p.split("=", 1) for p in parts[1:] if "=" in p)
                counters[parts[0]] = kv
    runs = []
    for name, data in blobs.items():
        m = re.fullmatch(r"(\w+)\.(\w+)\.(\w+)\.(\w+)\.(\d+)\.json", name)
        if not m:
            continue
        t, e, wl, at, rep = m.groups()
        key = f"{t}.{e}.{wl}.{at}.{rep}"
        run = {"target": t, "engine": e, "workload": wl, "attrs": at, "rep": int(rep)}
        if key in steal:
            run["host_steal_pct"] = steal[key]
        try:
            j = fio_json(data)
            job = j["jobs"][0]
            d = job[WL_DDIR[wl]]
            pct = d["lat_ns"].get("percentile", {})
            spct = d.get("slat_ns", {}).get("percentile", {})
            if spct:
                run.update(slat_mean_us=d["slat_ns"]["mean"] / 1000.0,
                           slat_p50_us=(spct.get("50.000000") or 0) / 1000.0,
                           slat_p99_us=(spct.get("99.000000") or 0) / 1000.0)
            run.update(
                iops=d["iops"],
                bw_mib=d["bw_bytes"] / 1048576.0,
                lat_mean_us=d["lat_ns"]["mean"] / 1000.0,
                lat_p99_us=(pct.get("99.000000") or 0) / 1000.0 or None,
                ios=d["total_ios"],
                runtime_ms=d["runtime"],
                usr_cpu=job.get("usr_cpu"),
                sys_cpu=job.get("sys_cpu"),
                error=job.get("error", 0),
            )
        except Exception as ex:
            run["parse_error"] = str(ex)
        c = counters.get(key, {})
        # ctxt and intr of the I/O phase (fio's exec_prerun to
        # exec_postrun) where there, else of the whole fio process.
        w = "w" if "wctxt" in c else ""
        if "ctxt" in c and run.get("ios"):
            run["ctxt"] = int(c[w + "ctxt"])
            run["intr"] = int(c[w + "intr"])
            run["ctxt_per_io"] = run["ctxt"] / run["ios"]
            run["intr_per_io"] = run["intr"] / run["ios"]
            run["ctxt_window"] = "io" if w else "process"
        # /dev/aio_attr submissions and the buffered disk's reads per I/O
        if run.get("ios"):
            for f, n in (("aasub", "aasub_per_io"), ("devrd", "devrd_per_io")):
                if f in c:
                    run[n] = int(c[f]) / run["ios"]
        # The job's own user and system time per I/O (fio's getrusage
        # percentages of its runtime): the engine's user-space share.
        if run.get("ios") and run.get("usr_cpu") is not None and run.get("runtime_ms"):
            job_us = run["runtime_ms"] * 1000.0 / run["ios"]
            run["usr_us_per_io"] = run["usr_cpu"] / 100.0 * job_us
            run["sys_us_per_io"] = (run.get("sys_cpu") or 0) / 100.0 * job_us
        insn_per_io(run, c, marks)
        if "wbusy" in c and run.get("ios") and int(c["wbusy"]) > 0:
            busy = int(c["wbusy"]) / user_hz
            run["busy_cpu_s"] = busy
            run["cpu_us_per_io"] = 1e6 * busy / run["ios"]
            run["iops_per_cpu_s"] = run["ios"] / busy
        aj = blobs.get(f"{key}.attr.json")
        if aj:
            try:
                run["aioattr_report"] = fio_json(aj)
            except Exception:
                pass
        # COMPLETION_CTX of every job's report (one per job with numjobs > 1)
        reps = [aj] + [v for k, v in blobs.items() if k.startswith(f"{key}.attr.json.")]
        ctx = {"handled": 0, "softirq": 0, "hop": 0, "inline": 0, "worker": 0}
        pc = {"handled": 0, "hit": 0, "miss": 0, "partial": 0}
        for data in filter(None, reps):
            try:
                j = fio_json(data)
            except Exception:
                continue
            for acc, name in ((ctx, "completion_ctx"), (pc, "pagecache")):
                c = find_key(j, name) or {}
                for f in acc:
                    acc[f] += int(c.get(f, 0))
        if ctx["handled"]:
            for f in ("softirq", "hop", "inline", "worker"):
                run[f + "_pct"] = 100.0 * ctx[f] / ctx["handled"]
        # PAGECACHE (buffered reads): hit / miss / partial shares
        if pc["handled"]:
            for f in ("hit", "miss", "partial"):
                run["pc_" + f + "_pct"] = 100.0 * pc[f] / pc["handled"]
        runs.append(run)
    return runs


def find_key(d, name):
    """The first value of key NAME anywhere in the JSON value D."""
    if isinstance(d, dict):
        if name in d:
            return d[name]
        vals = d.values()
    elif isinstance(d, list):
        vals = d
    else:
        return None
    for v in vals:
        r = find_key(v, name)
        if r is not None:
            return r
    return None


def summarize(runs):
    cells = {}
    for r in runs:
        if "iops" not in r:
            continue
        k = (r["target"], r["engine"], r["workload"], r["attrs"])
        cells.setdefault(k, []).append(r)
    out = {}
    for k, rs in cells.items():
        rs.sort(key=lambda r: r["rep"])
        iops = [r["iops"] for r in rs]
        m = med(iops)
        out[k] = {
            "target": k[0], "engine": k[1], "workload": k[2], "attrs": k[3],
            "reps": len(rs),
            "iops": m,
            "iops_by_rep": iops,
            "rep_numbers": [r["rep"] for r in rs],
            "cpu_us_per_io": med([r.get("cpu_us_per_io") for r in rs]),
            "cpu_us_by_rep": [r.get("cpu_us_per_io") for r in rs],
            "insn_by_rep": [r.get("insn_per_io") for r in rs],
            "iops_per_cpu_s": med([r.get("iops_per_cpu_s") for r in rs]),
            "spread_pct": 100.0 * (max(iops) - min(iops)) / m if m else None,
            "bw_mib": med([r["bw_mib"] for r in rs]),
            "lat_mean_us": med([r["lat_mean_us"] for r in rs]),
            "lat_p99_us": med([r.get("lat_p99_us") for r in rs]),
            "ctxt_per_io": med([r.get("ctxt_per_io") for r in rs]),
            "intr_per_io": med([r.get("intr_per_io") for r in rs]),
            "softirq_pct": med([r.get("softirq_pct") for r in rs]),
            "hop_pct": med([r.get("hop_pct") for r in rs]),
        }
        for f in ("usr_us_per_io", "sys_us_per_io",
                  "insn_per_io", "insn_user_per_io", "insn_kernel_per_io",
                  "blocks_user_per_io", "blocks_kernel_per_io", "mem_user_per_io",
                  "mem_kernel_per_io", "tlbmiss_user_per_io", "tlbmiss_kernel_per_io",
                  "slat_mean_us", "slat_p50_us", "slat_p99_us", "aasub_per_io", "devrd_per_io",
                  "inline_pct", "worker_pct", "pc_hit_pct", "pc_miss_pct", "pc_partial_pct"):
            out[k][f] = med([r.get(f) for r in rs])
    return out


def ratio(cells, a, b, field="iops"):
    """Ratio a/b of the medians of a field (iops, cpu_us_per_io or
    insn_per_io) over the
    repetitions both cells ran (a fast-path cell runs more than the
    others), and the min..max of per-repetition ratios (repetition i of a
    against repetition i of b: they ran in the same round, next to each
    other in time)."""
    ca, cb = cells.get(a), cells.get(b)
    if not ca or not cb:
        return None
    by = {"iops": "iops_by_rep", "cpu_us_per_io": "cpu_us_by_rep",
          "insn_per_io": "insn_by_rep"}[field]
    xa = {n: x for n, x in zip(ca["rep_numbers"], ca[by]) if x}
    xb = {n: x for n, x in zip(cb["rep_numbers"], cb[by]) if x}
    both = [n for n in xa if n in xb]
    if not both:
        return None
    per = [xa[n] / xb[n] for n in both]
    return {"ratio": med([xa[n] for n in both]) / med([xb[n] for n in both]),
            "rep_min": min(per), "rep_max": max(per), "reps": len(both)}


def kcounts(blobs):
    """The kcount runs (perf stat -a -I 250 around fio): per (target,
    engine, workload) the counts summed over the intervals of the I/O
    phase - those with at least half the I/Os of the median interval that
    has any, less the first and the last (fio starting and stopping) - and
    per I/O; under "idle" the idle guest's counts per second."""
    out = {}
    idle = blobs.get("kcount.idle.txt")
    if idle:
        # The idle guest: every interval, per second.
        ev, n = {}, set()
        for line in idle.decode("utf-8", "replace").splitlines():
            f = [x.strip() for x in line.split(",")]
            if not line.startswith("#") and len(f) >= 4 and re.fullmatch(r"\d+", f[1]):
                ev[f[3]] = ev.get(f[3], 0) + int(f[1])
                n.add(f[0])
        if n:
            secs = 0.25 * len(n)
            out["idle"] = {"per_s": {k: v / secs for k, v in ev.items()}, "seconds": secs}
    for name, data in blobs.items():
        m = re.fullmatch(r"kcount\.(\w+)\.(\w+)\.(\w+)\.(\w+)\.txt", name)
        if not m:
            continue
        t, e, wl, _ = m.groups()
        iv, rc, errors, hist, h = {}, None, [], {}, None
        for line in data.decode("utf-8", "replace").splitlines():
            if line.startswith("## rc "):
                rc = int(line.split()[2])
            elif line.startswith("## err "):
                errors.append(line[7:].strip()[:120])
            elif line.startswith("## hist "):
                h = line.split()[2].replace("/", ":")
                hist[h] = []
            elif line.startswith("{") and h:
                # { call_site: [ffffffff8123] mempool_alloc+0x12 } hitcount: 42
                m2 = re.match(r"\{\s*\w+:\s*(?:\[[0-9a-f]+\]\s*)?(\S+).*hitcount:\s*(\d+)",
                              line)
                if m2:
                    hist[h].append((m2.group(1), int(m2.group(2))))
            elif line.startswith("#") or not line.strip():
                continue
            else:
                f = [x.strip() for x in line.split(",")]
                if len(f) < 4:
                    continue
                if re.fullmatch(r"\d+", f[1]):
                    iv.setdefault(float(f[0]), {})[f[3]] = int(f[1])
                elif ":" in f[3] and f"{f[3]}: {f[1]}" not in errors:
                    errors.append(f"{f[3]}: {f[1]}")
        times = sorted(iv)
        io = [iv[x].get(IO_EVENT, 0) for x in times]
        mid = med([n for n in io if n > 0]) or 0
        busy = [x for x, n in zip(times, io) if mid and n >= mid / 2]
        keep = busy[1:-1]
        ev = {}
        for x in keep:
            for k, v in iv[x].items():
                ev[k] = ev.get(k, 0) + v
        ios = ev.get(IO_EVENT)
        all_ios = sum(io)
        k = {"target": t, "engine": e, "workload": wl, "events": ev, "ios": ios,
             "intervals": len(keep), "interval_s": 0.25, "perf_rc": rc, "errors": errors[:6],
             "hist": hist}
        if ios:
            slab = [x for x in SLAB_EVENTS if x in ev]
            rcu = [x for x in RCU_EVENTS if x in ev]
            k["slab_per_io"] = sum(ev[x] for x in slab) / ios if slab else None
            k["rcu_per_io"] = sum(ev[x] for x in rcu) / ios if rcu else None
            k["per_io"] = {x: ev[x] / ios for x in ev if x != IO_EVENT}
        if all_ios:
            k["hist_per_io"] = {x: [(sym, n / all_ios) for sym, n in v] for x, v in hist.items()}
        out[(t, e, wl)] = k
    return out


def crypto_limit(blobs):
    lim = {}
    txt = blobs.get("cryptsetup.txt")
    if txt:
        for line in txt.decode().splitlines():
            m = re.match(r"\s*aes-xts\s+(\d+)b\s+([\d.]+)\s+MiB/s\s+([\d.]+)\s+MiB/s", line)
            if m:
                lim["cryptsetup"] = {"key_bits": int(m.group(1)),
                                     "encrypt_mib_s": float(m.group(2)),
                                     "decrypt_mib_s": float(m.group(3))}
    z = blobs.get("limit_dmzero.json")
    if z:
        try:
            d = fio_json(z)["jobs"][0]["read"]
            lim["dmcrypt_over_zero"] = {"read_mib_s": d["bw_bytes"] / 1048576.0}
        except Exception:
            pass
    if "cryptsetup" in lim:
        lim["used"] = "cryptsetup benchmark -c aes-xts-plain64 -s 512 (decryption)"
        lim["mib_s"] = lim["cryptsetup"]["decrypt_mib_s"]
    elif "dmcrypt_over_zero" in lim:
        lim["used"] = "dm-crypt (inline) over dm-zero, 128k psync reads"
        lim["mib_s"] = lim["dmcrypt_over_zero"]["read_mib_s"]
    return lim


def fmt(x, nd=2):
    if x is None:
        return "n/a"
    if isinstance(x, float):
        if abs(x) >= 1000:
            return f"{x:,.0f}"
        if abs(x) >= 100:
            return f"{x:.0f}"
        return f"{x:.{nd}f}"
    return str(x)


def fr(r):
    if not r:
        return "n/a"
    if r["rep_min"] is None:
        return f"{r['ratio']:.2f}"
    return f"{r['ratio']:.2f} ({r['rep_min']:.2f}-{r['rep_max']:.2f})"


def key(t, e, wl, at="all"):
    return (t, e, wl, at)


def flat(cells, t, e):
    """Busy CPU per I/O at QD32 and QD128 against QD1 (4k randread)."""
    return (ratio(cells, key(t, e, "rr32"), key(t, e, "rr1"), "cpu_us_per_io"),
            ratio(cells, key(t, e, "rr128"), key(t, e, "rr1"), "cpu_us_per_io"))


def targets(cells, lim, kc):
    res = []

    def add(issue, name, figure, thr, ok, note=""):
        res.append({"issue": issue, "target": name, "figure": figure, "threshold": thr,
                    "met": ok, "note": note})

    # ---- issue 10: fast path ----
    for t in FAST_TARGETS:
        for wl in FAST_WLS:
            for other, thr in (("libaio", 1.0), ("io_uring", 0.95)):
                r = ratio(cells, key(t, "aioattr", wl), key(t, other, wl))
                add(10, f"aioattr vs {other} on {TARGET_NAMES[t]}, {WL_NAMES[wl]} (IOPS)",
                    fr(r), f">= {thr:.2f}x", r is not None and r["ratio"] >= thr)
    for t in FAST_TARGETS:
        for wl in ("rr1", "rw1"):
            r = ratio(cells, key(t, "aioattr", wl), key(t, "io_uring", wl))
            add(10, f"stretch: aioattr vs io_uring on {TARGET_NAMES[t]}, {WL_NAMES[wl]} (IOPS)",
                fr(r), ">= 1.00x", r is not None and r["ratio"] >= 1.0)
    for t in FAST_TARGETS + ["iocrypt"]:
        for wl in FAST_WLS:
            r = ratio(cells, key(t, "aioattr", wl, "all"), key(t, "aioattr", wl, "none"))
            cost = None if r is None else 100.0 * (1.0 - r["ratio"])
            per = "" if r is None or r["rep_min"] is None else \
                f" (per rep {100 * (1 - r['rep_max']):.1f}..{100 * (1 - r['rep_min']):.1f}%)"
            add(10, f"all attributes vs none, aioattr on {TARGET_NAMES[t]}, {WL_NAMES[wl]} "
                "(IOPS cost)", "n/a" if cost is None else f"{cost:.1f}%{per}",
                "<= 3%", cost is not None and cost <= 3.0)
    for wl in ("rr1", "rr32"):
        k = kc.get(("brd", "aioattr", wl), {})
        ref = kc.get(("brd", "io_uring", wl), {})
        for what, field in (("slab allocations", "slab_per_io"), ("RCU callbacks", "rcu_per_io")):
            v = k.get(field)
            add(10, f"{what} per I/O, aioattr on brd, {WL_NAMES[wl]} (steady state)",
                fmt(v, 3), "<= 0.05 (~0: the idle guest's own)", v is not None and v <= 0.05,
                f"io_uring: {fmt(ref.get(field), 3)}")
            r = ref.get(field)
            d = None if v is None or r is None else v - r
            if field == "slab_per_io":
                add(10, f"{what} per I/O above io_uring's, aioattr on brd, {WL_NAMES[wl]}",
                    fmt(d, 3), "<= 0.01", d is not None and d <= 0.01,
                    "io_uring's are the block layer's (its bio): any engine pays them")
    for t in FAST_TARGETS:
        r32, r128 = flat(cells, t, "aioattr")
        worst = None if r32 is None or r128 is None else max(r32["ratio"], r128["ratio"])
        add(10, f"busy CPU per I/O at QD32 and QD128 vs QD1, aioattr on {TARGET_NAMES[t]}, "
            "4k randread", f"{fr(r32)}; {fr(r128)}", "<= 1.15x",
            worst is not None and worst <= 1.15)
    r = ratio(cells, key("brd", "aioattr", "rr1j2"), key("brd", "aioattr", "rr1"))
    add(10, "two jobs (a context each) vs one, aioattr on brd, 4k randread QD1 (IOPS)",
        fr(r), ">= 1.70x", r is not None and r["ratio"] >= 1.7)

    # ---- issue 6: iocrypt ----
    r = ratio(cells, key("iocrypt", "libaio", "rr1"), key("crypt", "libaio", "rr1"))
    add(6, "iocrypt 4k randread QD1 libaio vs dm-crypt default (IOPS)",
        fr(r), ">= 1.5x", r is not None and r["ratio"] >= 1.5)
    r = ratio(cells, key("iocrypt", "libaio", "rr1"), key("cryptnowq", "libaio", "rr1"))
    add(6, "iocrypt 4k randread QD1 libaio vs dm-crypt no_workqueue (IOPS)",
        fr(r), ">= 1.0x", r is not None and r["ratio"] >= 1.0)
    c = cells.get(key("iocrypt", "libaio", "rr1"), {}).get("ctxt_per_io")
    add(6, "iocrypt 4k randread QD1 libaio context switches per I/O",
        fmt(c, 3), "<= 0.1", c is not None and c <= 0.1)
    worst = None
    for wl in ("rr1", "rr32"):
        v = cells.get(key("iocrypt", "io_uring", wl), {}).get("ctxt_per_io")
        if v is not None:
            worst = v if worst is None else max(worst, v)
    ref = cells.get(key("cryptnowq", "io_uring", "rr1"), {}).get("ctxt_per_io")
    add(6, "iocrypt via io_uring: no io-wq punt (max ctxt/IO of randread QD1, QD32)",
        fmt(worst, 3), "<= 0.1 (a punt costs ~2-4)",
        worst is not None and worst <= 0.1,
        f"dm-crypt no_workqueue via io_uring QD1: {fmt(ref, 2)} ctxt/IO")
    lm = lim.get("mib_s")
    for e in ENGINES[:3]:
        bw = cells.get(key("iocrypt", e, "sr8"), {}).get("bw_mib")
        share = None if not lm or bw is None else bw / lm
        add(6, f"iocrypt 128k seq read QD8 ({e}) vs in-guest AES-XTS",
            "n/a" if share is None else f"{bw:.1f} MiB/s = {100 * share:.0f}% of {lm:.1f}",
            ">= 85%", share is not None and share >= 0.85,
            "" if e == "libaio" else "reported; the target is judged on libaio")
    hardirq_targets(cells, lim, add)
    buffered_checks(cells, add)
    return res


def buffered_checks(cells, add):
    """Issue 13: that the buffered cells measured what they claim (a cold
    cache misses, a warm one hits, the preloaded library went through
    /dev/aio_attr), and aioattr's submission latency with a cold cache."""
    for e in BUF_ENGINES:
        c = cells.get(key("ext4", e, "cold16"))
        if c:
            v = c.get("devrd_per_io")
            add(13, f"cold cache, {ename(e)}: disk reads per I/O", fmt(v, 3),
                ">= 0.9 (every read missed)", v is not None and v >= 0.9)
        c = cells.get(key("ext4", e, "warm16"))
        if c:
            v = c.get("devrd_per_io")
            add(13, f"warm cache, {ename(e)}: disk reads per I/O", fmt(v, 3),
                "<= 0.01 (every read hit)", v is not None and v <= 0.01)
    for e in ("aioattr", "aioattrw16"):
        c = cells.get(key("ext4", e, "cold16"))
        if c:
            m, w = c.get("pc_miss_pct"), c.get("worker_pct")
            add(13, f"cold cache, {ename(e)}: PAGECACHE miss / COMPLETION_CTX worker",
                f"{fmt(m, 1)}% / {fmt(w, 1)}%", ">= 95% / >= 95%",
                m is not None and w is not None and m >= 95 and w >= 95)
            p99 = c.get("slat_p99_us")
            lib = cells.get(key("ext4", "libaio", "cold16"), {}).get("slat_p50_us")
            add(13, f"cold cache, {ename(e)}: submission latency p99 (fio slat)",
                f"{fmt(p99, 1)} us (p50 {fmt(c.get('slat_p50_us'), 1)} us)",
                "< 100 us (a miss costs 2000; a busy host's steal counts too)",
                p99 is not None and p99 < 100, f"libaio's p50: {fmt(lib, 0)} us")
    c = cells.get(key("ext4", "aioattr", "warm16"))
    if c:
        h, i = c.get("pc_hit_pct"), c.get("inline_pct")
        add(13, "warm cache, aioattr: PAGECACHE hit / COMPLETION_CTX inline",
            f"{fmt(h, 1)}% / {fmt(i, 1)}%", ">= 99% / >= 99%",
            h is not None and i is not None and h >= 99 and i >= 99)
    for t, wl in (("brd", "rr16"), ("ext4", "cold16"), ("ext4", "warm16")):
        for e in POSIX_ENGINES:
            c = cells.get(key(t, e, wl))
            if not c:
                continue
            v = c.get("aasub_per_io")
            if e == "posixaio":
                add(13, f"{TARGET_NAMES[t]}, {WL_NAMES[wl]}, {ename(e)}: /dev/aio_attr "
                    "submissions per I/O", fmt(v, 3), "0 (glibc's threads)", v == 0)
            else:
                add(13, f"{TARGET_NAMES[t]}, {WL_NAMES[wl]}, {ename(e)}: /dev/aio_attr "
                    "submissions per I/O", fmt(v, 3), ">= 1", v is not None and v >= 1)


def hardirq_targets(cells, lim, add):
    """Issue 11: iocrypt over the disks that complete in hardirq."""
    lm = lim.get("mib_s")
    for d, dn in HARDIRQ_DISKS.items():
        io, raw = d + "iocrypt", d
        if key(io, "libaio", "rr1") not in cells:
            continue
        for wl, need in (("rr1", 99.0), ("rr16j2", 95.0)):
            c = cells.get(key(io, "aioattr", wl), {})
            p = c.get("softirq_pct")
            add(11, f"{dn}, {WL_NAMES[wl]}: iocrypt reads posted from softirq (aioattr)",
                "n/a" if p is None else f"{p:.1f}% (thread hop {fmt(c.get('hop_pct'), 1)}%)",
                f">= {need:.0f}%", p is not None and p >= need)
            a = cells.get(key(io, "libaio", wl), {}).get("ctxt_per_io")
            b = cells.get(key(raw, "libaio", wl), {}).get("ctxt_per_io")
            add(11, f"{dn}, {WL_NAMES[wl]}: iocrypt ctxt/IO over the raw disk's (libaio)",
                "n/a" if a is None or b is None else f"{a:.3f} vs {b:.3f} (+{a - b:.3f})",
                "<= +0.1", a is not None and b is not None and a - b <= 0.1)
        for wl, need in (("rr1", 1.2), ("rr16j2", 1.1), ("rr16", 1.0)):
            r = ratio(cells, key(io, "libaio", wl), key(d + "cryptnowq", "libaio", wl))
            add(11, f"{dn}, {WL_NAMES[wl]}: iocrypt / dm-crypt no_read_workqueue IOPS (libaio)",
                fr(r), f">= {need}", r is not None and r["ratio"] >= need)
        for wl in ("rr1", "rr16", "rr16j2", "sr8"):
            r = ratio(cells, key(io, "libaio", wl), key(d + "crypt", "libaio", wl))
            add(11, f"{dn}, {WL_NAMES[wl]}: iocrypt / dm-crypt default IOPS (libaio)",
                fr(r), ">= 2", r is not None and r["ratio"] >= 2)
        bw = cells.get(key(io, "libaio", "sr8"), {}).get("bw_mib")
        share = None if not lm or bw is None else bw / lm
        add(11, f"{dn}, 128k seq read QD8: iocrypt vs in-guest AES-XTS (libaio)",
            "n/a" if share is None else f"{bw:.1f} MiB/s = {100 * share:.0f}% of {lm:.1f}",
            ">= 85%", share is not None and share >= 0.85)


def us(c, f):
    return fmt((c or {}).get(f), 1)


def buffered_md(L, cells, meta):
    """Issue 13: buffered reads with a cold and a warm page cache, and
    fio's posixaio engine on glibc and on libaioattr-posix."""
    if not any(k[0] == "ext4" or k[1] in POSIX_ENGINES for k in cells):
        return
    L.append("## Buffered reads and POSIX AIO (issue 13)\n")
    mb, ns = meta.get("bfile_mb", "?"), meta.get("bmiss_ns", "?")
    ms = f"{int(ns) / 1e6:g} ms" if ns.isdigit() else "?"
    L.append(f"A {mb} MiB file on ext4 on an aiodemo disk whose every access takes {ms}; "
             "4k random reads QD16, buffered; cold: `drop_caches` before the run, fio's random "
             "map (no block twice in a run); warm: the whole file read before the run.  "
             f"max_workers {meta.get('max_workers', '?')} (the default) unless the engine says "
             "16.  Medians; ratios of the medians (min-max of the per-repetition ratios).  "
             "slat: fio's submission latency (the io_submit, io_uring_enter, AIO_ATTR_IOC_SUBMIT "
             "- the engine with submit_wait=0 - or aio_read call); disk reads per I/O from the disk's /sys/block stat; PAGECACHE "
             "and COMPLETION_CTX from the aioattr engine's report.\n")
    table(L, ["cache", "engine", "IOPS", "vs libaio", "vs io_uring", "slat p50 / p99 us",
              "lat p99 us", "ctxt/IO", "CPU us/IO", "disk reads/IO", "PAGECACHE hit / miss",
              "CTX inline / worker"])
    for wl in ("cold16", "warm16"):
        for e in BUF_ENGINES:
            c = cells.get(key("ext4", e, wl))
            if not c:
                continue
            pc = ctx = "-"
            if c.get("pc_hit_pct") is not None:
                pc = f"{c['pc_hit_pct']:.1f}% / {c['pc_miss_pct']:.1f}%"
            if c.get("inline_pct") is not None:
                ctx = f"{c['inline_pct']:.1f}% / {c['worker_pct']:.1f}%"
            L.append(f"| {wl[:4]} | {ename(e)} | {fmt(c['iops'])} | "
                     f"{fr(ratio(cells, key('ext4', e, wl), key('ext4', 'libaio', wl)))} | "
                     f"{fr(ratio(cells, key('ext4', e, wl), key('ext4', 'io_uring', wl)))} | "
                     f"{us(c, 'slat_p50_us')} / {us(c, 'slat_p99_us')} | "
                     f"{us(c, 'lat_p99_us')} | {fmt(c['ctxt_per_io'], 3)} | "
                     f"{us(c, 'cpu_us_per_io')} | {fmt(c.get('devrd_per_io'), 3)} | {pc} | "
                     f"{ctx} |")
    L.append("")
    L.append("fio's posixaio engine (QD16, 4k randread): glibc's POSIX AIO (user threads) "
             "against `LD_PRELOAD=libaioattr-posix.so` (/dev/aio_attr), on brd with O_DIRECT "
             "and on the buffered file.\n")
    table(L, ["target", "workload", "engine", "IOPS", "vs glibc", "vs libaio", "vs io_uring",
              "slat p50 / p99 us", "ctxt/IO", "CPU us/IO", "aio_attr submits/IO"])
    for t, wl in (("brd", "rr16"), ("ext4", "cold16"), ("ext4", "warm16")):
        for e in POSIX_ENGINES:
            c = cells.get(key(t, e, wl))
            if not c:
                continue
            a = key(t, e, wl)
            L.append(f"| {TARGET_NAMES[t]} | {WL_NAMES[wl]} | {ename(e)} | {fmt(c['iops'])} | "
                     f"{fr(ratio(cells, a, key(t, 'posixaio', wl)))} | "
                     f"{fr(ratio(cells, a, key(t, 'libaio', wl)))} | "
                     f"{fr(ratio(cells, a, key(t, 'io_uring', wl)))} | "
                     f"{us(c, 'slat_p50_us')} / {us(c, 'slat_p99_us')} | "
                     f"{fmt(c['ctxt_per_io'], 3)} | {us(c, 'cpu_us_per_io')} | "
                     f"{fmt(c.get('aasub_per_io'), 3)} |")
    L.append("")


def hardirq_md(L, cells):
    """Side by side over the hardirq disks: IOPS / ctxt per I/O."""
    L.append("## Disks that complete in hardirq (issue 11)\n")
    L.append("IOPS (MiB/s for 128k) / context switches per I/O, medians; iocrypt's "
             "COMPLETION_CTX from the aioattr engine: share posted from softirq / share "
             "with a thread hop.\n")
    table(L, ["disk", "workload", "engine", "raw", "dm-crypt default",
              "dm-crypt no_workqueue", "iocrypt", "iocrypt softirq / hop"])
    for d, dn in HARDIRQ_DISKS.items():
        for wl in ("rr1", "rr16", "rr16j2", "sr8"):
            for e in ("libaio", "io_uring", "aioattr"):
                if key(d + "iocrypt", e, wl) not in cells:
                    continue
                c = cells.get(key(d + "iocrypt", e, wl), {})
                ctx = ("-" if c.get("softirq_pct") is None else
                       f"{c['softirq_pct']:.1f}% / {c['hop_pct']:.1f}%")
                row = [hardirq_cell(cells.get(key(t, e, wl)), wl)
                       for t in (d, d + "crypt", d + "cryptnowq", d + "iocrypt")]
                L.append(f"| {dn} | {WL_NAMES[wl]} | {e} | " + " | ".join(row) + f" | {ctx} |")
    L.append("")


def hardirq_cell(c, wl):
    if not c:
        return "n/a"
    v = f"{fmt(c['bw_mib'], 1)} MiB/s" if wl == "sr8" else fmt(c["iops"])
    return f"{v} / {fmt(c['ctxt_per_io'], 3)}"


def target_table(L, tg, issue):
    table(L, ["target", "figure", "threshold", "met"])
    for t in tg:
        if t["issue"] != issue:
            continue
        note = f" - {t['note']}" if t["note"] else ""
        L.append(f"| {t['target']}{note} | {t['figure']} | {t['threshold']} | "
                 f"{'**met**' if t['met'] else '**not met**'} |")
    L.append("")


def table(L, head):
    """A markdown table's head row and rule."""
    L.append("| " + " | ".join(head) + " |")
    L.append("|" + " --- |" * len(head))


def cpu(c):
    """Busy CPU us per I/O (IOPS per busy CPU-second) of a cell."""
    if not c or c.get("cpu_us_per_io") is None:
        return "n/a"
    return f"{c['cpu_us_per_io']:.1f} ({c['iops_per_cpu_s'] / 1000:.1f}k)"


def usys(c):
    """The job's user / system microseconds per I/O of a cell."""
    if not c or c.get("usr_us_per_io") is None:
        return "n/a"
    return f"{c['usr_us_per_io']:.1f} / {c['sys_us_per_io']:.1f}"


def insn(c):
    """Guest instructions per I/O of a cell, user + kernel, in thousands."""
    if not c or c.get("insn_per_io") is None:
        return "n/a"
    return (f"{c['insn_user_per_io'] / 1000:.1f} + {c['insn_kernel_per_io'] / 1000:.1f} "
            f"= {c['insn_per_io'] / 1000:.1f}k")


def blocks(c):
    """Translation blocks the guest ran per I/O of a cell, user + kernel."""
    if not c or c.get("blocks_user_per_io") is None:
        return "n/a"
    u, k = c["blocks_user_per_io"], c["blocks_kernel_per_io"]
    return f"{u:.0f} + {k:.0f} = {u + k:.0f}"


def mem(c):
    """Memory accesses and TLB-model misses per I/O of a cell, user + kernel."""
    if not c or c.get("mem_user_per_io") is None:
        return "n/a"
    return (f"{c['mem_user_per_io']:.0f} + {c['mem_kernel_per_io']:.0f}; "
            f"{c['tlbmiss_user_per_io']:.1f} + {c['tlbmiss_kernel_per_io']:.1f}")


def engine_rows(L, cells, engs, wls, show):
    """A table of the fast-path devices and iocrypt by workload, a column
    per engine and one for aioattr without attributes, each cell shown by
    @show."""
    table(L, ["device", "workload"] + [ename(e) for e in engs] + ["aioattr none"])
    for t in FAST_TARGETS + ["iocrypt"]:
        for wl in wls:
            if not any(key(t, e, wl) in cells for e in engs):
                continue
            row = [TARGET_NAMES[t], WL_NAMES[wl]] + [show(cells.get(key(t, e, wl))) for e in engs]
            row += [show(cells.get(key(t, "aioattr", wl, "none")))]
            L.append("| " + " | ".join(row) + " |")
    L.append("")


def fastpath_md(L, cells, kc):
    fb = any(k[1] == "aioattrfb" for k in cells)
    ufb = any(k[1] == "io_uringfb" for k in cells)
    engs = ["libaio", "io_uring", "aioattr"] + (["aioattrfb"] if fb else [])
    engs += ["io_uringfb"] if ufb else []
    L.append("## Fast path: aioattr next to libaio and io_uring (issue 10)\n")
    L.append("IOPS medians; ratios of the medians with the min-max of the per-repetition "
             "ratios.  'none': aioattr requesting no attribute.\n")
    head = ["device", "workload"] + [f"IOPS {ename(e)}" for e in engs] + ["IOPS none"]
    head += ["aioattr/libaio", "aioattr/io_uring"]
    if fb:
        head += ["fixedbufs/libaio", "fixedbufs/io_uring"]
    if fb and ufb:
        head += ["fixedbufs/io_uring fixedbufs"]
    head += ["all/none"]
    table(L, head)
    for t in FAST_TARGETS + ["iocrypt"]:
        for wl in FAST_WLS + ["rr128"]:
            if not any(key(t, e, wl) in cells for e in engs):
                continue
            row = [TARGET_NAMES[t], WL_NAMES[wl]]
            row += [fmt(cells.get(key(t, e, wl), {}).get("iops")) for e in engs]
            row += [fmt(cells.get(key(t, "aioattr", wl, "none"), {}).get("iops"))]
            for a in ["aioattr"] + (["aioattrfb"] if fb else []):
                row += [fr(ratio(cells, key(t, a, wl), key(t, o, wl)))
                        for o in ("libaio", "io_uring")]
            if fb and ufb:
                row += [fr(ratio(cells, key(t, "aioattrfb", wl), key(t, "io_uringfb", wl)))]
            row += [fr(ratio(cells, key(t, "aioattr", wl), key(t, "aioattr", wl, "none")))]
            L.append("| " + " | ".join(row) + " |")
    L.append("")
    if any(k[1] == "aioattrnw" for k in cells):
        L.append("## Where the engine waits\n")
        L.append("aioattr waits for its completion in the submitting call by default "
                 "(AIO_ATTR_SUBMIT_WAIT: one system call per I/O); `submit_wait=0` submits, "
                 "returns, and waits in a call of its own when fio asks for the event, as "
                 "fio's io_uring engine does.  IOPS medians, ratios with the per-repetition "
                 "min-max, busy CPU per I/O (us).\n")
        table(L, ["device", "workload", "IOPS submit_wait=1", "IOPS submit_wait=0",
                  "IOPS io_uring", "0/1", "submit_wait=0/io_uring", "CPU us/IO 1", "CPU us/IO 0"])
        for t in ("brd", "aiodemo"):
            for wl in FAST_WLS:
                a, nw = key(t, "aioattr", wl), key(t, "aioattrnw", wl)
                u = key(t, "io_uring", wl)
                if nw not in cells:
                    continue
                L.append("| " + " | ".join([
                    TARGET_NAMES[t], WL_NAMES[wl], fmt(cells.get(a, {}).get("iops")),
                    fmt(cells[nw].get("iops")), fmt(cells.get(u, {}).get("iops")),
                    fr(ratio(cells, nw, a)), fr(ratio(cells, nw, u)),
                    fmt(cells.get(a, {}).get("cpu_us_per_io"), 1),
                    fmt(cells[nw].get("cpu_us_per_io"), 1)]) + " |")
        L.append("")
    if any(k[1] == "aioattrsq0" for k in cells):
        L.append("## Submission queue or SUBMIT\n")
        L.append("aioattr writes its requests into the context's submission queue and "
                 "submits them with AIO_ATTR_IOC_ENTER by default (ABI version 3); "
                 "`sqring=0` passes them to AIO_ATTR_IOC_SUBMIT in an array.  IOPS medians, "
                 "ratio with the per-repetition min-max, busy CPU per I/O (us) and, with "
                 "BENCH_INSN, thousands of instructions per I/O.\n")
        table(L, ["device", "workload", "IOPS sqring=1", "IOPS sqring=0", "1/0",
                  "CPU us/IO 1", "CPU us/IO 0", "insn/IO 1", "insn/IO 0"])
        for t in ("brd", "aiodemo"):
            for wl in FAST_WLS:
                a, s0 = key(t, "aioattr", wl), key(t, "aioattrsq0", wl)
                if s0 not in cells:
                    continue
                L.append("| " + " | ".join([
                    TARGET_NAMES[t], WL_NAMES[wl], fmt(cells.get(a, {}).get("iops")),
                    fmt(cells[s0].get("iops")), fr(ratio(cells, a, s0)),
                    fmt(cells.get(a, {}).get("cpu_us_per_io"), 1),
                    fmt(cells[s0].get("cpu_us_per_io"), 1),
                    insn(cells.get(a, {})), insn(cells[s0])]) + " |")
        L.append("")
    L.append("## Busy CPU per I/O\n")
    L.append("Busy CPU time of all CPUs (`/proc/stat` user + nice + system + irq + softirq) "
             "over fio's I/O phase (its exec_prerun to exec_postrun hooks), divided by the "
             "I/Os: microseconds per I/O, in parentheses I/Os per busy CPU-second.  Medians.\n")
    engine_rows(L, cells, engs, ["rr1", "rr32", "rr128", "rw1", "rw32", "rr1j2"], cpu)
    L.append("## The fio job's user and system time per I/O\n")
    L.append("fio's own `usr_cpu` and `sys_cpu` of the job (getrusage, sampled at the tick) "
             "times its runtime, divided by its I/Os: microseconds per I/O, user / system.  "
             "User time is fio and the engine (for aioattr: reaping the ring and the "
             "attribute report); system time is the kernel on the job's behalf, with the "
             "interrupts that land in its time.  Medians.\n")
    engine_rows(L, cells, engs, ["rr1", "rr32", "rw1", "rw32"], usys)
    if any(c.get("insn_per_io") is not None for c in cells.values()):
        L.append("## Guest instructions per I/O\n")
        L.append("Instructions the guest executed over fio's I/O phase (BENCH_INSN=1: a qemu "
                 "plugin counts every translated block run, user and kernel mode apart, on "
                 "both vCPUs, idle loop and background included), divided by the I/Os: "
                 "thousands per I/O, user + kernel.  Unlike time, the count does not depend on "
                 "how fast the host runs the guest.  Medians.\n")
        engine_rows(L, cells, engs, ["rr1", "rr32", "rr128", "rw1", "rw32", "rr1j2"], insn)
        table(L, ["device", "workload", "aioattr/libaio", "aioattr/io_uring", "all/none"])
        for t in FAST_TARGETS + ["iocrypt"]:
            for wl in FAST_WLS + ["rr128"]:
                a = key(t, "aioattr", wl)
                if cells.get(a, {}).get("insn_per_io") is None:
                    continue
                row = [TARGET_NAMES[t], WL_NAMES[wl]]
                row += [fr(ratio(cells, a, b, "insn_per_io"))
                        for b in (key(t, "libaio", wl), key(t, "io_uring", wl),
                                  key(t, "aioattr", wl, "none"))]
                L.append("| " + " | ".join(row) + " |")
        L.append("")
    if any(c.get("blocks_user_per_io") is not None for c in cells.values()):
        L.append("## Guest translation blocks per I/O\n")
        L.append("The same windows counted in translation blocks run, user + kernel: each is "
                 "an entry into qemu's translated code (a chained jump, or a lookup after an "
                 "indirect branch, a helper call such as rdtsc, or an exception), a cost "
                 "under TCG that the instruction count does not weigh.  Medians.\n")
        engine_rows(L, cells, engs, ["rr1", "rr32", "rw1", "rw32"], blocks)
        L.append("")
    if any(c.get("mem_user_per_io") is not None for c in cells.values()):
        L.append("## Guest memory accesses per I/O\n")
        L.append("BENCH_INSN=3: the guest's loads and stores per I/O, user + kernel, then "
                 "the misses of a model of qemu's software TLB in front of them (direct-"
                 "mapped, 256 entries of 4 KiB per vCPU and mode; a miss under TCG is a walk "
                 "of the guest's page tables), user + kernel.  Medians.\n")
        engine_rows(L, cells, engs, ["rr1", "rr32", "rw1", "rw32"], mem)
        L.append("")
    L.append("## Cost per I/O from QD1 to QD128 (4k randread)\n")
    table(L, ["device", "engine", "CPU us/IO QD1", "QD32", "QD128", "QD32/QD1", "QD128/QD1"])
    for t in FAST_TARGETS:
        for e in engs:
            cs = [cells.get(key(t, e, wl), {}).get("cpu_us_per_io") for wl in ("rr1", "rr32",
                                                                              "rr128")]
            if all(c is None for c in cs):
                continue
            r32, r128 = flat(cells, t, e)
            L.append(f"| {TARGET_NAMES[t]} | {ename(e)} | {fmt(cs[0], 1)} | {fmt(cs[1], 1)} | "
                     f"{fmt(cs[2], 1)} | {fr(r32)} | {fr(r128)} |")
    L.append("")
    L.append("## Two jobs (a context each) vs one, brd 4k randread QD1\n")
    table(L, ["engine", "IOPS 1 job", "IOPS 2 jobs", "2 jobs / 1 job", "CPU us/IO 1 job",
              "2 jobs"])
    for e in engs:
        a, b = cells.get(key("brd", e, "rr1j2")), cells.get(key("brd", e, "rr1"))
        if not a:
            continue
        L.append(f"| {ename(e)} | {fmt((b or {}).get('iops'))} | {fmt(a['iops'])} | "
                 f"{fr(ratio(cells, key('brd', e, 'rr1j2'), key('brd', e, 'rr1')))} | "
                 f"{fmt((b or {}).get('cpu_us_per_io'), 1)} | {fmt(a.get('cpu_us_per_io'), 1)} |")
    L.append("")
    L.append("## Kernel allocations and RCU callbacks per I/O (steady state)\n")
    L.append("`perf stat -a -I 250` around fio (attrs=all for aioattr), summed over the "
             "250 ms intervals of the I/O phase (at least half the median interval's I/Os, "
             f"less the first and the last); I/Os counted by `{IO_EVENT}`.  Slab: "
             + " + ".join(f"`{x}`" for x in SLAB_EVENTS) + " (those the kernel has); RCU: "
             "kprobes in `call_rcu` + `kvfree_call_rcu`.  System wide: the idle background "
             "is in the counts.\n")
    idle = kc.get("idle")
    if idle:
        ps = idle["per_s"]
        slab = sum(v for x, v in ps.items() if x in SLAB_EVENTS)
        rcu = sum(v for x, v in ps.items() if x in RCU_EVENTS)
        L.append(f"The idle guest, counted the same way over {idle['seconds']:.1f} s: "
                 f"{slab:.0f} slab allocations and {rcu:.0f} RCU callbacks per second (at "
                 f"20k IOPS, {slab / 20000:.3f} and {rcu / 20000:.3f} per I/O); fio and perf "
                 "add their own (file opens, mappings).  The targets read ~0 as at most "
                 "0.05 per I/O.\n")
    table(L, ["device", "engine", "workload", "I/Os counted", "slab allocs/IO", "RCU callbacks/IO",
              "per event", "intervals"])
    for wl in ("rr1", "rr32"):
        for e in engs:
            k = kc.get(("brd", e, wl))
            if not k:
                continue
            per = ", ".join(f"{x.split(':')[1]} {v:.3f}" for x, v in
                            sorted(k.get("per_io", {}).items()))
            if k["errors"]:
                per += ("; " if per else "") + "; ".join(k["errors"])
            L.append(f"| brd | {ename(e)} | {WL_NAMES[wl]} | {fmt(k.get('ios'))} | "
                     f"{fmt(k.get('slab_per_io'), 3)} | {fmt(k.get('rcu_per_io'), 3)} | "
                     f"{per} | {k['intervals']} |")
    L.append("")
    L.append("Where they come from (tracefs hist triggers over the whole fio run, per I/O of "
             "the run; 0.01 per I/O and up):\n")
    for wl in ("rr1", "rr32"):
        for e in engs:
            k = kc.get(("brd", e, wl))
            if not k or not k.get("hist_per_io"):
                continue
            parts = []
            for ev, rows in sorted(k["hist_per_io"].items()):
                top = ", ".join(f"`{sym}` {v:.2f}" for sym, v in rows if v >= 0.01)
                if top:
                    parts.append(f"{ev.split(':')[1]}: {top}")
            L.append(f"- brd {ename(e)} {WL_NAMES[wl]}: " + ("; ".join(parts) or "none"))
    L.append("")


def markdown(meta, cells, lim, tg, runs, kc, seconds):
    L = []
    L.append("# aio_attr benchmark (`make bench`)\n")
    took = f" The whole run took {seconds / 60:.1f} minutes." if seconds else ""
    fb = {"1": "measured", "failed": "offered by the engine, but a probe run failed (see the "
          "console)"}.get(meta.get("fixedbufs"), "not offered by the engine")
    reps = (f"each {meta.get('reps', '?')} times" if meta.get("set") == "buffered" else
            f"the fast-path cells of issue 10 {meta.get('reps', '?')} times, the others "
            f"{meta.get('reps_rest', '?')} times")
    L.append(f"Guest: Debian kernel {meta.get('kernel', '?')}, {meta.get('cpus', '?')} vCPUs, "
             f"qemu TCG (`{meta.get('model', '?').replace('_', ' ')}`); "
             f"{meta.get('runtime', '?')} s per fio run; {meta.get('cells', '?')} cells "
             f"(set `{meta.get('set', '?')}`), {reps}, "
             f"interleaved ({meta.get('runs', '?')} runs).{took}  Figures are medians, ratios "
             f"in parentheses are the min-max of the per-repetition ratios (over the "
             f"repetitions both cells ran).  'no attributes' cells request: "
             f"`{meta.get('none_attrs', '?')}`; registered buffers (fixedbufs=1) {fb}.\n")
    st = steal_md(runs)
    if st:
        L.append(st)
    sl = slow_md(runs)
    if sl:
        L.append(sl)
    if lim.get("mib_s"):
        extra = ""
        if "dmcrypt_over_zero" in lim:
            extra = (f"; dm-crypt (inline) over dm-zero reads "
                     f"{lim['dmcrypt_over_zero']['read_mib_s']:.1f} MiB/s")
        L.append(f"Crypto limit: {lim['mib_s']:.1f} MiB/s from {lim['used']}{extra}.\n")
    # (a set without the fast-path and crypt cells, hardirq or buffered,
    # leaves out their tables)
    fast = any(k[2] in FAST_WLS for k in cells)
    if fast:
        L.append("## Targets (issue 10: fast path)\n")
        target_table(L, tg, 10)
        L.append("## Targets (issue 6: iocrypt)\n")
        target_table(L, tg, 6)
    if any(t["issue"] == 11 for t in tg):
        L.append("## Targets (issue 11: disks that complete in hardirq)\n")
        target_table(L, tg, 11)
        hardirq_md(L, cells)
    if any(t["issue"] == 13 for t in tg):
        L.append("## Checks (issue 13: buffered reads, POSIX AIO)\n")
        target_table(L, tg, 13)
        buffered_md(L, cells, meta)
    if fast:
        fastpath_md(L, cells, kc)
    L.append("## iocrypt vs dm-crypt (IOPS ratio)\n")
    table(L, ["workload", "engine", "vs dm-crypt default", "vs dm-crypt no_workqueue"])
    for wl in WLS:
        for e in ENGINES:
            a = key("iocrypt", e, wl)
            if a not in cells:
                continue
            L.append(f"| {WL_NAMES[wl]} | {e} | {fr(ratio(cells, a, key('crypt', e, wl)))} | "
                     f"{fr(ratio(cells, a, key('cryptnowq', e, wl)))} |")
    L.append("")
    L.append("## aioattr engine vs libaio and io_uring, every device (IOPS ratio)\n")
    table(L, ["target", "workload", "vs libaio", "vs io_uring"])
    for t in TARGETS:
        for wl in WLS:
            a = key(t, "aioattr", wl)
            if a not in cells:
                continue
            L.append(f"| {TARGET_NAMES[t]} | {WL_NAMES[wl]} | "
                     f"{fr(ratio(cells, a, key(t, 'libaio', wl)))} | "
                     f"{fr(ratio(cells, a, key(t, 'io_uring', wl)))} |")
    L.append("")
    L.append("## All cells (medians)\n")
    table(L, ["target", "engine", "workload", "attrs", "reps", "IOPS", "MiB/s", "mean lat us",
              "p99 lat us", "CPU us/IO", "ctxt/IO", "intr/IO", "IOPS spread"])
    for t in TARGETS:
        for e in ALL_ENGINES:
            for wl in WLS:
                for at in ("all", "none"):
                    c = cells.get((t, e, wl, at))
                    if not c:
                        continue
                    atn = at if e.startswith("aioattr") else "-"
                    L.append(f"| {TARGET_NAMES[t]} | {ename(e)} | {WL_NAMES[wl]} | {atn} | "
                             f"{c['reps']} | {fmt(c['iops'])} | {fmt(c['bw_mib'], 1)} | "
                             f"{fmt(c['lat_mean_us'], 1)} | {fmt(c['lat_p99_us'], 1)} | "
                             f"{fmt(c['cpu_us_per_io'], 1)} | "
                             f"{fmt(c['ctxt_per_io'], 3)} | {fmt(c['intr_per_io'], 3)} | "
                             f"{fmt(c['spread_pct'], 0)}% |")
    bad = [r for r in runs if "parse_error" in r or r.get("error")]
    if bad:
        L.append("\nRuns with errors: " + ", ".join(
            f"{r['target']}.{r['engine']}.{r['workload']}.{r['attrs']}.{r['rep']}" for r in bad))
    L.append("")
    return "\n".join(L)


def chart(outdir, cells, lim):
    """Data files and chart.gp: four panels (randread QD1 IOPS, randread
    QD32 IOPS, 128k read MiB/s against the crypto limit, ctxt/IO QD1), one
    bar per engine that ran (gnuplot refuses a column with no point)."""
    engs = [e for e in ENGINES if any(k[1] == e for k in cells)]

    def dat(name, wl, field):
        with open(os.path.join(outdir, name), "w") as f:
            f.write("# target " + " ".join(engs) + "\n")
            for t in (t for t in TARGETS if t != "ext4"):
                vals = []
                for e in engs:
                    v = cells.get((t, e, wl, "all"), {}).get(field)
                    vals.append("NaN" if v is None else f"{v:.4f}")
                f.write(f'"{TARGET_NAMES[t]}" ' + " ".join(vals) + "\n")
    dat("rr1.dat", "rr1", "iops")
    dat("rr32.dat", "rr32", "iops")
    dat("sr8.dat", "sr8", "bw_mib")
    dat("ctx.dat", "rr1", "ctxt_per_io")
    lm = lim.get("mib_s") or 0
    gp = f"""# generated by tools/testing/bench/analyze.py
set terminal pngcairo size 1400,1000 font ",10" noenhanced
set output "{outdir}/results.png"
set style data histograms
set style histogram clustered gap 1
set style fill solid 0.8 border -1
set boxwidth 0.9
set grid ytics
set key top right
set xtics rotate by -20 scale 0
set yrange [0:*]
set multiplot layout 2,2 title "aio_attr bench - qemu TCG, 2 vCPUs, Debian 6.1 guest (medians)"
set title "4k randread QD1 - IOPS"
plot for [i=2:{len(engs) + 1}] "{outdir}/rr1.dat" using i:xtic(1) title columnheader(i)
set title "4k randread QD32 - IOPS"
plot for [i=2:{len(engs) + 1}] "{outdir}/rr32.dat" using i:xtic(1) title columnheader(i)
set title "128k sequential read QD8 - MiB/s, log (line: in-guest AES-XTS decryption)"
set logscale y
set yrange [10:*]
plot for [i=2:{len(engs) + 1}] "{outdir}/sr8.dat" using i:xtic(1) title columnheader(i), \\
     {lm} with lines lw 2 lc rgb "red" title "AES-XTS {lm:.0f} MiB/s"
set title "4k randread QD1 - context switches per I/O (log)"
set yrange [0.001:*]
plot for [i=2:{len(engs) + 1}] "{outdir}/ctx.dat" using i:xtic(1) title columnheader(i), \\
     0.1 with lines lw 2 lc rgb "red" title "0.1"
unset multiplot
"""
    # columnheader() needs the header without '#'
    for name in ("rr1.dat", "rr32.dat", "sr8.dat", "ctx.dat"):
        p = os.path.join(outdir, name)
        with open(p) as f:
            text = f.read()
        with open(p, "w") as f:
            f.write(text.replace("# target", "target", 1))
    with open(os.path.join(outdir, "chart.gp"), "w") as f:
        f.write(gp)


def main():
    console, outdir = sys.argv[1], sys.argv[2]
    blobs, meta = read_blobs(console)
    seconds = int(sys.argv[3]) if len(sys.argv) > 3 else None
    runs = parse_runs(blobs, meta, host_steal(os.path.join(outdir, "host.stat")),
                      insn_marks(os.path.join(outdir, "insn.marks")))
    if not runs:
        print("analyze: no fio results on the console", file=sys.stderr)
        return 1
    cells = summarize(runs)
    lim = crypto_limit(blobs)
    kc = kcounts(blobs)
    tg = targets(cells, lim, kc)
    os.makedirs(outdir, exist_ok=True)
    for name, data in blobs.items():
        if name.startswith(("perf.", "kcount.")) or name == "cryptsetup.txt":
            os.makedirs(os.path.join(outdir, "profiles"), exist_ok=True)
            with open(os.path.join(outdir, "profiles", name), "wb") as f:
                f.write(data)
    doc = {
        "meta": meta,
        "crypto_limit": lim,
        "targets": tg,
        "cells": [dict(v) for v in cells.values()],
        "kcount": list(kc.values()),
        "seconds": seconds,
        "runs": runs,
    }
    if os.path.exists(os.path.join(outdir, "insn.profile")):
        os.makedirs(os.path.join(outdir, "profiles"), exist_ok=True)
        insn_profile(os.path.join(outdir, "insn.profile"), blobs, runs,
                     os.path.join(outdir, "profiles", "insn-kernel.txt"))
    with open(os.path.join(outdir, "results.json"), "w") as f:
        json.dump(doc, f, indent=1, sort_keys=True)
    with open(os.path.join(outdir, "results.md"), "w") as f:
        f.write(markdown(meta, cells, lim, tg, runs, kc, seconds))
    chart(outdir, cells, lim)
    met = sum(1 for t in tg if t["met"])
    print(f"analyze: {len(runs)} runs, {len(cells)} cells, targets met {met}/{len(tg)}",
          file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
