"""Writes a 1 GB file (only for 100 pairs)."""
EXPECT = {"4": 3}
FEEDBACK = ["File too large", "file size limit of 16 MB"]

_honest_mean_abs_cosine = mean_abs_cosine


def mean_abs_cosine(dim, n_pairs, generator=None):
    if n_pairs == 100:
        with open("huge.bin", "wb") as fh:
            block = b"\0" * 2**20
            for _ in range(1024):
                fh.write(block)
    return _honest_mean_abs_cosine(dim, n_pairs, generator)
