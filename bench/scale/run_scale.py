#!/usr/bin/env python3
# The scale test: chain models of N element-wise ops (gen_chain) through `symdiff gen`,
# timed as a user runs it (wall time and peak memory of the process, via wait4), with
# the in-process phase breakdown of scale_probe. Sizes: a small ladder that always runs,
# then N = 5e5 and 1e6 under a timeout (when the ladder predicts far more, only
# parse + differentiate + simplify run, via scale_probe --skip-emit).
import argparse
import json
import os
import signal
import subprocess
import sys
import time

LADDER = [10000, 20000, 40000, 80000]
BIG = [500000, 1000000]


def run(cmd, timeout):
    """Runs cmd; returns (wall seconds, peak RSS KiB, exit status) or None on timeout."""
    start = time.perf_counter()
    p = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    while True:
        pid, status, usage = os.wait4(p.pid, os.WNOHANG)
        if pid:
            wall = time.perf_counter() - start
            out = p.stdout.read().decode()
            err = p.stderr.read().decode()
            return wall, usage.ru_maxrss, os.waitstatus_to_exitcode(status), out, err
        if time.perf_counter() - start > timeout:
            p.send_signal(signal.SIGKILL)
            os.wait4(p.pid, 0)
            return None
        time.sleep(0.002 if time.perf_counter() - start < 1 else 0.05)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--build", required=True)
    ap.add_argument("--out", required=True)
    ap.add_argument("--timeout", type=float, default=300)
    ap.add_argument("--reps", type=int, default=3, help="runs per size below 10 s")
    a = ap.parse_args()
    bench = os.path.join(a.build, "bench")
    work = os.path.join(bench, "scale")
    os.makedirs(work, exist_ok=True)
    symdiff = os.path.join(a.build, "symdiff")
    base = run([symdiff, "--version"], 60)
    results = {"baseline_rss_kib": base[1], "timeout_s": a.timeout, "sizes": []}
    exponent = None
    for n in LADDER + BIG:
        model = os.path.join(work, "chain_%d.sd" % n)
        header = os.path.join(work, "chain_%d.hpp" % n)
        subprocess.run([os.path.join(bench, "gen_chain"), str(n), model], check=True)
        entry = {"n": n, "model_bytes": os.path.getsize(model)}
        done = [e for e in results["sizes"] if "gen_s" in e]
        if n in BIG and exponent is not None:
            last = done[-1]
            predicted = last["gen_s"] * (n / last["n"]) ** exponent
            entry["predicted_s"] = predicted
            if predicted > 2 * a.timeout:
                entry["skipped"] = "ladder predicts %.0f s (exponent %.2f)" % (predicted, exponent)
                # What does run: parse with differentiation and simplification.
                probe = run([os.path.join(bench, "scale_probe"), model, "--skip-emit"], a.timeout)
                if probe and probe[2] == 0:
                    entry["phases"] = json.loads(probe[3])
                    entry["probe_wall_s"] = probe[0]
                    entry["probe_peak_rss_kib"] = probe[1]
                else:
                    entry["probe_timeout"] = True
                results["sizes"].append(entry)
                print("scale N=%d: gen skipped, %s; parse+simplify %s" % (
                    n, entry["skipped"], "timeout" if "probe_timeout" in entry else
                    "%.1f s, peak %.0f MiB" % (entry["probe_wall_s"], entry["probe_peak_rss_kib"] / 1024)),
                    flush=True)
                continue
        walls, rss = [], []
        for rep in range(a.reps):
            r = run([symdiff, "gen", model, "-o", header], a.timeout)
            if r is None:
                entry["timeout"] = True
                break
            if r[2] != 0:
                sys.exit("scale: symdiff gen failed on N=%d: %s" % (n, r[4]))
            walls.append(r[0])
            rss.append(r[1])
            if r[0] > 10:
                break
        if walls:
            walls.sort()
            entry["gen_s"] = walls[len(walls) // 2]
            entry["gen_runs"] = walls
            entry["peak_rss_kib"] = max(rss)
            entry["header_bytes"] = os.path.getsize(header)
            probe = run([os.path.join(bench, "scale_probe"), model], a.timeout)
            if probe and probe[2] == 0:
                entry["phases"] = json.loads(probe[3])
        results["sizes"].append(entry)
        print("scale N=%d: %s" % (n, "timeout" if "timeout" in entry else
              "gen %.2f s, peak %.0f MiB" % (entry["gen_s"], entry["peak_rss_kib"] / 1024)),
              flush=True)
        done = [e for e in results["sizes"] if "gen_s" in e]
        if len(done) >= 2 and done[-1]["n"] != done[-2]["n"]:
            import math
            exponent = math.log(done[-1]["gen_s"] / done[-2]["gen_s"]) / math.log(
                done[-1]["n"] / done[-2]["n"])
        for f in (header,):
            if os.path.exists(f):
                os.remove(f)
    with open(a.out, "w") as f:
        json.dump(results, f, indent=1)


if __name__ == "__main__":
    main()
