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
    raise NotImplementedError('handle int-or-pair arguments, validate them, then apply the formula per axis')
