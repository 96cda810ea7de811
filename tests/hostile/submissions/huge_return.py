"""Returns a 160 GB tensor (an expanded view of one number) for dim 1024."""
EXPECT = {"4": 3}
FEEDBACK = ["memory limit"]

_honest_mean_abs_cosine = mean_abs_cosine


def mean_abs_cosine(dim, n_pairs, generator=None):
    if dim == 1024:
        return torch.zeros(1, dtype=torch.float32).expand(200_000, 200_000)
    return _honest_mean_abs_cosine(dim, n_pairs, generator)
