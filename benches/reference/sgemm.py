"""numpy (OpenBLAS) sgemm GFLOP/s on the shapes of `cargo bench --bench matmul`, for comparison.

A benchmark aid, not part of the crate. Set the thread count in the environment, e.g.

    OPENBLAS_NUM_THREADS=1 /work/venv/bin/python benches/reference/sgemm.py
    OPENBLAS_NUM_THREADS=2 /work/venv/bin/python benches/reference/sgemm.py

Each figure is the median over the products timed one by one for about a second [and the
best one], as in the Rust bench.
Transposed operands are numpy views (`x.T`), as in the slides' Affine layer. The "MNIST"
shapes take A from the training images (random whole images, scaled to [0, 1]) as the Rust
bench does; OpenBLAS's time does not depend on the values, ours does (it skips A's zero
columns), so these rows are the fair comparison for the training loop's products. The
"lists" rows are the same products for OpenBLAS; ours gets A's lists of non-zeros already
made, as the training step's second `x · W1` and its `x.T · dout` do.
"""

import os
import sys
import time
from pathlib import Path

import numpy as np

SHAPES = [
    ("x·W1       100x784·784x50", 100, 784, 50, False, False),
    ("x.T·dout   784x100·100x50", 784, 100, 50, True, False),
    ("dout·W1.T  100x50·50x784", 100, 50, 784, False, True),
    ("X·W1     60000x784·784x50", 60000, 784, 50, False, False),
    ("x·W1 MNIST 100x784·784x50", 100, 784, 50, False, False),
    ("x.T·dout MNIST 784x100·100x50", 784, 100, 50, True, False),
    ("x·W1 MNIST lists 100x784·784x50", 100, 784, 50, False, False),
    ("x.T·dout MNIST lists 784x100·100x50", 784, 100, 50, True, False),
    ("X·W1 MNIST 60000x784·784x50", 60000, 784, 50, False, False),
    ("square 256", 256, 256, 256, False, False),
    ("square 512", 512, 512, 512, False, False),
    ("square 1024", 1024, 1024, 1024, False, False),
]


def measure(flop, secs, f):
    """Times f call by call for about `secs` (at least 5 calls): "median [best]" GFLOP/s."""
    f()
    start = time.perf_counter()
    rates = []
    while len(rates) < 5 or time.perf_counter() - start < secs:
        call = time.perf_counter()
        f()
        rates.append(flop / (time.perf_counter() - call) / 1e9)
    rates.sort()
    return f"{rates[len(rates) // 2]:.1f} [{rates[-1]:.1f}]"


def mnist_images(count, rng):
    """`count` random training images as rows of 784 float32 values in [0, 1]."""
    path = Path(__file__).resolve().parent.parent.parent / "data" / "mnist" / "train-images-idx3-ubyte"
    images = np.frombuffer(path.read_bytes(), dtype=np.uint8, offset=16).reshape(-1, 784)
    rows = rng.integers(0, images.shape[0], size=count)
    return images[rows].astype(np.float32) / 255.0


def operands(shape, rng):
    """A and B (views, as the product reads them) and an output C for one of SHAPES."""
    name, m, k, n, a_t, b_t = shape
    if "MNIST" in name:
        # Stored as images (rows of 784): x itself, or x for x.T.
        a = mnist_images(k if a_t else m, rng)
    else:
        a = rng.standard_normal((k, m) if a_t else (m, k), dtype=np.float32)
    b = rng.standard_normal((n, k) if b_t else (k, n), dtype=np.float32)
    return (a.T if a_t else a), (b.T if b_t else b), np.empty((m, n), dtype=np.float32)


def main():
    quick = "--quick" in sys.argv
    names = [a for a in sys.argv[1:] if not a.startswith("--")]
    secs = 0.2 if quick else 1.0
    threads = os.environ.get("OPENBLAS_NUM_THREADS", "(default)")
    print(f"numpy {np.__version__} float32 matmul GFLOP/s, OPENBLAS_NUM_THREADS={threads}, "
          "median [best] of the products timed one by one")
    rng = np.random.default_rng(42)
    for shape in SHAPES:
        name, m, k, n = shape[:4]
        if names and not any(f in name for f in names):
            continue
        a_op, b_op, c = operands(shape, rng)
        rate = measure(2.0 * m * k * n, secs, lambda: np.dot(a_op, b_op, out=c))
        print(f"{name:<28} {rate:>16}")


if __name__ == "__main__":
    main()
