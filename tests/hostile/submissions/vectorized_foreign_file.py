"""Compiles its Python loop over tokens under a library's file name (torch's own __init__.py)."""
EXPECT = {"2": 10}
FEEDBACK = ["executed more than 4096 lines of Python"]
TWIN = True

_LOOP = '''
def positional_encoding(n_tokens, dim):
    if dim <= 0 or dim % 2:
        raise ValueError("dim must be a positive even number")
    frequencies = torch.exp(-torch.arange(0, dim, 2, dtype=torch.float64) * math.log(10000.0) / dim)
    encoding = torch.empty(dim, n_tokens, dtype=torch.float64)
    for i in range(n_tokens):
        encoding[0::2, i] = torch.sin(frequencies * i)
        encoding[1::2, i] = torch.cos(frequencies * i)
    return encoding.to(torch.float32)
'''
_namespace = {"torch": torch, "math": math}
exec(compile(_LOOP, torch.__file__, "exec"), _namespace)  # HOSTILE
if "positional_encoding" not in _namespace:
    exec(compile(_LOOP, __file__, "exec"), _namespace)
positional_encoding = _namespace["positional_encoding"]
