"""Streaming models: resource variables (VAR_HANDLE, READ_VARIABLE, ASSIGN_VARIABLE), CALL_ONCE and
several subgraphs, against TFLM over sequences of invokes (both keep their state between invokes)
with resets in between.

TFLM's reset() does not restore a variable's initial value: it fills every variable with its
default (the int8 zero point of the first assigned value, else 0) and leaves CALL_ONCE done, so the
init subgraph never runs again. mcuforge's `<prefix>_reset()` does the same; inputs in [0, 1] give
the int8 state a zero point of -128, so the difference from "zeros" shows.

Float tolerance: FLOAT_TOL = 0. The state updates are copies, MEAN (summed in TFLM's order) and
one float MUL/ADD per element, all computed exactly as TFLM does (measured: identical outputs).
The leaky model keeps a float32 variable inside an int8 model (the converter's default), so it also
needs QUANTIZE / DEQUANTIZE / MUL / ADD from the other op families.
"""

from __future__ import annotations

import numpy as np
import pytest

from codegen.generate import GenerateOptions, compile_model
from codegen.emit.model import context
from codegen.emit.render import render
from codegen.tflite import read_model_bytes
from support.compare import compare_sequence
from support.opcases import convert_stateful

ALL = ("int8", "int16x8", "float32")


def _shift_register(tf):
    """A 4-frame window: each call appends x, drops the oldest frame, returns the window's mean."""

    class Window(tf.Module):
        def __init__(self):
            super().__init__()
            self.buf = tf.Variable(np.linspace(0.1, 0.9, 12, dtype=np.float32).reshape(1, 4, 3))

        @tf.function(input_signature=[tf.TensorSpec([1, 1, 3], tf.float32)])
        def __call__(self, x):
            window = tf.concat([self.buf, x], axis=1)
            self.buf.assign(window[:, 1:, :])
            return tf.reduce_mean(window, axis=1)

    return Window()


def _two_states(tf):
    """Two variables: a one-frame delay line and a 3-frame history. The converter creates their
    VAR_HANDLEs in different orders in the two subgraphs, so handles must resolve by name."""

    class Delay(tf.Module):
        def __init__(self):
            super().__init__()
            self.prev = tf.Variable(np.full((1, 1, 5), 0.5, np.float32))
            self.hist = tf.Variable(np.linspace(0.0, 1.0, 15, dtype=np.float32).reshape(1, 3, 5))

        @tf.function(input_signature=[tf.TensorSpec([1, 5], tf.float32)])
        def __call__(self, x):
            x3 = tf.reshape(x, (1, 1, 5))
            pair = tf.concat([self.prev, x3], axis=1)
            self.prev.assign(pair[:, 1:, :])
            window = tf.concat([self.hist, x3], axis=1)
            self.hist.assign(window[:, 1:, :])
            return pair, tf.reduce_mean(window, axis=[1, 2])

    return Delay()


def _leaky_state(tf):
    """state = 0.5 * state + x; returns 2 * state (MUL/ADD around a float32 variable)."""

    class Leaky(tf.Module):
        def __init__(self):
            super().__init__()
            self.state = tf.Variable(np.linspace(-0.5, 0.5, 8, dtype=np.float32).reshape(1, 8))

        @tf.function(input_signature=[tf.TensorSpec([1, 8], tf.float32)])
        def __call__(self, x):
            new = 0.5 * self.state + x
            self.state.assign(new)
            return new * 2.0

    return Leaky()


# name -> (build, input shapes, quantise the variables in int8/int16x8 models, modes)
MODELS = {"shift_register_window_mean": (_shift_register, ((1, 3),), True, ALL),
          "delay_line_and_history_two_vars": (_two_states, ((5,),), True, ALL),
          "leaky_float_state_in_int8_model": (_leaky_state, ((8,),), False, ("int8", "float32"))}


def _model(name: str, mode: str) -> bytes:
    build, shapes, qvars, _ = MODELS[name]
    return convert_stateful(name, build, shapes, mode, low=0.0, high=1.0, quantize_variables=qvars, v=2)


@pytest.mark.parametrize("name,mode", [pytest.param(n, m, id=f"{n}-{m}") for n, v in MODELS.items() for m in v[3]])
def test_stateful_sequence_matches_tflm(name, mode):
    model = _model(name, mode)
    graph = read_model_bytes(model)
    opcodes = {op.opcode for sg in graph.subgraphs for op in sg.operators}
    assert {"CALL_ONCE", "VAR_HANDLE", "READ_VARIABLE", "ASSIGN_VARIABLE"} <= opcodes
    assert len(graph.subgraphs) == 2
    r = compare_sequence(model, name, steps=9, resets=(3, 6, 7))
    assert r.exact, r


def test_generated_code_structure():
    model = _model("shift_register_window_mean", "int8")
    compiled = compile_model(read_model_bytes(model), options=GenerateOptions(prefix="m"))
    assert [s.opcode for s in compiled.steps][0] == "CALL_ONCE"
    (once,) = compiled.steps[0].calls
    assert once.function == "mf_call_once"
    assert list(compiled.sub_steps) == [1]
    assert [s.opcode for s in compiled.sub_steps[1]] == ["VAR_HANDLE", "ASSIGN_VARIABLE"]
    # one state buffer (12 int8 values, reset to the zero point -128) and the CALL_ONCE flag
    state = {v.symbol: v for v in compiled.variables}
    assert state["var0"].nbytes == 12 and state["var0"].fill == 0x80 and state["var0"].on_reset
    assert not state["sg0_op0_once"].on_reset
    # every VAR_HANDLE output of both subgraphs lives in the same buffer, not in the arena
    handles = [(sg.index, op.outputs[0]) for sg in compiled.graph.subgraphs for op in sg.operators
               if op.opcode == "VAR_HANDLE"]
    assert len(handles) == 2 and {compiled.storage[k].symbol for k in handles} == {"var0"}
    c = render("model.c.j2", **context(compiled))
    assert "static void m_subgraph1(void)\n{" in c and ".run = m_subgraph1," in c
    reset = c[c.index("void m_reset(void)"):c.index("int m_init(void)")]
    assert "memset(m_var0, 128, sizeof m_var0);" in reset and "once" not in reset


def test_reset_semantics_on_host():
    """After reset the state is the zero point (not the initial values) and init does not re-run."""
    from codegen.host import HostModel
    model = _model("shift_register_window_mean", "float32")
    host = HostModel(compile_model(read_model_bytes(model), options=GenerateOptions(prefix="m")))
    try:
        zero = np.zeros((1, 1, 3), np.float32)
        (first,) = host.run([zero])
        assert np.allclose(first, np.linspace(0.1, 0.9, 12).reshape(4, 3).sum(0) / 5)
        host.reset()
        (after,) = host.run([zero])
        assert np.array_equal(after, np.zeros((1, 3), np.float32))
    finally:
        host.close()
