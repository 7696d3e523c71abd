"""Measure a PyTorch network's forward time per leaf module and as a whole: convscope's measured mode.

Usage as a library (works on torchvision models and on fastai's ``learn.model``)::

    from measure import measure
    doc = measure(model, (3, 224, 224), batch=16, dtype="fp32", device="cuda")

and as a command line for torchvision models::

    python tools/measure/measure.py resnet18 --batch 16 --device cpu --out resnet18_b16_cpu.json

The result follows the schema ``convscope.measurement/1`` (docs/measurement.md): the device and software versions,
dtype and batch, the median time of every call of every leaf module in forward order (module path as
``named_modules()`` gives it, so it matches convscope's rows), and the whole network's median forward time.

On a GPU each module call is timed with CUDA events recorded by forward hooks (the events sit in the stream, so
they measure the kernels, not the Python dispatch), with one synchronisation per forward; on a CPU with a wall
clock in the hooks. The whole network is timed without hooks. Warm-up runs first; every time is a median.
"""

import argparse
import json
import platform
import statistics
import sys
import time

import torch

SCHEMA = "convscope.measurement/1"
DTYPES = {"fp32": torch.float32, "fp16": torch.float16, "bf16": torch.bfloat16}


def leaves(model):
    """(path, module) for every module without children, as named_modules() lists them."""
    return [(p, m) for p, m in model.named_modules() if p and not any(True for _ in m.children())]


def device_info(device):
    if device.type == "cuda":
        return {
            "kind": "cuda",
            "name": torch.cuda.get_device_name(device),
            "cuda": torch.version.cuda,
            "cudnn": torch.backends.cudnn.version(),
        }
    return {
        "kind": "cpu",
        "name": platform.processor() or platform.machine(),
        "threads": torch.get_num_threads(),
    }


class Recorder:
    """Forward hooks that time every leaf call, in call order."""

    def __init__(self, model, device):
        self.cuda = device.type == "cuda"
        self.calls = []  # (path, start, end) of the current forward
        self.handles = []
        for path, module in leaves(model):
            self.handles.append(module.register_forward_pre_hook(self.pre(path)))
            self.handles.append(module.register_forward_hook(self.post(path)))

    def stamp(self):
        if self.cuda:
            e = torch.cuda.Event(enable_timing=True)
            e.record()
            return e
        return time.perf_counter()

    def pre(self, path):
        def hook(_module, _inputs):
            self.calls.append([path, self.stamp(), None])

        return hook

    def post(self, path):
        def hook(_module, _inputs, _output):
            # The innermost open call of this path (a module does not call itself).
            for call in reversed(self.calls):
                if call[0] == path and call[2] is None:
                    call[2] = self.stamp()
                    break

        return hook

    def times(self):
        """The current forward's (path, seconds) in call order."""
        if self.cuda:
            torch.cuda.synchronize()
            out = [(p, s.elapsed_time(e) / 1e3) for p, s, e in self.calls if e is not None]
        else:
            out = [(p, e - s) for p, s, e in self.calls if e is not None]
        self.calls = []
        return out

    def remove(self):
        for h in self.handles:
            h.remove()


def measure(model, input_shape, batch=1, dtype="fp32", device=None, warmup=3, repeats=10, network=None):
    """Times `model` on a random batch of `input_shape` (C, H, W); returns a convscope.measurement/1 document."""
    if dtype not in DTYPES:
        raise ValueError(f"dtype must be one of {sorted(DTYPES)}")
    device = torch.device(device or ("cuda" if torch.cuda.is_available() else "cpu"))
    model = model.eval().to(device=device, dtype=DTYPES[dtype])
    x = torch.randn(batch, *input_shape, device=device, dtype=DTYPES[dtype])
    sync = torch.cuda.synchronize if device.type == "cuda" else (lambda: None)

    with torch.inference_mode():
        # The whole network, without hooks.
        for _ in range(warmup):
            model(x)
        sync()
        totals = []
        for _ in range(repeats):
            if device.type == "cuda":
                start, end = torch.cuda.Event(enable_timing=True), torch.cuda.Event(enable_timing=True)
                start.record()
                model(x)
                end.record()
                torch.cuda.synchronize()
                totals.append(start.elapsed_time(end) / 1e3)
            else:
                t0 = time.perf_counter()
                model(x)
                totals.append(time.perf_counter() - t0)

        # Every leaf call, with hooks.
        rec = Recorder(model, device)
        try:
            for _ in range(warmup):
                model(x)
                rec.times()
            runs = []
            for _ in range(repeats):
                model(x)
                runs.append(rec.times())
        finally:
            rec.remove()

    calls = runs[0]
    if any([p for p, _ in r] != [p for p, _ in calls] for r in runs):
        raise RuntimeError("the network calls its modules in a different order on each forward")
    modules = []
    seen = {}
    for i, (path, _) in enumerate(calls):
        n = seen.get(path, 0)
        seen[path] = n + 1
        modules.append({"path": path, "call": n, "time_s": statistics.median(r[i][1] for r in runs)})

    return {
        "schema": SCHEMA,
        "network": network,
        "input": list(input_shape),
        "batch": batch,
        "dtype": dtype,
        "device": device_info(device),
        "torch": torch.__version__,
        "warmup": warmup,
        "repeats": repeats,
        "total_s": statistics.median(totals),
        "modules": modules,
    }


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("network", help="a torchvision.models constructor name (resnet18, mobilenet_v2, ...)")
    ap.add_argument("--input", default="3x224x224", help="CxHxW (default 3x224x224)")
    ap.add_argument("--batch", type=int, default=1)
    ap.add_argument("--dtype", default="fp32", choices=sorted(DTYPES))
    ap.add_argument("--device", default=None, help="cpu or cuda (default: cuda when available)")
    ap.add_argument("--warmup", type=int, default=3)
    ap.add_argument("--repeats", type=int, default=10)
    ap.add_argument("--threads", type=int, default=None, help="torch.set_num_threads on a CPU")
    ap.add_argument("--out", default=None, help="write the JSON here (default: standard output)")
    a = ap.parse_args(argv)

    import torchvision

    if a.threads:
        torch.set_num_threads(a.threads)
    ctor = getattr(torchvision.models, a.network, None)
    if ctor is None:
        sys.exit(f"measure: torchvision.models has no `{a.network}`")
    torch.manual_seed(0)
    model = ctor(weights=None)
    shape = tuple(int(v) for v in a.input.lower().split("x"))
    doc = measure(model, shape, a.batch, a.dtype, a.device, a.warmup, a.repeats, network=a.network)
    text = json.dumps(doc, indent=1) + "\n"
    if a.out:
        with open(a.out, "w") as f:
            f.write(text)
    else:
        sys.stdout.write(text)
    # convscope's presets carry torchvision's names: the same network opens with `convscope link`.
    print(
        f"measured {a.network}: {doc['total_s'] * 1e3:.2f} ms per forward at batch {a.batch} ({a.dtype}, "
        f"{doc['device']['name']}); in convscope: `convscope link {a.network} --batch {a.batch} "
        f"--dtype {a.dtype}`",
        file=sys.stderr,
    )


if __name__ == "__main__":
    main()
