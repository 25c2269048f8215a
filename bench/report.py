#!/usr/bin/env python3
# Builds the benchmark table from a run.sh results folder: Google Benchmark JSON per
# case (median CPU time of the repetitions, spread = (max - min) / median), header size
# and `g++ -O2` compile time of each generated header (median of 3), node counts and
# work per call from model_stats, and the scale test. Prints it; writes results.md.
import argparse
import datetime
import json
import os
import platform
import re
import statistics
import subprocess
import sys
import tempfile
import time

# case, model stem, objective export, derivative export, what the derivative is
CASES = [
    ("rosenbrock_1000", "rosenbrock_1000", "rosen_f", "rosen_grad", "gradient"),
    ("rosenbrock_100000", "rosenbrock_100000", "rosen_f", "rosen_grad", "gradient"),
    ("logreg", "logreg", "logreg_f", "logreg_grad", "gradient"),
    ("mlp", "mlp", "mlp_f", "mlp_grad", "gradient"),
    ("gmm_d2_K5", "gmm_d2_K5", "gmm_f", "gmm_grad", "gradient"),
    ("gmm_d10_K25", "gmm_d10_K25", "gmm_f", "gmm_grad", "gradient"),
    ("rosenbrock_hessian_100", "rosenbrock_hessian_100", "rosen_f", "rosen_hess", "Hessian"),
    ("ba", "ba", "ba_res", "ba_jac", "Jacobian 3x15"),
    ("ode_n1000_s10", "ode", "ode_f", "ode_grad", "gradient through 10 RK4 steps"),
    ("lstm_l2_c1024", "lstm_l2", "lstm_f", "lstm_grad", "gradient through 1023 steps"),
    ("lstm_l4_c1024", "lstm_l4", "lstm_f", "lstm_grad", "gradient through 1023 steps"),
]
MODES = ["emitted_f", "emitted_deriv", "hand_f", "hand_deriv", "interpreter", "tape", "adolc"]


def fmt_time(us):
    if us is None:
        return "-"
    if us < 1:
        return "%.3f µs" % us
    if us < 10:
        return "%.2f µs" % us
    if us < 1000:
        return "%.1f µs" % us
    if us < 10000:
        return "%.2f ms" % (us / 1000)
    return "%.1f ms" % (us / 1000)


def fmt_ratio(a, b):
    return "-" if a is None or b is None or b == 0 else "%.2f" % (a / b)


def fmt_count(x):
    if x is None:
        return "-"
    for unit, div in (("G", 1e9), ("M", 1e6), ("k", 1e3)):
        if x >= div:
            return "%.3g%s" % (x / div, unit)
    return "%.0f" % x


def to_us(value, unit):
    return value * {"ns": 1e-3, "us": 1.0, "ms": 1e3, "s": 1e6}[unit]


def read_case(path):
    """Per mode: median, min, max CPU time (µs) over repetitions, and the context."""
    with open(path) as f:
        data = json.load(f)
    reps = {}
    for b in data["benchmarks"]:
        if b.get("run_type") != "iteration":
            continue
        mode = b["name"].split("/", 1)[1]
        reps.setdefault(mode, []).append(to_us(b["cpu_time"], b["time_unit"]))
    out = {}
    for mode, v in reps.items():
        med = statistics.median(v)
        q = statistics.quantiles(v, n=4) if len(v) >= 2 else [med, med, med]
        out[mode] = {"median": med, "min": min(v), "max": max(v), "n": len(v),
                     "range": (max(v) - min(v)) / med if med else 0.0,
                     "iqr": (q[2] - q[0]) / med if med else 0.0}
    return out, data.get("context", {})


def compile_time(header, runs=3):
    """Median wall time of g++ -std=c++17 -O2 compiling a file that references every
    exported function of the header (so their code is generated, as in a caller)."""
    text = open(header).read()
    lines = ['#include "%s"' % header]
    k = 0
    for m in re.finditer(r"^inline void (\w+)\(([^)]*)\)", text, re.M):
        ns = re.findall(r"^namespace (\w+) \{", text[: m.start()], re.M)[-1]
        types = ", ".join(re.sub(r"\s*\w+$", "", p.strip()) for p in m.group(2).split(",") if p.strip())
        lines.append("void (*keep_%d_)(%s) = &::%s::%s;" % (k, types, ns, m.group(1)))
        k += 1
    with tempfile.TemporaryDirectory() as tmp:
        src = os.path.join(tmp, "tu.cpp")
        with open(src, "w") as f:
            f.write("\n".join(lines) + "\n")
        times = []
        for _ in range(runs):
            t = time.perf_counter()
            subprocess.run(["g++", "-std=c++17", "-O2", "-c", src, "-o", os.path.join(tmp, "tu.o")],
                           check=True)
            times.append(time.perf_counter() - t)
    return statistics.median(times), k


def model_stats(build, src, stem, exports):
    exe = os.path.join(build, "bench", "model_stats")
    model = os.path.join(src, "bench", "models", stem + ".sd")
    r = subprocess.run([exe, model] + exports, check=True, capture_output=True, text=True)
    return {d["export"]: d for d in (json.loads(l) for l in r.stdout.splitlines() if l.strip())}


def benchmark_version():
    r = subprocess.run(["dpkg-query", "-W", "-f", "${Version}", "libbenchmark-dev"], capture_output=True, text=True)
    return r.stdout.strip() or "?"


def machine(context):
    cpu = "unknown CPU"
    try:
        for line in open("/proc/cpuinfo"):
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    caches = ", ".join("L%d%s %d KiB%s" % (c["level"], {"Data": "d", "Instruction": "i"}.get(c["type"], ""),
                                           c["size"] // 1024, " x%d" % c["num_sharing"] if c.get("num_sharing", 1) > 1 else "")
                       for c in context.get("caches", []))
    cxx = subprocess.run(["c++", "--version"], capture_output=True, text=True).stdout.splitlines()[0]
    flags = "avx512f" if "avx512f" in open("/proc/cpuinfo").read() else ""
    return ("%s, %s cores at %s MHz (%s); caches: %s; %s; Linux %s; Google Benchmark %s" %
            (cpu, context.get("num_cpus", os.cpu_count()), context.get("mhz_per_cpu", "?"),
             flags or "no AVX-512", caches, cxx, platform.release(),
             context.get("library_version") or benchmark_version()))


def table(headers, rows):
    widths = [max(len(str(h)), *(len(str(r[i])) for r in rows)) for i, h in enumerate(headers)]
    line = lambda cells: "| " + " | ".join(str(c).ljust(w) for c, w in zip(cells, widths)) + " |"
    return "\n".join([line(headers), "|" + "|".join("-" * (w + 2) for w in widths) + "|"] +
                     [line(r) for r in rows])


def targets_table(targets, scale):
    """The architect's targets, checked against this run's figures."""
    rows = []
    def row(what, value, ok):
        rows.append([what, value, "-" if ok is None else ("met" if ok else "NOT met")])
    for case, med, size, ctime in targets:
        e, h = med["emitted_deriv"], med["hand_deriv"]
        if e and h:
            row("%s: emitted ∂ ≤ %s× hand ∂" % (case, "2" if "hessian" in case else "1.0"),
                "%.2f×" % (e / h), e / h <= (2.0 if "hessian" in case else 1.0))
        if e and med["emitted_f"] and "hessian" not in case:
            row("%s: emitted ∂ ≤ 3× emitted f" % case, "%.2f×" % (e / med["emitted_f"]),
                e / med["emitted_f"] <= 3.0)
        if med["tape"] and med["adolc"]:
            row("%s: tape ≤ ADOL-C" % case, "%.2f×" % (med["tape"] / med["adolc"]),
                med["tape"] <= med["adolc"])
        row("%s: header compiles with g++ -O2 in < 3 s" % case, "%.2f s" % ctime, ctime < 3.0)
    sizes = {case: size for case, _, size, _ in targets}
    if "rosenbrock_1000" in sizes and "rosenbrock_100000" in sizes:
        a, b = sizes["rosenbrock_1000"], sizes["rosenbrock_100000"]
        row("header size does not grow with n (Rosenbrock 1000 vs 100000)", "%d vs %d bytes" % (a, b),
            b - a < 0.05 * a)  # only the digits of the sizes differ
    if scale:
        by_n = {e["n"]: e for e in scale["sizes"]}
        big = by_n.get(1000000, {})
        if "gen_s" in big:
            row("gen on 1e6 ops ≤ 2 s", "%.2f s" % big["gen_s"], big["gen_s"] <= 2.0)
            row("gen on 1e6 ops ≤ 150 bytes/node (peak RSS / model ops)", "%.0f B/op" % (big["peak_rss_kib"] * 1024 / 1e6),
                big["peak_rss_kib"] * 1024 / 1e6 <= 150)
        else:
            row("gen on 1e6 ops ≤ 2 s", "not run (%s)" % big.get("skipped", "timeout"), False)
            if "probe_peak_rss_kib" in big:
                row("gen on 1e6 ops ≤ 150 bytes/node (peak RSS / model ops)", "> %.0f B/op (before emit)" %
                    (big["probe_peak_rss_kib"] * 1024 / 1e6), big["probe_peak_rss_kib"] * 1024 / 1e6 <= 150)
        small, large = by_n.get(500000, {}), big
        if "gen_s" in small and "gen_s" in large:
            r = large["gen_s"] / small["gen_s"]
            row("t(1e6) / t(5e5) ≤ 2.2", "%.2f" % r, r <= 2.2)
        else:
            done = [e for e in scale["sizes"] if "gen_s" in e]
            if len(done) >= 2:
                r = done[-1]["gen_s"] / done[-2]["gen_s"]
                row("t(2N)/t(N) ≤ 2.2 (largest measured pair, N = %d)" % done[-2]["n"], "%.2f" % r, r <= 2.2)
    return table(["target", "measured", ""], rows)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--build", required=True)
    ap.add_argument("--results", required=True)
    ap.add_argument("--markdown")
    a = ap.parse_args()
    a.build, a.results = os.path.abspath(a.build), os.path.abspath(a.results)
    src = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    rows, spread_rows, work_rows, contexts, loads, targets = [], [], [], [], [], []
    nreps = 0
    for case, stem, fexp, dexp, what in CASES:
        path = os.path.join(a.results, case + ".json")
        if not os.path.exists(path):
            continue
        t, ctx = read_case(path)
        contexts.append(ctx)
        loadfile = os.path.join(a.results, case + ".load")
        after = json.load(open(loadfile))["loadavg_after"] if os.path.exists(loadfile) else "?"
        loads.append("%s: %s -> %s" % (case, " ".join("%.2f" % x for x in ctx.get("load_avg", [])), after))
        med = {m: t[m]["median"] if m in t else None for m in MODES}
        header = os.path.join(a.build, "bench", "generated", stem + ".hpp")
        size = os.path.getsize(header)
        ctime, _ = compile_time(header)
        st = model_stats(a.build, src, stem, [fexp, dexp])
        sf, sd = st[fexp], st[dexp]
        rows.append([
            "%s (%s)" % (case, what), fmt_time(med["emitted_f"]), fmt_time(med["emitted_deriv"]),
            fmt_time(med["hand_f"]), fmt_time(med["hand_deriv"]), fmt_time(med["interpreter"]),
            fmt_time(med["tape"]), fmt_time(med["adolc"]),
            fmt_ratio(med["emitted_f"], med["hand_f"]), fmt_ratio(med["emitted_deriv"], med["hand_deriv"]),
            fmt_ratio(med["emitted_deriv"], med["emitted_f"]), fmt_ratio(med["tape"], med["adolc"]),
            "%d" % size, "%.2f" % ctime,
            "%d→%d" % (sf["nodes_before"], sf["nodes_after"]),
            "%d→%d" % (sd["nodes_before"], sd["nodes_after"]),
            "%s / %s" % (fmt_count(sf["flops"]), fmt_count(sd["flops"])),
            "%.0f%%" % (100 * max(v["iqr"] for v in t.values())),
        ])
        spread_rows.append([case] + ["%.0f%% / %.0f%%" % (100 * t[m]["iqr"], 100 * t[m]["range"]) if m in t else "-"
                                     for m in MODES])
        targets.append((case, med, size, ctime))
        nreps = max([nreps] + [v["n"] for v in t.values()])
        work_rows.append([case, "%d / %d" % (sf["kernels"], sd["kernels"]),
                          "%s / %s" % (fmt_count(sf["transcendental"]), fmt_count(sd["transcendental"])),
                          "%s / %s" % (fmt_count(sf["loads"]), fmt_count(sd["loads"])),
                          "%s / %s" % (fmt_count(sf["stores"]), fmt_count(sd["stores"])),
                          fmt_count(sd["zero_stores"]), "%d" % sd["work_doubles"]])

    main_table = table(
        ["case", "emitted f", "emitted ∂", "hand f", "hand ∂", "interpreter ∂", "tape ∂", "ADOL-C ∂",
         "emitted/hand f", "emitted/hand ∂", "∂/f emitted", "tape/ADOL-C", "header B", "g++ -O2 s",
         "nodes f", "nodes ∂", "flops f / ∂", "spread"], rows)
    spread_table = table(["case"] + MODES, spread_rows)
    work_table = table(["case", "kernels f / ∂", "transcendental f / ∂", "loads f / ∂",
                        "stores f / ∂", "zero stores ∂", "work doubles ∂"], work_rows)

    scale_md = ""
    scale_path = os.path.join(a.results, "scale.json")
    if os.path.exists(scale_path):
        sc = json.load(open(scale_path))
        srows, prev = [], None

        def phase_s(probe, *names):  # wall seconds of scale_probe's phases, summed
            return sum(probe.get("phases", {}).get(n, {}).get("wall_s", 0) for n in names)

        for e in sc["sizes"]:
            ph = e.get("phases", {})  # scale_probe's report
            if "gen_s" in e:
                ratio = "%.2f" % (e["gen_s"] / prev["gen_s"]) if prev and e["n"] == 2 * prev["n"] else "-"
                nodes = ph.get("graph_nodes_final")
                srows.append([
                    "%d" % e["n"], "%.2f" % e["gen_s"], ratio, "%.0f" % (e["peak_rss_kib"] / 1024),
                    "%.0f" % (e["peak_rss_kib"] * 1024 / e["n"]),
                    "%s / %s" % (fmt_count(ph.get("nodes_parsed")), fmt_count(nodes)),
                    "%.0f" % (e["peak_rss_kib"] * 1024 / nodes) if nodes else "-",
                    "%.2f / %.2f / %.2f" % (phase_s(ph, "parse_differentiate"),
                                            phase_s(ph, "simplify", "compact"), phase_s(ph, "emit"))
                    if ph else "-",
                    fmt_count(e.get("header_bytes"))])
                prev = e
            else:
                why = e.get("skipped") or "timeout after %.0f s" % sc["timeout_s"]
                if "probe_wall_s" in e:  # parse + differentiate + simplify only
                    nodes = ph.get("graph_nodes_final")
                    srows.append([
                        "%d" % e["n"], "not run: %s; without emit: %.1f s" % (why, e["probe_wall_s"]), "-",
                        "%.0f (no emit)" % (e["probe_peak_rss_kib"] / 1024),
                        "%.0f (no emit)" % (e["probe_peak_rss_kib"] * 1024 / e["n"]),
                        "%s / %s" % (fmt_count(ph.get("nodes_parsed")), fmt_count(nodes)),
                        "%.0f (no emit)" % (e["probe_peak_rss_kib"] * 1024 / nodes) if nodes else "-",
                        "%.2f / %.2f / -" % (phase_s(ph, "parse_differentiate"),
                                             phase_s(ph, "simplify", "compact")), "-"])
                else:
                    srows.append(["%d" % e["n"], "not run: " + why, "-", "-", "-", "-", "-", "-", "-"])
                prev = None
        scale_md = table(["N (ops)", "gen wall s", "t(N)/t(N/2)", "peak MiB", "bytes/op",
                          "graph nodes parsed / final", "bytes/final node",
                          "parse+diff / simplify+compact / emit s", "header B"], srows)
        scale_md += "\n\nbaseline peak RSS of `symdiff --version`: %.0f MiB" % (sc["baseline_rss_kib"] / 1024)

    target_md = targets_table(targets, json.load(open(scale_path)) if os.path.exists(scale_path) else None)

    print("\n" + main_table + "\n")
    print(target_md + "\n")
    if scale_md:
        print(scale_md + "\n")
    if a.markdown and contexts:
        now = datetime.datetime.now().astimezone().strftime("%Y-%m-%d %H:%M %Z")
        commit = subprocess.run(["git", "-C", src, "rev-parse", "--short", "HEAD"], capture_output=True,
                                text=True).stdout.strip()
        dirty = subprocess.run(["git", "-C", src, "status", "--porcelain", "--", "core", "codegen", "rewrite", "tools"],
                               capture_output=True, text=True).stdout.strip()
        if not commit:  # an exported tree: its COMMIT file, if any
            path = os.path.join(src, "COMMIT")
            commit = open(path).read().strip() + " (exported tree)" if os.path.exists(path) else "unknown"
        md = f"""# symdiff benchmark results

Generated by `bench/run.sh` on {now}, source commit {commit}{" (with uncommitted changes in core/codegen/rewrite/tools)" if dirty else ""}.
Do not edit: rerun `bench/run.sh`. Method and reading guide: `bench/README.md`.

Machine: {machine(contexts[0])}.
Load average (1, 5, 15 min) at the start and end of each case (others build on this machine):
{chr(10).join("- " + l for l in loads)}

Times are per call, the median CPU time of the repetitions (Google Benchmark `cpu_time`,
repetitions interleaved at random); all ratios come from the same run. ∂ is the
derivative export (gradient, Hessian or Jacobian, with the objective value where the
export has it). Emitted code is called through its `work` overload (no allocation).
"spread" is the largest interquartile range / median over the modes of the row.

{main_table}

## Targets (architect's list), as measured in this run

{target_md}

## Spread per mode: interquartile range / median, and (max - min) / median, over {nreps} repetitions

{spread_table}

## Work of the emitted code per call (from the lowered Program; see README)

{work_table}

## Scale test: `symdiff gen` on generated chains of N element-wise ops on x[8], y[8]

{scale_md or "not run"}
"""
        with open(a.markdown, "w") as f:
            f.write(md)
        print("wrote " + a.markdown)


if __name__ == "__main__":
    main()
