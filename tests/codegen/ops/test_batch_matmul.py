"""BATCH_MATMUL against TFLM's interpreter: int8 and int16x8 bit-exact, float32 exact (FLOAT_TOL = 0:
the depth is summed in TFLM's order from 0.0f, measured identical). adj_x / adj_y, batch broadcasting
across ranks 3 to 5, both operands computed, or the right-hand side constant (the converter keeps
BATCH_MATMUL for a constant rank-3 operand)."""

from __future__ import annotations

import numpy as np
import pytest

from codegen.tflite import read_model_bytes
from support.compare import compare_bytes
from support.tfmodels import Case, convert

ALL = ("int8", "int16x8", "float32")

# (id, lhs shape, rhs shape (without batch for inputs), adj_x, adj_y, rhs constant)
CASES = [
    ("matmul_rank3_adj_x", (5, 4), (5, 3), True, False, False),
    ("matmul_rank3_adj_y", (4, 5), (3, 5), False, True, False),
    ("matmul_rank3_adj_x_adj_y_odd", (7, 3), (2, 7), True, True, False),
    ("matmul_rank4_broadcast_rhs_batch", (2, 4, 5), (1, 5, 3), False, False, False),
    ("matmul_rank4_broadcast_lhs_batch", (1, 4, 5), (3, 2, 5), False, True, False),
    ("matmul_rank5_mixed_broadcast", (2, 3, 3, 4), (1, 3, 4, 2), False, False, False),
    ("matmul_rank3_const_rhs", (4, 6), (1, 6, 5), False, False, True),
    ("matmul_rank4_const_rhs_adj_y_broadcast", (2, 3, 6), (1, 1, 4, 6), False, True, True),
]


def _case(name, ls, rs, adj_x, adj_y, const):
    def build(tf):
        a = tf.keras.Input(ls, batch_size=1)
        if const:
            w = tf.constant(np.random.default_rng(7).uniform(-1, 1, rs).astype(np.float32))
            out = tf.keras.layers.Lambda(lambda x: tf.linalg.matmul(x, w, adjoint_a=adj_x, adjoint_b=adj_y))(a)
            return tf.keras.Model(a, out)
        b = tf.keras.Input(rs, batch_size=1)
        out = tf.keras.layers.Lambda(lambda xs: tf.linalg.matmul(xs[0], xs[1], adjoint_a=adj_x, adjoint_b=adj_y))([a, b])
        return tf.keras.Model([a, b], out)

    inputs = (ls,) if const else (ls, rs)
    return Case(name, build, inputs, params={"ls": ls, "rs": rs, "adj": (adj_x, adj_y), "const": const})


PLAIN = ("matmul_rank3_plain", (3, 5), (5, 4), False, False, False)


@pytest.mark.parametrize("name,ls,rs,adj_x,adj_y,const,mode",
                         [pytest.param(*c, m, id=f"{c[0]}-{m}") for c in CASES for m in ALL] +
                         [pytest.param(*PLAIN, m, id=f"{PLAIN[0]}-{m}") for m in ALL])
def test_batch_matmul_bit_exact(name, ls, rs, adj_x, adj_y, const, mode):
    model = convert(_case(name, ls, rs, adj_x, adj_y, const), mode)
    ops = read_model_bytes(model).main.operators
    assert [op.opcode for op in ops] == ["BATCH_MATMUL"], [op.opcode for op in ops]
    assert (bool(ops[0].opt("adjX")), bool(ops[0].opt("adjY"))) == (adj_x, adj_y)
    r = compare_bytes(model, name, samples=6)
    assert r.exact, r


def test_batch_matmul_int16_zero_point_refused():
    """TFLM's int16 BATCH_MATMUL requires zero points of 0 (it fails Prepare otherwise)."""
    from codegen.check import UnsupportedModelError
    from codegen.generate import compile_model
    from support.opcases import set_quant
    model = convert(_case(*CASES[0]), "int16x8")
    sg = read_model_bytes(model).main
    q = sg.tensors[sg.operators[0].outputs[0]].quant
    edited = set_quant(model, sg.operators[0].outputs[0], q.s, 5)
    with pytest.raises(UnsupportedModelError, match="zero point 5 .TFLM requires 0"):
        compile_model(read_model_bytes(edited, source="mm16zp.tflite"))
