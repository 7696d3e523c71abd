#!/usr/bin/env python3
"""Measure the forward time of every leaf module of a PyTorch model, and of the whole model.

Writes JSON of schema ``convscope.measurement/1`` (docs/measurement.md), which convscope reads
(``convscope summary … --measured FILE``, or dropped on the app) to show measured times beside its estimates,
matched by module path, and to calibrate a device.

How it measures
---------------
* Leaf modules (modules without children) are timed with forward pre- and post-hooks. On a GPU each call is
  bracketed by CUDA events and the device is synchronised once per forward pass; on a CPU a monotonic wall clock
  (``time.perf_counter_ns``) brackets the call, which runs synchronously.
* A module called more than once per forward (torchvision BasicBlock's ``relu``) gets one entry per call, keyed
  like convscope's rows: ``path`` for the first call, ``path@k`` for the k-th.
* ``warmup`` forward passes are discarded, then ``repeats`` passes are timed; each entry is the median over the
  repeats (its 25th and 75th percentiles are kept too, to show the noise).
* The whole network is timed apart, without hooks (hooks cost a few microseconds per call), as the median of
  ``repeats`` passes.
* Evaluation mode and ``torch.inference_mode()``: what convscope's inference estimate is about.

Use
---
As a function::

    from measure import measure
    doc = measure(learn.model, (3, 224, 224), batch=16, dtype="fp32", device="cpu")

From the command line, on a torchvision model::

    python tools/measure/measure.py resnet50 --batch 16 --device cpu --out resnet50_b16.json

Only PyTorch (and torchvision for models named on the command line) is needed.
"""

import argparse
import json
import platform
import shutil
import statistics
import subprocess
import sys
import time

import torch
import torch.nn as nn

SCHEMA = "convscope.measurement/1"
DTYPES = {"fp32": torch.float32, "fp16": torch.float16, "bf16": torch.bfloat16}


def _leaves(model):
    return [(name, m) for name, m in model.named_modules() if len(list(m.children())) == 0 and name]


def _quantiles(xs):
    xs = sorted(xs)
    q = statistics.quantiles(xs, n=4, method="inclusive") if len(xs) > 1 else [xs[0]] * 3
    return q[0], statistics.median(xs), q[2]


def _device_name(device):
    if device.type == "cuda":
        return torch.cuda.get_device_name(device)
    name = platform.processor() or platform.machine()
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return name


def measure(model, input_shape, batch=1, dtype="fp32", device="cpu", warmup=10, repeats=50, threads=None):
    """Times every leaf module call and the whole forward pass of ``model`` on an input of ``batch`` ×
    ``input_shape`` (C, H, W); returns the ``convscope.measurement/1`` document as a dict."""
    if dtype not in DTYPES:
        raise ValueError(f"dtype must be one of {', '.join(DTYPES)}")
    if len(input_shape) != 3:
        raise ValueError("input_shape is (channels, height, width)")
    if threads:
        torch.set_num_threads(threads)
    dev = torch.device(device)
    cuda = dev.type == "cuda"
    model = model.to(dev, DTYPES[dtype]).eval()
    x = torch.randn(batch, *input_shape, device=dev, dtype=DTYPES[dtype])

    calls = []  # per forward: list of (path, start, end-marker)
    starts = {}

    def pre(name):
        def hook(_m, _inp):
            if cuda:
                e = torch.cuda.Event(enable_timing=True)
                e.record()
                starts.setdefault(name, []).append(e)
            else:
                starts.setdefault(name, []).append(time.perf_counter_ns())
        return hook

    def post(name, cls):
        def hook(_m, _inp, _out):
            begin = starts[name].pop()
            if cuda:
                end = torch.cuda.Event(enable_timing=True)
                end.record()
                calls.append((name, cls, begin, end))
            else:
                calls.append((name, cls, begin, time.perf_counter_ns()))
        return hook

    handles = []
    for name, m in _leaves(model):
        handles.append(m.register_forward_pre_hook(pre(name)))
        handles.append(m.register_forward_hook(post(name, type(m).__name__)))

    per_key = {}
    order = []
    with torch.inference_mode():
        for i in range(warmup + repeats):
            calls.clear()
            model(x)
            if cuda:
                torch.cuda.synchronize(dev)
            if i < warmup:
                continue
            seen = {}
            # Hooks fire in call order at each call's end; order the calls by their start.
            timed = []
            for name, cls, begin, end in calls:
                if cuda:
                    seconds = begin.elapsed_time(end) / 1e3
                    start_key = begin
                else:
                    seconds = (end - begin) / 1e9
                    start_key = begin
                timed.append((start_key, name, cls, seconds))
            if not cuda:
                timed.sort(key=lambda t: t[0])
            for _, name, cls, seconds in timed:
                seen[name] = seen.get(name, 0) + 1
                key = name if seen[name] == 1 else f"{name}@{seen[name]}"
                if key not in per_key:
                    per_key[key] = {"path": name, "call": seen[name], "class": cls, "times": []}
                    order.append(key)
                per_key[key]["times"].append(seconds)
        for h in handles:
            h.remove()
        whole = []
        for i in range(warmup + repeats):
            if cuda:
                a, b = torch.cuda.Event(enable_timing=True), torch.cuda.Event(enable_timing=True)
                a.record()
                model(x)
                b.record()
                torch.cuda.synchronize(dev)
                t = a.elapsed_time(b) / 1e3
            else:
                t0 = time.perf_counter_ns()
                model(x)
                t = (time.perf_counter_ns() - t0) / 1e9
            if i >= warmup:
                whole.append(t)

    layers = []
    for key in order:
        e = per_key[key]
        q1, med, q3 = _quantiles(e["times"])
        layers.append({"key": key, "path": e["path"], "call": e["call"], "class": e["class"],
                       "time_s": med, "q1_s": q1, "q3_s": q3})
    q1, med, q3 = _quantiles(whole)
    return {
        "schema": SCHEMA,
        "device": {"kind": dev.type, "name": _device_name(dev),
                   "threads": torch.get_num_threads() if not cuda else None},
        "versions": {"torch": torch.__version__, "cuda": torch.version.cuda,
                     "cudnn": torch.backends.cudnn.version() if torch.backends.cudnn.is_available() else None,
                     "python": platform.python_version()},
        "dtype": dtype,
        "batch": batch,
        "input": list(input_shape),
        "warmup": warmup,
        "repeats": repeats,
        "layers": layers,
        "total_s": med,
        "total_q1_s": q1,
        "total_q3_s": q3,
    }


def _torchvision(name):
    import torchvision
    try:
        return getattr(torchvision.models, name)(weights=None)
    except AttributeError:
        sys.exit(f"measure: torchvision has no model {name!r}")


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("model", help="a torchvision model name (resnet50, mobilenet_v2, ...)")
    ap.add_argument("--input", default="3x224x224", help="CxHxW (default 3x224x224)")
    ap.add_argument("--batch", type=int, default=1)
    ap.add_argument("--dtype", default="fp32", choices=sorted(DTYPES))
    ap.add_argument("--device", default="cpu", help="cpu, cuda, cuda:1, ...")
    ap.add_argument("--warmup", type=int, default=10)
    ap.add_argument("--repeats", type=int, default=50)
    ap.add_argument("--threads", type=int, default=None, help="CPU threads (torch.set_num_threads)")
    ap.add_argument("--out", default=None, help="output file (default: standard output)")
    args = ap.parse_args()
    try:
        shape = tuple(int(v) for v in args.input.lower().split("x"))
    except ValueError:
        sys.exit("measure: --input is CxHxW, e.g. 3x224x224")
    torch.manual_seed(0)
    doc = measure(_torchvision(args.model), shape, batch=args.batch, dtype=args.dtype, device=args.device,
                  warmup=args.warmup, repeats=args.repeats, threads=args.threads)
    doc["model"] = args.model
    text = json.dumps(doc, indent=1) + "\n"
    if args.out:
        with open(args.out, "w") as f:
            f.write(text)
    else:
        sys.stdout.write(text)
    # Where convscope knows the network, say how to open it with these times.
    cli = shutil.which("convscope")
    hint = f"convscope summary {args.model} --batch {args.batch} --dtype {args.dtype} --measured {args.out or 'FILE'}"
    if cli:
        try:
            link = subprocess.run([cli, "link", args.model, "--batch", str(args.batch)], capture_output=True,
                                  text=True, check=True).stdout.strip()
            print(f"convscope link: {link}", file=sys.stderr)
        except subprocess.CalledProcessError:
            pass
    print(f"measured {len(doc['layers'])} leaf calls; whole network {doc['total_s'] * 1e3:.3f} ms. Next: {hint}",
          file=sys.stderr)


if __name__ == "__main__":
    main()
