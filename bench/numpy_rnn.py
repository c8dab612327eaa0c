#!/usr/bin/env python3
"""The numpy comparison for `npm run bench`: the report's char-RNN training
update (forward, BPTT, clip to +-5, AdaGrad), float64, batch 1, in two styles:

- "loop": min-char-rnn as the report wrote it, every product per time step
  (np.dot with a one-hot column, (n,1) column vectors);
- "batched": the best numpy we could write: only W h and W^T da run per
  step; the input columns, the output layer, its softmax and every weight
  gradient are computed for all T steps at once with matrix-matrix products,
  and AdaGrad works in place. This is the one the targets compare against.

It runs as a small server so that the Node benchmark can alternate it with
the other implementations in the same run:

    stdin:  setup <ids-file> <vocab> <hidden> <seq-length> <seed> <loop|batched>
            run <n>            -> prints the seconds taken by n updates
            info               -> prints one JSON line: numpy version, BLAS, core
            quit

<ids-file> holds the corpus as little-endian int32 token ids.
"""
import ctypes
import glob
import json
import os
import sys
import time

import numpy as np


def blas_info():
    """numpy's version, its BLAS library and (for OpenBLAS) the core kernel it selected."""
    info = {"numpy": np.__version__, "blas": "unknown", "core": "unknown", "threads": None}
    try:
        config = np.show_config(mode="dicts")
        blas = config["Build Dependencies"]["blas"]
        info["blas"] = f"{blas.get('name', '?')} {blas.get('version', '')}".strip()
        # numpy wheels ship OpenBLAS in numpy.libs; scipy-openblas prefixes and suffixes its symbols
        libdir = os.path.join(os.path.dirname(np.__file__), "..", "numpy.libs")
        for lib in glob.glob(os.path.join(libdir, "*openblas*")):
            handle = ctypes.CDLL(lib)
            for prefix, suffix in (("scipy_", "64_"), ("", "64_"), ("", "")):
                corename = getattr(handle, f"{prefix}openblas_get_corename{suffix}", None)
                if corename is None:
                    continue
                corename.restype = ctypes.c_char_p
                info["core"] = corename().decode()
                threads = getattr(handle, f"{prefix}openblas_get_num_threads{suffix}", None)
                if threads is not None:
                    info["threads"] = threads()
                return info
    except Exception as err:  # information only: never fail the benchmark for it
        info["error"] = str(err)
    return info


class Rnn:
    """min-char-rnn's model and update, with preallocated AdaGrad memories."""

    def __init__(self, ids, vocab, hidden, seq_length, seed):
        rng = np.random.default_rng(seed)
        self.ids, self.K, self.m, self.T = ids, vocab, hidden, seq_length
        self.Wxh = rng.standard_normal((hidden, vocab)) * 0.01  # U
        self.Whh = rng.standard_normal((hidden, hidden)) * 0.01  # W
        self.Why = rng.standard_normal((vocab, hidden)) * 0.01  # V
        self.bh = np.zeros((hidden, 1))
        self.by = np.zeros((vocab, 1))
        self.params = [self.Wxh, self.Whh, self.Why, self.bh, self.by]
        self.mem = [np.zeros_like(p) for p in self.params]
        self.h = np.zeros((hidden, 1))
        self.pos = 0

    def loss_and_grads(self, inputs, targets):
        xs, hs, ps = {}, {-1: self.h}, {}
        loss = 0.0
        for t in range(len(inputs)):
            xs[t] = np.zeros((self.K, 1))
            xs[t][inputs[t]] = 1
            hs[t] = np.tanh(self.Wxh @ xs[t] + self.Whh @ hs[t - 1] + self.bh)
            y = self.Why @ hs[t] + self.by
            e = np.exp(y - np.max(y))
            ps[t] = e / np.sum(e)
            loss += -np.log(ps[t][targets[t], 0])
        dWxh, dWhh, dWhy = np.zeros_like(self.Wxh), np.zeros_like(self.Whh), np.zeros_like(self.Why)
        dbh, dby = np.zeros_like(self.bh), np.zeros_like(self.by)
        dhnext = np.zeros_like(self.h)
        for t in reversed(range(len(inputs))):
            dy = ps[t].copy()
            dy[targets[t]] -= 1
            dWhy += dy @ hs[t].T
            dby += dy
            dh = self.Why.T @ dy + dhnext
            dhraw = (1 - hs[t] * hs[t]) * dh
            dbh += dhraw
            dWxh += dhraw @ xs[t].T
            dWhh += dhraw @ hs[t - 1].T
            dhnext = self.Whh.T @ dhraw
        self.h = hs[len(inputs) - 1]
        return loss, [dWxh, dWhh, dWhy, dbh, dby]

    def update(self):
        T = self.T
        if self.pos + T + 1 > len(self.ids):
            self.pos = 0
            self.h = np.zeros((self.m, 1))
        inputs = self.ids[self.pos : self.pos + T]
        targets = self.ids[self.pos + 1 : self.pos + T + 1]
        self.pos += T
        loss, grads = self.loss_and_grads(inputs, targets)
        for p, g, mem in zip(self.params, grads, self.mem):
            np.clip(g, -5, 5, out=g)
            mem += g * g
            p += -0.1 * g / np.sqrt(mem + 1e-8)
        return loss


class BatchedRnn(Rnn):
    """The same update with everything that does not depend on the previous
    step computed over all T steps at once (see the module docstring)."""

    def __init__(self, ids, vocab, hidden, seq_length, seed):
        super().__init__(ids, vocab, hidden, seq_length, seed)
        self.bh = self.bh.reshape(hidden)
        self.by = self.by.reshape(vocab)
        self.params = [self.Wxh, self.Whh, self.Why, self.bh, self.by]
        self.mem = [np.zeros_like(p) for p in self.params]
        self.h = np.zeros(hidden)
        self.H = np.zeros((seq_length + 1, hidden))
        self.DA = np.zeros((seq_length, hidden))
        self.tmp = [np.zeros_like(p) for p in self.params]

    def loss_and_grads(self, inputs, targets):
        T = len(inputs)
        U, W, V, b, c = self.params
        H, DA = self.H, self.DA
        H[0] = self.h
        A = U[:, inputs].T + b  # [T, m]: U x_t + b for every step
        for t in range(T):
            np.tanh(W @ H[t] + A[t], out=H[t + 1])
        Y = H[1:] @ V.T + c  # [T, K]
        Y -= Y.max(axis=1, keepdims=True)
        np.exp(Y, out=Y)
        Y /= Y.sum(axis=1, keepdims=True)
        rows = np.arange(T)
        loss = -np.log(Y[rows, targets]).sum()
        Y[rows, targets] -= 1  # dY
        dV = Y.T @ H[1:]
        dc = Y.sum(axis=0)
        dH = Y @ V  # [T, m]
        dhnext = np.zeros(self.m)
        for t in reversed(range(T)):
            h = H[t + 1]
            da = (1 - h * h) * (dH[t] + dhnext)
            DA[t] = da
            dhnext = W.T @ da
        dW = DA.T @ H[:-1]
        db = DA.sum(axis=0)
        dU = np.zeros_like(U)
        np.add.at(dU.T, inputs, DA)
        self.h = H[T].copy()
        return loss, [dU, dW, dV, db, dc]

    def update(self):
        T = self.T
        if self.pos + T + 1 > len(self.ids):
            self.pos = 0
            self.h = np.zeros(self.m)
        inputs = self.ids[self.pos : self.pos + T]
        targets = self.ids[self.pos + 1 : self.pos + T + 1]
        self.pos += T
        loss, grads = self.loss_and_grads(inputs, targets)
        for p, g, mem, tmp in zip(self.params, grads, self.mem, self.tmp):
            np.clip(g, -5, 5, out=g)
            np.multiply(g, g, out=tmp)
            mem += tmp
            np.add(mem, 1e-8, out=tmp)
            np.sqrt(tmp, out=tmp)
            np.divide(g, tmp, out=tmp)
            tmp *= 0.1
            p -= tmp
        return loss


def main():
    rnn = None
    for line in sys.stdin:
        parts = line.split()
        if not parts:
            continue
        cmd = parts[0]
        if cmd == "setup":
            style = parts[6] if len(parts) > 6 else "loop"
            ids = np.fromfile(parts[1], dtype="<i4")
            if style == "batched":
                rnn = BatchedRnn(ids, int(parts[2]), int(parts[3]), int(parts[4]), int(parts[5]))
            else:
                rnn = Rnn(ids.tolist(), int(parts[2]), int(parts[3]), int(parts[4]), int(parts[5]))
            print("ok", flush=True)
        elif cmd == "run":
            n = int(parts[1])
            start = time.perf_counter()
            for _ in range(n):
                rnn.update()
            print(time.perf_counter() - start, flush=True)
        elif cmd == "info":
            print(json.dumps(blas_info()), flush=True)
        elif cmd == "quit":
            return
        else:
            print(f"error unknown command {cmd}", flush=True)


if __name__ == "__main__":
    main()
