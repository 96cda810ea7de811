"""A1, task 1: the output size of a 2-D convolution.

For one spatial axis with input size ``H``, kernel size ``K``, zero padding ``p`` on each
edge, stride ``s`` and dilation ``d`` (the kernel taps are ``d`` pixels apart, so the kernel
covers ``d(K - 1) + 1`` pixels)::

    H_out = floor((H + 2p - d(K - 1) - 1) / s) + 1

With ``d = 1`` this is ``floor((H + 2p - K) / s) + 1``. Two cases worth remembering:
"valid" (``p = 0, s = 1``) gives ``H - K + 1``; "same" (odd ``K``, ``p = (K - 1) / 2``,
``s = 1``) gives ``H``. PyTorch's ``nn.Conv2d`` follows exactly this formula.
"""


def conv2d_output_size(input_size, kernel_size, padding=0, stride=1, dilation=1) -> tuple[int, int]:
    """Output ``(H_out, W_out)`` of a 2-D convolution, as a tuple of two Python ints.

    Every argument is either one int (used for both axes) or a pair ``(height, width)``:
    ``input_size = (H, W)``, ``kernel_size = (K_H, K_W)``, ``padding`` (zeros added on *each*
    edge), ``stride``, ``dilation``. Per axis::

        out = floor((size + 2 * padding - dilation * (kernel - 1) - 1) / stride) + 1

    Raises:
        ValueError: if a size, kernel, stride or dilation is not positive, if a padding is
            negative, or if the (dilated) kernel is larger than the padded input.
    """
    ### BEGIN SOLUTION hint: handle int-or-pair arguments, validate them, then apply the formula per axis
    def as_pair(value, name):
        pair = (value, value) if isinstance(value, int) else tuple(value)
        if len(pair) != 2 or not all(isinstance(v, int) for v in pair):
            raise ValueError(f"{name}: expected an int or an (int, int) pair, not {value!r}")
        return pair

    sizes = as_pair(input_size, "input_size")
    kernels = as_pair(kernel_size, "kernel_size")
    paddings = as_pair(padding, "padding")
    strides = as_pair(stride, "stride")
    dilations = as_pair(dilation, "dilation")
    out = []
    for size, k, p, s, d in zip(sizes, kernels, paddings, strides, dilations):
        if size <= 0 or k <= 0 or s <= 0 or d <= 0:
            raise ValueError(f"sizes, kernel, stride and dilation must be positive (got size={size}, "
                             f"kernel={k}, stride={s}, dilation={d})")
        if p < 0:
            raise ValueError(f"padding must be non-negative, got {p}")
        span = d * (k - 1) + 1
        if span > size + 2 * p:
            raise ValueError(f"the kernel covers {span} pixels, more than the padded input ({size + 2 * p})")
        out.append((size + 2 * p - span) // s + 1)
    return out[0], out[1]
    ### END SOLUTION
