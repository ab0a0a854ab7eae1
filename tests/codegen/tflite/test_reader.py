"""The reader: real models parse; bad files give clean errors; a bounded fuzz never crashes or hangs."""

from __future__ import annotations

import time

import numpy as np
import pytest

from codegen.check import UnsupportedModelError, check_graph
from codegen.errors import McuforgeError
from codegen.tflite import read_model, read_model_bytes
from codegen.tflite.reader import ModelFormatError
from support.paths import DEFAULT_MODEL


def test_default_model_parses():
    g = read_model(DEFAULT_MODEL)
    assert [op.opcode for op in g.main.operators] == [
        "CONV_2D", "MAX_POOL_2D", "CONV_2D", "MAX_POOL_2D", "RESHAPE", "FULLY_CONNECTED", "SOFTMAX"]
    conv = g.main.operators[0]
    assert conv.opt("padding") == "SAME" and conv.opt("fusedActivationFunction") == "RELU"
    w = g.main.tensors[conv.inputs[1]]
    assert w.is_const and w.data.shape == (8, 3, 3, 1) and w.quant.per_channel


@pytest.mark.parametrize("name", ["keyword_spotting", "visual_wake_words", "image_classification",
                                  "anomaly_detection", "tflite_micro_speech", "tflite_micro_magic_wand",
                                  "audio_example1", "image_example1", "image_example1.float32",
                                  "autoencoder_example", "autoencoder_example.float32"])
def test_shared_models_parse(shared_models, name):
    g = read_model(shared_models / f"{name}.tflite")
    assert g.main.operators and g.main.inputs and g.main.outputs
    for t in g.main.tensors:
        if t.is_const:
            assert t.data.size == t.elements


def test_missing_file(tmp_path):
    with pytest.raises(McuforgeError, match="not found"):
        read_model(tmp_path / "nope.tflite")


def test_not_a_flatbuffer(tmp_path):
    p = tmp_path / "model.h5"
    p.write_bytes(b"\x89HDF\r\n\x1a\n" + bytes(100))
    with pytest.raises(ModelFormatError, match="not a TensorFlow Lite flatbuffer") as e:
        read_model(p)
    assert "quantize" in e.value.hint


def test_too_short():
    with pytest.raises(ModelFormatError, match="too short"):
        read_model_bytes(b"TFL3")


@pytest.mark.parametrize("cut", [8, 100, 1000, 3000, 6000])
def test_truncated(cut):
    data = DEFAULT_MODEL.read_bytes()[:cut]
    with pytest.raises(ModelFormatError, match="truncated or corrupted|too short"):
        read_model_bytes(data)


def test_every_unsupported_op_is_listed(tmp_path):
    """A model with several unsupported ops names each one with its index, not just the first."""
    tf = pytest.importorskip("tensorflow")

    @tf.function(input_signature=[tf.TensorSpec([1, 8], tf.float32)])
    def f(x):  # three builtins TFLM does not register either
        y = tf.math.atan2(x, x)
        z = tf.math.top_k(y, k=3).values
        return tf.math.reduce_prod(z, axis=1)

    conv = tf.lite.TFLiteConverter.from_concrete_functions([f.get_concrete_function()], f)
    g = read_model_bytes(conv.convert(), source="three_unsupported.tflite")
    with pytest.raises(UnsupportedModelError) as e:
        check_graph(g)
    msg = str(e.value)
    for name in ("ATAN2", "TOPK_V2", "REDUCE_PROD"):
        assert name in msg
    assert len([p for p in e.value.problems if p.reason == "operator not supported"]) == 3
    assert all(p.op_index is not None for p in e.value.problems)


def _mutations(data: bytes, rng: np.random.Generator, n: int):
    for _ in range(n):
        b = bytearray(data)
        kind = rng.integers(0, 4)
        if kind == 0:  # flip random bytes
            for i in rng.integers(0, len(b), size=int(rng.integers(1, 16))):
                b[int(i)] ^= int(rng.integers(1, 256))
        elif kind == 1:  # overwrite a 32-bit word with a large value (offsets, lengths)
            i = int(rng.integers(0, len(b) - 4))
            b[i:i + 4] = int(rng.choice([0x7FFFFFFF, 0xFFFFFFFF, 0x10000, len(b)])).to_bytes(4, "little")
        elif kind == 2:  # truncate
            b = b[:int(rng.integers(8, len(b)))]
        else:  # splice: duplicate a chunk
            i, j = sorted(int(x) for x in rng.integers(8, len(b), size=2))
            b = b[:j] + b[i:j] + b[j:]
        yield bytes(b)


def test_fuzz_reader_clean_errors_only():
    """Mutated and truncated models: either they parse, or a ModelFormatError; never another
    exception, a crash or a hang (each parse is timed)."""
    data = DEFAULT_MODEL.read_bytes()
    rng = np.random.default_rng(1234)
    slowest = 0.0
    outcomes = {"parsed": 0, "rejected": 0}
    for blob in _mutations(data, rng, 400):
        t0 = time.monotonic()
        try:
            g = read_model_bytes(blob, source="fuzz.tflite")
            outcomes["parsed"] += 1
            try:  # the rest of the front end must cope with whatever parsed
                check_graph(g)
            except McuforgeError:
                pass
        except ModelFormatError:
            outcomes["rejected"] += 1
        slowest = max(slowest, time.monotonic() - t0)
    assert outcomes["rejected"] > 50 and outcomes["parsed"] > 10, outcomes
    assert slowest < 30.0, f"a mutated model took {slowest:.1f} s to reject"
