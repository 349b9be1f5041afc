"""Runs our release binary and the numpy rendering of the slides' program alternately, several
times, on the same MNIST files, and prints medians, peak memory and the ratios.

A benchmark aid, not a dependency of the crate. Needs numpy in a venv outside the crate:

    python3 -m venv /work/venv && /work/venv/bin/pip install numpy
    cargo build --release
    /work/venv/bin/python benches/reference/compare.py --runs 3

Each round runs every contender once, in turn, so that a change in the machine's load hits
them all alike; the table gives the median over the rounds, the ratios of those medians, and
("per round") the median of each round's own loop ratio. "wall" is the whole process
(loading MNIST included); "loop" is the training loop as the program itself reports it
(numpy: the "train loop:" line; ours: the "N s in all" of its last line; both count the
evaluations and not the loading of MNIST).
Peak RSS comes from the kernel (wait4), the largest over the rounds.

The numpy runs use OpenBLAS's default thread count (all cores) unless --blas-threads is given;
ours uses all cores unless told otherwise, e.g. one thread each:

    /work/venv/bin/python benches/reference/compare.py --blas-threads 1 --binary-args="--threads 1"
"""

import argparse
import os
import re
import statistics
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
CRATE = HERE.parent.parent


def run_measured(cmd, env):
    """(wall seconds, peak RSS in MB, output) of one run of `cmd`; the RSS is the child's own,
    from wait4."""
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, env=env,
                            text=True)
    out = proc.stdout.read()
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - start
    proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.returncode != 0:
        sys.exit(f"{' '.join(cmd)} failed ({proc.returncode}):\n{out}")
    return wall, usage.ru_maxrss / 1024.0, out


def last_time(pattern, text):
    found = re.findall(pattern, text)
    return float(found[-1]) if found else None


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--binary", default=str(CRATE / "target" / "release" / "backprop"))
    ap.add_argument("--binary-args", default="",
                    help='extra arguments for our binary, as one string: --binary-args="--threads 1"')
    ap.add_argument("--time-regex", default=r"([0-9]+(?:\.[0-9]+)?) s in all",
                    help="where our binary reports the time of its loop (evaluations included, "
                         "loading excluded, as numpy's 'train loop')")
    ap.add_argument("--dtypes", default="float32,slides",
                    help="numpy variants, comma-separated: slides, float64, float32")
    ap.add_argument("--python", default=sys.executable)
    ap.add_argument("--blas-threads", default=None, help="OPENBLAS_NUM_THREADS for numpy")
    ap.add_argument("--iters", type=int, default=None, help="iterations, for a quick check")
    args = ap.parse_args()

    if not Path(args.binary).exists():
        sys.exit(f"{args.binary} not found: run `cargo build --release` first")
    ours = [args.binary] + args.binary_args.split()
    if args.iters is not None:
        ours += ["--iters", str(args.iters)]
    contenders = [("ours", ours, None)]
    for dtype in args.dtypes.split(","):
        cmd = [args.python, str(HERE / "train.py"), "--dtype", dtype,
               "--data", str(CRATE / "data" / "mnist")]
        if args.iters is not None:
            cmd += ["--iters", str(args.iters)]
        contenders.append((f"numpy {dtype}", cmd, r"train loop: ([0-9.]+) s"))

    env = dict(os.environ)
    if args.blas_threads is not None:
        env["OPENBLAS_NUM_THREADS"] = args.blas_threads

    results = {name: {"wall": [], "loop": [], "rss": []} for name, _, _ in contenders}
    for round_ in range(1, args.runs + 1):
        for name, cmd, pattern in contenders:
            wall, rss, out = run_measured(cmd, env)
            loop = last_time(pattern or args.time_regex, out)
            r = results[name]
            r["wall"].append(wall)
            r["rss"].append(rss)
            if loop is not None:
                r["loop"].append(loop)
            loop_s = f"{loop:.2f} s" if loop is not None else "-"
            print(f"round {round_}: {name:<14} wall {wall:7.2f} s  loop {loop_s:>9}  "
                  f"peak RSS {rss:6.0f} MB", flush=True)

    print()
    print(f"medians of {args.runs} alternating runs "
          f"(OPENBLAS_NUM_THREADS={env.get('OPENBLAS_NUM_THREADS', 'default')})")
    print(f"| {'program':<14} | {'wall (s)':>9} | {'loop (s)':>9} | {'peak RSS (MB)':>13} | "
          f"{'wall / ours':>11} | {'loop / ours':>11} | {'per round':>9} |")
    print(f"|{'-' * 16}|{'-' * 10}:|{'-' * 10}:|{'-' * 14}:|{'-' * 12}:|{'-' * 12}:|{'-' * 10}:|")
    ours_wall = statistics.median(results["ours"]["wall"])
    ours_loop = statistics.median(results["ours"]["loop"]) if results["ours"]["loop"] else None
    for name, _, _ in contenders:
        r = results[name]
        wall = statistics.median(r["wall"])
        loop = statistics.median(r["loop"]) if r["loop"] else None
        loop_s = f"{loop:.2f}" if loop is not None else "-"
        ratio_loop = f"{loop / ours_loop:.2f}x" if loop and ours_loop else "-"
        # Each round's loop over ours in the same round (run a few seconds apart), then their
        # median: less swayed than the ratio of the medians when the machine's speed changes
        # between rounds.
        pairs = list(zip(r["loop"], results["ours"]["loop"]))
        per_round = (f"{statistics.median(t / o for t, o in pairs):.2f}x"
                     if pairs and len(pairs) == args.runs else "-")
        print(f"| {name:<14} | {wall:9.2f} | {loop_s:>9} | {max(r['rss']):13.0f} | "
              f"{wall / ours_wall:10.2f}x | {ratio_loop:>11} | {per_round:>9} |")


if __name__ == "__main__":
    main()
