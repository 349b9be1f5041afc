"""The slides' training program (誤差逆伝播法の実装), in numpy, as the yardstick for our binary.

Our own rendering of the slides' `TwoLayerNet` (Affine, Relu, Affine, SoftmaxWithLoss) and
training loop: 10000 iterations of batch 100, lr 0.1, weight_init_std 0.01, hidden 50, and an
evaluation of train and test accuracy every 600 iterations (17 in all). `gradient()` runs one
forward and the backward pass, and the loss after each update is a second forward pass, as on
the slides. The SoftmaxWithLoss backward divides by `batch_size` (the slides' `batch.size` is
a typo).

--dtype picks the arithmetic:
  slides   what the slides' code computes: x float32 (load_mnist normalises to float32),
           one-hot labels and all parameters float64 (np.zeros, np.random.randn), so the
           products run in float64 after an up-cast of x;
  float64  everything float64;
  float32  everything float32 (the fair comparison with our f32 arithmetic).

A benchmark aid, not a dependency of the crate. numpy lives in a venv outside the crate:
    python3 -m venv /work/venv && /work/venv/bin/pip install numpy
    /work/venv/bin/python benches/reference/train.py --dtype float32

The time printed last ("train loop") covers the loop only, not the loading of MNIST.
"""

import argparse
import time
from collections import OrderedDict
from pathlib import Path

import numpy as np


def read_idx(path, magic, header):
    data = Path(path).read_bytes()
    found = int.from_bytes(data[:4], "big")
    if found != magic:
        raise SystemExit(f"{path}: magic number {found}, expected {magic} (not an IDX file?)")
    return np.frombuffer(data, dtype=np.uint8, offset=header)


def load_mnist(data_dir, x_dtype, t_dtype):
    """`load_mnist(normalize=True, one_hot_label=True)`, with the dtypes chosen by --dtype."""
    d = Path(data_dir)
    out = []
    for images, labels in (("train-images-idx3-ubyte", "train-labels-idx1-ubyte"),
                           ("t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte")):
        x = read_idx(d / images, 2051, 16).reshape(-1, 784).astype(x_dtype) / x_dtype(255.0)
        label = read_idx(d / labels, 2049, 8)
        t = np.zeros((label.size, 10), dtype=t_dtype)
        t[np.arange(label.size), label] = 1
        out.append((x, t))
    return out


def softmax(x):
    x = x - np.max(x, axis=-1, keepdims=True)
    return np.exp(x) / np.sum(np.exp(x), axis=-1, keepdims=True)


def cross_entropy_error(y, t):
    if t.size == y.size:
        t = t.argmax(axis=1)
    batch_size = y.shape[0]
    return -np.sum(np.log(y[np.arange(batch_size), t] + 1e-7)) / batch_size


class Relu:
    def __init__(self):
        self.mask = None

    def forward(self, x):
        self.mask = (x <= 0)
        out = x.copy()
        out[self.mask] = 0
        return out

    def backward(self, dout):
        dout[self.mask] = 0
        return dout


class Affine:
    def __init__(self, W, b):
        self.W = W
        self.b = b
        self.x = None
        self.dW = None
        self.db = None

    def forward(self, x):
        self.x = x
        return np.dot(x, self.W) + self.b

    def backward(self, dout):
        dx = np.dot(dout, self.W.T)
        self.dW = np.dot(self.x.T, dout)
        self.db = np.sum(dout, axis=0)
        return dx


class SoftmaxWithLoss:
    def __init__(self):
        self.loss = None
        self.y = None
        self.t = None

    def forward(self, x, t):
        self.t = t
        self.y = softmax(x)
        self.loss = cross_entropy_error(self.y, self.t)
        return self.loss

    def backward(self, dout=1):
        batch_size = self.t.shape[0]
        return (self.y - self.t) / batch_size


class TwoLayerNet:
    def __init__(self, input_size, hidden_size, output_size, weight_init_std, dtype):
        self.params = {
            "W1": (weight_init_std * np.random.randn(input_size, hidden_size)).astype(dtype),
            "b1": np.zeros(hidden_size, dtype=dtype),
            "W2": (weight_init_std * np.random.randn(hidden_size, output_size)).astype(dtype),
            "b2": np.zeros(output_size, dtype=dtype),
        }
        self.layers = OrderedDict()
        self.layers["Affine1"] = Affine(self.params["W1"], self.params["b1"])
        self.layers["Relu1"] = Relu()
        self.layers["Affine2"] = Affine(self.params["W2"], self.params["b2"])
        self.lastLayer = SoftmaxWithLoss()

    def predict(self, x):
        for layer in self.layers.values():
            x = layer.forward(x)
        return x

    def loss(self, x, t):
        return self.lastLayer.forward(self.predict(x), t)

    def accuracy(self, x, t):
        y = np.argmax(self.predict(x), axis=1)
        if t.ndim != 1:
            t = np.argmax(t, axis=1)
        return np.sum(y == t) / float(x.shape[0])

    def gradient(self, x, t):
        self.loss(x, t)
        dout = self.lastLayer.backward(1)
        for layer in reversed(list(self.layers.values())):
            dout = layer.backward(dout)
        return {
            "W1": self.layers["Affine1"].dW,
            "b1": self.layers["Affine1"].db,
            "W2": self.layers["Affine2"].dW,
            "b2": self.layers["Affine2"].db,
        }


DTYPES = {
    # (x, t, parameters)
    "slides": (np.float32, np.float64, np.float64),
    "float64": (np.float64, np.float64, np.float64),
    "float32": (np.float32, np.float32, np.float32),
}


def main():
    here = Path(__file__).resolve().parent
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--dtype", choices=DTYPES, default="slides")
    ap.add_argument("--data", default=str(here.parent.parent / "data" / "mnist"))
    ap.add_argument("--iters", type=int, default=10000)
    ap.add_argument("--seed", type=int, default=42)
    args = ap.parse_args()

    x_dtype, t_dtype, p_dtype = DTYPES[args.dtype]
    (x_train, t_train), (x_test, t_test) = load_mnist(args.data, x_dtype, t_dtype)
    np.random.seed(args.seed)
    network = TwoLayerNet(784, 50, 10, 0.01, p_dtype)

    iters_num = args.iters
    train_size = x_train.shape[0]
    batch_size = 100
    learning_rate = 0.1
    iter_per_epoch = max(train_size / batch_size, 1)
    print(f"numpy {np.__version__}, dtype {args.dtype}: x {np.dtype(x_dtype).name}, "
          f"t {np.dtype(t_dtype).name}, params {np.dtype(p_dtype).name}")

    start = time.perf_counter()
    for i in range(iters_num):
        batch_mask = np.random.choice(train_size, batch_size)
        x_batch = x_train[batch_mask]
        t_batch = t_train[batch_mask]

        grad = network.gradient(x_batch, t_batch)
        for key in ("W1", "b1", "W2", "b2"):
            network.params[key] -= learning_rate * grad[key]

        loss = network.loss(x_batch, t_batch)

        if i % iter_per_epoch == 0:
            train_acc = network.accuracy(x_train, t_train)
            test_acc = network.accuracy(x_test, t_test)
            print(f"iter {i:5d}  loss {loss:.4f}  train acc {train_acc:.4f}  "
                  f"test acc {test_acc:.4f}  {time.perf_counter() - start:7.2f} s")
    print(f"train loop: {time.perf_counter() - start:.3f} s")


if __name__ == "__main__":
    main()
