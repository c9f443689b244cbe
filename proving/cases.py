"""The argument grid prove.py runs a convolution on: stride, padding (asymmetric too, through
'same' with even kernels), dilation, groups, bias or none, contiguous, channels_last and
strided and transposed inputs, batches of 2, 1 and 0, odd sizes; and how a case is named in a message."""

import itertools
from dataclasses import dataclass

import torch

STRIDES = ((1, 1), (2, 2), (2, 1))
PADDINGS = (0, 1, (1, 2), "same", "valid")
DILATIONS = ((1, 1), (2, 2), (1, 2))
GROUPS = (1, 2)
# (2, 4) and (3, 2) under 'same' pad one side more than the other, as torch does.
KERNELS = ((3, 3), (2, 4), (1, 1), (3, 2))
# "strided": every other column of a wider tensor; "transposed": H and W swapped in memory.
LAYOUTS = ("contiguous", "channels_last", "strided", "transposed")
SIZES = ((7, 9), (9, 8), (10, 11))


@dataclass(frozen=True)
class Case:
    batch: int
    groups: int
    size: tuple  # input height, width
    kernel: tuple
    stride: tuple
    padding: object  # an int, a pair, "same" or "valid", as torch.nn.functional takes it
    dilation: tuple
    bias: bool
    layout: str

    @property
    def input_shape(self) -> tuple:
        return (self.batch, 2 * self.groups, *self.size)

    @property
    def weight_shape(self) -> tuple:
        return (3 * self.groups, 2, *self.kernel)

    def describe(self) -> str:
        return (f"input {self.input_shape} {self.layout}, weight {self.weight_shape}, "
                f"stride {self.stride}, padding {self.padding!r}, dilation {self.dilation}, "
                f"groups {self.groups}, {'bias' if self.bias else 'no bias'}")

    def tensors(self, dtype: torch.dtype, seed: int):
        """(input, weight, bias or None), seeded, the input in this case's layout. Drawn in
        float64 and rounded to `dtype`, so a float32 case is its float64 case rounded."""
        generator = torch.Generator().manual_seed(seed)
        n, c, h, w = self.input_shape
        wide = 2 if self.layout == "strided" else 1
        input = torch.randn(n, c, h, wide * w, dtype=torch.float64, generator=generator)
        if self.layout == "transposed":
            input = input.view(n, c, w, h).transpose(2, 3)
        weight = torch.randn(self.weight_shape, dtype=torch.float64, generator=generator)
        bias = torch.randn(self.weight_shape[0], dtype=torch.float64, generator=generator)
        input, weight, bias = input.to(dtype), weight.to(dtype), bias.to(dtype)
        if self.layout == "strided":
            input = input[..., ::2]
        elif self.layout == "channels_last":
            input = input.contiguous(memory_format=torch.channels_last)
        return input, weight, bias if self.bias else None

    def arguments(self) -> tuple:
        return self.stride, self.padding, self.dilation, self.groups


def grid(size: str = "full") -> list[Case]:
    """Every stride x padding x dilation x groups (kernel, bias, layout, batch and size turning
    over with the case's index), then every kernel x padding x groups x layout at stride 1 and
    dilation 1 (where algorithms such as Winograd work). "small": every fifth case (5 is prime
    to every period above, so it still meets every layout, kernel, groups and batch)."""
    cases = []
    core = [c for c in itertools.product(STRIDES, PADDINGS, DILATIONS, GROUPS)
            if not (c[1] == "same" and c[0] != (1, 1))]  # torch refuses 'same' with a stride
    for i, (stride, padding, dilation, groups) in enumerate(core):
        cases.append(Case(batch=(0 if i % 11 == 5 else 1 if i % 5 == 2 else 2), groups=groups,
                          size=SIZES[i % 3], kernel=KERNELS[(i // 3) % 4], stride=stride,
                          padding=padding, dilation=dilation, bias=i % 2 == 0,
                          layout=LAYOUTS[(i // 2) % 4]))
    plain = itertools.product(KERNELS, PADDINGS, GROUPS, LAYOUTS)
    for i, (kernel, padding, groups, layout) in enumerate(plain):
        cases.append(Case(batch=(0 if i % 13 == 6 else 1 if i % 4 == 1 else 2), groups=groups,
                          size=SIZES[i % 3], kernel=kernel, stride=(1, 1), padding=padding,
                          dilation=(1, 1), bias=i % 2 == 1, layout=layout))
    if size == "small":
        return cases[::5]
    if size != "full":
        raise ValueError(f"prove.grid must be 'full' or 'small', got {size!r}")
    return cases
