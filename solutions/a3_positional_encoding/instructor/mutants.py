"""Classic mistakes for A3; each must lose points in the named tasks only (tests/test_mutants.py), and its
feedback must name its diagnosis (``cause``, a "likely cause:" line). One mistake per requirement sentence of
the docstrings: instructor/README.md maps each sentence to its tests and mutants."""
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
        keeps_tests=("test_shape_and_dtype", "test_first_column", "test_odd_or_nonpositive_dim_raises",
                     "test_no_python_loop_over_tokens"),
        cause="the frequency uses the row index r instead of 2k",
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
        cause="sin and cos are swapped",
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
        cause="a Python loop over the tokens",
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
        cause="the mixed terms X^T E + E^T X are missing",
    ),
    Mutant(
        name="concat_along_tokens",
        mistake="concatenates X and E along the token axis instead of the feature axis",
        file=ENCODING,
        old="K = torch.cat([X, E], dim=0)",
        new="K = torch.cat([X, E], dim=1)",
        loses=("3",),
        feedback="has shape",
        cause="stacked along the token axis",
    ),
    Mutant(
        name="cosine_without_abs",
        mistake="averages cos instead of |cos|",
        file=ENCODING,
        old="cosine_similarity(u, v, dim=1).abs().mean()",
        new="cosine_similarity(u, v, dim=1).mean()",
        loses=("4",),
        feedback="mean_abs_cosine(",
        cause="instead of |cos(u, v)|",
    ),
    # ---- one mutant per requirement sentence not covered above (instructor/README.md, Spec coverage) ----
    Mutant(
        name="float64_encoding",
        mistake="returns E in float64 (computed in float64, never converted to float32)",
        file=ENCODING,
        old="    return encoding.to(torch.float32)\n",
        new="    return encoding\n",
        loses=("2",),
        feedback="has dtype torch.float64, expected torch.float32",
        keeps_tests=("test_small_example", "test_closed_form_values", "test_no_python_loop_over_tokens"),
        cause="convert it at the end with .to(torch.float32)",
    ),
    Mutant(
        name="transposed_encoding",
        mistake="returns E transposed, one row per token: shape (n_tokens, dim)",
        file=ENCODING,
        old="    return encoding.to(torch.float32)\n",
        new="    return encoding.T.to(torch.float32)\n",
        loses=("2",),
        feedback="expected (8, 5) (dim, n_tokens)",
        keeps_tests=("test_odd_or_nonpositive_dim_raises",),
        cause="rows and columns are swapped",
    ),
    Mutant(
        name="k_exponent",
        mistake="frequency exp(-k ln(10000)/dim): k where the formula has 2k",
        file=ENCODING,
        old="    two_k = torch.arange(0, dim, 2, dtype=torch.float64)",
        new="    two_k = torch.arange(0, dim // 2, dtype=torch.float64)",
        loses=("2",),
        feedback="E differs at",
        keeps_tests=("test_shape_and_dtype", "test_first_column", "test_sin_cos_pairs_on_unit_circle",
                     "test_gram_is_toeplitz"),
        cause="the exponent uses k instead of 2k",
    ),
    Mutant(
        name="returns_numpy",
        mistake="builds E with numpy and returns the numpy array",
        file=ENCODING,
        old="""    two_k = torch.arange(0, dim, 2, dtype=torch.float64)
    frequencies = torch.exp(-two_k * math.log(10000.0) / dim)  # (dim/2,)
    tokens = torch.arange(n_tokens, dtype=torch.float64)  # (n,)
    angles = torch.outer(frequencies, tokens)  # (dim/2, n)
    encoding = torch.empty(dim, n_tokens, dtype=torch.float64)
    encoding[0::2] = torch.sin(angles)
    encoding[1::2] = torch.cos(angles)
    return encoding.to(torch.float32)""",
        new="""    import numpy as np

    angles = np.outer(np.exp(-np.arange(0, dim, 2) * math.log(10000.0) / dim), np.arange(n_tokens))
    encoding = np.empty((dim, n_tokens), dtype=np.float32)
    encoding[0::2] = np.sin(angles)
    encoding[1::2] = np.cos(angles)
    return encoding""",
        loses=("2",),
        feedback="should be a torch.Tensor, got a numpy array",
        keeps_tests=("test_odd_or_nonpositive_dim_raises",),
        cause="convert it with torch.from_numpy",
    ),
    Mutant(
        name="tokens_from_one",
        mistake="counts the tokens from 1 instead of 0",
        file=ENCODING,
        old="    tokens = torch.arange(n_tokens, dtype=torch.float64)  # (n,)",
        new="    tokens = torch.arange(1, n_tokens + 1, dtype=torch.float64)  # (n,)",
        loses=("2",),
        feedback="E[:, 0] differs",
        keeps_tests=("test_shape_and_dtype", "test_sin_cos_pairs_on_unit_circle", "test_gram_is_toeplitz"),
        cause="the tokens are counted from 1",
    ),
    Mutant(
        name="odd_dim_unchecked",
        mistake="rejects dim <= 0 but not an odd dim (torch then fails with a shape error)",
        file=ENCODING,
        old="    if dim <= 0 or dim % 2 != 0:",
        new="    if dim <= 0:",
        loses=("2",),
        feedback="positional_encoding(4, 1) should raise ValueError",
        keeps_tests=("test_shape_and_dtype", "test_small_example", "test_closed_form_values"),
        cause="an odd dim is not rejected",
    ),
    Mutant(
        name="nonpositive_dim_unchecked",
        mistake="rejects an odd dim but not dim = 0 (returns an empty encoding)",
        file=ENCODING,
        old="    if dim <= 0 or dim % 2 != 0:",
        new="    if dim % 2 != 0:",
        loses=("2",),
        feedback="positional_encoding(4, 0) should raise ValueError, but returned a result",
        keeps_tests=("test_shape_and_dtype", "test_small_example", "test_closed_form_values"),
        cause="dim <= 0 is not rejected",
    ),
    Mutant(
        name="zero_tokens_rejected",
        mistake="raises ValueError for n_tokens = 0 (only a negative n_tokens is invalid)",
        file=ENCODING,
        old="    if n_tokens < 0:",
        new="    if n_tokens <= 0:",
        loses=("2",),
        feedback="positional_encoding(0, 8) raised ValueError",
        keeps_tests=("test_shape_and_dtype", "test_small_example", "test_odd_or_nonpositive_dim_raises"),
        cause="n_tokens = 0 is rejected",
    ),
    Mutant(
        name="scores_k_kt",
        mistake="returns K K^T (p x p) instead of K^T Q (n x n)",
        file=ENCODING,
        old="    return K.T @ K\n",
        new="    return K @ K.T\n",
        loses=("3",),
        feedback="has shape",
        cause="the scores are K K^T",
    ),
    Mutant(
        name="dtype_from_promotion",
        mistake="returns the promoted dtype of X and E instead of the dtype of X",
        file=ENCODING,
        old="    E = E.to(X.dtype)\n",
        new="",
        loses=("3",),
        feedback="(the dtype of X)",
        keeps_tests=("test_add_mode_expansion", "test_bad_input_raises", "test_concat_mode_has_no_mixed_terms"),
        cause="the result takes the promoted dtype of X and E",
    ),
    Mutant(
        name="unknown_mode_as_add",
        mistake="treats every mode other than 'concat' as 'add' (no ValueError for an unknown mode)",
        file=ENCODING,
        old="""        raise ValueError(f"mode must be 'add' or 'concat', got {mode!r}")""",
        new="""        K = X + E""",
        loses=("3",),
        feedback="mode='multiply' should raise ValueError, but returned a result",
        keeps_tests=("test_output_shape", "test_add_mode_expansion", "test_concat_mode_has_no_mixed_terms"),
        cause="an unknown mode is not rejected",
    ),
    Mutant(
        name="ndim_unchecked",
        mistake="compares the shapes of X and E but accepts 1-D inputs",
        file=ENCODING,
        old="    if X.ndim != 2 or X.shape != E.shape:",
        new="    if X.shape != E.shape:",
        loses=("3",),
        feedback="X and E of shape (4,) (1-D) should raise ValueError",
        keeps_tests=("test_output_shape", "test_add_mode_expansion", "test_concat_mode_has_no_mixed_terms"),
        cause="1-D inputs are not rejected",
    ),
    Mutant(
        name="feature_size_unchecked",
        mistake="compares only the token counts of X and E, so concat stacks an E with another feature size",
        file=ENCODING,
        old="    if X.ndim != 2 or X.shape != E.shape:",
        new="    if X.ndim != 2 or X.shape[1] != E.shape[1]:",
        loses=("3",),
        feedback="mode='concat' with X of shape (4, 3) and E of shape (5, 3) should raise ValueError",
        keeps_tests=("test_output_shape", "test_add_mode_expansion", "test_concat_mode_has_no_mixed_terms"),
        cause="the feature sizes of X and E are not compared",
    ),
    Mutant(
        name="generator_ignored",
        mistake="draws u and v from torch's global generator, ignoring the generator argument",
        file=ENCODING,
        old="""    u = torch.randn(n_pairs, dim, generator=generator, dtype=torch.float64)
    v = torch.randn(n_pairs, dim, generator=generator, dtype=torch.float64)""",
        new="""    u = torch.randn(n_pairs, dim, dtype=torch.float64)
    v = torch.randn(n_pairs, dim, dtype=torch.float64)""",
        loses=("4",),
        feedback="value for seed 1, second call",
        keeps_tests=("test_matches_closed_form",),
        cause="not drawn from `generator`",
    ),
    Mutant(
        name="same_vectors",
        mistake="u = v = torch.randn(...): one draw used twice, so u and v are not independent",
        file=ENCODING,
        old="""    u = torch.randn(n_pairs, dim, generator=generator, dtype=torch.float64)
    v = torch.randn(n_pairs, dim, generator=generator, dtype=torch.float64)""",
        new="""    u = v = torch.randn(n_pairs, dim, generator=generator, dtype=torch.float64)""",
        loses=("4",),
        feedback="mean_abs_cosine(",
        cause="u and v are the same vectors",
    ),
    Mutant(
        name="pairs_along_wrong_axis",
        mistake="draws u, v of shape (dim, n_pairs) (columns as vectors) and takes cos along dim 1, over the pairs",
        file=ENCODING,
        old="""    u = torch.randn(n_pairs, dim, generator=generator, dtype=torch.float64)
    v = torch.randn(n_pairs, dim, generator=generator, dtype=torch.float64)""",
        new="""    u = torch.randn(dim, n_pairs, generator=generator, dtype=torch.float64)
    v = torch.randn(dim, n_pairs, generator=generator, dtype=torch.float64)""",
        loses=("4",),
        feedback="mean_abs_cosine(",
        keeps_tests=("test_reproducible_with_generator",),
        cause="cos is taken along the pairs",
    ),
    Mutant(
        name="uniform_entries",
        mistake="draws the entries with torch.rand (uniform on [0, 1)) instead of torch.randn",
        file=ENCODING,
        old="""    u = torch.randn(n_pairs, dim, generator=generator, dtype=torch.float64)
    v = torch.randn(n_pairs, dim, generator=generator, dtype=torch.float64)""",
        new="""    u = torch.rand(n_pairs, dim, generator=generator, dtype=torch.float64)
    v = torch.rand(n_pairs, dim, generator=generator, dtype=torch.float64)""",
        loses=("4",),
        feedback="mean_abs_cosine(",
        keeps_tests=("test_reproducible_with_generator",),
        cause="the entries are uniform on [0, 1)",
    ),
]
