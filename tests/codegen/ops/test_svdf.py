"""SVDF against TFLM over sequences of invokes (the state is a variable tensor: both keep it between
invokes; resets in between refill it).

TensorFlow's converter never emits SVDF (there is no TensorFlow op for it; TFLM's own tests build
it by hand), so these models are written directly (support.tflite_graph): int8 with int16 state and
time weights (what TFLM's speech models use), int8 with int8 state, float32 with each fused
activation, ranks 1 to 3, batches 1 and 2. Without a bias TFLM cannot run an SVDF (int8: its
Prepare reads the bias scale; float32: its Eval reads the bias data and crashes): refused. Integer outputs must be
identical; float32 within FLOAT_TOL (the sums run in TFLM's order: measured 0).
"""

from __future__ import annotations

import numpy as np
import pytest

from codegen.check import UnsupportedModelError
from codegen.generate import GenerateOptions, compile_model
from codegen.tflite import read_model_bytes
from support.compare import compare_sequence
from support.tflite_graph import GraphBuilder

FLOAT_TOL = 1e-6


def _batched(g: GraphBuilder, x0: int, batches: int, n: int, dtype: str, *quant: float) -> int:
    """Model inputs have batch 1: a RESHAPE makes the SVDF's [batches, n] input."""
    if batches == 1:
        return x0
    x = g.tensor((batches, n), dtype, *quant)
    g.op("RESHAPE", [x0, g.tensor((2,), "int32", data=[batches, n])], [x])
    return x


def svdf_int8(state: str = "int16", rank: int = 2, units: int = 4, memory: int = 5, n_in: int = 12,
              batches: int = 1, seed: int = 0, state_zp: int = 0) -> bytes:
    rng = np.random.default_rng(seed)
    filters = units * rank
    g = GraphBuilder(f"svdf int8 {state} state")
    s_in, s_f, s_state, s_out = 1 / 64, 0.004, 2.0 ** -9 if state == "int16" else 0.02, 0.03
    s_t = 1.5e-4 if state == "int16" else 0.01
    t_max = 3000 if state == "int16" else 120
    x0 = g.tensor((1, batches * n_in), "int8", s_in, 3)
    x = _batched(g, x0, batches, n_in, "int8", s_in, 3)
    wf = g.tensor((filters, n_in), "int8", s_f, 0, data=rng.integers(-127, 128, (filters, n_in)))
    wt = g.tensor((filters, memory), state, s_t, 0, data=rng.integers(-t_max, t_max + 1, (filters, memory)))
    b = g.tensor((units,), "int32", float(np.float32(s_state) * np.float32(s_t)), 0,
                 data=rng.integers(-2000, 2000, units))
    st = g.tensor((batches, filters * memory), state, s_state, state_zp, variable=True)
    out = g.tensor((batches, units), "int8", s_out, -5)
    g.op("SVDF", [x, wf, wt, b, st], [out], "SVDFOptions", rank=rank)
    return g.build([x0], [out])


def svdf_f32(activation: str = "NONE", rank: int = 1, units: int = 3, memory: int = 4, n_in: int = 7,
             batches: int = 1, bias: bool = True, seed: int = 1) -> bytes:
    from codegen.tflite.schema import fb
    rng = np.random.default_rng(seed)
    filters = units * rank
    g = GraphBuilder(f"svdf float32 {activation}")
    x0 = g.tensor((1, batches * n_in), "float32")
    x = _batched(g, x0, batches, n_in, "float32")
    wf = g.tensor((filters, n_in), "float32", data=rng.uniform(-1, 1, (filters, n_in)))
    wt = g.tensor((filters, memory), "float32", data=rng.uniform(-1, 1, (filters, memory)))
    b = g.tensor((units,), "float32", data=rng.uniform(-0.5, 0.5, units)) if bias else -1
    st = g.tensor((batches, filters * memory), "float32", variable=True)
    out = g.tensor((batches, units), "float32")
    g.op("SVDF", [x, wf, wt, b, st], [out], "SVDFOptions", rank=rank,
         fusedActivationFunction=getattr(fb.ActivationFunctionType, activation))
    return g.build([x0], [out])


INT8_CASES = {
    "svdf_s8_int16_state_rank2": dict(state="int16", rank=2),
    "svdf_s8_int16_state_rank1_batch2": dict(state="int16", rank=1, batches=2, units=3),
    "svdf_s8_int8_state_rank2": dict(state="int8", rank=2),
    "svdf_s8_int8_state_zero_point": dict(state="int8", rank=1, state_zp=-7),
}
F32_CASES = {
    "svdf_f32_none_rank1": dict(activation="NONE"),
    "svdf_f32_relu_rank2_batch2": dict(activation="RELU", rank=2, batches=2),
    "svdf_f32_relu6": dict(activation="RELU6"),
    "svdf_f32_relu_n1_to_1": dict(activation="RELU_N1_TO_1", rank=3, units=2),
    "svdf_f32_tanh": dict(activation="TANH"),
}


@pytest.mark.parametrize("name", INT8_CASES)
def test_svdf_int8_sequence_matches_tflm(name: str) -> None:
    r = compare_sequence(svdf_int8(**INT8_CASES[name]), name, steps=12, resets=(7,))
    assert r.exact, r


@pytest.mark.parametrize("name", F32_CASES)
def test_svdf_float32_sequence_matches_tflm(name: str) -> None:
    r = compare_sequence(svdf_f32(**F32_CASES[name]), name, steps=10, resets=(6,), float_tol=FLOAT_TOL)
    assert r.exact and r.max_abs_diff == 0.0, r


def test_svdf_float32_without_bias_is_refused_with_tflms_reason() -> None:
    """TFLM's float SVDF dereferences the absent bias: its interpreter segfaults on this model."""
    with pytest.raises(UnsupportedModelError, match="reads the bias data unconditionally"):
        compile_model(read_model_bytes(svdf_f32(bias=False)), options=GenerateOptions(prefix="m"))


def test_svdf_int8_without_bias_is_refused_with_tflms_reason() -> None:
    from support.tflite_graph import GraphBuilder as G
    g = G("svdf without bias")
    x = g.tensor((1, 4), "int8", 0.1, 0)
    wf = g.tensor((2, 4), "int8", 0.1, 0, data=np.ones((2, 4)))
    wt = g.tensor((2, 3), "int16", 0.1, 0, data=np.ones((2, 3)))
    st = g.tensor((1, 6), "int16", 0.1, 0, variable=True)
    out = g.tensor((1, 2), "int8", 0.1, 0)
    g.op("SVDF", [x, wf, wt, -1, st], [out], "SVDFOptions", rank=1)
    with pytest.raises(UnsupportedModelError, match="int8 SVDF Prepare reads the bias scale"):
        compile_model(read_model_bytes(g.build([x], [out])), options=GenerateOptions(prefix="m"))


def test_svdf_state_is_a_variable_reset_to_its_zero_point() -> None:
    m = compile_model(read_model_bytes(svdf_int8(state="int8", state_zp=-7)), options=GenerateOptions(prefix="m"))
    (state,) = [v for v in m.variables if v.symbol.startswith("sg0_var")]
    assert state.nbytes == 8 * 5 and state.fill == (-7) & 0xFF and state.on_reset


def streaming_group() -> bytes:
    """One model for the emulated Cortex-M4: three independent streams, each an operator with state
    kept across invokes: CIRCULAR_BUFFER (int8 window), SVDF int8 with int16 state, SVDF float32 (tanh)."""
    from flatbuffers import flexbuffers
    from codegen.tflite.schema import fb
    rng = np.random.default_rng(11)
    g = GraphBuilder("streaming group")
    # CIRCULAR_BUFFER: [1, 1, 1, 6] -> [1, 4, 1, 6]
    cb_in = g.tensor((1, 1, 1, 6), "int8", 0.05, -3)
    window = g.tensor((1, 4, 1, 6), "int8", 0.05, -3)
    g.op("CIRCULAR_BUFFER", [cb_in], [window], custom_options=bytes(flexbuffers.Dumps({"cycles_max": 1})))
    # SVDF int8, int16 state: rank 2, 3 units, memory 5, 10 inputs
    s8_in = g.tensor((1, 10), "int8", 1 / 64, 3)
    s_state, s_t = 2.0 ** -9, 1.5e-4
    wf = g.tensor((6, 10), "int8", 0.004, 0, data=rng.integers(-127, 128, (6, 10)))
    wt = g.tensor((6, 5), "int16", s_t, 0, data=rng.integers(-3000, 3001, (6, 5)))
    bias = g.tensor((3,), "int32", float(np.float32(s_state) * np.float32(s_t)), 0, data=rng.integers(-2000, 2000, 3))
    state = g.tensor((1, 30), "int16", s_state, 0, variable=True)
    s8_out = g.tensor((1, 3), "int8", 0.03, -5)
    g.op("SVDF", [s8_in, wf, wt, bias, state], [s8_out], "SVDFOptions", rank=2)
    # SVDF float32 with tanh: rank 1, 4 units, memory 3, 7 inputs
    f_in = g.tensor((1, 7), "float32")
    fwf = g.tensor((4, 7), "float32", data=rng.uniform(-1, 1, (4, 7)))
    fwt = g.tensor((4, 3), "float32", data=rng.uniform(-1, 1, (4, 3)))
    fb_ = g.tensor((4,), "float32", data=rng.uniform(-0.5, 0.5, 4))
    fstate = g.tensor((1, 12), "float32", variable=True)
    f_out = g.tensor((1, 4), "float32")
    g.op("SVDF", [f_in, fwf, fwt, fb_, fstate], [f_out], "SVDFOptions", rank=1,
         fusedActivationFunction=fb.ActivationFunctionType.TANH)
    return g.build([cb_in, s8_in, f_in], [window, s8_out, f_out])


@pytest.mark.qemu
def test_streaming_operators_on_the_emulated_cortex_m4(tmp_path) -> None:
    """CIRCULAR_BUFFER, SVDF int8 and SVDF float32 in one firmware for the emulated Cortex-M4
    (mps2-an386, PlatformIO + QEMU), 12 invokes in a row against TFLM: integer outputs identical,
    float32 within 1e-5 relative (newlib's tanhf); the window once it has been filled (TFLM's starts
    as whatever its arena held)."""
    from codegen.reference import TflmReference
    from support.device_compare import run_on_device
    from support.firmware import built
    path = tmp_path / "streaming_group.tflite"
    path.write_bytes(streaming_group())
    project, fw = built("mps2-an386", path, root=tmp_path)
    rng = np.random.default_rng(2)
    sets = [[rng.integers(-128, 128, (1, 1, 1, 6)).astype(np.int8), rng.integers(-128, 128, (1, 10)).astype(np.int8),
             rng.uniform(-1, 1, (1, 7)).astype(np.float32)] for _ in range(12)]
    got = run_on_device(project, fw, sets)
    ref = TflmReference(path)
    for step, (xs, outs) in enumerate(zip(sets, got)):
        want = [np.asarray(w).reshape(o.shape) for w, o in zip(ref.run(xs), outs)]
        if step >= 4:
            assert np.array_equal(outs[0], want[0]), step
        assert np.array_equal(outs[1], want[1]), step
        assert np.allclose(outs[2], want[2], rtol=1e-5, atol=1e-6), step
