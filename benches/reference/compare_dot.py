"""Times our `dot` and numpy's (OpenBLAS) shape by shape, alternately, several rounds, and prints
the medians side by side with their ratio: the per-shape table of issue 6, measured in one
sitting rather than in two runs an hour apart.

A benchmark aid, not a dependency of the crate. Needs numpy in a venv outside the crate (see
compare.py) and the Rust bench built:

    cargo bench --bench matmul --no-run
    /work/venv/bin/python benches/reference/compare_dot.py --rounds 3

Each round times, for each shape in turn: ours (`benches/matmul.rs` on that shape alone, 1 and
2 threads), then OpenBLAS on 1 thread, then on 2 (`sgemm.py` with OPENBLAS_NUM_THREADS), each
for about a second per figure (`--quick`: 0.2 s). Each program reports the median GFLOP/s of
the products it timed one by one, and the best; the table gives, per shape, the median over
the rounds of those medians, the best of the bests, and the median of the rounds' ratios
(ours / OpenBLAS, above 1.00 when ours is faster). Name shapes to time only those whose name
contains one of the words given, as both programs do.
"""

import argparse
import os
import re
import statistics
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
CRATE = HERE.parent.parent
sys.path.insert(0, str(HERE))
from sgemm import SHAPES  # noqa: E402  (the shapes both programs time, under the same names)

FIGURE = re.compile(r"([0-9]+(?:\.[0-9]+)?) \[([0-9]+(?:\.[0-9]+)?)\]")


def bench_binary():
    """The path of the built `benches/matmul.rs`, as cargo reports it."""
    out = subprocess.run(["cargo", "bench", "--bench", "matmul", "--no-run"], cwd=CRATE,
                         capture_output=True, text=True)
    found = re.findall(r"\((target/[^)]*matmul-[0-9a-f]+)\)", out.stderr)
    if out.returncode != 0 or not found:
        sys.exit(f"cargo bench --bench matmul --no-run failed:\n{out.stderr}")
    return str(CRATE / found[-1])


def figures(cmd, name, env=None):
    """The "median [best]" pairs printed on the line of shape `name` by `cmd`."""
    out = subprocess.run(cmd, capture_output=True, text=True, env=env)
    if out.returncode != 0:
        sys.exit(f"{' '.join(cmd)} failed ({out.returncode}):\n{out.stdout}{out.stderr}")
    for line in out.stdout.splitlines():
        if line.startswith(name):
            return [(float(m), float(b)) for m, b in FIGURE.findall(line[len(name):])]
    sys.exit(f"{' '.join(cmd)} printed no line for {name!r}:\n{out.stdout}")


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--quick", action="store_true", help="time each figure for ~0.2 s")
    ap.add_argument("--python", default=sys.executable)
    ap.add_argument("names", nargs="*", help="only the shapes whose name contains one of these")
    args = ap.parse_args()

    ours_cmd = [bench_binary(), "--no-train", "--no-naive"] + (["--quick"] if args.quick else [])
    blas_cmd = [args.python, str(HERE / "sgemm.py")] + (["--quick"] if args.quick else [])
    shapes = [s[0] for s in SHAPES if not args.names or any(n in s[0] for n in args.names)]
    # results[name][column] = list over rounds of (median, best)
    columns = ["ours 1T", "BLAS 1T", "ours 2T", "BLAS 2T"]
    results = {name: {c: [] for c in columns} for name in shapes}
    for r in range(args.rounds):
        for name in shapes:
            one, two = figures(ours_cmd + [name], name)
            blas = {}
            for threads in ("1", "2"):
                env = dict(os.environ, OPENBLAS_NUM_THREADS=threads)
                (blas[threads],) = figures(blas_cmd + [name], name, env)
            for column, figure in zip(columns, [one, blas["1"], two, blas["2"]]):
                results[name][column].append(figure)
            print(f"round {r + 1}: {name:<30} ours {one[0]:6.1f} / {two[0]:6.1f}   "
                  f"OpenBLAS {blas['1'][0]:6.1f} / {blas['2'][0]:6.1f}  (1T / 2T medians)",
                  flush=True)

    print(f"\nGFLOP/s, median over {args.rounds} alternating rounds of each program's median "
          "[best of its bests]; ratio = median of the rounds' ours / OpenBLAS")
    print(f"| {'shape':<30} | {'ours 1T':>14} | {'OpenBLAS 1T':>14} | {'ratio':>5} "
          f"| {'ours 2T':>14} | {'OpenBLAS 2T':>14} | {'ratio':>5} |")
    print(f"|{'-' * 32}|{'-' * 15}:|{'-' * 15}:|{'-' * 6}:|{'-' * 15}:|{'-' * 15}:|{'-' * 6}:|")
    for name in shapes:
        cells = []
        for ours_col, blas_col in (("ours 1T", "BLAS 1T"), ("ours 2T", "BLAS 2T")):
            ours, blas = results[name][ours_col], results[name][blas_col]
            ratio = statistics.median(o[0] / b[0] for o, b in zip(ours, blas))
            for runs in (ours, blas):
                med = statistics.median(m for m, _ in runs)
                best = max(b for _, b in runs)
                cells.append(f"{med:6.1f} [{best:5.1f}]")
            cells.append(f"{ratio:>5.2f}")
        print(f"| {name:<30} | " + " | ".join(cells) + " |")


if __name__ == "__main__":
    main()
