#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Turn bench/run-gpu.sh's runs.jsonl into summary.md and plot.svg.

    summarize.py RUNS.jsonl [--info INFO.json] [--out DIR] [--note TEXT]

Every ratio compares runs of the same runs.jsonl, cell by cell (same I/O
size, thread count and cache state), so that it never mixes machines or
days. Python 3 standard library only; the SVG is written by hand.
"""
import argparse
import html
import json
import math
import os
import sys

# xfer_type (phxfs-io -x) -> column name
NAMES = {
    0: "phxfs",
    1: "phxfs compat",
    2: "pread+cudaMemcpy",
    3: "cuFile",
    4: "pinned pread",
    5: "H2D",
}
PHXFS, CPU_GPU, CUFILE, CPUONLY, H2D = 0, 2, 3, 4, 5
COLORS = {
    PHXFS: "#d62728",
    CUFILE: "#1f77b4",
    CPU_GPU: "#7f7f7f",
    CPUONLY: "#2ca02c",
    H2D: "#9467bd",
}
TAGS = {
    "cold": "Cold sequential reads (O_DIRECT, page cache dropped)",
    "warm": "Warm sequential reads (buffered, file in the page cache)",
}


def size_str(n):
    for unit, shift in (("G", 30), ("M", 20), ("K", 10)):
        if n >= 1 << shift and n % (1 << shift) == 0:
            return "%d%s" % (n >> shift, unit)
    return str(n)


def load(path):
    runs = []
    with open(path) as f:
        for no, line in enumerate(f, 1):
            line = line.strip()
            if not line:
                continue
            try:
                runs.append(json.loads(line))
            except ValueError as e:
                print("summarize: %s:%d: not JSON (%s), skipped" % (path, no, e),
                      file=sys.stderr)
    return runs


class Cells:
    """The sequential-read runs by (tag, io_size, threads, xfer_type); the
    last run of a cell wins. H2D needs no file: one value per cell serves
    both cold and warm."""

    def __init__(self, runs):
        self.by = {}
        self.h2d = {}
        for r in runs:
            if r.get("io_type") != 0 or r.get("xfer_type") not in NAMES:
                continue
            key = (r["io_size"], r["threads"])
            if r["xfer_type"] == H2D:
                self.h2d[key] = r
            elif r.get("tag") in TAGS:
                self.by[(r["tag"],) + key + (r["xfer_type"],)] = r
        self.sizes = sorted({k[1] for k in self.by} | {k[0] for k in self.h2d})
        self.threads = sorted({k[2] for k in self.by} | {k[1] for k in self.h2d})

    def run(self, tag, size, threads, xfer):
        if xfer == H2D:
            return self.h2d.get((size, threads))
        return self.by.get((tag, size, threads, xfer))

    def gib(self, tag, size, threads, xfer):
        r = self.run(tag, size, threads, xfer)
        return r["gib_per_s"] if r and r.get("ok") else None

    def ceiling(self, tag, size, threads):
        """Storage into GPU memory cannot beat either the storage alone
        (pinned pread) or the PCIe copy alone (pinned cudaMemcpy)."""
        vals = [v for v in (self.gib(tag, size, threads, CPUONLY),
                            self.gib(tag, size, threads, H2D)) if v]
        return min(vals) if vals else None

    def tags(self):
        return [t for t in TAGS if any(k[0] == t for k in self.by)]


def fmt(v, digits=2):
    return "—" if v is None else "%.*f" % (digits, v)


def gib_str(v):
    """Three significant digits: 4 KiB reads and the PCIe link differ by
    a factor of a thousand."""
    if v is None:
        return "—"
    return "%.0f" % v if v >= 100 else "%.3g" % v


def cell_text(cells, tag, size, threads, xfer):
    r = cells.run(tag, size, threads, xfer)
    if r is None:
        return "—"
    if not r.get("ok"):
        return "fail"
    return gib_str(r["gib_per_s"])


def ratio(a, b):
    return a / b if a is not None and b else None


def seq_table(cells, tag):
    cols = [PHXFS, CUFILE, CPU_GPU, CPUONLY, H2D]
    out = ["## %s" % TAGS[tag], "",
           "GiB/s. ceiling = min(pinned pread, H2D) of the same cell.", "",
           "| I/O size | threads | " + " | ".join(NAMES[c] for c in cols) +
           " | ceiling | phxfs/ceiling | phxfs/cuFile | phxfs/pread+cudaMemcpy |",
           "|---:|---:|" + "---:|" * (len(cols) + 4)]
    for s in cells.sizes:
        for t in cells.threads:
            phx = cells.gib(tag, s, t, PHXFS)
            ceil = cells.ceiling(tag, s, t)
            row = [size_str(s), str(t)]
            row += [cell_text(cells, tag, s, t, c) for c in cols]
            row += [gib_str(ceil), fmt(ratio(phx, ceil)),
                    fmt(ratio(phx, cells.gib(tag, s, t, CUFILE))),
                    fmt(ratio(phx, cells.gib(tag, s, t, CPU_GPU)))]
            out.append("| " + " | ".join(row) + " |")
    out.append("")
    return out


def latency_table(cells, tag):
    cols = [PHXFS, CUFILE, CPU_GPU, CPUONLY]
    out = ["Latency of one request, avg / p99 in µs (%s):" % tag, "",
           "| I/O size | threads | " + " | ".join(NAMES[c] for c in cols) + " |",
           "|---:|---:|" + "---:|" * len(cols)]
    for s in cells.sizes:
        for t in cells.threads:
            row = [size_str(s), str(t)]
            for c in cols:
                r = cells.run(tag, s, t, c)
                if r and r.get("ok"):
                    row.append("%.0f / %.0f" % (r["avg_lat_us"], r["p99_lat_us"]))
                else:
                    row.append("—" if r is None else "fail")
            out.append("| " + " | ".join(row) + " |")
    out.append("")
    return out


def rand_table(runs):
    rand = [r for r in runs if r.get("tag") == "rand"]
    if not rand:
        return []
    ok = {(r["xfer_type"], r["batch"]): r for r in rand if r.get("ok")}
    ref_cpu = ok.get((CPUONLY, 1))
    ref_cf = ok.get((CUFILE, 1))
    out = ["## Random reads (%s, %d threads, O_DIRECT, page cache dropped)" %
           (size_str(rand[0]["io_size"]), rand[0]["threads"]), "",
           "| transfer | batch | GiB/s | IOPS | avg µs | p99 µs | /pinned pread IOPS | /cuFile IOPS |",
           "|---|---:|---:|---:|---:|---:|---:|---:|"]
    for r in rand:
        name = NAMES.get(r["xfer_type"], str(r["xfer_type"]))
        if not r.get("ok"):
            out.append("| %s | %d | fail: %s | | | | | |" %
                       (name, r["batch"], md(r.get("error"))))
            continue
        out.append("| %s | %d | %.3f | %.0f | %.1f | %.1f | %s | %s |" % (
            name, r["batch"], r["gib_per_s"], r["iops"], r["avg_lat_us"],
            r["p99_lat_us"],
            fmt(ratio(r["iops"], ref_cpu and ref_cpu["iops"])),
            fmt(ratio(r["iops"], ref_cf and ref_cf["iops"]))))
    out.append("")
    return out


def regcost_table(runs):
    reg = [r for r in runs if r.get("xfer_type") == 6]
    if not reg:
        return []
    r = reg[-1]
    p, c, q = r["phxfs"], r["cufile"], r["ratio_phxfs_cufile"]
    what = ("phxfs_regmem" if p.get("path") != "compat"
            else "a first 4K phxfs_read into the buffer (compat: nothing to "
                 "register; open includes the thread's first I/O, which "
                 "makes its pinned buffers and stream)")
    out = ["## Registration cost (µs, median of %d)" % r.get("reps", 0), "",
           "phxfs path: %s; the phxfs registration column is %s." %
           (p.get("path") or "?", what), "",
           "| | open | register 64K | register 16M |",
           "|---|---:|---:|---:|"]

    def row(name, x):
        if not x["ok"]:
            return "| %s | fail: %s | | |" % (name, md(x.get("error")))
        return "| %s | %s | %s | %s |" % (name, fmt(x["open_us"], 1),
                                         fmt(x["reg_64K_us"], 1),
                                         fmt(x["reg_16M_us"], 1))
    out.append(row("phxfs (phxfs_open, regmem)", p))
    out.append(row("cuFile (DriverOpen, BufRegister)", c))
    out.append("| phxfs/cuFile | %s | %s | %s |" % (
        fmt(q.get("open"), 4), fmt(q.get("64K"), 4), fmt(q.get("16M"), 4)))
    out.append("")
    return out


def md(text):
    return (text or "").replace("|", "\\|").replace("\n", " ")


def failures(runs):
    seen = {}
    for r in runs:
        if not r.get("ok") and r.get("error"):
            key = (NAMES.get(r.get("xfer_type"), "registration"), r["error"])
            seen[key] = seen.get(key, 0) + 1
    if not seen:
        return []
    out = ["## Failed runs", ""]
    for (name, err), n in sorted(seen.items()):
        out.append("- %s (%d run%s): %s" % (name, n, "s" * (n != 1), md(err)))
    out.append("")
    return out


def header(runs, info, notes):
    first = runs[0] if runs else {}
    gpu = next((r for r in runs if r.get("gpu")), first)
    modes = sorted({r.get("phxfs_mode") for r in runs
                    if r.get("xfer_type") == PHXFS and r.get("phxfs_mode")})
    files = sorted({(r.get("file"), r.get("file_size")) for r in runs
                    if r.get("file") and r.get("file_size")})
    secs = sorted({r.get("limit_seconds") for r in runs if r.get("limit_seconds")})
    out = ["# Phoenix GPU benchmark: %s" % first.get("host", "?"), "",
           "- date: %s" % first.get("date", "?"),
           "- GPU: %s (%s)" % (gpu.get("gpu"), gpu.get("gpu_pci")),
           "- data file: %s" % ", ".join("%s (%s)" % (f, size_str(s))
                                        for f, s in files),
           "- timed seconds per cell: %s" % ", ".join("%g" % s for s in secs),
           "- phxfs path: %s" % (", ".join(modes) or "?") +
           (" — no phoenix-fs module: LibPhoenix went through pinned host "
            "buffers, so these phxfs numbers are not direct I/O"
            if modes == ["compat"] else "")]
    if info:
        out.append("- phxfs-info: %s (exit %s)" % (info.get("verdict"),
                                                 info.get("exit_code")))
    for n in notes:
        out.append("- note: %s" % n)
    warm_cold = [r for r in runs if r.get("tag") == "warm" and r.get("ok")
                 and (r.get("cached_pct_at_start") or 0) < 90]
    if warm_cold:
        out.append("- note: %d warm run(s) started with under 90%% of the "
                   "file cached: too little memory for the page cache?" %
                   len(warm_cold))
    cold_warm = [r for r in runs if r.get("tag") in ("cold", "rand")
                 and r.get("drop_cache") and r.get("cache_dropped") is False]
    if cold_warm:
        out.append("- note: %d cold run(s) could not drop the page cache: %s" %
                   (len(cold_warm), md(cold_warm[0].get("drop_cache_note"))))
    out.append("")
    return out


def summary(runs, info, notes):
    cells = Cells(runs)
    out = header(runs, info, notes)
    for tag in cells.tags():
        out += seq_table(cells, tag)
        out += latency_table(cells, tag)
    out += rand_table(runs)
    out += regcost_table(runs)
    out += failures(runs)
    out += ["Columns: see bench/README.md. plot.svg draws the tables above.", ""]
    return "\n".join(out)


def log_range(vals):
    """Decades around @vals: throughput spans 4 KiB at one thread to the
    PCIe link, so the axis is logarithmic."""
    vals = [v for v in vals if v and v > 0]
    if not vals:
        return 0.1, 10.0
    lo = 10 ** math.floor(math.log10(min(vals)))
    hi = 10 ** math.ceil(math.log10(max(vals)))
    return lo, hi if hi > lo else lo * 10


def plot(runs):
    """Throughput against I/O size, one panel per (cache state, threads),
    one line per transfer type."""
    cells = Cells(runs)
    tags, sizes, threads = cells.tags(), cells.sizes, cells.threads
    xfers = [PHXFS, CUFILE, CPU_GPU, CPUONLY, H2D]
    pw, ph, ml, mt, mb, gap = 250, 190, 48, 34, 34, 18
    legend_h = 30
    width = ml + len(threads) * (pw + gap) + 10
    height = legend_h + len(tags) * (ph + mt + mb) + 10
    svg = ['<svg xmlns="http://www.w3.org/2000/svg" width="%d" height="%d" '
           'font-family="sans-serif" font-size="11">' % (width, height),
           '<rect width="100%" height="100%" fill="white"/>']
    if not tags or not sizes:
        svg.append('<text x="10" y="20">no sequential runs</text></svg>')
        return "\n".join(svg)
    x = ml
    for xf in xfers:
        svg.append('<line x1="%d" y1="15" x2="%d" y2="15" stroke="%s" '
                   'stroke-width="2"/>' % (x, x + 18, COLORS[xf]))
        svg.append('<text x="%d" y="19">%s</text>' % (x + 22, html.escape(NAMES[xf])))
        x += 30 + 7 * len(NAMES[xf])
    for row, tag in enumerate(tags):
        lo, hi = log_range([cells.gib(tag, s, t, xf) for s in sizes
                            for t in threads for xf in xfers])
        span = math.log10(hi) - math.log10(lo)

        def py(v, y0):
            v = min(max(v, lo), hi)
            return y0 + ph - (math.log10(v) - math.log10(lo)) / span * ph
        y0 = legend_h + row * (ph + mt + mb) + mt
        for col, t in enumerate(threads):
            x0 = ml + col * (pw + gap)
            svg.append('<text x="%d" y="%d" font-weight="bold">%s, %d thread%s</text>'
                       % (x0, y0 - 8, tag, t, "s" * (t != 1)))
            svg.append('<rect x="%d" y="%d" width="%d" height="%d" fill="none" '
                       'stroke="#999"/>' % (x0, y0, pw, ph))
            decade = lo
            while decade <= hi * 1.0001:
                for m in (1, 2, 5):
                    v = decade * m
                    if v > hi * 1.0001:
                        break
                    y = py(v, y0)
                    svg.append('<line x1="%d" y1="%.1f" x2="%d" y2="%.1f" '
                               'stroke="%s"/>' % (x0, y, x0 + pw, y,
                                                  "#ddd" if m == 1 else "#f3f3f3"))
                    if col == 0 and m == 1:
                        svg.append('<text x="%d" y="%.1f" text-anchor="end">%g</text>'
                                   % (x0 - 4, y + 4, v))
                decade *= 10
            if col == 0:
                svg.append('<text x="12" y="%d" transform="rotate(-90 12 %d)" '
                           'text-anchor="middle">GiB/s (log)</text>'
                           % (y0 + ph // 2, y0 + ph // 2))

            def px(i):
                return x0 + 12 + i * (pw - 24) / max(1, len(sizes) - 1)
            for i, s in enumerate(sizes):
                svg.append('<text x="%.1f" y="%d" text-anchor="middle">%s</text>'
                           % (px(i), y0 + ph + 14, size_str(s)))
            for xf in xfers:
                pts = [(px(i), py(v, y0))
                       for i, v in enumerate(cells.gib(tag, s, t, xf) for s in sizes)
                       if v is not None]
                if not pts:
                    continue
                dash = ' stroke-dasharray="4 3"' if xf in (CPUONLY, H2D) else ""
                svg.append('<polyline fill="none" stroke="%s" stroke-width="2"%s '
                           'points="%s"/>' % (COLORS[xf], dash, " ".join(
                               "%.1f,%.1f" % p for p in pts)))
                for p in pts:
                    svg.append('<circle cx="%.1f" cy="%.1f" r="2.5" fill="%s"/>'
                               % (p[0], p[1], COLORS[xf]))
        svg.append('<text x="%d" y="%d" text-anchor="middle">I/O size</text>'
                   % (width // 2, y0 + ph + 28))
    svg.append("</svg>")
    return "\n".join(svg)


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("runs", help="runs.jsonl from run-gpu.sh (phxfs-io --json)")
    ap.add_argument("--info", help="phxfs-info --json output")
    ap.add_argument("--out", help="directory for summary.md and plot.svg "
                    "(default: that of RUNS)")
    ap.add_argument("--note", action="append", default=[],
                    help="a line for the summary's header")
    args = ap.parse_args()
    if not os.path.exists(args.runs):
        sys.exit("summarize: %s: no runs" % args.runs)
    runs = load(args.runs)
    info = None
    if args.info and os.path.exists(args.info):
        try:
            with open(args.info) as f:
                info = json.load(f)
        except ValueError:
            info = None
    out = args.out or os.path.dirname(os.path.abspath(args.runs))
    with open(os.path.join(out, "summary.md"), "w") as f:
        f.write(summary(runs, info, args.note))
    with open(os.path.join(out, "plot.svg"), "w") as f:
        f.write(plot(runs))
    print("summarize: %d runs -> %s/summary.md, plot.svg" % (len(runs), out))


if __name__ == "__main__":
    main()
