"""SpikingJelly 2.0's converter on the same network and thresholds, for benchmarks/speed.py.

SpikingJelly is a benchmark-only extra, never a dependency of ann2snn; install it with torch
held at its pin (an unconstrained install replaces torch with a CUDA build of gigabytes):

    echo "torch==2.13.0" > /tmp/torch-pin.txt
    .venv/bin/pip install spikingjelly==2.0.0 -c /tmp/torch-pin.txt

Its converter refuses ``F.pad`` (the CIFAR ResNets' option-A shortcut), ``.flatten`` and
``F.relu`` calls: :func:`module_only` rewrites a network into modules it accepts (the
shortcut as an exact fixed 1x1 strided convolution, flatten as ``nn.Flatten``); the caller
checks that the outputs are equal. Inputs are normalised beforehand (its converter also
refuses the division of an input normalisation).
"""

from __future__ import annotations

import copy

import torch
from torch import Tensor, nn

from ann2snn.models.resnet_cifar import CifarResNet, PadShortcut
from ann2snn.models.vgg import VGG


def pad_shortcut_conv(shortcut: PadShortcut, in_channels: int) -> nn.Conv2d:
    """``F.pad(x[:, :, ::2, ::2], channels ± pad)`` as a 1x1 stride-2 convolution of 0/1
    weights: every output is one input times 1, so the values are exact."""
    out = in_channels + 2 * shortcut.pad
    conv = nn.Conv2d(in_channels, out, 1, stride=2, bias=False)
    conv.weight.data.zero_()
    for c in range(in_channels):
        conv.weight.data[shortcut.pad + c, c] = 1.0
    return conv


def module_only(model: nn.Module) -> nn.Module:
    """A copy of a registered CIFAR ResNet or VGG built only of modules SpikingJelly traces."""
    model = copy.deepcopy(model).eval()
    if isinstance(model, CifarResNet):
        for stage in (model.layer1, model.layer2, model.layer3):
            for block in stage:
                if isinstance(block.shortcut, PadShortcut):
                    block.shortcut = pad_shortcut_conv(block.shortcut, block.conv1.in_channels)
        return nn.Sequential(model.conv1, model.bn1, model.act1, model.layer1, model.layer2,
                             model.layer3, model.pool, nn.Flatten(1), model.linear)
    if isinstance(model, VGG):
        return nn.Sequential(model.features, model.avgpool, nn.Flatten(1), model.classifier)
    raise TypeError(f"no SpikingJelly rewrite for {type(model).__name__}")


def convert_sj(model: nn.Module, calib: list[Tensor], thresholds: list[Tensor]) -> nn.Module:
    """SpikingJelly's rate-coding conversion (99.9th percentile, channel-wise, v0 = θ/2), its
    thresholds then set to ``thresholds`` (ann2snn's, in network order)."""
    from spikingjelly.activation_based.ann2snn import Converter
    from spikingjelly.activation_based.ann2snn.modules import ChannelVoltageScaler
    from spikingjelly.activation_based.ann2snn.recipes import RateCodingRecipe

    recipe = RateCodingRecipe(dataloader=[(x, None) for x in calib], mode="99.9%",
                              channel_wise=True, half_threshold=True)
    snn = Converter(recipe).convert(module_only(model))
    modules = dict(snn.named_modules())
    scalers = [modules[n.target] for n in snn.graph.nodes  # in network order
               if n.op == "call_module" and isinstance(modules[n.target], ChannelVoltageScaler)]
    if len(scalers) != 2 * len(thresholds):
        raise RuntimeError(f"SpikingJelly made {len(scalers) // 2} spiking layers, "
                           f"ann2snn {len(thresholds)}")
    for i, theta in enumerate(thresholds):
        _set_scale(scalers[2 * i], 1.0 / theta)
        _set_scale(scalers[2 * i + 1], theta)
    return snn


def _set_scale(scaler: nn.Module, value: Tensor) -> None:
    current = scaler.scale
    if isinstance(current, Tensor) and current.numel() != value.numel():
        raise RuntimeError(f"scale has {current.numel()} entries, threshold {value.numel()}")
    if isinstance(current, Tensor):
        current.data = value.reshape(current.shape).to(current.dtype).clone()
    else:
        scaler.scale = value.clone()


@torch.no_grad()
def run_sj(snn: nn.Module, x: Tensor, steps: int, mode: str) -> Tensor:
    """Summed outputs over ``steps`` steps in SpikingJelly's single- (``s``) or multi-step
    (``m``) mode, direct input coding as ann2snn."""
    from spikingjelly.activation_based import functional

    functional.set_step_mode(snn, mode)
    functional.reset_net(snn)
    if mode == "m":
        out = snn(x.unsqueeze(0).expand(steps, *x.shape)).sum(0)
    else:
        out = sum(snn(x) for _ in range(steps))
    functional.reset_net(snn)
    return out
