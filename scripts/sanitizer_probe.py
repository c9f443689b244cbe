"""A small forward and backward of every convlab op on CUDA, for compute-sanitizer
(scripts/gpu_check.sh runs it under memcheck, initcheck and synccheck).

The cases, each in float32, float64, float16 and bfloat16:
  - a chain through conv2d (strided, dilated, grouped; then every algorithm) and the max,
    average and adaptive average pooling ops;
  - every algorithm of torch.ops.convlab.conv2d_algorithms() on a 16x16 output with groups 1
    (im2col's per-sample GEMM path, >= 256 positions per plane) and on a grouped one (its
    whole-chunk GEMM and transposing copy);
  - the same with the CUDA workspace limit lowered so the batch runs in several chunks (two
    samples a chunk, the last one shorter; then one sample a chunk), restored afterwards;
  - an empty batch (batch 0) through every algorithm and the pooling ops.
Every case runs forward and backward (gradients of input, weight and bias) and synchronises,
so an asynchronous fault is reported in its case; a case that raises is recorded and the rest
still run (exit status 1, the failed cases listed at the end).

--emulated runs the same cases on CPU tensors through the emulated GPU (ops.emulated_cuda():
the CUDA kernels' bodies over their grids, the planned cuBLAS calls, write-once outputs), so
the probe itself can be checked on a machine without a GPU. Memory faults only show on a GPU.
"""

import argparse
import contextlib
import sys
from pathlib import Path

import torch

# Run as `python3 scripts/sanitizer_probe.py`, Python puts scripts/, not the repository, on
# the path.
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
import ops  # noqa: E402

DTYPES = (torch.float32, torch.float64, torch.float16, torch.bfloat16)
ALGORITHMS = tuple(torch.ops.convlab.conv2d_algorithms())

parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
parser.add_argument("--emulated", action="store_true",
                    help="CPU tensors through ops.emulated_cuda() instead of a GPU")
args = parser.parse_args()
DEVICE = "cpu" if args.emulated else "cuda"
mode = ops.emulated_cuda() if args.emulated else contextlib.nullcontext()
if not args.emulated and not torch.cuda.is_available():
    raise SystemExit("no CUDA GPU visible to torch (use --emulated to run on the CPU)")

ran, failures = 0, []
dtype_now = None  # named in every failure


@contextlib.contextmanager
def case(label):
    """Runs the block as one case, then synchronises. An error is recorded and the probe goes
    on, so the sanitizer still sees every other case; the exit status then says so."""
    global ran
    try:
        yield
        if DEVICE == "cuda":
            torch.cuda.synchronize()
    except Exception as error:  # noqa: BLE001
        message = (str(error).strip().splitlines() or [""])[0]
        failures.append(f"{dtype_now} {label}: {type(error).__name__}: {message}")
        print(f"  FAILED {failures[-1]}", flush=True)
    else:
        ran += 1
        print(f"  ran {label}", flush=True)


def leaf(*shape, dtype):
    return torch.randn(*shape, device=DEVICE, dtype=dtype).requires_grad_()


def backward(*outputs):
    sum(y.float().square().sum() for y in outputs).backward()


def chain(dtype):
    """Forward and backward of conv2d (strided, dilated, grouped; then every algorithm) and
    every pooling op, one after another."""
    with case("chain: conv2d (every algorithm), max/avg/adaptive pooling"):
        # 3x3 filters mapping y's 6 channels to 6, so every algorithm (Winograd too) can run
        # on y.
        w3 = leaf(6, 3, 3, 3, dtype=dtype)
        x = leaf(3, 4, 13, 11, dtype=dtype)
        w = leaf(6, 2, 3, 5, dtype=dtype)
        b = leaf(6, dtype=dtype)
        y = ops.conv2d(x, w, b, stride=(2, 1), padding=(1, 2), dilation=(2, 1), groups=2)
        for algorithm in ALGORITHMS:
            y = y + ops.conv2d(y, w3, None, padding=1, groups=2, algorithm=algorithm)
        y = ops.max_pool2d(y, 3, 2, 1, ceil_mode=True)
        y = ops.avg_pool2d(y, 2, 1, 1, count_include_pad=False)
        y = ops.adaptive_avg_pool2d(y, (3, 5))
        backward(y)


def supports(algorithm, x, w, padding, groups):
    try:
        torch.ops.convlab.conv2d_algorithm(x, w, [1, 1], [padding, padding], [1, 1], groups,
                                           algorithm)
    except (ValueError, RuntimeError):
        return False
    return True


def convolutions(label, dtype, batch, channels, size, out_channels, padding, groups=1):
    """Every algorithm that can do it: forward and backward of a 3x3, stride-1 conv2d."""
    for algorithm in ALGORITHMS:
        x = leaf(batch, channels, size, size, dtype=dtype)
        w = leaf(out_channels, channels // groups, 3, 3, dtype=dtype)
        b = leaf(out_channels, dtype=dtype)
        if not supports(algorithm, x, w, padding, groups):
            print(f"  skipped {label} {algorithm} (the algorithm cannot do this shape)")
            continue
        with case(f"{label} {algorithm}, input {tuple(x.shape)}"):
            y = ops.conv2d(x, w, b, padding=padding, groups=groups, algorithm=algorithm)
            backward(y)
            assert x.grad.shape == x.shape and w.grad.shape == w.shape and b.grad.shape == b.shape


def pooling(dtype, batch):
    with case(f"max/avg/adaptive pooling, batch {batch}"):
        x = leaf(batch, 5, 11, 9, dtype=dtype)
        outputs = (ops.max_pool2d(x, 3, 2, 1, ceil_mode=True),
                   ops.avg_pool2d(x, 2, 1, 1, count_include_pad=False),
                   ops.avg_pool2d(x, 3, 2, 1),
                   ops.adaptive_avg_pool2d(x, (3, 5)))
        backward(*outputs)
        assert x.grad.shape == x.shape


# (label, channels, size, out_channels, padding, groups): 16x16 outputs with groups 1 take
# im2col's per-sample GEMMs; the grouped 9x9 one the whole-chunk GEMM and transposing copy.
SHAPES = (("per-sample GEMM", 3, 18, 5, 0, 1), ("grouped", 4, 9, 6, 1, 2))


def im2col_workspace_per_sample(channels, size, padding):
    out = size + 2 * padding - 2
    return channels * 9 * out * out


with mode:
    for dtype in DTYPES:
        dtype_now = dtype
        print(f"{dtype}:", flush=True)
        chain(dtype)
        for label, channels, size, out_channels, padding, groups in SHAPES:
            convolutions(label, dtype, 2, channels, size, out_channels, padding, groups)
            # Two samples a chunk for im2col (5 samples: 2, 2, 1; the other algorithms split
            # by their own workspace), then one sample a chunk for every algorithm.
            per_sample = im2col_workspace_per_sample(channels, size, padding)
            for limit in (2 * per_sample, 1):
                previous = ops.set_workspace_limit("cuda", limit)
                try:
                    convolutions(f"{label}, workspace limit {limit}", dtype, 5, channels, size,
                                 out_channels, padding, groups)
                finally:
                    ops.set_workspace_limit("cuda", previous)
            convolutions(f"{label}, batch 0", dtype, 0, channels, size, out_channels, padding,
                         groups)
        pooling(dtype, 3)
        pooling(dtype, 0)
where = "the emulated GPU" if args.emulated else "CUDA"
print(f"sanitizer probe: {ran} cases ran on {where}, {len(failures)} failed")
if failures:
    raise SystemExit("failed cases:\n  " + "\n  ".join(failures))
