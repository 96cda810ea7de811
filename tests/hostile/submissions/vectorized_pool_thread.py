"""Runs its Python loop over tokens in a worker thread started at import, which waits idle for work
(no thread starts during the call; the worker's CPU time during the call gives it away)."""
EXPECT = {"2": 10}
FEEDBACK = ["another Python thread of your code worked while it ran"]
TWIN = True

import queue as _queue
import threading as _threading

_jobs, _done = _queue.Queue(), _queue.Queue()


def _worker():
    while True:
        _jobs.get()()
        _done.put(True)


_threading.Thread(target=_worker, daemon=True).start()  # HOSTILE


def positional_encoding(n_tokens, dim):
    if dim <= 0 or dim % 2:
        raise ValueError("dim must be a positive even number")
    out = {}

    def work():
        frequencies = torch.exp(-torch.arange(0, dim, 2, dtype=torch.float64) * math.log(10000.0) / dim)
        encoding = torch.empty(dim, n_tokens, dtype=torch.float64)
        for i in range(n_tokens):
            encoding[0::2, i] = torch.sin(frequencies * i)
            encoding[1::2, i] = torch.cos(frequencies * i)
        out["E"] = encoding.to(torch.float32)

    _jobs.put(work)  # HOSTILE
    _done.get()  # HOSTILE
    if "E" not in out:
        work()
    return out["E"]
