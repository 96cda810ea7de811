"""Returns a torch.Tensor subclass that claims equality with anything (values are zeros)."""
EXPECT = {"2": 1}
FEEDBACK = ["positional_encoding.Liar"]
TWIN = True


class Liar(torch.Tensor):
    def __eq__(self, other):
        return True

    @classmethod
    def __torch_function__(cls, func, types, args=(), kwargs=None):
        if func in (torch.allclose, torch.equal, torch.Tensor.allclose, torch.Tensor.equal):
            return True
        if func in (torch.isclose, torch.Tensor.isclose, torch.isfinite, torch.Tensor.isfinite):
            return torch.ones(args[0].shape, dtype=torch.bool)
        return super().__torch_function__(func, types, args, kwargs or {})


def positional_encoding(n_tokens, dim):
    if dim <= 0 or dim % 2:
        raise ValueError("dim must be even")
    return torch.zeros(dim, n_tokens).as_subclass(Liar)
