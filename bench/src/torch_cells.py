#!/usr/bin/python3
"""PyTorch's LSTM / GRU training update, timed, for bench/src/cells.ts.

    /usr/bin/python3 bench/src/torch_cells.py KIND HIDDEN INPUT STEPS BATCH SECONDS

The same update as weft's row: float64, one thread, zero the gradients,
nn.LSTM / nn.GRU over STEPS steps of BATCH dense inputs from the carried
(detached) state, loss = sum <R, h>, backward (x needs no gradient), one SGD
step. Warms up, then runs updates for about SECONDS and prints
{"updatesPerSecond", "torch", "threads", "blas"} as JSON.
"""
import json
import sys
import time

import torch


def main():
    kind, hidden, input_size, steps, batch, seconds = sys.argv[1:7]
    hidden, input_size, steps, batch, seconds = int(hidden), int(input_size), int(steps), int(batch), float(seconds)
    torch.set_num_threads(1)
    torch.set_default_dtype(torch.float64)
    torch.manual_seed(1)
    cell = (torch.nn.LSTM if kind == 'lstm' else torch.nn.GRU)(input_size, hidden)
    x = torch.randn(steps, batch, input_size)
    R = 0.1 * torch.randn(steps, batch, hidden)
    opt = torch.optim.SGD(cell.parameters(), lr=1e-3)
    state = [torch.zeros(1, batch, hidden)]
    if kind == 'lstm':
        state.append(torch.zeros(1, batch, hidden))

    def update():
        opt.zero_grad()
        s = tuple(t.detach() for t in state)
        out, new = cell(x, s if kind == 'lstm' else s[0])
        loss = (out * R).sum()
        loss.backward()
        opt.step()
        state[:] = list(new) if kind == 'lstm' else [new]
        return loss.item()

    end = time.perf_counter() + min(1.0, seconds / 2)
    while time.perf_counter() < end:
        update()
    n = 0
    start = time.perf_counter()
    while True:
        update()
        n += 1
        elapsed = time.perf_counter() - start
        if elapsed >= seconds:
            break
    config = torch.__config__.show()
    blas = next((part.split('=')[1] for part in config.replace(',', ' ').split() if part.startswith('BLAS_INFO=')), '?')
    print(json.dumps({'updatesPerSecond': n / elapsed, 'torch': torch.__version__, 'threads': torch.get_num_threads(), 'blas': blas}))


if __name__ == '__main__':
    main()
