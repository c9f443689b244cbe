"""Output sizes of the convlab ops, mirroring csrc/conv2d/conv2d.cpp and csrc/pool2d/pool2d.cpp,
for the fake (meta) kernels that torch.compile and opcheck trace through."""


def conv_output_size(size: int, kernel: int, stride: int, padding: int, dilation: int) -> int:
    return (size + 2 * padding - dilation * (kernel - 1) - 1) // stride + 1


def pool_output_size(
    size: int, kernel: int, stride: int, padding: int, dilation: int, ceil_mode: bool
) -> int:
    span = size + 2 * padding - dilation * (kernel - 1) - 1 + (stride - 1 if ceil_mode else 0)
    out = span // stride + 1
    if ceil_mode and (out - 1) * stride >= size + padding:
        out -= 1
    return out


def pooled_shape(input, kernel_size, stride, padding, dilation, ceil_mode) -> tuple:
    """(N, C, out_h, out_w) of a 2-D sliding-window pooling, for the fake kernels."""
    if input.dim() != 4:
        raise ValueError("convlab pooling: expected input to be a 4-D tensor (N, C, H, W)")
    sizes = [pool_output_size(input.size(2 + i), kernel_size[i], stride[i], padding[i],
                              dilation[i], ceil_mode) for i in range(2)]
    if min(sizes) < 1:
        raise ValueError("convlab pooling: kernel_size larger than the padded input")
    return (input.size(0), input.size(1), *sizes)
