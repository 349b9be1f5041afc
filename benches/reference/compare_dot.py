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

On a shared machine rounds seconds apart can fall in different phases (here, stretches in
which everything runs a quarter slower), and then the rounds' ratios scatter by 10-30%.
`--paired SECS` measures one thread in pairs instead: the Rust bench serves products on
request (`--serve`) and this script times numpy's in between, in slices of about 5 ms (or one
call) whose order alternates; each slice of ours is paired with the slice of OpenBLAS's next to
it, by the median time of their calls. It prints per shape the median of the pairs' ratios
(ours' speed over OpenBLAS's) with its quartiles, and the same over the calm pairs alone (both
slices within 10% of their side's best); the GFLOP/s are the median and best slices.
numpy's times include the Python call around `np.dot`, about a microsecond, 1-2% of the
smallest products. It runs on the lowest core it may use; the machine's slow stretches come
core by core, so `taskset -c 1` runs it on the other one.

`--avx2` holds both sides to AVX2+FMA, as on a processor without AVX-512 (the AMD Zen 3 that
issue 6's figures come from): our bench runs its AVX2 build (`--kernel=avx2`) and OpenBLAS its
Haswell kernels (`OPENBLAS_CORETYPE=Haswell`, which numpy's OpenBLAS, built for every x86-64
core it knows, honours). On a processor with AVX-512 that is a stand-in for such a machine,
not a measurement of one: its caches and its multiply-add units are its own.
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
sys.path.insert(0, str(HERE))
# numpy, imported by sgemm, is used in this process only by --paired, on one thread; the
# rounds give each of their runs its own thread count.
os.environ["OPENBLAS_NUM_THREADS"] = "1"
# --avx2 (see main) must reach OpenBLAS before numpy loads it, here and in the runs of sgemm.py.
if "--avx2" in sys.argv[1:]:
    os.environ["OPENBLAS_CORETYPE"] = "Haswell"
from sgemm import SHAPES, operands  # noqa: E402  (the shapes both programs time, same names)

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


def quartiles(values):
    """The 25th, 50th and 75th percentiles."""
    values = sorted(values)
    return [values[int((len(values) - 1) * q)] for q in (0.25, 0.5, 0.75)]


def paired(bench, kernel, shapes, secs):
    """One thread, ours and OpenBLAS in pairs of slices (see the module's doc)."""
    import numpy as np

    # Both programs on one core: the two cores of a shared machine are busy at different
    # times, and a program woken from a pipe may be put on either.
    cpu = min(os.sched_getaffinity(0))
    os.sched_setaffinity(0, {cpu})
    server = subprocess.Popen([bench, "--serve"] + kernel, stdin=subprocess.PIPE,
                              stdout=subprocess.PIPE, text=True)

    def ours(calls, name):
        server.stdin.write(f"{calls}\t1\t{name}\n")
        server.stdin.flush()
        line = server.stdout.readline()
        if not line or line.startswith("error"):
            sys.exit(f"{bench} --serve: {line.strip() or 'no answer'} (shape {name!r})")
        return [float(t) for t in line.split()]

    def blas(calls, f):
        times = []
        for _ in range(calls):
            start = time.perf_counter()
            f()
            times.append(time.perf_counter() - start)
        return times

    rng = np.random.default_rng(42)
    print(f"One thread, in pairs of slices for {secs:g} s a shape; ratio = ours' speed / "
          "OpenBLAS's per pair, median (p25-p75)")
    print(f"| {'shape':<30} | {'ours GFLOP/s':>14} | {'OpenBLAS':>14} | {'pairs':>6} "
          f"| {'ratio (p25-p75)':>17} | {'calm pairs':>10} | {'calm ratio':>10} |")
    print(f"|{'-' * 32}|{'-' * 15}:|{'-' * 15}:|{'-' * 7}:|{'-' * 18}:|{'-' * 11}:|{'-' * 11}:|")
    for shape in SHAPES:
        name, m, k, n = shape[:4]
        if name not in shapes:
            continue
        a, b, c = operands(shape, rng)
        f = lambda: np.dot(a, b, out=c)  # noqa: E731
        first = min(ours(3, name) + blas(3, f))
        calls = max(1, min(100, int(0.005 / first)))
        # Per slice: the median time of its calls, ours and OpenBLAS's side by side.
        ours_t, blas_t = [], []
        start = time.perf_counter()
        while time.perf_counter() - start < secs:
            if len(ours_t) % 2 == 0:
                ours_t.append(statistics.median(ours(calls, name)))
                blas_t.append(statistics.median(blas(calls, f)))
            else:
                blas_t.append(statistics.median(blas(calls, f)))
                ours_t.append(statistics.median(ours(calls, name)))
        ratios = [t / o for o, t in zip(ours_t, blas_t)]
        best_o, best_b = min(ours_t), min(blas_t)
        calm = [r for r, o, t in zip(ratios, ours_t, blas_t) if o < 1.1 * best_o and t < 1.1 * best_b]
        gflops = lambda times: 2.0 * m * k * n / statistics.median(times) / 1e9  # noqa: E731
        cell = lambda times: f"{gflops(times):6.1f} [{2.0 * m * k * n / min(times) / 1e9:5.1f}]"  # noqa: E731
        q25, q50, q75 = quartiles(ratios)
        calm_ratio = f"{statistics.median(calm):.3f}" if calm else "-"
        print(f"| {name:<30} | {cell(ours_t)} | {cell(blas_t)} | {len(ratios):>6} "
              f"| {q50:.3f} ({q25:.3f}-{q75:.3f}) | {len(calm):>10} | {calm_ratio:>10} |",
              flush=True)
    server.stdin.close()
    server.wait()


def openblas_core(python):
    """The kernels numpy's OpenBLAS picks under this environment ("Haswell", "SkylakeX", ...),
    as it reports them when loaded with OPENBLAS_VERBOSE=2; None if it says nothing."""
    out = subprocess.run([python, "-c", "import numpy"], capture_output=True, text=True,
                         env=dict(os.environ, OPENBLAS_VERBOSE="2"))
    found = re.findall(r"^Core: (\S+)", out.stdout + out.stderr, re.MULTILINE)
    return found[-1] if found else None


def main():
    # No abbreviations: --avx2 is looked for whole before numpy is loaded (above).
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0], allow_abbrev=False)
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--paired", type=float, metavar="SECS",
                    help="one thread, in pairs against OpenBLAS, SECS a shape (no rounds)")
    ap.add_argument("--quick", action="store_true", help="time each figure for ~0.2 s")
    ap.add_argument("--avx2", action="store_true",
                    help="both sides AVX2+FMA only: our AVX2 build, OpenBLAS's Haswell kernels")
    ap.add_argument("--python", default=sys.executable)
    ap.add_argument("names", nargs="*", help="only the shapes whose name contains one of these")
    args = ap.parse_args()

    shapes = [s[0] for s in SHAPES if not args.names or any(n in s[0] for n in args.names)]
    if not shapes:
        ap.error(f"no shape's name contains any of {args.names}")
    kernel = ["--kernel=avx2"] if args.avx2 else []
    if args.avx2:
        # An OpenBLAS built for one processor ignores OPENBLAS_CORETYPE: say so, rather than
        # set our AVX2 build against its widest kernels.
        for python in {sys.executable, args.python}:
            core = openblas_core(python)
            if core != "Haswell":
                sys.exit(f"--avx2: numpy's OpenBLAS under {python} runs its {core or 'unnamed'} "
                         "kernels with OPENBLAS_CORETYPE=Haswell, expected Haswell")
        print("AVX2+FMA only: our --kernel=avx2 against OpenBLAS's Haswell kernels "
              "(OPENBLAS_CORETYPE=Haswell)")
    if args.paired is not None:
        if not args.paired > 0:
            ap.error(f"--paired: expected a positive number of seconds, got {args.paired}")
        paired(bench_binary(), kernel, shapes, args.paired)
        return
    ours_cmd = [bench_binary(), "--no-train", "--no-naive"] + kernel
    ours_cmd += ["--quick"] if args.quick else []
    blas_cmd = [args.python, str(HERE / "sgemm.py")] + (["--quick"] if args.quick else [])
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
