"""CIRCULAR_BUFFER (TFLM's streaming custom operator) against TFLM over sequences of invokes.

TensorFlow has no op that converts to it (TFLM's own tests write it by hand), so the models are
written directly (support.tflite_graph): CIRCULAR_BUFFER -> MAX_POOL_2D over the slots, both outputs
of the model. TFLM stops the invoke after the buffer on all but every cycles_max-th invoke
(kTfLiteAbort); mcuforge's invoke then returns MF_INVOKE_STOPPED: the two must stop on the same
invokes, the window must match on every invoke and the pooled output whenever the graph ran, once
the window is full: TFLM's window starts as whatever its arena held (it does not clear it; measured:
the previous interpreter's bytes), mcuforge's starts as zeros.
"""

from __future__ import annotations

import numpy as np
import pytest
from flatbuffers import flexbuffers

from codegen.check import UnsupportedModelError
from codegen.generate import GenerateOptions, compile_model
from codegen.host import HostModel
from codegen.reference import TflmReference
from codegen.tflite import read_model_bytes
from support.tflite_graph import GraphBuilder


def circular_model(slots: int, depth: int, cycles_max: int | None, height: int = 1) -> bytes:
    g = GraphBuilder("circular buffer")
    q = (0.05, -3)
    x = g.tensor((1, 1, height, depth), "int8", *q)
    window = g.tensor((1, slots, height, depth), "int8", *q)
    pooled = g.tensor((1, slots - 1, height, depth), "int8", *q)
    opts = bytes(flexbuffers.Dumps({"cycles_max": cycles_max})) if cycles_max is not None else b""
    g.op("CIRCULAR_BUFFER", [x], [window], custom_options=opts)
    from codegen.tflite.schema import fb
    g.op("MAX_POOL_2D", [window], [pooled], "Pool2DOptions", padding=fb.Padding.VALID, strideW=1, strideH=1,
         filterWidth=1, filterHeight=2, fusedActivationFunction=0)
    return g.build([x], [window, pooled])


CASES = {
    "circular_every_invoke": dict(slots=4, depth=8, cycles_max=1),
    "circular_stride2": dict(slots=4, depth=8, cycles_max=2),
    "circular_stride3_height2": dict(slots=3, depth=5, cycles_max=3, height=2),
    "circular_no_option_5_slots_runs_every_invoke": dict(slots=5, depth=4, cycles_max=None),
    "circular_no_option_4_slots_stride2": dict(slots=4, depth=4, cycles_max=None),
}


@pytest.mark.parametrize("name", CASES)
def test_circular_buffer_sequence_matches_tflm(name: str) -> None:
    model = circular_model(**CASES[name])
    compiled = compile_model(read_model_bytes(model, source=f"{name}.tflite"), options=GenerateOptions(prefix="m"))
    host, ref = HostModel(compiled), TflmReference(model)
    rng = np.random.default_rng(0)
    slots = CASES[name]["slots"]
    stopped = []
    try:
        for step in range(14):
            if step == 9:
                host.reset()
                ref.reset()
            x = rng.integers(-128, 128, compiled.inputs[0].shape).astype(np.int8)
            got = host.run([x])
            want = ref.run([x])
            status = ref.last_status()
            assert (host.last_status != 0) == (status != 0), (step, host.last_status, status)
            stopped.append(status != 0)
            if step < slots:
                continue  # TFLM's window starts as whatever its arena held; mcuforge's as zeros
            assert np.array_equal(got[0], want[0]), step
            if status == 0:
                assert np.array_equal(got[1], want[1]), step
    finally:
        host.close()
        ref.close()
    stride = CASES[name]["cycles_max"] or (1 if CASES[name]["slots"] == 5 else 2)
    assert stopped.count(False) >= 14 // stride - 1 and (stride == 1) == (not any(stopped))


def test_circular_buffer_missing_stride_for_a_2x96_window_is_refused() -> None:
    """TFLM's Prepare picks 1 or 2 from a process-wide count of Prepares for this shape."""
    with pytest.raises(UnsupportedModelError, match="process-wide count"):
        compile_model(read_model_bytes(circular_model(4, 96, None, height=2)), options=GenerateOptions(prefix="m"))


def test_circular_buffer_state_survives_reset_but_the_stride_restarts() -> None:
    m = compile_model(read_model_bytes(circular_model(4, 8, 2)), options=GenerateOptions(prefix="m"))
    state = {v.symbol: v for v in m.variables}
    assert not state["sg0_op0_ring"].on_reset and state["sg0_op0_ring"].nbytes == 32
    assert state["sg0_op0_count"].on_reset
    assert m.steps[0].calls[0].stops
