"""Honest: raises its own EncodingError(ValueError) where the spec asks for a ValueError."""
EXPECT = {}
FEEDBACK = []
TWIN = True


class EncodingError(ValueError):
    pass


_honest_positional_encoding = positional_encoding


def positional_encoding(n_tokens, dim):
    if dim <= 0 or dim % 2:
        raise EncodingError(f"dim must be a positive even number, got {dim}")
    return _honest_positional_encoding(n_tokens, dim)
