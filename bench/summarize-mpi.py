#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Turn bench/run-mpi-gpu.sh's runs.jsonl into a Markdown summary (stdout).

    summarize-mpi.py RUNS.jsonl [--machine MACHINE.txt]

Every ratio divides two modes of the same phxfs-mpi-bench run (same rank
count, cache state, file and machine). Python 3 standard library only.
"""
import argparse
import json
import sys

MODES = ["collective", "interleaved", "independent", "independent_all",
         "mpiio_host",
         "mpiio_interleaved"]


def load(path):
    runs = {}
    with open(path, encoding="utf-8") as f:
        for line in f:
            line = line.strip()
            if not line.startswith("{"):
                continue
            r = json.loads(line)
            runs[(r["cache"], r["ranks"], r["mode"])] = r
    return runs


def rate(r):
    if r is None:
        return "—"
    if not r["ok"]:
        return "fail"
    return "%.2f" % r["gibps"]


def ratio(a, b):
    if a is None or b is None or not a["ok"] or not b["ok"] or not b["gibps"]:
        return "—"
    return "%.2f×" % (a["gibps"] / b["gibps"])


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("runs")
    ap.add_argument("--machine")
    a = ap.parse_args()
    runs = load(a.runs)
    out = sys.stdout
    out.write("# MPI benchmark: collective reads into device buffers\n\n")
    if a.machine:
        with open(a.machine, encoding="utf-8") as f:
            out.write("```\n" + f.read() + "```\n\n")
    out.write(
        "GiB/s, median of the repetitions (the JSON records have the best "
        "too). Timed: MPI_Barrier, then the slowest rank's end.\n\n"
        "- **collective**: `phxfs_mpi_read_at_all`, rank r reads "
        "[r·P, (r+1)·P) into its device buffer.\n"
        "- **interleaved**: `phxfs_mpi_readv_at_all` of round-robin blocks "
        "(two-phase).\n"
        "- **indep. sum**: each rank alone (the others idle) with "
        "`phxfs_mpi_read_at`; the sum over ranks of P / its time. Where each "
        "rank has its own GPU this is the sum of single-GPU runs.\n"
        "- **indep. together**: every rank its piece with "
        "`phxfs_mpi_read_at` at the same time, no collective; all bytes / "
        "the slowest rank's time.\n"
        "- **MPI-IO+copy**: `MPI_File_read_at_all` into malloc'd host memory, "
        "then `cudaMemcpy`, timed together (interleaved: through a file "
        "view).\n\n")
    caches = sorted({k[0] for k in runs}, key=lambda c: c != "cold")
    for cache in caches:
        nps = sorted({k[1] for k in runs if k[0] == cache})
        out.write("## %s\n\n" % cache)
        out.write("| ranks | GPUs | mem | path | collective | interleaved | "
                  "indep. sum | indep. together | MPI-IO+copy | "
                  "MPI-IO interl.+copy | collective / indep. together | "
                  "collective / MPI-IO+copy | "
                  "interleaved / MPI-IO interl. | two-phase branch | "
                  "CUDA-aware MPI | verified |\n")
        out.write("|---:|---:|---|---|" + "---:|" * 9 + "---|---|---|\n")
        notes = []
        for np in nps:
            m = {mode: runs.get((cache, np, mode)) for mode in MODES}
            any_r = next(r for r in m.values() if r)
            verified = all(r["verified"] for r in m.values() if r)
            branch = m["interleaved"]["branch"] if m["interleaved"] else "—"
            out.write("| %d | %d | %s | %s | %s | %s | %s | %s | %s | %s | %s "
                      "| %s | %s | %s | %s | %s |\n" % (
                          np, any_r["gpus"], any_r["mem"],
                          any_r["phxfs_path"],
                          rate(m["collective"]), rate(m["interleaved"]),
                          rate(m["independent"]),
                          rate(m["independent_all"]), rate(m["mpiio_host"]),
                          rate(m["mpiio_interleaved"]),
                          ratio(m["collective"], m["independent_all"]),
                          ratio(m["collective"], m["mpiio_host"]),
                          ratio(m["interleaved"], m["mpiio_interleaved"]),
                          branch, "yes" if any_r["cuda_aware"] else "no",
                          "yes" if verified else "**NO**"))
            for r in m.values():
                if not r:
                    continue
                c = r.get("cached_fraction")
                if c is not None and c >= 0 and (
                        (cache == "cold" and c > 0.05) or
                        (cache == "warm" and c < 0.95)):
                    notes.append("np %d %s: %.0f%% of the file was in the "
                                 "page cache" % (np, r["mode"], 100 * c))
                if not r["ok"]:
                    notes.append("np %d %s failed: %s" %
                                 (np, r["mode"], r["error"]))
        out.write("\n")
        multi = [np for np in nps
                 if (runs.get((cache, np, "collective")) or {}).get("gpus", 0) > 1]
        if multi:
            out.write("Multi-GPU, %s: aggregate collective bandwidth against "
                      "the sum of single-GPU runs (each rank alone on its own "
                      "GPU, same run; where there are more ranks than GPUs, "
                      "ranks share them by node-local rank).\n\n" % cache)
            out.write("| ranks | GPUs | each rank alone | sum of single-GPU | "
                      "aggregate collective | aggregate / sum | aggregate / "
                      "MPI-IO+copy |\n|---:|---:|---|---:|---:|---:|---:|\n")
            for np in multi:
                c = runs.get((cache, np, "collective"))
                i = runs.get((cache, np, "independent"))
                alone = ", ".join("%.2f" % x for x in i["rank_gibps"]) if i else "—"
                out.write("| %d | %d | %s | %s | %s | %s | %s |\n" % (
                    np, c["gpus"], alone, rate(i), rate(c), ratio(c, i),
                    ratio(c, runs.get((cache, np, "mpiio_host")))))
            out.write("\n")
        for n in notes:
            out.write("- %s\n" % n)
        if notes:
            out.write("\n")


if __name__ == "__main__":
    main()
