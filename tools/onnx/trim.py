#!/usr/bin/env python3
"""Trim onnx.proto to the fields convscope reads, keeping every kept line verbatim (names, types, tags).

The importer needs the graph (nodes, their attributes, inputs, outputs, initializers' dims, value infos' shapes,
small constants); everything else (training info, functions, sparse tensors, sequence/map types, docs, device
configurations, ...) is left out of the messages, so the decoder skips those fields on the wire instead of building
them, and the WebAssembly carries no code for them. Used by regenerate.sh:  trim.py onnx.proto > trimmed.proto
"""

import re
import sys

# message path -> field names kept; a message not listed is dropped.
KEEP = {
    "ModelProto": {"graph"},
    "GraphProto": {"node", "initializer", "input", "output"},
    "NodeProto": {"input", "output", "name", "op_type", "attribute", "metadata_props"},
    "StringStringEntryProto": {"key", "value"},
    "AttributeProto": {"name", "f", "i", "s", "t", "floats", "ints"},
    "ValueInfoProto": {"name", "type"},
    "TensorProto": {"dims", "data_type", "float_data", "int32_data", "int64_data", "name", "raw_data",
                    "double_data"},
    "TensorProto.DataType": None,  # an enum, kept whole
    "TensorShapeProto": {"dim"},
    "TensorShapeProto.Dimension": {"dim_value", "dim_param"},
    "TypeProto": {"tensor_type"},
    "TypeProto.Tensor": {"elem_type", "shape"},
}

FIELD = re.compile(r"^\s*(optional |repeated )?([\w.]+)\s+(\w+)\s*=\s*(\d+)\s*(\[.*\])?\s*;")
OPEN = re.compile(r"^\s*(message|enum|oneof)\s+(\w+)\s*\{")


def main(path):
    out = ['syntax = "proto2";', "", "package onnx;", ""]
    stack = []  # (kind, name, kept)
    for raw in open(path, encoding="utf-8"):
        line = raw.split("//")[0].rstrip()
        if not line.strip():
            continue
        m = OPEN.match(line)
        if m:
            kind, name = m.groups()
            parents = [n for k, n, _ in stack if k != "oneof"]
            full = ".".join(parents + [name]) if kind != "oneof" else ".".join(parents)
            parent_kept = all(kept for _, _, kept in stack)
            kept = parent_kept and (kind == "oneof" or full in KEEP)
            stack.append((kind, name, kept))
            if kept:
                out.append(line)
            continue
        if line.strip() in ("}", "};"):
            if stack:
                _, _, kept = stack.pop()
                if kept:
                    out.append(line.replace("};", "}"))
            continue
        if not stack or not all(kept for _, _, kept in stack):
            continue
        msg = ".".join(n for k, n, _ in stack if k != "oneof")
        if KEEP.get(msg) is None:  # an enum kept whole
            if line.strip().startswith(("reserved", "option")):
                continue
            out.append(line)
            continue
        f = FIELD.match(line)
        if f and f.group(3) in KEEP[msg]:
            out.append(line)
    print("\n".join(out))


if __name__ == "__main__":
    main(sys.argv[1])
