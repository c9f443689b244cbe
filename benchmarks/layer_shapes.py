"""The conv layers of convlab's models as (name, input shape, conv arguments), read off one
forward pass, so benchmarks and error tables use exactly the shapes training runs."""

import torch

import ops
from models import build_model

# (model, batch, input channels, image size, model options)
MODELS = {
    "lenet": ("lenet", 1, 28, {}),
    "alexnet": ("alexnet", 3, 32, {}),
    "vgg16": ("vgg16", 3, 32, {"batch_norm": True}),
}


def conv_layers(model_name: str, batch: int):
    """[(label, input shape, weight shape, stride, padding, dilation, groups)] for every
    convlab Conv2d of `model_name`, in forward order."""
    name, channels, size, options = MODELS[model_name]
    model = build_model(name, backend="custom", num_classes=10, in_channels=channels,
                        image_size=size, **options).eval()
    found = []

    def record(module, args):
        found.append((f"{model_name}.conv{len(found) + 1}", tuple(args[0].shape),
                      tuple(module.weight.shape), module.stride, module.padding,
                      module.dilation, module.groups))

    hooks = [m.register_forward_pre_hook(record) for m in model.modules()
             if isinstance(m, ops.Conv2d)]
    with torch.no_grad():
        model(torch.randn(batch, channels, size, size))
    for hook in hooks:
        hook.remove()
    return found
