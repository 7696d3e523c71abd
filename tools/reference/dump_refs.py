#!/usr/bin/env python3
"""Dump independent per-layer reference numbers from real PyTorch tools.

What it does
------------
For each network in NETWORKS (torchvision classics, a fastai learner model,
fastai's xresnet18, fastbook's simple_cnn and two hand-made "zoo" nets that
exercise corner cases) it writes ``tests/fixtures/torch/<name>.json``:

    {"name", "input": [N,C,H,W], "versions": {...},
     "layers": [ {"path", "class", "input", "output", "params",
                  "trainable_params", "torchinfo_macs", "fvcore_flops"}, ...],
     "totals": {"params", "trainable_params", "torchinfo_total_mult_adds",
                "fvcore_total", "fvcore_by_operator", "fvcore_unsupported_ops"}}

* ``layers`` has one entry per CALL of a LEAF module (a module without
  children), in forward order, collected with forward hooks. A leaf called
  twice (torchvision BasicBlock's ``relu``) appears twice.
* ``params`` / ``trainable_params``: the leaf's own parameters (buffers such
  as BatchNorm running stats are not counted), like torchinfo's Param # column.
* ``torchinfo_macs``: the "Mult-Adds" torchinfo.summary(...) reports for that
  call (``LayerInfo.macs``). torchinfo's LayerInfo list is matched to the hook
  calls by module identity and order (asserted). torchinfo derives MACs from
  parameter counts only: Conv*: params * N * prod(output spatial) (also for
  ConvTranspose, i.e. OUTPUT spatial size); anything else with weight/bias:
  N * params (Linear: N*(in*out+out); BatchNorm: N*2C); no params -> 0.
* ``fvcore_flops``: ``FlopCountAnalysis(model, x).by_module()[path]``
  (fvcore counts one fused multiply-add as one flop). by_module() aggregates
  over all calls of a module, so a leaf called twice shows the same
  (summed) number on both of its entries. ``null`` if the path is missing.
* totals: torchinfo's Total params / Trainable params / Total mult-adds,
  fvcore's total(), by_operator() and unsupported_ops().

Everything runs with ``model.eval()``, weights=None (random init, shapes and
counts do not depend on the values), on CPU, single-threaded.

How to run
----------
    python3 -m venv /tmp/refenv
    /tmp/refenv/bin/pip install torch torchvision torchinfo fvcore fastai
    /tmp/refenv/bin/python tools/reference/dump_refs.py            # all nets
    /tmp/refenv/bin/python tools/reference/dump_refs.py zoo resnet18  # some
    (--out DIR to write elsewhere; default <repo>/tests/fixtures/torch)

Versions it was run with (also recorded in every JSON file)
-----------------------------------------------------------
    Python 3.11.7, torch 2.15.0+cu132 (CPU), torchvision 0.29.2+cu132,
    torchinfo 1.8.0, fvcore 0.1.5.post20221221, fastai 2.8.12

Notes
-----
* fastai_resnet18 is built with fastai's ``create_vision_model(resnet18,
  n_out=10, pretrained=False)``, which is what ``vision_learner`` does:
  nn.Sequential(body, head), body = resnet18 children[:-2], head =
  ``create_head(512, 10)``. (fastai >= 2 doubles nf inside create_head when
  concat_pool=True, so the 1024-feature head is create_head(512, ...) there.)
* simple_cnn follows fastbook ch. 13 literally: conv() returns
  nn.Sequential(Conv2d, ReLU) when act=True, so paths are "0.0", "0.1", ...,
  "4", "5"; the final Flatten is nn.Flatten(). Batch 64 as in the book.
"""

import argparse
import json
import os
import sys
import warnings
from importlib.metadata import version as pkg_version

import torch
import torch.nn as nn
import torchvision
import torchinfo
from fvcore.nn import FlopCountAnalysis

warnings.filterwarnings("ignore")

try:
    import fastai  # noqa: F401
    from fastai.vision.learner import create_vision_model
    from fastai.vision.models.xresnet import xresnet18

    HAVE_FASTAI = True
except Exception:  # pragma: no cover
    HAVE_FASTAI = False

REPO = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
DEFAULT_OUT = os.path.join(REPO, "tests", "fixtures", "torch")


# --------------------------------------------------------------------------
# networks
# --------------------------------------------------------------------------

def tv(name):
    return lambda: getattr(torchvision.models, name)(weights=None)


def fastai_resnet18():
    m = create_vision_model(torchvision.models.resnet18, n_out=10, pretrained=False)
    head = m[1]
    got = [type(l).__name__ for l in head]
    want = ["AdaptiveConcatPool2d", "Flatten", "BatchNorm1d", "Dropout", "Linear",
            "ReLU", "BatchNorm1d", "Dropout", "Linear"]
    assert got == want, got
    assert head[2].num_features == 1024 and head[4].in_features == 1024
    assert head[4].out_features == 512 and head[4].bias is None
    assert head[8].in_features == 512 and head[8].out_features == 10 and head[8].bias is None
    assert abs(head[3].p - 0.25) < 1e-9 and abs(head[7].p - 0.5) < 1e-9
    return m


def simple_cnn():
    # fastbook ch.13 "A Simple Baseline"
    def conv(ni, nf, ks=3, act=True):
        res = nn.Conv2d(ni, nf, stride=2, kernel_size=ks, padding=ks // 2)
        if act:
            res = nn.Sequential(res, nn.ReLU())
        return res

    return nn.Sequential(
        conv(1, 4),  # 14x14
        conv(4, 8),  # 7x7
        conv(8, 16),  # 4x4
        conv(16, 32),  # 2x2
        conv(32, 2, act=False),  # 1x1
        nn.Flatten(),
    )


def zoo():
    return nn.Sequential(
        nn.Conv2d(3, 16, kernel_size=(3, 5), stride=(1, 2), padding=(1, 2)),  # 0
        nn.BatchNorm2d(16),  # 1
        nn.ReLU6(),  # 2
        nn.Conv2d(16, 32, 3, padding="same", dilation=2),  # 3
        nn.SiLU(),  # 4
        nn.Conv2d(32, 32, 3, stride=2, padding=1, groups=32, bias=False),  # 5 depthwise
        nn.Conv2d(32, 48, 1, groups=4),  # 6
        nn.GELU(),  # 7
        nn.MaxPool2d(3, stride=2, ceil_mode=True),  # 8
        nn.AvgPool2d(2, stride=2, ceil_mode=True, padding=1),  # 9
        nn.ConvTranspose2d(48, 24, 3, stride=2, padding=1, output_padding=1),  # 10
        nn.Hardswish(),  # 11
        nn.LeakyReLU(0.1),  # 12
        nn.Upsample(scale_factor=2, mode="bilinear"),  # 13
        nn.Conv2d(24, 8, 3, padding=1),  # 14
        nn.Upsample(scale_factor=2, mode="nearest"),  # 15
        nn.AdaptiveAvgPool2d((3, 5)),  # 16
        nn.AdaptiveMaxPool2d(2),  # 17
        nn.Sigmoid(),  # 18
        nn.Flatten(),  # 19
        nn.Dropout(0.1),  # 20
        nn.Linear(32, 7),  # 21
        nn.BatchNorm1d(7),  # 22
    )


def convT_zoo():
    return nn.Sequential(
        nn.ConvTranspose2d(8, 16, 4, stride=2, padding=1),
        nn.ConvTranspose2d(16, 4, (3, 2), stride=(3, 1), padding=0, dilation=2,
                           groups=4, output_padding=(1, 0)),
    )


def norm_zoo():
    """GroupNorm, Tanh, Mish, Hardsigmoid and a squeeze-excitation with a hard-sigmoid gate."""
    from torchvision.ops import SqueezeExcitation
    return nn.Sequential(
        nn.Conv2d(3, 32, 3, padding=1, bias=False),
        nn.GroupNorm(8, 32),
        nn.Mish(),
        nn.Conv2d(32, 64, 3, stride=2, padding=1),
        nn.GroupNorm(32, 64),
        nn.Tanh(),
        SqueezeExcitation(64, 16, scale_activation=nn.Hardsigmoid),
        nn.Hardsigmoid(),
        nn.AdaptiveAvgPool2d(1),
        nn.Flatten(),
        nn.Linear(64, 5),
    )


def pool_zoo():
    """Ceil-mode pooling down to tiny maps, where a window may overhang the padded input (PyTorch only requires
    an output of at least 1 and the last window to start inside the input or its left padding)."""
    return nn.Sequential(
        nn.MaxPool2d(3, stride=2, padding=1, ceil_mode=True),
        nn.AvgPool2d((3, 2), stride=(2, 3), ceil_mode=True),
        nn.MaxPool2d(2, ceil_mode=True),
        nn.AvgPool2d(4, ceil_mode=True),
        nn.Conv2d(4, 6, 1),
        nn.MaxPool2d(2, ceil_mode=True),
        nn.Flatten(),
        nn.Linear(6, 3),
    )


NETWORKS = {}
for _n in ["resnet18", "resnet34", "resnet50", "resnet101", "resnet152", "vgg16",
           "alexnet", "mobilenet_v2", "efficientnet_b0"]:
    NETWORKS[_n] = (tv(_n), [1, 3, 224, 224])
if HAVE_FASTAI:
    NETWORKS["fastai_resnet18"] = (fastai_resnet18, [64, 3, 28, 28])
    NETWORKS["xresnet18"] = (lambda: xresnet18(), [1, 3, 224, 224])
NETWORKS["simple_cnn"] = (simple_cnn, [64, 1, 28, 28])
# Networks beyond the presets, written as specs in the tests: they check the general formulas, not named cases.
for _n in ["resnext50_32x4d", "wide_resnet50_2", "vgg11_bn", "squeezenet1_1", "mobilenet_v3_small",
           "efficientnet_b1", "densenet121", "regnet_y_400mf"]:
    NETWORKS[_n] = (tv(_n), [1, 3, 224, 224])
# GoogLeNet without its auxiliary classifiers: they run only in training, and their parameters would be in the
# totals without a leaf call to show them.
NETWORKS["googlenet"] = (lambda: torchvision.models.googlenet(weights=None, aux_logits=False, init_weights=True),
                         [1, 3, 224, 224])
NETWORKS["resnet18_160x128_b4"] = (tv("resnet18"), [4, 3, 160, 128])
NETWORKS["mobilenet_v2_97x131"] = (tv("mobilenet_v2"), [2, 3, 97, 131])
NETWORKS["zoo"] = (zoo, [2, 3, 64, 48])
NETWORKS["norm_zoo"] = (norm_zoo, [3, 3, 40, 36])
NETWORKS["convT_zoo"] = (convT_zoo, [1, 8, 10, 10])
NETWORKS["pool_zoo"] = (pool_zoo, [2, 4, 7, 5])

# Free-text caveats copied into the JSON as "notes" (only where present).
NOTES = {
    "zoo": [
        "layer 3 (Conv2d padding='same', dilation=2) traces to aten::_convolution_mode, "
        "which fvcore 0.1.5 does not support: its fvcore_flops is 0 and it is missing "
        "from fvcore_total (its real MACs without bias: 2*32*64*24 * 16*9 = 14,155,776).",
        "Elementwise activations, max/avg pools and adaptive max pool are unsupported "
        "by fvcore (0 flops); see totals.fvcore_unsupported_ops.",
    ],
}


# --------------------------------------------------------------------------
# measurement
# --------------------------------------------------------------------------

def versions():
    v = {
        "torch": torch.__version__,
        "torchvision": torchvision.__version__,
        "torchinfo": torchinfo.__version__,
        "fvcore": pkg_version("fvcore"),
        "python": sys.version.split()[0],
    }
    if HAVE_FASTAI:
        v["fastai"] = fastai.__version__
    return v


def shape_of(t):
    if isinstance(t, torch.Tensor):
        return list(t.shape)
    if isinstance(t, (list, tuple)) and len(t) == 1:
        return shape_of(t[0])
    if isinstance(t, (list, tuple)):
        return [shape_of(x) for x in t]
    return None


def own_params(m):
    ps = list(m.parameters(recurse=False))
    return sum(p.numel() for p in ps), sum(p.numel() for p in ps if p.requires_grad)


def leaf_calls(model, x):
    """Run model once with forward hooks on every leaf; return the call list."""
    names = {id(m): n for n, m in model.named_modules()}
    calls, handles = [], []

    def hook(mod, inp, out):
        calls.append((mod, names[id(mod)], shape_of(inp), shape_of(out)))

    for m in model.modules():
        if not any(True for _ in m.children()):
            handles.append(m.register_forward_hook(hook))
    with torch.no_grad():
        model(x)
    for h in handles:
        h.remove()
    return calls


def dump(name, build, input_size, out_dir, verbose=True):
    torch.manual_seed(0)
    model = build().eval()
    x = torch.randn(*input_size)

    calls = leaf_calls(model, x)

    s = torchinfo.summary(model, input_size=tuple(input_size), verbose=0,
                          col_names=("output_size", "num_params", "mult_adds"),
                          device="cpu")
    model.eval()  # torchinfo restores the mode, but be explicit
    ti_leaves = [li for li in s.summary_list if li.is_leaf_layer and li.module is not model]
    assert len(ti_leaves) == len(calls), (name, len(ti_leaves), len(calls))

    fca = FlopCountAnalysis(model, x)
    fca.unsupported_ops_warnings(False)
    fca.uncalled_modules_warnings(False)
    by_mod = fca.by_module()

    layers = []
    for (mod, path, ishape, oshape), li in zip(calls, ti_leaves):
        assert li.module is mod, (name, path, li.class_name)
        assert list(li.output_size) == oshape, (name, path, li.output_size, oshape)
        p, tp = own_params(mod)
        assert p == li.num_params or li.is_recursive, (name, path, p, li.num_params)
        layers.append({
            "path": path,
            "class": type(mod).__name__,
            "input": ishape,
            "output": oshape,
            "params": p,
            "trainable_params": tp,
            "torchinfo_macs": int(li.macs),
            "fvcore_flops": int(by_mod[path]) if path in by_mod else None,
        })

    total_p = sum(p.numel() for p in model.parameters())
    total_tp = sum(p.numel() for p in model.parameters() if p.requires_grad)
    assert total_p == s.total_params, (name, total_p, s.total_params)

    doc = {
        "name": name,
        "input": list(input_size),
        "versions": versions(),
        "layers": layers,
        "totals": {
            "params": int(s.total_params),
            "trainable_params": int(s.trainable_params),
            "torchinfo_total_mult_adds": int(s.total_mult_adds),
            "fvcore_total": int(fca.total()),
            "fvcore_by_operator": {k: int(v) for k, v in sorted(fca.by_operator().items())},
            "fvcore_unsupported_ops": {k: int(v) for k, v in sorted(fca.unsupported_ops().items())},
        },
    }
    if name in NOTES:
        doc["notes"] = NOTES[name]
    os.makedirs(out_dir, exist_ok=True)
    path = os.path.join(out_dir, f"{name}.json")
    with open(path, "w") as f:
        json.dump(doc, f, indent=1)
        f.write("\n")
    if verbose:
        t = doc["totals"]
        print(f"{name:16s} leaf_calls={len(layers):4d} params={t['params']:,} "
              f"torchinfo_madds={t['torchinfo_total_mult_adds']:,} fvcore={t['fvcore_total']:,}")
    return doc


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("names", nargs="*", help="subset of: " + " ".join(NETWORKS))
    ap.add_argument("--out", default=DEFAULT_OUT)
    args = ap.parse_args()
    torch.set_num_threads(1)
    if not HAVE_FASTAI:
        print("fastai not importable: skipping fastai_resnet18 and xresnet18", file=sys.stderr)
    for n in args.names or list(NETWORKS):
        build, inp = NETWORKS[n]
        dump(n, build, inp, args.out)


if __name__ == "__main__":
    main()
