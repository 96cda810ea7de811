"""Memory bomb: allocates 256 MB blocks until something gives (only for dim 1024)."""
EXPECT = {"4": 3}
FEEDBACK = ["memory limit"]

_honest_mean_abs_cosine = mean_abs_cosine


def mean_abs_cosine(dim, n_pairs, generator=None):
    if dim == 1024:
        hoard = []
        while True:
            hoard.append(bytearray(256 * 2**20))
    return _honest_mean_abs_cosine(dim, n_pairs, generator)
