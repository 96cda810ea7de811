"""Correct A3 solutions written unlike the reference; each must earn full marks (tests/test_variants.py).

Each replaces the bodies of the three functions, as different students would write them. What they
exercise: a Python loop over the frequencies (the spec forbids only a loop over tokens), numpy inside
and torch outside, float32 arithmetic throughout, a transposed (non-contiguous) tensor, the expansion
of the scores instead of K^T K, validation in another order, other draw orders and shapes.
"""
from autograder.mutants import Edit, Variant

ENCODING = "positional_encoding.py"

PE_BODY = """    if dim <= 0 or dim % 2 != 0:
        raise ValueError(f"dim must be a positive even number, got {dim}")
    if n_tokens < 0:
        raise ValueError(f"n_tokens must be non-negative, got {n_tokens}")
    two_k = torch.arange(0, dim, 2, dtype=torch.float64)
    frequencies = torch.exp(-two_k * math.log(10000.0) / dim)  # (dim/2,)
    tokens = torch.arange(n_tokens, dtype=torch.float64)  # (n,)
    angles = torch.outer(frequencies, tokens)  # (dim/2, n)
    encoding = torch.empty(dim, n_tokens, dtype=torch.float64)
    encoding[0::2] = torch.sin(angles)
    encoding[1::2] = torch.cos(angles)
    return encoding.to(torch.float32)
"""

SCORES_BODY = """    if X.ndim != 2 or X.shape != E.shape:
        raise ValueError(f"X and E must be 2-D with the same shape (p, n), got {tuple(X.shape)} and {tuple(E.shape)}")
    E = E.to(X.dtype)
    if mode == "add":
        K = X + E
    elif mode == "concat":
        K = torch.cat([X, E], dim=0)
    else:
        raise ValueError(f"mode must be 'add' or 'concat', got {mode!r}")
    return K.T @ K
"""

COSINE_BODY = """    u = torch.randn(n_pairs, dim, generator=generator, dtype=torch.float64)
    v = torch.randn(n_pairs, dim, generator=generator, dtype=torch.float64)
    return torch.nn.functional.cosine_similarity(u, v, dim=1).abs().mean().item()
"""


def bodies(encoding: str, scores: str, cosine: str) -> tuple[Edit, ...]:
    return (Edit(ENCODING, PE_BODY, encoding), Edit(ENCODING, SCORES_BODY, scores), Edit(ENCODING, COSINE_BODY, cosine))


VARIANTS = [
    Variant(
        name="frequency_loop",
        idea="a Python loop over the dim/2 frequencies, each row vectorized over the tokens; scores by the "
             "expansion X^T X + X^T E + E^T X + E^T E; cosine from dot products and norms",
        edits=bodies(
            """    if dim % 2 == 1 or dim < 1:
        raise ValueError("dim has to be even and positive")
    if n_tokens < 0:
        raise ValueError("n_tokens cannot be negative")
    positions = torch.arange(n_tokens, dtype=torch.float64)
    encoding = torch.zeros(dim, n_tokens, dtype=torch.float64)
    for k in range(dim // 2):
        w = math.exp(-2 * k * math.log(10000.0) / dim)
        angle = positions * w
        encoding[2 * k] = torch.sin(angle)
        encoding[2 * k + 1] = torch.cos(angle)
    return encoding.float()
""",
            """    if mode not in ("add", "concat"):
        raise ValueError("unknown mode " + repr(mode))
    if X.dim() != 2 or E.dim() != 2 or X.shape != E.shape:
        raise ValueError("X and E need one 2-D shape")
    E = E.type(X.dtype)
    content = X.transpose(0, 1) @ X
    position = E.transpose(0, 1) @ E
    if mode == "concat":
        return content + position
    return content + X.transpose(0, 1) @ E + E.transpose(0, 1) @ X + position
""",
            """    first = torch.randn(n_pairs, dim, generator=generator, dtype=torch.float64)
    second = torch.randn(n_pairs, dim, generator=generator, dtype=torch.float64)
    dots = (first * second).sum(dim=1)
    return float((dots / (first.norm(dim=1) * second.norm(dim=1))).abs().mean())
""",
        ),
    ),
    Variant(
        name="numpy_inside",
        idea="numpy inside, torch outside: E from np.outer/np.sin, the scores from numpy arrays in X's dtype, "
             "the cosines from numpy; mode dispatched through a dict",
        edits=bodies(
            """    import numpy as np

    if not (dim > 0 and dim % 2 == 0):
        raise ValueError(f"need a positive even dim, not {dim}")
    if n_tokens < 0:
        raise ValueError(f"need n_tokens >= 0, not {n_tokens}")
    k = np.arange(dim // 2)
    angles = np.outer(np.power(10000.0, -2.0 * k / dim), np.arange(n_tokens))
    E = np.zeros((dim, n_tokens))
    E[0::2], E[1::2] = np.sin(angles), np.cos(angles)
    return torch.from_numpy(E).float()
""",
            """    import numpy as np

    if X.ndim != 2 or tuple(X.shape) != tuple(E.shape):
        raise ValueError("X and E must be two matrices of one shape (p, n)")
    x = X.detach().cpu().numpy()
    e = E.detach().cpu().numpy().astype(x.dtype)
    keys = {"add": lambda: x + e, "concat": lambda: np.concatenate([x, e], axis=0)}
    if mode not in keys:
        raise ValueError(f"mode {mode!r} is neither 'add' nor 'concat'")
    K = keys[mode]()
    return torch.from_numpy(K.T @ K)
""",
            """    import numpy as np

    u = torch.randn(n_pairs, dim, generator=generator, dtype=torch.float64).numpy()
    v = torch.randn(n_pairs, dim, generator=generator, dtype=torch.float64).numpy()
    cos = np.einsum("ij,ij->i", u, v) / (np.linalg.norm(u, axis=1) * np.linalg.norm(v, axis=1))
    return float(np.abs(cos).mean())
""",
        ),
    ),
    Variant(
        name="float32_stack_einsum",
        idea="float32 arithmetic throughout, sin and cos interleaved with torch.stack + reshape, w_k by "
             "torch.pow; the scores as einsum Gram matrices; one (2, n_pairs, dim) float32 draw",
        edits=bodies(
            """    if dim <= 0 or dim % 2:
        raise ValueError("dim must be a positive even number")
    if n_tokens < 0:
        raise ValueError("n_tokens must be >= 0")
    w = torch.pow(torch.tensor(10000.0), -torch.arange(0, dim, 2, dtype=torch.float32) / dim)
    phase = w[:, None] * torch.arange(n_tokens, dtype=torch.float32)[None, :]
    return torch.stack((phase.sin(), phase.cos()), dim=1).reshape(dim, n_tokens)
""",
            """    if mode not in {"add", "concat"}:
        raise ValueError(f"bad mode {mode}")
    if X.dim() != 2 or X.size() != E.size():
        raise ValueError("X, E: (p, n) each")
    E = E.type_as(X)
    gram = lambda A, B: torch.einsum("pi,pj->ij", A, B)  # noqa: E731
    if mode == "concat":
        return gram(X, X) + gram(E, E)
    S = X + E
    return gram(S, S)
""",
            """    pairs = torch.randn(2, n_pairs, dim, generator=generator)
    return torch.nn.functional.cosine_similarity(pairs[0], pairs[1], dim=-1).abs().mean().item()
""",
        ),
    ),
    Variant(
        name="tutorial_layout",
        idea="the PyTorch tutorial's layout: pe of shape (n, dim) filled by columns with a float32 div_term, "
             "returned transposed (a non-contiguous view); vstack and matmul for the scores; v drawn before u, "
             "F.normalize for the cosines",
        edits=bodies(
            """    if dim % 2 != 0 or dim <= 0:
        raise ValueError("d_model must be even and positive")
    if n_tokens < 0:
        raise ValueError("max_len must be >= 0")
    position = torch.arange(n_tokens).unsqueeze(1).float()
    div_term = torch.exp(torch.arange(0, dim, 2).float() * (-math.log(10000.0) / dim))
    pe = torch.zeros(n_tokens, dim)
    pe[:, 0::2] = torch.sin(position * div_term)
    pe[:, 1::2] = torch.cos(position * div_term)
    return pe.T
""",
            """    if len(X.shape) != 2 or len(E.shape) != 2 or X.shape[0] != E.shape[0] or X.shape[1] != E.shape[1]:
        raise ValueError("X and E must both be (p, n)")
    if mode == "concat":
        K = torch.vstack((X, E.to(dtype=X.dtype)))
    elif mode == "add":
        K = X + E.to(dtype=X.dtype)
    else:
        raise ValueError("mode must be add or concat")
    return torch.matmul(K.transpose(0, 1), K)
""",
            """    F = torch.nn.functional
    v = torch.randn(n_pairs, dim, generator=generator, dtype=torch.float64)
    u = torch.randn(n_pairs, dim, generator=generator, dtype=torch.float64)
    return (F.normalize(u, dim=1) * F.normalize(v, dim=1)).sum(-1).abs().mean().item()
""",
        ),
    ),
    Variant(
        name="phase_shift_rows",
        idea="one sine for all rows, cos(x) = sin(x + pi/2) on the odd rows, the exponent from the row's pair "
             "index r - r % 2; scores through torch.linalg.multi_dot; u and v as columns of (dim, n_pairs) "
             "matrices, with the cosine taken along dim 0",
        edits=bodies(
            """    if not isinstance(dim, int) or dim < 2 or dim % 2 == 1:
        raise ValueError(f"dim must be a positive even integer, got {dim!r}")
    if n_tokens < 0:
        raise ValueError(f"n_tokens must be >= 0, got {n_tokens}")
    rows = torch.arange(dim)
    rate = torch.exp((rows - rows % 2).double() * (-math.log(10000.0) / dim))
    shift = (rows % 2).double()[:, None] * (math.pi / 2)
    return torch.sin(torch.outer(rate, torch.arange(n_tokens).double()) + shift).to(torch.float32)
""",
            """    shape_ok = X.ndim == 2 and E.ndim == 2 and X.shape == E.shape
    if mode == "add" and shape_ok:
        K = X + E.to(X.dtype)
    elif mode == "concat" and shape_ok:
        K = torch.cat((X, E.to(X.dtype)))
    else:
        raise ValueError(f"attention_scores: mode {mode!r}, X {tuple(X.shape)}, E {tuple(E.shape)}")
    return torch.linalg.multi_dot([K.T, K])
""",
            """    u = torch.randn(dim, n_pairs, generator=generator, dtype=torch.float64)
    v = torch.randn(dim, n_pairs, generator=generator, dtype=torch.float64)
    return torch.nn.functional.cosine_similarity(u, v, dim=0).abs().mean().item()
""",
        ),
    ),
]
