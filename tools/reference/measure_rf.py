#!/usr/bin/env python3
"""Measure receptive fields of torchvision CNNs empirically, by backprop.

What it does
------------
For vgg16, alexnet, resnet18 and resnet50 (torchvision, weights=None) it takes
the last feature map before global pooling (vgg16/alexnet: ``features``
output; resnets: ``layer4`` output) and measures, for the CENTRE output unit
(index (H//2, W//2)), which input pixels have a nonzero gradient:

* every Conv2d weight := 1/fan_in (positive constant), bias := 0;
* every BatchNorm2d := identity in eval mode (weight 1, bias 0,
  running_mean 0, running_var 1);
* every MaxPool2d -> AvgPool2d with the same kernel/stride/padding/ceil_mode
  (a max pool's gradient reaches one element only);
* every ReLU (and ReLU6, SiLU, Hardswish, GELU) -> nn.Identity;
* every squeeze-excitation gate (torchvision's ``SqueezeExcitation``) is held
  constant: the block returns its input, so the gradient measures the field of
  the convolution path alone (the gate's global context is reported apart);
* stochastic depth and dropout are identities (eval mode);
* float64, input 1x3xSxS with S large enough that the field does not touch
  the image border (asserted; S is doubled until it does not).

The gradient of the centre unit (summed over all channels) w.r.t. the input
is nonzero exactly on the receptive field. Recorded per network:
``size`` (= rows extent; ``size_h``/``size_w`` both given), ``jump`` (shift
of the field between two adjacent output units, measured both along H and
W), ``output_grid`` [H, W] of the feature map, ``input`` size used, the
centre ``unit`` index, the field ``bounds`` [row0, row1, col0, col1]
(inclusive) in input pixels, ``offset`` = row0 - unit_row*jump (where the
field of output unit i starts: i*jump + offset; negative = reaches into the
padding), and ``holes`` = number of zero-gradient pixels inside the bounding
box (grid artefacts of stride > kernel paths; the "size" is the extent).

Writes tests/fixtures/torch/receptive_fields.json.

How to run
----------
    /tmp/refenv/bin/python tools/reference/measure_rf.py [--out FILE]
(see dump_refs.py for the environment; run with torch 2.15.0+cu132 CPU,
torchvision 0.29.2+cu132). Takes a few minutes on one core.
"""

import argparse
import json
import os

import torch
import torch.nn as nn
import torchvision

REPO = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
DEFAULT_OUT = os.path.join(REPO, "tests", "fixtures", "torch", "receptive_fields.json")


def linearise(model):
    """Make the network linear with positive weights (in place)."""
    for name, m in list(model.named_modules()):
        for cname, c in list(m.named_children()):
            if isinstance(c, nn.MaxPool2d):
                setattr(m, cname, nn.AvgPool2d(c.kernel_size, c.stride, c.padding,
                                               ceil_mode=c.ceil_mode))
            elif isinstance(c, (nn.ReLU, nn.ReLU6, nn.SiLU, nn.Hardswish, nn.GELU)):
                setattr(m, cname, nn.Identity())
            elif isinstance(c, torchvision.ops.SqueezeExcitation):
                setattr(m, cname, nn.Identity())
    for m in model.modules():
        if isinstance(m, nn.Conv2d):
            fan_in = m.weight[0].numel()
            nn.init.constant_(m.weight, 1.0 / fan_in)
            if m.bias is not None:
                nn.init.zeros_(m.bias)
        elif isinstance(m, (nn.BatchNorm2d, nn.BatchNorm1d)):
            nn.init.ones_(m.weight)
            nn.init.zeros_(m.bias)
            m.running_mean.zero_()
            m.running_var.fill_(1.0)
    return model.eval().double()


def resnet_trunk(m):
    return nn.Sequential(m.conv1, m.bn1, m.relu, m.maxpool, m.layer1, m.layer2,
                         m.layer3, m.layer4)


NETS = {
    "vgg16": lambda: torchvision.models.vgg16(weights=None).features,
    "alexnet": lambda: torchvision.models.alexnet(weights=None).features,
    "resnet18": lambda: resnet_trunk(torchvision.models.resnet18(weights=None)),
    "resnet50": lambda: resnet_trunk(torchvision.models.resnet50(weights=None)),
    # Squeeze-excitation networks, gates held constant: the convolution path's field.
    "efficientnet_b0": lambda: torchvision.models.efficientnet_b0(weights=None).features,
    "mobilenet_v3_small": lambda: torchvision.models.mobilenet_v3_small(weights=None).features,
    "regnet_y_400mf": lambda: nn.Sequential(*list(
        torchvision.models.regnet_y_400mf(weights=None).children())[:2]),
}
FEATURE = {"vgg16": "features", "alexnet": "features", "resnet18": "layer4",
           "resnet50": "layer4", "efficientnet_b0": "features.8.2",
           "mobilenet_v3_small": "features.12.2", "regnet_y_400mf": "trunk_output.block4"}


def field(grad):
    nz = (grad != 0).any(dim=0)  # over input channels -> HxW bool
    rows = torch.nonzero(nz.any(dim=1)).flatten()
    cols = torch.nonzero(nz.any(dim=0)).flatten()
    r0, r1, c0, c1 = rows[0].item(), rows[-1].item(), cols[0].item(), cols[-1].item()
    holes = int((~nz[r0:r1 + 1, c0:c1 + 1]).sum().item())
    return (r0, r1, c0, c1), holes


def measure(name, size):
    net = linearise(NETS[name]())
    x = torch.zeros(1, 3, size, size, dtype=torch.float64, requires_grad=True)
    y = net(x)
    _, _, H, W = y.shape
    ci, cj = H // 2, W // 2
    res = {}
    for key, (i, j) in {"c": (ci, cj), "down": (ci + 1, cj), "right": (ci, cj + 1)}.items():
        if x.grad is not None:
            x.grad = None
        y[0, :, i, j].sum().backward(retain_graph=True)
        res[key] = field(x.grad[0])
    (r0, r1, c0, c1), holes = res["c"]
    if r0 == 0 or c0 == 0 or r1 == size - 1 or c1 == size - 1:
        return None  # touches the border: caller retries larger
    jump_h = res["down"][0][0] - r0
    jump_w = res["right"][0][2] - c0
    assert res["down"][0][1] - r1 == jump_h and res["right"][0][3] - c1 == jump_w
    assert jump_h == jump_w
    size_h, size_w = r1 - r0 + 1, c1 - c0 + 1
    return {
        "feature_map": FEATURE[name],
        "size": size_h,
        "size_h": size_h,
        "size_w": size_w,
        "jump": jump_h,
        "jump_h": jump_h,
        "jump_w": jump_w,
        "output_grid": [H, W],
        "input": [1, 3, size, size],
        "unit": [ci, cj],
        "bounds": [r0, r1, c0, c1],
        "offset": r0 - ci * jump_h,
        "holes": holes,
    }


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--out", default=DEFAULT_OUT)
    ap.add_argument("names", nargs="*")
    args = ap.parse_args()
    torch.set_num_threads(1)
    # Networks not named keep their earlier measurement.
    out = {}
    if args.names and os.path.exists(args.out):
        with open(args.out) as f:
            out = json.load(f)
    for name in args.names or list(NETS):
        size = 1024
        while True:
            with torch.enable_grad():
                r = measure(name, size)
            if r is not None:
                break
            size *= 2
        out[name] = r
        print(name, json.dumps(r))
    out["_meta"] = {"torch": torch.__version__, "torchvision": torchvision.__version__,
                    "method": "backprop through linearised net (see tools/reference/measure_rf.py)"}
    os.makedirs(os.path.dirname(args.out), exist_ok=True)
    with open(args.out, "w") as f:
        json.dump(out, f, indent=1)
        f.write("\n")


if __name__ == "__main__":
    main()
