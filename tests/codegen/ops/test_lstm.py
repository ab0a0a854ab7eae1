"""UNIDIRECTIONAL_SEQUENCE_LSTM against TFLM over sequences of invokes: the hidden and cell states
are variable tensors, so every invoke continues from the last one (a streaming model) until reset.

Keras 3's LSTM converts to a WHILE loop; tf_keras (Keras 2, the `tf-keras` package) keeps the
`api_implements` signature TensorFlow's converter fuses into UNIDIRECTIONAL_SEQUENCE_LSTM, so the
int8 and float32 models come from tf_keras. The converter cannot make an int16x8 LSTM ("Quantization
to 16x8-bit not yet supported for op: UNIDIRECTIONAL_SEQUENCE_LSTM"); that model, and a time-major
one, are written directly (support.tflite_graph) with TFLM's types: int16 activations and states,
int8 weights, int64 biases. Integer outputs identical; float32 within FLOAT_TOL (TFLM's sum order,
measured 0).
"""

from __future__ import annotations

import numpy as np
import pytest

from codegen.check import UnsupportedModelError
from codegen.generate import GenerateOptions, compile_model
from codegen.tflite import read_model_bytes
from support.compare import compare_sequence
from support.tflite_edit import ops_of
from support.tflite_graph import GraphBuilder
from support.tfmodels import Case, convert

FLOAT_TOL = 1e-6


def lstm_case(name: str, frames: int, features: int, units: int, return_sequences: bool = False,
              dense: int = 0, stacked: bool = False) -> Case:
    def build(tf):
        import tf_keras as keras
        inp = keras.Input((frames, features), batch_size=1)
        x = keras.layers.LSTM(units, return_sequences=return_sequences or stacked)(inp)
        if stacked:
            x = keras.layers.LSTM(units // 2, return_sequences=return_sequences)(x)
        if dense:
            x = keras.layers.Dense(dense, activation="softmax")(x)
        return keras.Model(inp, x)

    return Case(name, build, ((frames, features),), params=dict(frames=frames, features=features, units=units,
                                                                  seq=return_sequences, dense=dense,
                                                                  stacked=stacked, keras="tf_keras"))


CASES = {
    "lstm_kws_10x13_units20_dense4": lstm_case("lstm_kws_10x13_units20_dense4", 10, 13, 20, dense=4),
    "lstm_sequences_6x5_units8": lstm_case("lstm_sequences_6x5_units8", 6, 5, 8, return_sequences=True),
    "lstm_stacked_4x3_units12_6": lstm_case("lstm_stacked_4x3_units12_6", 4, 3, 12, stacked=True),
    "lstm_one_frame_1x7_units5": lstm_case("lstm_one_frame_1x7_units5", 1, 7, 5),
}


@pytest.mark.parametrize("mode", ["int8", "float32"])
@pytest.mark.parametrize("name", CASES)
def test_lstm_sequence_matches_tflm(name: str, mode: str) -> None:
    model = convert(CASES[name], mode)
    assert ops_of(model, "UNIDIRECTIONAL_SEQUENCE_LSTM")
    r = compare_sequence(model, name, steps=8, resets=(5,), float_tol=FLOAT_TOL)
    assert r.exact, r
    if mode == "float32":
        assert r.max_abs_diff == 0.0, r


def add_lstm(g: GraphBuilder, dtype: str, frames: int = 5, features: int = 6, units: int = 7,
             time_major: bool = False, batches: int = 1, cell_pow: int = -11, seed: int = 0) -> tuple[int, int]:
    """Append an LSTM as TFLM runs it to `g`: int16x8 (int16 input, hidden state and output with
    zero point 0, int16 cell state of scale 2^cell_pow, int8 weights, int64 biases at input scale x
    weight scale) or float32. Returns (model input, model output): the input is [1, n] (model inputs
    have batch 1) reshaped to the LSTM's [batches, frames, features] (or time-major)."""
    from codegen.tflite.schema import fb
    rng = np.random.default_rng(seed)
    s_in, s_h = 1.0 / 8192, 1.0 / 16384
    q = (lambda s: (s, 0)) if dtype == "int16" else (lambda s: ())
    shape = (frames, batches, features) if time_major else (batches, frames, features)
    x0 = g.tensor((1, int(np.prod(shape))), dtype, *q(s_in))
    x = g.tensor(shape, dtype, *q(s_in))
    g.op("RESHAPE", [x0, g.tensor((3,), "int32", data=shape)], [x])
    ins = [x]
    w_scales = rng.uniform(0.002, 0.01, 8)
    for k in range(8):
        depth = features if k < 4 else units
        w = rng.integers(-127, 128, (units, depth))
        ins.append(g.tensor((units, depth), "int8", w_scales[k], 0, data=w) if dtype == "int16" else
                   g.tensor((units, depth), "float32", data=w * w_scales[k] * 20))
    ins += [-1, -1, -1]
    for k in range(4):
        b = rng.integers(-3000, 3000, units)
        ins.append(g.tensor((units,), "int64", float(s_in * w_scales[k]), 0, data=b) if dtype == "int16" else
                   g.tensor((units,), "float32", data=b / 3000.0))
    ins += [-1, -1]
    ins.append(g.tensor((batches, units), dtype, *q(s_h), variable=True))
    ins.append(g.tensor((batches, units), dtype, *q(2.0 ** cell_pow), variable=True))
    ins += [-1, -1, -1, -1]
    out = g.tensor((frames, batches, units) if time_major else (batches, frames, units), dtype, *q(s_h))
    g.op("UNIDIRECTIONAL_SEQUENCE_LSTM", ins, [out], "UnidirectionalSequenceLSTMOptions",
         fusedActivationFunction=fb.ActivationFunctionType.TANH, cellClip=2.0, timeMajor=time_major)
    return x0, out


def lstm_int16(**kwargs: object) -> bytes:
    g = GraphBuilder("lstm int16x8")
    x0, out = add_lstm(g, "int16", **kwargs)
    return g.build([x0], [out])


INT16_CASES = {
    "lstm_s16_batch_major": dict(),
    "lstm_s16_time_major_batch2": dict(time_major=True, batches=2, frames=3),
    "lstm_s16_batch2_cell_scale_2e-13": dict(batches=2, cell_pow=-13),
}


@pytest.mark.parametrize("name", INT16_CASES)
def test_lstm_int16x8_sequence_matches_tflm(name: str) -> None:
    r = compare_sequence(lstm_int16(**INT16_CASES[name]), name, steps=6, resets=(4,))
    assert r.exact, r


def test_lstm_states_are_variables_and_scratch_is_planned() -> None:
    model = convert(CASES["lstm_kws_10x13_units20_dense4"], "int8")
    m = compile_model(read_model_bytes(model), options=GenerateOptions(prefix="m"))
    (step,) = [s for s in m.steps if s.opcode == "UNIDIRECTIONAL_SEQUENCE_LSTM"]
    (sg, op) = ops_of(model, "UNIDIRECTIONAL_SEQUENCE_LSTM")[0]
    hidden, cell = sg.tensors[op.inputs[18]], sg.tensors[op.inputs[19]]
    fills = {v.symbol: v for v in m.variables}
    assert fills[f"sg0_var{hidden.index}"].fill == hidden.quant.zp & 0xFF   # int8: the zero point
    assert fills[f"sg0_var{cell.index}"].fill == 0 and fills[f"sg0_var{cell.index}"].nbytes == 2 * 20
    from codegen.lowering import STATIC_SCRATCH, StorageKind
    from codegen.ops.base import Scratch, scratch_key
    # kernel scratch is planned, never on the stack: in the arena, or in the one static scratch buffer
    # (sized for the largest) where that costs less RAM than the arena would grow
    st = m.storage[scratch_key(0, op.index, "scratch")]
    (need,) = [v.nbytes for _, v in step.calls[0].params if isinstance(v, Scratch)]
    if st.kind != StorageKind.ARENA:
        assert st.kind == StorageKind.VARIABLE and st.symbol == STATIC_SCRATCH
        assert {v.symbol: v.nbytes for v in m.variables}[STATIC_SCRATCH] >= need
    assert dict(step.calls[0].params)["cell_clip"] > 0


def test_lstm_with_peephole_is_refused_as_tflm_does() -> None:
    model = bytearray(lstm_int16())
    graph = read_model_bytes(bytes(model))
    from dataclasses import replace
    sg = graph.main
    op = [o for o in sg.operators if o.opcode == "UNIDIRECTIONAL_SEQUENCE_LSTM"][0]
    peephole = replace(op, inputs=op.inputs[:9] + (op.inputs[1],) + op.inputs[10:])
    bad = graph.with_subgraph(sg.with_operators([o if o is not op else peephole for o in sg.operators]))
    with pytest.raises(UnsupportedModelError, match="peephole.*TFLM's LSTM kernel refuses it"):
        compile_model(bad, options=GenerateOptions(prefix="m"))


def _inspect_cli(path) -> str:
    import subprocess
    import sys
    from support.paths import ROOT
    return subprocess.run([sys.executable, "-m", "codegen", "inspect", str(path)], capture_output=True, text=True,
                          timeout=300, cwd=ROOT, check=True).stdout


def test_lstm_float32_written_directly_matches_tflm() -> None:
    """A float32 LSTM with a cell clip and time-major batches, which the converter does not write."""
    g = GraphBuilder("lstm float32")
    x0, out = add_lstm(g, "float32", time_major=True, batches=2, frames=3)
    r = compare_sequence(g.build([x0], [out]), "lstm_f32_time_major", steps=6, resets=(4,), float_tol=FLOAT_TOL)
    assert r.exact and r.max_abs_diff == 0.0, r


@pytest.mark.qemu
def test_lstm_int16x8_and_float32_on_the_emulated_cortex_m4(tmp_path) -> None:
    """The int16x8 and float32 LSTM kernels in one firmware for the emulated Cortex-M4 (mps2-an386,
    PlatformIO + QEMU), several invokes in a row (state carried) against TFLM: int16 identical,
    float32 within 1e-5 relative (newlib's expf/tanhf)."""
    from support.device_compare import compare_on_device
    from support.firmware import built
    g = GraphBuilder("lstm int16x8 and float32")
    a_in, a_out = add_lstm(g, "int16", batches=2)
    b_in, b_out = add_lstm(g, "float32", frames=4, features=3, units=5, seed=1)
    path = tmp_path / "lstm_pair.tflite"
    path.write_bytes(g.build([a_in, b_in], [a_out, b_out]))
    res = compare_on_device(*built("mps2-an386", path, root=tmp_path), samples=5)
    assert res.mismatches == 0, res


@pytest.mark.qemu
def test_streaming_lstm_keyword_spotter_on_the_emulated_stm32l475(tmp_path) -> None:
    """Issue 13's acceptance: MFCC-like frames -> LSTM -> Dense (softmax), int8, built with PlatformIO
    for the STM32L475 and run in QEMU: several invokes in a row, the LSTM's state carried from one to
    the next on the device and in TFLM, every output identical; `inspect` shows the arena plan."""
    from support.device_compare import compare_on_device
    from support.firmware import built
    path = tmp_path / "lstm_kws.tflite"
    path.write_bytes(convert(CASES["lstm_kws_10x13_units20_dense4"], "int8"))
    text = _inspect_cli(path)
    row = next(line for line in text.splitlines() if "UNIDIRECTIONAL_SEQUENCE_LSTM" in line)
    assert row.split()[0] == "0" and "int8[1x10x13]" in row and "int8[1x20]" in row
    arena = int(next(line for line in text.splitlines() if line.startswith("arena")).split("(")[1].split()[0]
                .replace(",", ""))
    m = compile_model(read_model_bytes(path.read_bytes()), options=GenerateOptions(prefix="m"))
    assert arena == m.arena_bytes > 0
    project, fw = built("stm32l475", path, root=tmp_path)
    res = compare_on_device(project, fw, samples=6)
    assert res.mismatches == 0, res
