"""RESHAPE, SQUEEZE and EXPAND_DIMS are views: the output aliases the input's bytes and no code is
generated. Checked against TFLM (int8, int16x8 bit-exact; float32 exact, FLOAT_TOL = 0) with a
TRANSPOSE after the view, so the aliased bytes are really read by a kernel."""

from __future__ import annotations

import numpy as np
import pytest

from codegen.generate import GenerateOptions, compile_model
from codegen.tflite import read_model_bytes
from support.compare import compare_bytes
from support.opcases import lambda_case
from support.tfmodels import convert

ALL = ("int8", "int16x8", "float32")

# (id, input shape without batch, view expression, modes)
CASES = [
    ("reshape_rank2_to_rank4", (24,), "tf.reshape(x, (1, 2, 3, 4))", ALL),
    ("squeeze_rank4_to_rank3", (3, 1, 5), "tf.squeeze(x, axis=2)", ("int8", "float32")),
    ("expand_dims_rank3_to_rank4_neg", (4, 3), "tf.expand_dims(x, -2)", ("int8", "float32")),
]


def _case(name, shape, expr):
    def fn(tf, x):
        y = eval(expr, {"tf": tf, "x": x})
        return tf.transpose(y, [0] + list(range(len(y.shape) - 1, 0, -1)))
    return lambda_case(name, fn, (shape,), expr=expr, then="transpose reversing the non-batch axes")


@pytest.mark.parametrize("name,shape,expr,mode",
                         [pytest.param(n, s, e, m, id=f"{n}-{m}") for n, s, e, ms in CASES for m in ms])
def test_view_bit_exact(name, shape, expr, mode):
    model = convert(_case(name, shape, expr), mode)
    graph = read_model_bytes(model)
    views = [op for op in graph.main.operators if op.opcode in ("RESHAPE", "SQUEEZE", "EXPAND_DIMS")]
    assert views and graph.main.operators[-1].opcode == "TRANSPOSE"
    compiled = compile_model(graph, options=GenerateOptions(prefix="m"))
    view_steps = [s for s in compiled.steps if s.opcode in ("RESHAPE", "SQUEEZE", "EXPAND_DIMS")]
    assert view_steps and all(not s.calls for s in view_steps)  # no code
    op = views[0]
    assert compiled.storage[(0, op.outputs[0])] == compiled.storage[(0, op.inputs[0])]
    r = compare_bytes(model, name, samples=3)
    assert r.exact, r


def test_reshape_fold():
    from codegen.ops.registry import handler
    model = convert(_case(*CASES[0][:3]), "float32")
    sg = read_model_bytes(model).main
    op = next(o for o in sg.operators if o.opcode == "RESHAPE")
    x = np.arange(24, dtype=np.float32).reshape(1, 24)
    (y,) = handler("RESHAPE").fold(sg, op, [x, sg.tensors[op.inputs[1]].data])
    assert y.shape == sg.tensors[op.outputs[0]].shape and np.array_equal(y.reshape(-1), x.reshape(-1))
