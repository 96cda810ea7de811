"""positional_encoding returns the right values except one NaN and one inf."""
EXPECT = {"2": 4}
FEEDBACK = ["non-finite"]
TWIN = True

_honest_positional_encoding = positional_encoding


def positional_encoding(n_tokens, dim):
    E = _honest_positional_encoding(n_tokens, dim)
    E[0, 0] = float("nan")
    E[-1, -1] = float("inf")
    return E
