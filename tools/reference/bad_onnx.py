#!/usr/bin/env python3
"""Write the hand-made ONNX files of tests/native/onnx_import.rs: bad ones into tests/fixtures/onnx/bad/, and
keras_like.onnx (the shape of a Keras model through tf2onnx) into tests/fixtures/onnx/.

Each is a small, otherwise valid model (onnx.helper, opset 17) with one thing wrong; the test requires the importer
to say what, naming the node, and never to panic. (Truncated files and files that are not protobuf at all are made
by the test itself from the good fixtures.)

    pip install onnx
    python3 tools/reference/bad_onnx.py

Run with onnx 1.23.2.
"""

import os

import onnx
from onnx import TensorProto, helper

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "tests", "fixtures", "onnx", "bad")


def weight(name, dims):
    # Dims only, as export_params=False writes them: a graph input with a shape.
    return helper.make_tensor_value_info(name, TensorProto.FLOAT, dims)


def model(nodes, inputs, outputs, value_info=()):
    g = helper.make_graph(nodes, "bad", inputs, outputs, value_info=list(value_info))
    m = helper.make_model(g, opset_imports=[helper.make_opsetid("", 17)], producer_name="bad_onnx.py")
    return m


def x(dims=(1, 3, 8, 8)):
    return helper.make_tensor_value_info("x", TensorProto.FLOAT, list(dims))


def y():
    return helper.make_tensor_value_info("y", TensorProto.FLOAT, None)


def conv(name, inp, out, w):
    return helper.make_node("Conv", [inp, w], [out], name=name, kernel_shape=[3, 3], pads=[1, 1, 1, 1])


def save(name, m):
    path = os.path.normpath(os.path.join(OUT, f"{name}.onnx"))
    onnx.save(m, path)
    print(path, os.path.getsize(path))


def main():
    os.makedirs(OUT, exist_ok=True)
    # A cycle: relu reads the add's output, the add reads the relu's.
    save("cycle", model(
        [conv("/conv/Conv", "x", "c", "w"),
         helper.make_node("Relu", ["a"], ["r"], name="/relu/Relu"),
         helper.make_node("Add", ["c", "r"], ["a"], name="/Add"),
         helper.make_node("Identity", ["a"], ["y"], name="/out")],
        [x(), weight("w", [4, 3, 3, 3])], [y()]))
    # A node reads a tensor nothing provides.
    save("missing_input", model(
        [conv("/conv/Conv", "x", "c", "w"),
         helper.make_node("Add", ["c", "ghost"], ["y"], name="/Add")],
        [x(), weight("w", [4, 3, 3, 3])], [y()]))
    # Dimensions far beyond any real network (and beyond i64 products).
    save("huge_dims", model(
        [conv("/conv/Conv", "x", "y", "w")],
        [x((1, 3, 8, 8)), weight("w", [1 << 40, 3, 3, 3])], [y()]))
    save("huge_input", model(
        [conv("/conv/Conv", "x", "y", "w")],
        [x((1, 3, 1 << 30, 1 << 30)), weight("w", [4, 3, 3, 3])], [y()]))
    # A 5-D input (a video network).
    save("five_d", model(
        [helper.make_node("Conv", ["x", "w"], ["y"], name="/conv3d/Conv", kernel_shape=[3, 3, 3])],
        [x((1, 3, 4, 8, 8)), weight("w", [4, 3, 3, 3, 3])], [y()]))
    # A 5-D tensor in the middle: a conv, then an unsqueeze to 5-D and a 3-D pool.
    save("five_d_inside", model(
        [conv("/conv/Conv", "x", "c", "w"),
         helper.make_node("Constant", [], ["axes"], name="/Constant",
                          value=helper.make_tensor("axes", TensorProto.INT64, [1], [2])),
         helper.make_node("Unsqueeze", ["c", "axes"], ["u"], name="/Unsqueeze"),
         helper.make_node("MaxPool", ["u"], ["y"], name="/pool/MaxPool", kernel_shape=[1, 2, 2])],
        [x(), weight("w", [4, 3, 3, 3])], [y()]))
    # An op type nobody knows, after a conv that maps: a partial import.
    save("unknown_op", model(
        [conv("/conv/Conv", "x", "c", "w"),
         helper.make_node("FrobnicateV7", ["c"], ["y"], name="/frob/FrobnicateV7", domain="com.example")],
        [x(), weight("w", [4, 3, 3, 3])], [y()]))
    # A channel shuffle (ShuffleNet): reshape to 5-D, transpose, reshape back.
    shape5 = helper.make_tensor("s5", TensorProto.INT64, [5], [1, 2, 2, 8, 8])
    shape4 = helper.make_tensor("s4", TensorProto.INT64, [4], [1, 4, 8, 8])
    save("channel_shuffle", model(
        [conv("/conv/Conv", "x", "c", "w"),
         helper.make_node("Constant", [], ["s5"], name="/Constant", value=shape5),
         helper.make_node("Constant", [], ["s4"], name="/Constant_1", value=shape4),
         helper.make_node("Reshape", ["c", "s5"], ["r"], name="/Reshape"),
         helper.make_node("Transpose", ["r"], ["t"], name="/Transpose", perm=[0, 2, 1, 3, 4]),
         helper.make_node("Reshape", ["t", "s4"], ["y"], name="/Reshape_1")],
        [x(), weight("w", [4, 3, 3, 3])], [y()]))
    # Not series-parallel (a bridge): a = conv(x), b = conv(x), m = a + b, y = a + m.
    save("bridge", model(
        [conv("/a/Conv", "x", "a", "w"),
         conv("/b/Conv", "x", "b", "w"),
         helper.make_node("Add", ["a", "b"], ["m"], name="/Add"),
         helper.make_node("Add", ["a", "m"], ["y"], name="/Add_1")],
        [x(), weight("w", [3, 3, 3, 3])], [y()]))
    # Two network inputs.
    save("two_inputs", model(
        [helper.make_node("Add", ["x", "x2"], ["y"], name="/Add")],
        [x(), helper.make_tensor_value_info("x2", TensorProto.FLOAT, [1, 3, 8, 8])], [y()]))
    # A dynamic height.
    save("dynamic_height", model(
        [conv("/conv/Conv", "x", "y", "w")],
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, ["N", 3, "H", 8]), weight("w", [4, 3, 3, 3])],
        [y()]))


def keras_like():
    """N×H×W×C input transposed first, an input normalisation, TensorFlow SAME padding at stride 2 (one pixel more at
    the end), a squeeze after the global pool, Dense as MatMul + Add, a final Softmax (no convscope layer: partial)."""
    f = TensorProto.FLOAT
    const = lambda name, dims, vals: helper.make_tensor(name, f, dims, vals)  # noqa: E731
    inits = [
        const("mean", [1, 3, 1, 1], [0.5, 0.5, 0.5]),
        const("std", [1, 3, 1, 1], [0.25, 0.25, 0.25]),
        helper.make_tensor("axes", TensorProto.INT64, [2], [2, 3]),
    ]
    nodes = [
        helper.make_node("Transpose", ["input_1"], ["t"], name="model/transpose", perm=[0, 3, 1, 2]),
        helper.make_node("Sub", ["t", "mean"], ["s"], name="model/normalization/sub"),
        helper.make_node("Div", ["s", "std"], ["d"], name="model/normalization/truediv"),
        helper.make_node("Conv", ["d", "w1", "b1"], ["c1"], name="model/conv2d/Conv2D", kernel_shape=[3, 3],
                         strides=[2, 2], auto_pad="SAME_UPPER"),
        helper.make_node("Relu", ["c1"], ["r1"], name="model/conv2d/Relu"),
        helper.make_node("Conv", ["r1", "w2", "b2"], ["c2"], name="model/conv2d_1/Conv2D", kernel_shape=[3, 3],
                         pads=[1, 1, 1, 1]),
        helper.make_node("Relu", ["c2"], ["r2"], name="model/conv2d_1/Relu"),
        helper.make_node("GlobalAveragePool", ["r2"], ["g"], name="model/global_average_pooling2d/Mean"),
        helper.make_node("Squeeze", ["g", "axes"], ["q"], name="model/global_average_pooling2d/Squeeze"),
        helper.make_node("MatMul", ["q", "w3"], ["m"], name="model/dense/MatMul"),
        helper.make_node("Add", ["m", "b3"], ["a"], name="model/dense/BiasAdd"),
        helper.make_node("Softmax", ["a"], ["y"], name="model/dense/Softmax", axis=-1),
    ]
    inputs = [helper.make_tensor_value_info("input_1", f, ["unk__0", 32, 32, 3]),
              weight("w1", [8, 3, 3, 3]), weight("b1", [8]), weight("w2", [16, 8, 3, 3]), weight("b2", [16]),
              weight("w3", [16, 10]), weight("b3", [10])]
    g = helper.make_graph(nodes, "keras_like", inputs, [y()], initializer=inits)
    m = helper.make_model(g, opset_imports=[helper.make_opsetid("", 13)], producer_name="bad_onnx.py")
    path = os.path.normpath(os.path.join(OUT, "..", "keras_like.onnx"))
    onnx.save(m, path)
    print(path, os.path.getsize(path))


if __name__ == "__main__":
    keras_like()
    main()
