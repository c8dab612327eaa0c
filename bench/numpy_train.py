#!/usr/bin/env python3
"""The numpy side of the whole-process comparison in `npm run bench`: what
`char-rnn train --updates N` does, as a numpy user would write the run:
read the text, build the vocabulary (every distinct character, sorted), then
N updates of the time-batched model of numpy_rnn.py (batch 1, m = 100,
T = 25, clip +-5, AdaGrad lr 0.1) with min-char-rnn's smooth loss, a progress
line every 100 updates and the parameters saved (np.savez) at the end.
It does less than char-rnn (no samples, no checkpoints along the way, no
plot), so the comparison favours numpy.

    python3 numpy_train.py <text-file> <updates> <out.npz>

stderr: "numpy timing: first update done" right after the first update (the
benchmark timestamps the line as it arrives), then at the end
"numpy timing: peak <MiB> MiB resident" (getrusage, like char-rnn's
CHAR_RNN_TIMING=1 lines).
"""
import os
import resource
import sys

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from numpy_rnn import BatchedRnn  # noqa: E402  (the benchmark's time-batched update)

HIDDEN, SEQ_LENGTH, SEED = 100, 25, 1


def main():
    if len(sys.argv) != 4:
        sys.exit("usage: numpy_train.py <text-file> <updates> <out.npz>")
    path, updates, out = sys.argv[1], int(sys.argv[2]), sys.argv[3]
    with open(path, encoding="utf-8") as f:
        text = f.read()
    chars = sorted(set(text))
    index = {ch: i for i, ch in enumerate(chars)}
    ids = np.fromiter((index[ch] for ch in text), dtype=np.int32, count=len(text))
    rnn = BatchedRnn(ids, len(chars), HIDDEN, SEQ_LENGTH, SEED)
    smooth = -np.log(1.0 / len(chars)) * SEQ_LENGTH
    for n in range(1, updates + 1):
        loss = rnn.update()
        smooth = smooth * 0.999 + loss * 0.001
        if n == 1:
            print("numpy timing: first update done", file=sys.stderr, flush=True)
        if n % 100 == 0:
            print(f"update {n}: smooth loss {smooth:.4f}", flush=True)
    np.savez(out, *rnn.params)
    peak_mib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"numpy timing: peak {peak_mib:.1f} MiB resident", file=sys.stderr, flush=True)


if __name__ == "__main__":
    main()
