"""Classic mistakes for A3; each must lose points in the named tasks only (tests/test_mutants.py)."""
from autograder.mutants import Mutant

ENCODING = "positional_encoding.py"

MUTANTS = [
    Mutant(
        name="row_index_exponent",
        mistake="frequency exponent uses the row index r instead of 2k",
        file=ENCODING,
        old="""    angles = torch.outer(frequencies, tokens)  # (dim/2, n)
    encoding = torch.empty(dim, n_tokens, dtype=torch.float64)
    encoding[0::2] = torch.sin(angles)
    encoding[1::2] = torch.cos(angles)""",
        new="""    rows = torch.arange(dim, dtype=torch.float64)
    angles = torch.outer(torch.exp(-rows * math.log(10000.0) / dim), tokens)  # (dim, n)
    encoding = torch.empty(dim, n_tokens, dtype=torch.float64)
    encoding[0::2] = torch.sin(angles[0::2])
    encoding[1::2] = torch.cos(angles[1::2])""",
        loses=("2",),
        feedback="E differs at",
        keeps_tests=("test_shape_and_dtype", "test_first_column", "test_odd_dim_raises", "test_no_python_loop_over_tokens"),
    ),
    Mutant(
        name="sin_cos_swapped",
        mistake="cos on even rows and sin on odd rows",
        file=ENCODING,
        old="""    encoding[0::2] = torch.sin(angles)
    encoding[1::2] = torch.cos(angles)""",
        new="""    encoding[0::2] = torch.cos(angles)
    encoding[1::2] = torch.sin(angles)""",
        loses=("2",),
        feedback="E[:, 0] differs",
    ),
    Mutant(
        name="python_double_loop",
        mistake="correct values from a Python double loop over rows and tokens",
        file=ENCODING,
        old="""    two_k = torch.arange(0, dim, 2, dtype=torch.float64)
    frequencies = torch.exp(-two_k * math.log(10000.0) / dim)  # (dim/2,)
    tokens = torch.arange(n_tokens, dtype=torch.float64)  # (n,)
    angles = torch.outer(frequencies, tokens)  # (dim/2, n)
    encoding = torch.empty(dim, n_tokens, dtype=torch.float64)
    encoding[0::2] = torch.sin(angles)
    encoding[1::2] = torch.cos(angles)
    return encoding.to(torch.float32)""",
        new="""    encoding = torch.zeros(dim, n_tokens)
    for i in range(n_tokens):
        for k in range(dim // 2):
            w = math.exp(-2 * k * math.log(10000.0) / dim)
            encoding[2 * k, i] = math.sin(i * w)
            encoding[2 * k + 1, i] = math.cos(i * w)
    return encoding""",
        loses=("2",),
        feedback="lines of Python",
        keeps_tests=("test_shape_and_dtype", "test_small_example", "test_closed_form_values", "test_gram_is_toeplitz"),
    ),
    Mutant(
        name="add_without_mixed_terms",
        mistake="mode 'add' returns X^T X + E^T E (drops the mixed terms)",
        file=ENCODING,
        old="""    if mode == "add":
        K = X + E""",
        new="""    if mode == "add":
        return X.T @ X + E.T @ E""",
        loses=("3",),
        feedback="scores (add) differs",
    ),
    Mutant(
        name="concat_along_tokens",
        mistake="concatenates X and E along the token axis instead of the feature axis",
        file=ENCODING,
        old="K = torch.cat([X, E], dim=0)",
        new="K = torch.cat([X, E], dim=1)",
        loses=("3",),
        feedback="has shape",
    ),
    Mutant(
        name="cosine_without_abs",
        mistake="averages cos instead of |cos|",
        file=ENCODING,
        old="cosine_similarity(u, v, dim=1).abs().mean()",
        new="cosine_similarity(u, v, dim=1).mean()",
        loses=("4",),
        feedback="mean_abs_cosine(",
    ),
]
