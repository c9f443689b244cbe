"""A small forward and backward of every convlab op on CUDA, for compute-sanitizer."""

import torch

import ops

# 3x3 filters mapping y's 6 channels to 6, so every algorithm (Winograd too) can run on y.
w3 = {dtype: torch.randn(6, 3, 3, 3, device="cuda", dtype=dtype, requires_grad=True)
      for dtype in (torch.float32, torch.float16, torch.bfloat16)}
for dtype in (torch.float32, torch.float16, torch.bfloat16):
    x = torch.randn(3, 4, 13, 11, device="cuda", dtype=dtype, requires_grad=True)
    w = torch.randn(6, 2, 3, 5, device="cuda", dtype=dtype, requires_grad=True)
    b = torch.randn(6, device="cuda", dtype=dtype, requires_grad=True)
    y = ops.conv2d(x, w, b, stride=(2, 1), padding=(1, 2), dilation=(2, 1), groups=2)
    for algorithm in ops.CONV2D_ALGORITHMS[1:]:  # every registered algorithm
        y = y + ops.conv2d(y, w3[dtype], None, padding=1, groups=2, algorithm=algorithm)
    y = ops.max_pool2d(y, 3, 2, 1, ceil_mode=True)
    y = ops.avg_pool2d(y, 2, 1, 1, count_include_pad=False)
    y = ops.adaptive_avg_pool2d(y, (3, 5))
    y.float().square().sum().backward()
    torch.cuda.synchronize()
    print(f"{dtype}: forward and backward of conv2d (every algorithm), max/avg/adaptive pooling ran")
