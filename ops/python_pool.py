"""The python backend's pooling, as torch.autograd.Functions with hand-written backward
passes: max pooling sends each output's gradient to the element that won its window (the
arg-max), average pooling spreads it evenly over the window, adaptive average pooling over
each output's bin. No torch pooling kernel runs."""

import torch

from .python_windows import add_windows, output_size, pad, windows


def _outputs(input, kernel, stride, padding, dilation, ceil_mode):
    return [output_size(input.size(2 + a), kernel[a], stride[a], padding[a], dilation[a],
                        ceil_mode) for a in range(2)]


class MaxPool2dFunction(torch.autograd.Function):
    """Returns (output, indices), indices flat over each input plane like torch's."""

    @staticmethod
    def forward(ctx, input, kernel, stride, padding, dilation, ceil_mode):
        batch, channels, height, width = input.shape
        outputs = _outputs(input, kernel, stride, padding, dilation, ceil_mode)
        # Every position's flat index in its plane, -1 on the padding.
        positions = torch.arange(height * width, device=input.device).view(height, width)
        position_windows = windows(pad(positions, padding, outputs, kernel, stride, dilation, -1),
                                   outputs, kernel, stride, dilation).flatten(-2)
        valid = position_windows >= 0
        if not valid.any(-1).all():
            # torch would read out of bounds there; convlab's op refuses it too.
            raise ValueError(f"max_pool2d: a window of kernel {kernel}, dilation {dilation} "
                             f"holds no input element (only padding {padding}) for input "
                             f"{tuple(input.shape)}")
        padded = pad(input, padding, outputs, kernel, stride, dilation, float("-inf"))
        values = windows(padded, outputs, kernel, stride, dilation).flatten(-2)
        # torch keeps the first largest element of the window (row-major); padding never wins,
        # so a window whose elements are all -inf picks its first real one.
        winner = values.argmax(-1)
        first_real = valid.int().argmax(-1)
        winner = torch.where(_at(valid, winner), winner, first_real)
        indices = _at(position_windows.expand(batch, channels, -1, -1, -1), winner)
        output = input.flatten(2).gather(2, indices.flatten(2)).view(indices.shape)
        ctx.save_for_backward(indices)
        ctx.input_shape = input.shape
        ctx.mark_non_differentiable(indices)
        return output, indices

    @staticmethod
    def backward(ctx, grad_output, _grad_indices):
        (indices,) = ctx.saved_tensors
        grad_input = grad_output.new_zeros(ctx.input_shape).flatten(2)
        # Overlapping windows can share a winner, whose gradients then add up.
        grad_input.scatter_add_(2, indices.flatten(2), grad_output.flatten(2))
        return grad_input.view(ctx.input_shape), None, None, None, None, None


def _at(per_tap: torch.Tensor, tap: torch.Tensor) -> torch.Tensor:
    """per_tap[..., tap] for every window: (..., k) picked by (...) -> (...)."""
    per_tap = per_tap.expand(*tap.shape, per_tap.size(-1))
    return per_tap.gather(-1, tap.unsqueeze(-1)).squeeze(-1)


class AvgPool2dFunction(torch.autograd.Function):
    @staticmethod
    def forward(ctx, input, kernel, stride, padding, ceil_mode, count_include_pad,
                divisor_override):
        outputs = _outputs(input, kernel, stride, padding, (1, 1), ceil_mode)
        divisor = _divisors(input, kernel, stride, padding, outputs, count_include_pad,
                            divisor_override)
        padded = pad(input, padding, outputs, kernel, stride, (1, 1), 0.0)
        output = windows(padded, outputs, kernel, stride, (1, 1)).sum((-2, -1)) / divisor
        ctx.args = input.shape, kernel, stride, padding, outputs, divisor
        return output

    @staticmethod
    def backward(ctx, grad_output):
        shape, kernel, stride, padding, outputs, divisor = ctx.args
        # Every element of a window gets an equal share of its output's gradient.
        share = (grad_output / divisor)[..., None, None].expand(*grad_output.shape, *kernel)
        padded = pad(grad_output.new_zeros(shape), padding, outputs, kernel, stride, (1, 1), 0.0)
        add_windows(padded, share, stride, (1, 1))
        grad_input = padded[..., padding[0]:padding[0] + shape[2], padding[1]:padding[1] + shape[3]]
        return grad_input, None, None, None, None, None, None


def _divisors(input, kernel, stride, padding, outputs, count_include_pad, divisor_override):
    """What each window's sum is divided by: divisor_override, else how many of its elements
    lie in the input (count_include_pad=False) or in the input and its padding (True; never
    the part of a ceil_mode window that hangs past the padding), as torch does."""
    if divisor_override:
        return float(divisor_override)
    height, width = input.shape[-2:]
    if count_include_pad:
        # The padding counts as input, so the counted plane starts where the padding does.
        height, width = height + 2 * padding[0], width + 2 * padding[1]
        padding = (0, 0)
    counted = torch.ones(height, width, dtype=input.dtype, device=input.device)
    counted = pad(counted, padding, outputs, kernel, stride, (1, 1), 0.0)
    return windows(counted, outputs, kernel, stride, (1, 1)).sum((-2, -1))


def _bins(size: int, outputs: int, like: torch.Tensor) -> torch.Tensor:
    """(outputs, size) averaging matrix: row o is 1/len over bin o, which runs from
    floor(o * size / outputs) to ceil((o + 1) * size / outputs), torch's bins."""
    matrix = like.new_zeros(outputs, size)
    for o in range(outputs):
        start, end = (o * size) // outputs, -((-(o + 1) * size) // outputs)
        matrix[o, start:end] = 1.0 / (end - start)
    return matrix


class AdaptiveAvgPool2dFunction(torch.autograd.Function):
    """Each output averages its bin of rows and of columns: rows @ input @ columns^T."""

    @staticmethod
    def forward(ctx, input, output_size):
        rows = _bins(input.size(2), output_size[0], input)
        columns = _bins(input.size(3), output_size[1], input)
        ctx.save_for_backward(rows, columns)
        return rows @ input @ columns.T

    @staticmethod
    def backward(ctx, grad_output):
        rows, columns = ctx.saved_tensors
        # The bins' weights carry each output's gradient back to its bin's elements.
        return rows.T @ grad_output @ columns, None
