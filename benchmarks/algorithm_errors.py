"""How far each conv algorithm's float32 (and, on a GPU, TF32/float16/bfloat16) result lies
from a float64 reference, per conv layer of LeNet-5 and VGG-16 (CIFAR shapes).

    python3 benchmarks/algorithm_errors.py [--device cpu|cuda] [--out outputs/benchmarks]

Error = max |y - y64| / max |y64| over the layer's output, for the forward pass and for
grad_input and grad_weight (upstream gradient of ones), with random normal inputs and the
model's own (Kaiming) initial weights. On a GPU the float32 rows run with TF32 off (cuDNN
allows it by default) and the "tf32" rows with it on, for native and convlab alike. Writes
algorithm_errors.json and .md."""

import argparse
import json
import sys
from pathlib import Path

import torch
import torch.nn.functional as F

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
import ops  # noqa: E402
from benchmarks.layer_shapes import conv_layers  # noqa: E402
from training.reports import write_report  # noqa: E402

ALGORITHMS = ops.CONV2D_ALGORITHMS[1:]


def outputs(conv, x, w, dtype, device):
    x = x.to(device, dtype).requires_grad_()
    w = w.to(device, dtype).requires_grad_()
    y = conv(x, w)
    gx, gw = torch.autograd.grad(y, (x, w), torch.ones_like(y))
    return [t.detach().double().cpu() for t in (y, gx, gw)]


def relative_error(got, want):
    return ((got - want).abs().max() / want.abs().max().clamp_min(1e-30)).item()


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--device", default="cpu")
    parser.add_argument("--batch", type=int, default=4)
    parser.add_argument("--out", default="outputs/benchmarks")
    args = parser.parse_args()
    precisions = {"float32": (torch.float32, False)}
    if args.device == "cuda":
        precisions.update(tf32=(torch.float32, True), float16=(torch.float16, False),
                          bfloat16=(torch.bfloat16, False))
    torch.manual_seed(0)
    rows = []
    for model in ("lenet", "vgg16"):
        for layer in conv_layers(model, args.batch):
            label = layer.label
            x = torch.randn(layer.input, dtype=torch.float64)
            w = torch.nn.init.kaiming_normal_(torch.empty(layer.weight, dtype=torch.float64))
            conv_args = (layer.stride, layer.padding, layer.dilation, layer.groups)
            want = outputs(lambda a, b: F.conv2d(a, b, None, *conv_args), x, w, torch.float64, "cpu")
            for precision, (dtype, tf32) in precisions.items():
                torch.backends.cudnn.allow_tf32 = torch.backends.cuda.matmul.allow_tf32 = tf32
                row = {"layer": label, "dtype": precision,
                       "native": [relative_error(g, e) for g, e in zip(
                           outputs(lambda a, b: F.conv2d(a, b, None, *conv_args), x, w, dtype,
                                   args.device), want)]}
                for name in ALGORITHMS:
                    try:
                        got = outputs(lambda a, b, n=name: ops.conv2d(a, b, None, *conv_args, algorithm=n),
                                      x, w, dtype, args.device)
                    except ValueError:
                        row[name] = None
                        continue
                    row[name] = [relative_error(g, e) for g, e in zip(got, want)]
                rows.append(row)
                print(json.dumps(row), flush=True)
    columns = ["native", *ALGORITHMS]
    lines = [f"Max relative error vs float64 on {args.device} (forward / grad_input / grad_weight), "
             f"torch {torch.__version__}", "",
             "| layer | dtype | " + " | ".join(columns) + " |", "|---|---|" + "---|" * len(columns)]
    for r in rows:
        cells = ["—" if r[c] is None else " / ".join(f"{e:.1e}" for e in r[c]) for c in columns]
        lines.append(f"| {r['layer']} | {r['dtype']} | " + " | ".join(cells) + " |")
    text = "\n".join(lines) + "\n"
    write_report(Path(args.out), "algorithm_errors", rows, text)
    print(text, end="")


if __name__ == "__main__":
    main()
