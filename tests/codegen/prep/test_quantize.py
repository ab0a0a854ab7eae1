"""`quantize`: Keras (.keras, .h5) and SavedModel inputs become full-integer .tflite files that the
generated code runs bit-exactly against TFLM; the report (size change, per-tensor ranges) and every
refusal naming the problem and the fix."""

from __future__ import annotations

import json

import numpy as np
import pytest

from codegen.cli import main
from codegen.floatref import reference_for
from codegen.prep.data import load_samples
from codegen.prep.quantize import QuantizeOptions, quantize
from codegen.prep.source import detect, quiet_native, tensorflow
from codegen.tflite import read_model, read_model_bytes
from support.compare import compare_bytes


def _cli(capsys, *argv) -> tuple[int, str, str]:
    rc = main([str(a) for a in argv])
    out, err = capsys.readouterr()
    return rc, out, err


def test_keras_model_to_int8_runs_bit_exact(tiny, tmp_path, capsys):
    out, f32 = tmp_path / "tiny_int8.tflite", tmp_path / "tiny_f32.tflite"
    rc, text, err = _cli(capsys, "quantize", tiny.keras_path, "--data", tiny.calib, "-o", out, "--float-out", f32,
                         "--json")
    assert rc == 0, err
    rep = json.loads(text)
    assert rep["mode"] == "int8" and rep["io"] == "int8" and rep["samples"] == 100 and rep["generates"]
    assert rep["input"]["shape"] == [1, 8, 8, 1] and rep["input"]["model_shape"] == [None, 8, 8, 1]
    assert rep["quantized"]["file_bytes"] == out.stat().st_size and rep["float32"]["file_bytes"] == f32.stat().st_size
    assert rep["size_ratio"] < 1 and rep["quantized"]["weights_bytes"] < 0.4 * rep["float32"]["weights_bytes"]
    roles = {r["role"] for r in rep["ranges"]}
    assert {"input", "output", "weights", "bias", "activation"} <= roles
    g = read_model(out)
    io = [g.main.tensors[i] for i in (*g.main.inputs, *g.main.outputs)]
    assert all(t.dtype.name == "INT8" and t.shape[0] == 1 for t in io)
    assert not any(t.shape_signature and -1 in t.shape_signature for t in g.main.tensors)  # batch fixed to 1
    cmp = compare_bytes(out.read_bytes(), "tiny_int8", samples=20, workdir=tmp_path / "host8")
    assert cmp.exact, cmp
    cmpf = compare_bytes(f32.read_bytes(), "tiny_f32", samples=5, workdir=tmp_path / "hostf", float_tol=1e-5)
    assert cmpf.exact, cmpf


def test_saved_model_to_int8_runs_bit_exact(tiny, tmp_path):
    q = quantize(detect(tiny.saved_model), load_samples(tiny.calib))
    assert q.source.kind.name == "SAVED_MODEL" and q.generate_problem is None and q.shape == (1, 8, 8, 1)
    assert q.quantized.stats.file_bytes < q.float32.stats.file_bytes
    cmp = compare_bytes(q.quantized.data, "tiny_sm_int8", samples=20, workdir=tmp_path / "host")
    assert cmp.exact, cmp


def test_h5_int16x8_with_float_io_runs_bit_exact(tiny, tmp_path, capsys):
    out = tmp_path / "tiny_16x8.tflite"
    rc, text, err = _cli(capsys, "quantize", tiny.h5_path, "--data", tiny.calib, "-o", out, "--int16x8",
                         "--io", "float", "--samples", "60")
    assert rc == 0, err
    assert "int16 activations, int8 weights, float model I/O" in text and "calibration    60 representative" in text
    assert "quantisation ranges" in text and "represents" in text and "generates it" in text
    g = read_model(out)
    assert g.main.tensors[g.main.inputs[0]].dtype.name == "FLOAT32"
    acts = {t.dtype.name for t in g.main.tensors if not t.is_const}
    assert "INT16" in acts and "INT8" not in acts
    cmp = compare_bytes(out.read_bytes(), "tiny_16x8", samples=10, workdir=tmp_path / "host")
    assert cmp.exact, cmp
    # No --float-out: the float reference is still written (OUT.float32.tflite) and named by the sidecar.
    f32 = tmp_path / "tiny_16x8.float32.tflite"
    assert f"and {f32} (float32)" in text and read_model(f32).main.tensors[0].dtype.name == "FLOAT32"
    ref = reference_for(out, float_io=False)
    assert ref is not None and ref.format == "tflite" and ref.path == f32.resolve()


def test_keras_model_with_uint8_io_runs_bit_exact(tiny, tmp_path, capsys):
    out = tmp_path / "tiny_u8io.tflite"
    rc, text, err = _cli(capsys, "quantize", tiny.keras_path, "--data", tiny.calib, "-o", out, "--io", "uint8",
                         "--samples", "60")
    assert rc == 0, err
    assert "int8 activations" in text and "uint8 model I/O" in text
    g = read_model(out)
    assert [g.main.tensors[i].dtype.name for i in (*g.main.inputs, *g.main.outputs)] == ["UINT8", "UINT8"]
    cmp = compare_bytes(out.read_bytes(), "tiny_u8io", samples=10, workdir=tmp_path / "host")
    assert cmp.exact, cmp


@pytest.mark.parametrize("extra,match,fix", [
    (("--int16x8", "--io", "int8"), "--io int8 does not go with int16x8", "--io int16"),
    (("--int16x8", "--io", "uint8"), "--io uint8 does not go with int16x8", "--io int16 or --io float"),
    (("--structured", "2:4"), "go with --prune", "--prune 0.5"),
    (("--prune", "1.5"), "between 0 and 1", "--prune 0.5"),
    (("--prune", "0.3", "--structured", "2:4"), "2 of every 4 weights is 50 %", "--prune 0.5 --structured 2:4"),
])
def test_option_refusals(tiny, tmp_path, capsys, extra, match, fix):
    rc, _, err = _cli(capsys, "quantize", tiny.keras_path, "--data", tiny.calib, "-o", tmp_path / "o.tflite", *extra)
    assert rc == 2 and match in err and "fix: " in err and fix in err


def test_data_that_does_not_fit_the_model(tiny, tmp_path, capsys):
    np.savez(tmp_path / "rgb.npz", x=np.zeros((10, 8, 8, 3), np.float32))
    rc, _, err = _cli(capsys, "quantize", tiny.keras_path, "--data", tmp_path / "rgb.npz", "-o", tmp_path / "o.tflite")
    assert rc == 2
    assert "samples of shape (8, 8, 3) do not fit the model input 'image' of shape (8, 8, 1)" in err
    assert "fix: save x with shape (N, 8, 8, 1)" in err
    np.savez(tmp_path / "empty.npz", x=np.zeros((0, 8, 8, 1), np.float32))
    rc, _, err = _cli(capsys, "quantize", tiny.keras_path, "--data", tmp_path / "empty.npz", "-o", tmp_path / "o.tflite")
    assert rc == 2 and "no samples" in err


def test_unsupported_operation_and_dynamic_shape(tmp_path, capsys):
    tf = tensorflow()

    class Erf(tf.Module):
        def __init__(self) -> None:
            super().__init__()
            self.w = tf.Variable(tf.ones([8, 4]))

        @tf.function(input_signature=[tf.TensorSpec([None, None, 8], tf.float32)])
        def serve(self, x):
            return {"y": tf.math.erf(tf.matmul(x, self.w))}
    m = Erf()
    with quiet_native():
        tf.saved_model.save(m, str(tmp_path / "erf"), signatures={"serving_default": m.serve})
    np.savez(tmp_path / "d.npz", x=np.random.default_rng(0).random((8, 5, 8), np.float32))
    rc, _, err = _cli(capsys, "quantize", tmp_path / "erf", "--data", tmp_path / "d.npz", "-o", tmp_path / "o.tflite")
    assert rc == 2 and "dynamic dimensions (None, None, 8)" in err and "--input-shape 1,N,8" in err
    rc, _, err = _cli(capsys, "quantize", tmp_path / "erf", "--data", tmp_path / "d.npz", "-o", tmp_path / "o.tflite",
                      "--input-shape", "1,5,8")
    assert rc == 2 and "TensorFlow Lite's builtin operators cannot express: Erf" in err
    assert "replace those layers" in err and not (tmp_path / "o.tflite").exists()


def test_pruning_a_saved_model_is_refused(tiny, tmp_path, capsys):
    rc, _, err = _cli(capsys, "quantize", tiny.saved_model, "--data", tiny.calib, "-o", tmp_path / "o.tflite",
                      "--prune", "0.5")
    assert rc == 2 and "pruning needs the Keras model" in err and "give the .keras/.h5 file" in err


def test_options_are_checked_without_tensorflow():
    with pytest.raises(Exception, match="unknown quantisation mode"):
        QuantizeOptions(mode="int4").check()
    assert QuantizeOptions(mode="int16x8").io_type == "int16"
    assert read_model_bytes  # the reader needs no TensorFlow either


def test_operator_left_in_float_is_refused_unless_allowed(tmp_path, capsys):
    tf = tensorflow()

    class Atan2(tf.Module):
        @tf.function(input_signature=[tf.TensorSpec([1, 8], tf.float32)])
        def serve(self, x):
            return {"y": tf.math.atan2(x, x + 2.0)}  # ATAN2: float-only, and not in TFLM
    m = Atan2()
    with quiet_native():
        tf.saved_model.save(m, str(tmp_path / "cos"), signatures={"serving_default": m.serve})
    np.savez(tmp_path / "d.npz", x=np.random.default_rng(0).random((60, 8), np.float32))
    args = ("quantize", tmp_path / "cos", "--data", tmp_path / "d.npz", "-o", tmp_path / "o.tflite")
    rc, _, err = _cli(capsys, *args)
    assert rc == 2 and "could not quantise ATAN2 (op 3) to int8 and left it in float32" in err and "--allow-float" in err
    rc, text, err = _cli(capsys, *args, "--allow-float")
    assert rc == 0, err
    assert "left in float32 by the converter (--allow-float): ATAN2 (op 3)" in text
    assert "CANNOT generate it yet" in text and "ATAN2" in text    # and mcuforge says why it cannot build it
