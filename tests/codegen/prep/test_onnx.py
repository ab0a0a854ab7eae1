"""ONNX models in: `quantize model.onnx` (onnx2tf, then TensorFlow Lite's converter), the layouts in
the sidecar, the float check against ONNX Runtime, and the models run on the emulated STM32L475
bit-exact with TFLM with their metrics against ONNX Runtime's float outputs in validate.json.

The models are built here with onnx.helper (no PyTorch): a CNN (Conv, BatchNormalization, Relu,
MaxPool, Gemm, Softmax, NCHW), a depthwise-separable block, a 1-D convolution time-series model and an
MLP, each at opsets 13 and 21; plus tests/fixtures/onnx/torch_cnn.onnx, exported by PyTorch."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from codegen.cli import main
from codegen.options import ValidateOptions
from codegen.origin import read_origin
from codegen.reference import TflmReference
from codegen.validate import validate
from support import onnxmodels
from support.firmware import built
from support.paths import ROOT

FIXTURE = ROOT / "tests" / "fixtures" / "onnx" / "torch_cnn.onnx"
SHAPES = {"cnn": (3, 8, 8), "dwsep": (8, 8, 8), "conv1d": (3, 32), "mlp": (20,)}
PERMS = {"cnn": (0, 2, 3, 1), "dwsep": (0, 2, 3, 1), "conv1d": (0, 2, 1), "mlp": (0, 1)}


@pytest.fixture(scope="module")
def work(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("onnx")


_made: dict[tuple[str, int, str], onnxmodels.Quantized] = {}


def converted(work: Path, name: str, opset: int, mode: str = "int8") -> onnxmodels.Quantized:
    key = (name, opset, mode)
    if key not in _made:
        proto = onnxmodels.BUILDERS[name](opset=opset)
        _made[key] = onnxmodels.quantized(name, proto, SHAPES[name], work / f"{name}{opset}", mode)
    return _made[key]


def _ort(path: Path, x: np.ndarray) -> np.ndarray:
    import onnxruntime as ort
    s = ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    return np.concatenate([s.run(None, {s.get_inputs()[0].name: xi[None]})[0] for xi in x])


@pytest.mark.parametrize("opset", [13, 21])
@pytest.mark.parametrize("name", sorted(SHAPES))
def test_quantize_onnx_records_layouts_and_tracks_onnx_runtime(work, name, opset):
    q = converted(work, name, opset)
    o = read_origin(q.tflite)
    assert o is not None and o.source_kind == "ONNX model" and "onnx2tf" in o.converter
    assert o.inputs[0].perm == PERMS[name] and o.inputs[0].source_shape == (1, *SHAPES[name])
    assert o.float_reference is not None and o.float_reference.format == "onnx"
    assert o.float_reference.path == q.onnx.resolve()
    # the int8 model on TFLM's interpreter, fed the NCHW data transposed by the sidecar, follows ONNX Runtime
    x = np.load(q.test)["x"]
    ref = TflmReference(q.tflite)
    from codegen.tflite import read_model
    sg = read_model(q.tflite).main
    ti, to = sg.tensors[sg.inputs[0]], sg.tensors[sg.outputs[0]]
    xm = o.inputs[0].to_model(x)
    xq = np.clip(np.round(xm / ti.quant.scale[0]) + ti.quant.zero_point[0], -128, 127).astype(np.int8)
    got = np.concatenate([(ref.run([xi[None]])[0].astype(np.float64) - to.quant.zero_point[0]) * to.quant.scale[0]
                          for xi in xq]).reshape(len(x), -1)
    want = _ort(q.onnx, x).reshape(len(x), -1)
    cos = float(got.ravel() @ want.ravel() / np.linalg.norm(got) / np.linalg.norm(want))
    assert cos > 0.99, cos


def _validate_on_board(q: onnxmodels.Quantized, root: Path, samples: int = 8) -> dict:
    project, _ = built("stm32l475", q.tflite, root=root)
    v = validate(project, ValidateOptions(samples=samples, data=q.test), progress=False)
    assert v.passed and v.bit_exact, (v.error, v.failures[:3])
    return json.loads((project.dir / "validate.json").read_text())


@pytest.mark.qemu
@pytest.mark.parametrize("name,opset", [("dwsep", 21), ("conv1d", 21), ("mlp", 21), ("cnn", 13), ("dwsep", 13)])
def test_onnx_models_on_emulated_stm32l475_bit_exact_with_metrics(work, tmp_path, name, opset):
    d = _validate_on_board(converted(work, name, opset), tmp_path)
    f = d["float_reference"]
    assert f["format"] == "onnx" and f["runtime"].startswith("ONNX Runtime") and f["error"] is None
    (out,) = f["outputs"]
    assert out["name"] == onnxmodels.BUILDERS[name](opset=opset).graph.output[0].name
    assert out["samples"] == 8 and out["cosine"] > 0.99 and 0 < out["l2_relative_error"] < 0.1
    assert 0 < out["mae"] <= out["rmse"] <= out["max_abs_error"]


@pytest.mark.qemu
def test_int16x8_onnx_model_on_emulated_stm32l475(work, tmp_path):
    q = converted(work, "mlp", 13, mode="int16x8")
    d = _validate_on_board(q, tmp_path)
    assert d["outputs"][0]["dtype"] == "int16"
    (out,) = d["float_reference"]["outputs"]
    assert 0 < out["l2_relative_error"] < 0.03 and out["cosine"] > 0.999   # int8 weights bound the error


@pytest.mark.qemu
def test_pytorch_exported_fixture_on_emulated_stm32l475(work, tmp_path):
    import onnx
    stamp = json.loads(FIXTURE.with_name("torch_cnn.stamp.json").read_text())
    proto = onnx.load(str(FIXTURE))
    assert proto.producer_name == "pytorch" and proto.producer_version == stamp["torch"]
    q = onnxmodels.quantized("torch_cnn", proto, (2, 10, 10), work / "torch")
    assert read_origin(q.tflite).inputs[0].layout == "NCHW -> NHWC"
    d = _validate_on_board(q, tmp_path)
    (out,) = d["float_reference"]["outputs"]
    assert out["name"] == "probs" and out["cosine"] > 0.99


@pytest.mark.qemu
def test_compare_onnx_variants_against_onnx_runtime(work, tmp_path, capsys):
    q = converted(work, "cnn", 21)
    out = tmp_path / "cmp"
    rc = main(["compare", f"f32={q.float_tflite}", f"int8={q.tflite}", "--board", "stm32l475", "--data", str(q.test),
               "--samples", "10", "-n", "2", "-o", str(out)])
    text = capsys.readouterr().out
    assert rc == 0, text
    md = (out / "compare.md").read_text()
    assert "## Against the float model" in md and "cnn.onnx" in md
    rows = {ln.split("|")[1].strip(): ln.split("|") for ln in md.splitlines() if ln.startswith("| f32 | probs")
            or ln.startswith("| int8 | probs")}
    assert set(rows) == {"f32", "int8"}
    assert float(rows["f32"][3]) < 1e-5 < float(rows["int8"][3])       # RMSE: float kernels ~0, int8 not
    d = json.loads((out / "compare.json").read_text())
    assert d["float_reference"]["int8"]["outputs"][0]["cosine"] > 0.99
    report = (out / "builds" / "stm32l475" / "int8" / "report.md").read_text()
    assert "## Against the float model" in report and "ONNX Runtime" in report
    assert "Against the float model" in text or "RMSE" in text


# --- errors: named, with the fix, no traceback ---------------------------------------------------------------

def _quantize_error(args: list[str], capsys) -> str:
    rc = main(["quantize", *args])
    err = capsys.readouterr().err
    assert rc != 0 and "error:" in err and "Traceback" not in err, err
    return err


def _save(proto, path: Path) -> Path:
    path.write_bytes(proto.SerializeToString())
    return path


@pytest.fixture(scope="module")
def calib_mlp(work) -> Path:
    p = work / "mlp_calib.npz"
    np.savez(p, x=onnxmodels.data((20,), 16))
    return p


@pytest.mark.parametrize("opset", [12, 22])
def test_opset_outside_the_supported_range(work, calib_mlp, tmp_path, capsys, opset):
    m = _save(onnxmodels.mlp(opset=opset), tmp_path / "m.onnx")
    err = _quantize_error([str(m), "--data", str(calib_mlp), "-o", str(tmp_path / "q.tflite")], capsys)
    assert f"opset {opset}" in err and "13 to 21" in err and "opset_version=21" in err


def test_qdq_model_is_refused_asking_for_the_float_model(work, calib_mlp, tmp_path, capsys):
    from onnxruntime.quantization import CalibrationDataReader, QuantFormat, quantize_static
    f = _save(onnxmodels.mlp(opset=13), tmp_path / "float.onnx")
    xs = onnxmodels.data((20,), 8)

    class Reader(CalibrationDataReader):
        def __init__(self):
            self.it = iter([{"x": x[None]} for x in xs])

        def get_next(self):
            return next(self.it, None)
    qdq = tmp_path / "qdq.onnx"
    quantize_static(str(f), str(qdq), Reader(), quant_format=QuantFormat.QDQ)
    err = _quantize_error([str(qdq), "--data", str(calib_mlp), "-o", str(tmp_path / "q.tflite")], capsys)
    assert "already quantised" in err and "QuantizeLinear/DequantizeLinear" in err
    assert "give the float model" in err


def test_operators_the_converter_cannot_take_are_named_with_their_node(tmp_path, calib_mlp, capsys):
    import onnx
    from onnx import helper
    m = onnxmodels.mlp(opset=17)
    m.graph.node.append(helper.make_node("CastLike", ["y", "y"], ["y2"], name="the_castlike"))
    m.graph.node.append(helper.make_node("Fancy", ["y2"], ["y3"], name="custom_op", domain="com.example"))
    m.graph.output[0].name = "y3"
    m.opset_import.append(helper.make_opsetid("com.example", 1))
    p = tmp_path / "ops.onnx"
    onnx.save(m, str(p))
    err = _quantize_error([str(p), "--data", str(calib_mlp), "-o", str(tmp_path / "q.tflite")], capsys)
    assert "CastLike at node 'the_castlike'" in err and "Fancy (com.example) at node 'custom_op'" in err


def test_dynamic_axes_batch_and_input_shape(work, tmp_path, calib_mlp, capsys):
    dyn = _save(onnxmodels.mlp(opset=13, features="F"), tmp_path / "dyn.onnx")
    err = _quantize_error([str(dyn), "--data", str(calib_mlp), "-o", str(tmp_path / "q.tflite")], capsys)
    assert "dynamic axes (1, ?)" in err and "--input-shape 1,N" in err and "torch.onnx.export" in err
    big = _save(onnxmodels.cnn(opset=13, batch=4), tmp_path / "b4.onnx")
    calib_cnn = tmp_path / "c.npz"
    np.savez(calib_cnn, x=onnxmodels.data((3, 8, 8), 8))
    err = _quantize_error([str(big), "--data", str(calib_cnn), "-o", str(tmp_path / "q.tflite")], capsys)
    assert "batch 4" in err and "batch 1" in err
    # the dynamic batch of a CNN is set to 1; --input-shape fixes the MLP's dynamic features
    rc = main(["quantize", str(dyn), "--data", str(calib_mlp), "-o", str(tmp_path / "fixed.tflite"),
               "--input-shape", "1,20"])
    assert rc == 0, capsys.readouterr().err
    assert read_origin(tmp_path / "fixed.tflite").inputs[0].source_shape == (1, 20)


def test_calibration_data_that_does_not_fit(work, tmp_path, capsys):
    m = _save(onnxmodels.cnn(opset=13), tmp_path / "cnn.onnx")
    bad = tmp_path / "nhwc.npz"
    np.savez(bad, x=onnxmodels.data((8, 8, 3), 8))          # NHWC: not the ONNX model's layout
    err = _quantize_error([str(m), "--data", str(bad), "-o", str(tmp_path / "q.tflite")], capsys)
    assert "(8, 8, 3)" in err and "(3, 8, 8)" in err and "save x with shape (N, 3, 8, 8)" in err
    words = tmp_path / "words.npz"
    np.savez(words, x=np.array([["a"] * 64] * 3))
    err = _quantize_error([str(m), "--data", str(words), "-o", str(tmp_path / "q.tflite")], capsys)
    assert "<U1" in err and "float32" in err


def test_pt2_without_torch_says_how_to_install_it(tmp_path, calib_mlp, capsys, monkeypatch):
    import sys
    import zipfile
    pt2 = tmp_path / "m.pt2"
    with zipfile.ZipFile(pt2, "w") as z:
        z.writestr("m/archive_format", "pt2")
    monkeypatch.setitem(sys.modules, "torch", None)        # as if torch were not installed
    err = _quantize_error([str(pt2), "--data", str(calib_mlp), "-o", str(tmp_path / "q.tflite")], capsys)
    assert "needs PyTorch" in err and "pip install -e '.[torch]'" in err and "torch==2.13.0" in err


def test_pt2_quantised_in_one_step_with_torch(tmp_path, capsys):
    torch = pytest.importorskip("torch")
    pytest.importorskip("onnxscript")
    torch.manual_seed(0)
    model = torch.nn.Sequential(torch.nn.Conv1d(2, 4, 3, padding=1), torch.nn.ReLU(), torch.nn.Flatten(),
                                torch.nn.Linear(4 * 16, 3)).eval()
    pt2 = tmp_path / "m.pt2"
    torch.export.save(torch.export.export(model, (torch.zeros(1, 2, 16),)), str(pt2))
    calib = tmp_path / "c.npz"
    np.savez(calib, x=onnxmodels.data((2, 16), 32))
    rc = main(["quantize", str(pt2), "--data", str(calib), "-o", str(tmp_path / "m_int8.tflite")])
    assert rc == 0, capsys.readouterr().err
    o = read_origin(tmp_path / "m_int8.tflite")
    assert o.source_kind.startswith("PyTorch") and o.float_reference.path == (tmp_path / "m_int8.float.onnx").resolve()
    assert o.inputs[0].perm == (0, 2, 1)
