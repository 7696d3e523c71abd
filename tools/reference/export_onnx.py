#!/usr/bin/env python3
"""Export the reference networks to ONNX for the importer's tests (tests/native/onnx_import.rs).

What it writes
--------------
For every network of dump_refs.NETWORKS (the torchvision presets, the networks beyond them, the hand-made zoos:
the same definitions as the torch fixtures in tests/fixtures/torch/), ``tests/fixtures/onnx/<name>.onnx``,
exported with torch.onnx's TorchScript exporter (``dynamo=False``) at the fixture's input size:

* ``export_params=False``: no weight data, the weights are graph inputs with their shapes (a few KB per file);
* ``do_constant_folding=False``: otherwise the exporter folds every batch norm into the convolution before it,
  and the file no longer shows the network that was written (numbers would differ from the fixture: no BN rows,
  convolutions with a bias);
* opset 17, input named ``x``; the batch dimension is the fixture's.

``zoo_head`` is the zoo's first 16 layers (torch.onnx cannot export the zoo's 3×5 adaptive pool of a 16×6 map).

Plus ``simple_cnn_weights.onnx``: fastbook's simple_cnn WITH its weights (real tensor data, a few KB), so the
reader is also tested on a file with raw_data.

Plus ``<name>.dynamo.onnx`` for the networks of DYNAMO, exported with the dynamo exporter (``dynamo=True``, its
default graph optimisation) with external data: the weights go to a separate ``.data`` file, which is deleted, so
the committed file is a model whose initializers have dims but no data (the importer reads shapes from the dims).
The dynamo exporter's optimiser removes a batch norm whose running statistics are still the initial ones (a fresh
model's BN is the identity) and an all-zero bias (vgg and squeezenet initialise theirs to 0), so only networks
without either are exported this way.

With ``--weights NAME --out FILE`` it writes one network with its weights (e.g. resnet50, ~100 MB, for timing
``convscope summary FILE``), outside the repository.

How to run
----------
    pip install torch==2.15.0 torchvision==0.29.2 onnx torchinfo fvcore
    python3 tools/reference/export_onnx.py                 # all networks
    python3 tools/reference/export_onnx.py resnet18 zoo    # some
    python3 tools/reference/export_onnx.py --weights resnet50 --out /tmp/resnet50.onnx

Versions it was run with: Python 3.11.7, torch 2.15.0+cu132 (CPU), torchvision 0.29.2+cu132, onnx 1.23.2.
"""

import argparse
import os
import sys
import warnings

import torch

warnings.filterwarnings("ignore")
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from dump_refs import NETWORKS, simple_cnn, zoo  # noqa: E402

# torch.onnx refuses the zoo's AdaptiveAvgPool2d((3, 5)) on a map 3×5 does not divide; its first 16 layers (the
# activations written as products, same padding, dilation, groups, ceil pools, transposed conv, both upsamplings)
# export, and are compared with the first 16 entries of the zoo's torch fixture.
NETWORKS = dict(NETWORKS)
NETWORKS["zoo_head"] = (lambda: zoo()[:16], [2, 3, 64, 48])

# Networks exported with the dynamo exporter too: no batch norm, and no parameter initialised to zeros (the
# optimiser drops vgg's and squeezenet's all-zero conv biases from a fresh model).
DYNAMO = ["simple_cnn", "alexnet", "pool_zoo", "convT_zoo"]

REPO = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))


def export(model, size, path, params):
    model.eval()
    x = torch.randn(*size)
    torch.onnx.export(
        model,
        x,
        path,
        dynamo=False,
        export_params=params,
        do_constant_folding=False,
        opset_version=17,
        input_names=["x"],
        output_names=["y"],
    )


def export_dynamo(model, size, path):
    model.eval()
    try:
        torch.onnx.export(model, (torch.randn(*size),), path, dynamo=True, external_data=True,
                          input_names=["x"], output_names=["y"])
    except Exception as e:  # noqa: BLE001 - report and go on with the others
        print(f"{path}: dynamo export failed: {type(e).__name__}: {str(e).splitlines()[0][:160]}")
        return
    data = path + ".data"
    if os.path.exists(data):
        os.remove(data)
    print(f"{os.path.basename(path)}: {os.path.getsize(path)} bytes (weights left out)")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("names", nargs="*")
    ap.add_argument("--out", default=os.path.join(REPO, "tests", "fixtures", "onnx"))
    ap.add_argument("--weights", help="export this one network with its weights to --out (a file)")
    args = ap.parse_args()
    torch.manual_seed(0)
    if args.weights:
        build, size = NETWORKS[args.weights]
        export(build(), size, args.out, True)
        print(args.out, os.path.getsize(args.out))
        return
    os.makedirs(args.out, exist_ok=True)
    names = args.names or list(NETWORKS)
    for name in names:
        build, size = NETWORKS[name]
        path = os.path.join(args.out, f"{name}.onnx")
        try:
            export(build(), size, path, False)
            print(f"{name}: {os.path.getsize(path)} bytes")
        except Exception as e:  # noqa: BLE001 - report and go on with the others
            print(f"{name}: not exported: {type(e).__name__}: {str(e).splitlines()[0][:160]}")
        if name in DYNAMO:
            export_dynamo(build(), size, os.path.join(args.out, f"{name}.dynamo.onnx"))
    if not args.names:
        path = os.path.join(args.out, "simple_cnn_weights.onnx")
        export(simple_cnn(), [64, 1, 28, 28], path, True)
        print(f"simple_cnn_weights: {os.path.getsize(path)} bytes")


if __name__ == "__main__":
    main()
