"""Op-level benches: one conv or pooling layer, forward and forward + backward, torch's against
convlab's, and the machine's matmul rate the conv GFLOP/s compare with."""

import math
from dataclasses import asdict

import torch
import torch.nn as nn
import torch.nn.functional as F

import ops
from benchmarks.goals import GOALS, ratio, verdict
from benchmarks.layer_shapes import ConvLayer, PoolLayer
from benchmarks.timing import Settings, compare, precision_flags

ALGORITHMS = ops.CONV2D_ALGORITHMS[1:]  # direct, im2col, winograd, fft ("auto" is always timed)


def gemm_rates(settings: Settings, timer, size: int = 2048) -> dict:
    """GFLOP/s of one size^3 matmul, float32 (TF32 off); on a GPU also TF32 and bfloat16."""
    device = torch.device(settings.device)
    a = torch.randn(size, size, device=device)
    b = torch.randn(size, size, device=device)
    flops = 2 * size ** 3
    kinds = {"fp32": (torch.float32, False)}
    if device.type == "cuda":
        kinds.update({"tf32": (torch.float32, True), "bf16": (torch.bfloat16, False)})
    rates = {}
    once = Settings(**{**asdict(settings), "rounds": 1})
    for kind, (dtype, tf32) in kinds.items():
        x, y = a.to(dtype), b.to(dtype)
        with precision_flags(device, "tf32" if tf32 else "fp32"):
            ms = compare({kind: lambda: torch.mm(x, y)}, timer, once)[kind]["ms"]
        rates[kind] = flops / (ms / 1e3) / 1e9
    return {"size": size, "gflops": rates}


def conv_flops(layer: ConvLayer) -> tuple[int, int]:
    """Multiply-adds x 2 of the forward, and of forward + backward as timed (grad_weight, and
    grad_input except for a model's first layer)."""
    n, _, h, w = layer.input
    out_c, in_per_group, kh, kw = layer.weight
    oh = (h + 2 * layer.padding[0] - layer.dilation[0] * (kh - 1) - 1) // layer.stride[0] + 1
    ow = (w + 2 * layer.padding[1] - layer.dilation[1] * (kw - 1) - 1) // layer.stride[1] + 1
    forward = 2 * n * out_c * oh * ow * in_per_group * kh * kw
    return forward, forward * (2 if layer.first else 3)


def bench_conv(layer: ConvLayer, settings: Settings, timer) -> dict:
    """Forward and forward + backward of one conv shape: torch's conv, convlab's "auto" and
    each requested algorithm that can do the shape. Inputs need gradients as in training (the
    first layer's input does not); forward runs with autograd recording, as in training."""
    device = torch.device(settings.device)
    torch.manual_seed(0)
    x = torch.randn(layer.input, device=device).requires_grad_(not layer.first)
    fan_in = math.prod(layer.weight[1:])
    w = (torch.randn(layer.weight, device=device) * math.sqrt(2 / fan_in)).requires_grad_()
    b = torch.randn(layer.weight[0], device=device).requires_grad_() if layer.bias else None
    args = (layer.stride, layer.padding, layer.dilation, layer.groups)
    wanted = [t for t in (x, w, b) if t is not None and t.requires_grad]
    with torch.no_grad():
        grad_out = torch.randn_like(F.conv2d(x, w, b, *args))

    convs = {"native": lambda: F.conv2d(x, w, b, *args),
             "auto": lambda: ops.conv2d(x, w, b, *args, algorithm="auto")}
    skipped = {}
    for name in settings.algorithms:
        try:
            ops.conv2d_algorithm(x, w, *args, algorithm=name)
        except ValueError as error:
            skipped[name] = str(error).split(": ")[-1]
            continue
        convs[name] = lambda n=name: ops.conv2d(x, w, b, *args, algorithm=n)

    def both(conv):
        return lambda: torch.autograd.grad(conv(), wanted, grad_out)

    forward = compare(convs, timer, settings)
    backward = compare({name: both(conv) for name, conv in convs.items()}, timer, settings)
    flops_fwd, flops_both = conv_flops(layer)
    row = {"layer": layer.label, "input": list(layer.input), "weight": list(layer.weight),
           "stride": list(layer.stride), "padding": list(layer.padding), "bias": layer.bias,
           "input_grad": not layer.first, "auto_picks": ops.conv2d_algorithm(x, w, *args),
           "gflop_fwd": flops_fwd / 1e9, "gflop_fwd_bwd": flops_both / 1e9,
           "fwd": forward, "fwd_bwd": backward, "skipped": skipped}
    for name in convs:
        row["fwd_bwd"][name]["gflops"] = flops_both / 1e6 / backward[name]["ms"]
        row["fwd"][name]["gflops"] = flops_fwd / 1e6 / forward[name]["ms"]
    row["ratio_fwd"] = ratio(forward["auto"]["ms"], forward["native"]["ms"])
    row["ratio_fwd_bwd"] = ratio(backward["auto"]["ms"], backward["native"]["ms"])
    row["goal"] = GOALS["vgg16_conv"] if layer.label.startswith("vgg16.") else None
    row["pass"] = verdict(row["ratio_fwd_bwd"], row["goal"])
    return row


_NATIVE_POOL = {"max_pool2d": nn.MaxPool2d, "avg_pool2d": nn.AvgPool2d,
                "adaptive_avg_pool2d": nn.AdaptiveAvgPool2d}
_CUSTOM_POOL = {"max_pool2d": ops.MaxPool2d, "avg_pool2d": ops.AvgPool2d,
                "adaptive_avg_pool2d": ops.AdaptiveAvgPool2d}


def bench_pool(layer: PoolLayer, settings: Settings, timer) -> dict:
    """Forward and forward + backward of one pooling layer: torch.nn's module and convlab's,
    built from the same arguments."""
    device = torch.device(settings.device)
    torch.manual_seed(0)
    x = torch.randn(layer.input, device=device, requires_grad=True)
    native = _NATIVE_POOL[layer.kind](**layer.arguments)
    custom = _CUSTOM_POOL[layer.kind](**layer.arguments)
    with torch.no_grad():
        grad_out = torch.randn_like(native(x))
    pools = {"native": lambda: native(x), "custom": lambda: custom(x)}
    forward = compare(pools, timer, settings)
    backward = compare({name: (lambda p=p: torch.autograd.grad(p(), x, grad_out))
                        for name, p in pools.items()}, timer, settings)
    row = {"layer": layer.label, "op": layer.kind, "input": list(layer.input),
           "arguments": {k: list(v) if isinstance(v, tuple) else v
                         for k, v in layer.arguments.items()},
           "fwd": forward, "fwd_bwd": backward,
           "ratio_fwd": ratio(forward["custom"]["ms"], forward["native"]["ms"]),
           "ratio_fwd_bwd": ratio(backward["custom"]["ms"], backward["native"]["ms"]),
           "goal": GOALS["pool"]}
    row["pass"] = (None if row["ratio_fwd"] is None or row["ratio_fwd_bwd"] is None
                   else max(row["ratio_fwd"], row["ratio_fwd_bwd"]) <= row["goal"])
    return row
