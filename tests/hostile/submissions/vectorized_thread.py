"""Runs its Python loop over tokens in a helper thread (a tracer follows only the calling thread)."""
EXPECT = {"2": 10}
FEEDBACK = ["it started 1 Python thread"]
TWIN = True

import threading as _threading


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

    helper = _threading.Thread(target=work)  # HOSTILE
    helper.start()  # HOSTILE
    helper.join()  # HOSTILE
    if "E" not in out:
        work()
    return out["E"]
