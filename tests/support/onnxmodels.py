"""Small float ONNX models built in the tests with ``onnx.helper`` (no PyTorch), and their conversion
by ``python -m codegen quantize`` cached like tests/support/tfmodels.py does.

Each builder takes the opset and returns an ``onnx.ModelProto`` with random (seeded) weights; the
calibration and evaluation data are uniform in [0, 1] in the model's own (NCHW / NCW) layout.
:func:`quantized` runs the real command once per (model bytes, data, options, converter versions)
and keeps the .tflite files and their sidecars under ``.cache/testmodels/onnx/``.
"""

from __future__ import annotations

import hashlib
import importlib.metadata
import os
import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

import numpy as np

from support.tfmodels import CACHE

ONNX_CACHE = CACHE / "onnx"
# the ONNX IR version each opset first appeared with (onnx.helper.VERSION_TABLE), so ONNX Runtime loads them
IR_FOR_OPSET = {11: 6, 12: 7, 13: 7, 14: 7, 15: 8, 16: 8, 17: 8, 18: 8, 19: 9, 20: 9, 21: 10, 22: 10}


def _h():
    import onnx
    from onnx import helper, numpy_helper
    return onnx, helper, numpy_helper


def _model(name: str, nodes, inp, out, inits, opset: int):
    onnx, helper, _ = _h()
    g = helper.make_graph(nodes, name, [inp], [out], inits)
    m = helper.make_model(g, opset_imports=[helper.make_opsetid("", opset)], producer_name="mcuforge-tests")
    m.ir_version = IR_FOR_OPSET.get(opset, 10)
    onnx.checker.check_model(m, full_check=True)
    return m


def _w(rng, name: str, shape, scale: float = 0.3):
    _, _, nh = _h()
    return nh.from_array(rng.normal(0.0, scale, shape).astype(np.float32), name)


def _vi(name: str, shape):
    onnx, helper, _ = _h()
    return helper.make_tensor_value_info(name, onnx.TensorProto.FLOAT, list(shape))


def cnn(opset: int = 13, batch: int | str = 1, seed: int = 0):
    """NCHW (1, 3, 8, 8): Conv 3x3 - BatchNormalization - Relu - MaxPool 2 - Conv 3x3 - Relu - MaxPool 2 -
    Flatten - Gemm - Softmax."""
    _, helper, nh = _h()
    rng = np.random.default_rng(seed)
    inits = [_w(rng, "w1", (8, 3, 3, 3)), _w(rng, "b1", (8,), 0.1),
             nh.from_array(rng.uniform(0.5, 1.5, 8).astype(np.float32), "gamma"), _w(rng, "beta", (8,), 0.1),
             _w(rng, "mean", (8,), 0.1), nh.from_array(rng.uniform(0.5, 1.5, 8).astype(np.float32), "var"),
             _w(rng, "w2", (12, 8, 3, 3), 0.2), _w(rng, "b2", (12,), 0.1),
             _w(rng, "w3", (10, 12 * 2 * 2), 0.2), _w(rng, "b3", (10,), 0.1)]
    nodes = [helper.make_node("Conv", ["x", "w1", "b1"], ["c1"], kernel_shape=[3, 3], pads=[1, 1, 1, 1], name="conv1"),
             helper.make_node("BatchNormalization", ["c1", "gamma", "beta", "mean", "var"], ["bn1"], name="bn1"),
             helper.make_node("Relu", ["bn1"], ["r1"], name="relu1"),
             helper.make_node("MaxPool", ["r1"], ["p1"], kernel_shape=[2, 2], strides=[2, 2], name="pool1"),
             helper.make_node("Conv", ["p1", "w2", "b2"], ["c2"], kernel_shape=[3, 3], pads=[1, 1, 1, 1], name="conv2"),
             helper.make_node("Relu", ["c2"], ["r2"], name="relu2"),
             helper.make_node("MaxPool", ["r2"], ["p2"], kernel_shape=[2, 2], strides=[2, 2], name="pool2"),
             helper.make_node("Flatten", ["p2"], ["f"], axis=1, name="flatten"),
             helper.make_node("Gemm", ["f", "w3", "b3"], ["logits"], transB=1, name="fc"),
             helper.make_node("Softmax", ["logits"], ["probs"], axis=1, name="softmax")]
    return _model("cnn", nodes, _vi("x", (batch, 3, 8, 8)), _vi("probs", (batch, 10)), inits, opset)


def dwsep(opset: int = 13, seed: int = 1):
    """A depthwise-separable block, NCHW (1, 8, 8, 8): depthwise Conv 3x3 (group 8) - Relu - pointwise
    Conv 1x1 - Relu - GlobalAveragePool - Flatten - Gemm."""
    _, helper, _ = _h()
    rng = np.random.default_rng(seed)
    inits = [_w(rng, "dw", (8, 1, 3, 3)), _w(rng, "dwb", (8,), 0.1), _w(rng, "pw", (16, 8, 1, 1)),
             _w(rng, "pwb", (16,), 0.1), _w(rng, "fc", (4, 16)), _w(rng, "fcb", (4,), 0.1)]
    nodes = [helper.make_node("Conv", ["x", "dw", "dwb"], ["d"], kernel_shape=[3, 3], pads=[1, 1, 1, 1], group=8,
                              name="depthwise"),
             helper.make_node("Relu", ["d"], ["dr"], name="relu_dw"),
             helper.make_node("Conv", ["dr", "pw", "pwb"], ["p"], kernel_shape=[1, 1], name="pointwise"),
             helper.make_node("Relu", ["p"], ["pr"], name="relu_pw"),
             helper.make_node("GlobalAveragePool", ["pr"], ["g"], name="gap"),
             helper.make_node("Flatten", ["g"], ["f"], axis=1, name="flatten"),
             helper.make_node("Gemm", ["f", "fc", "fcb"], ["y"], transB=1, name="fc")]
    return _model("dwsep", nodes, _vi("x", (1, 8, 8, 8)), _vi("y", (1, 4)), inits, opset)


def conv1d(opset: int = 13, seed: int = 2):
    """A 1-D time-series model, NCW (1, 3, 32): Conv 5 (stride 2) - Relu - Conv 3 - Relu - MaxPool 2 -
    Flatten - Gemm - Sigmoid."""
    _, helper, _ = _h()
    rng = np.random.default_rng(seed)
    inits = [_w(rng, "w1", (8, 3, 5)), _w(rng, "b1", (8,), 0.1), _w(rng, "w2", (8, 8, 3), 0.2),
             _w(rng, "b2", (8,), 0.1), _w(rng, "w3", (3, 8 * 8), 0.2), _w(rng, "b3", (3,), 0.1)]
    nodes = [helper.make_node("Conv", ["x", "w1", "b1"], ["c1"], kernel_shape=[5], strides=[2], pads=[2, 2], name="conv1"),
             helper.make_node("Relu", ["c1"], ["r1"], name="relu1"),
             helper.make_node("Conv", ["r1", "w2", "b2"], ["c2"], kernel_shape=[3], pads=[1, 1], name="conv2"),
             helper.make_node("Relu", ["c2"], ["r2"], name="relu2"),
             helper.make_node("MaxPool", ["r2"], ["p"], kernel_shape=[2], strides=[2], name="pool"),
             helper.make_node("Flatten", ["p"], ["f"], axis=1, name="flatten"),
             helper.make_node("Gemm", ["f", "w3", "b3"], ["z"], transB=1, name="fc"),
             helper.make_node("Sigmoid", ["z"], ["y"], name="sigmoid")]
    return _model("conv1d", nodes, _vi("x", (1, 3, 32)), _vi("y", (1, 3)), inits, opset)


def mlp(opset: int = 13, seed: int = 3, features: int | str = 20):
    """An MLP on (1, 20): Gemm - Relu - Gemm - Relu - Gemm."""
    _, helper, _ = _h()
    rng = np.random.default_rng(seed)
    inits = [_w(rng, "w1", (32, 20)), _w(rng, "b1", (32,), 0.1), _w(rng, "w2", (16, 32), 0.2),
             _w(rng, "b2", (16,), 0.1), _w(rng, "w3", (5, 16), 0.2), _w(rng, "b3", (5,), 0.1)]
    nodes = [helper.make_node("Gemm", ["x", "w1", "b1"], ["h1"], transB=1, name="fc1"),
             helper.make_node("Relu", ["h1"], ["a1"], name="relu1"),
             helper.make_node("Gemm", ["a1", "w2", "b2"], ["h2"], transB=1, name="fc2"),
             helper.make_node("Relu", ["h2"], ["a2"], name="relu2"),
             helper.make_node("Gemm", ["a2", "w3", "b3"], ["y"], transB=1, name="fc3")]
    return _model("mlp", nodes, _vi("x", (1, features)), _vi("y", (1, 5)), inits, opset)


BUILDERS: dict[str, Callable] = {"cnn": cnn, "dwsep": dwsep, "conv1d": conv1d, "mlp": mlp}


def data(shape: tuple[int, ...], n: int, seed: int = 7) -> np.ndarray:
    """n float32 samples of per-sample `shape` (the ONNX layout), uniform in [0, 1]."""
    return np.random.default_rng(seed).uniform(0.0, 1.0, (n, *shape)).astype(np.float32)


@dataclass(frozen=True)
class Quantized:
    onnx: Path
    tflite: Path
    float_tflite: Path
    calib: Path
    test: Path


def _versions() -> str:
    return ",".join(f"{d}={importlib.metadata.version(d)}" for d in ("onnx2tf", "tensorflow-cpu", "onnx"))


def quantized(name: str, proto, shape: tuple[int, ...], workdir: Path, mode: str = "int8",
              run: Callable[[list[str]], int] | None = None) -> Quantized:
    """`proto` (saved to `workdir`/NAME.onnx) quantised by ``python -m codegen quantize`` (cached): the
    int8 (or int16x8) and float32 .tflite with their sidecars, all in `workdir`. The sidecars name the
    .onnx in `workdir`, so each test gets its own copies."""
    workdir.mkdir(parents=True, exist_ok=True)
    onnx_path = workdir / f"{name}.onnx"
    onnx_path.write_bytes(proto.SerializeToString())
    calib, test = workdir / f"{name}.calib.npz", workdir / f"{name}.test.npz"
    np.savez(calib, x=data(shape, 64, seed=11))
    np.savez(test, x=data(shape, 16, seed=12), y=np.arange(16) % 3)
    key = hashlib.sha256(onnx_path.read_bytes() + calib.read_bytes() + f"{mode}|{_versions()}|v1".encode()).hexdigest()[:16]
    out, f32 = workdir / f"{name}_{mode}.tflite", workdir / f"{name}_f32.tflite"
    cached = [ONNX_CACHE / f"{name}.{key}.{mode}.tflite", ONNX_CACHE / f"{name}.{key}.f32.tflite"]
    if all(p.is_file() for p in cached):
        shutil.copyfile(cached[0], out)
        shutil.copyfile(cached[1], f32)
        _sidecars(onnx_path, out, f32, cached)
    else:
        from codegen.cli import main
        args = ["quantize", str(onnx_path), "--data", str(calib), "-o", str(out), "--float-out", str(f32), "--json"]
        if mode == "int16x8":
            args.append("--int16x8")
        rc = (run or main)(args)
        assert rc == 0
        ONNX_CACHE.mkdir(parents=True, exist_ok=True)
        for src, dst, side in ((out, cached[0], "q"), (f32, cached[1], "f")):
            tmp = dst.with_suffix(f".{os.getpid()}.tmp")
            shutil.copyfile(src, tmp)
            os.replace(tmp, dst)
            tmp = dst.with_suffix(f".{os.getpid()}.json.tmp")
            shutil.copyfile(src.with_suffix(".source.json"), tmp)
            os.replace(tmp, dst.with_suffix(".source.json"))
            _ = side
    return Quantized(onnx=onnx_path, tflite=out, float_tflite=f32, calib=calib, test=test)


def _sidecars(onnx_path: Path, out: Path, f32: Path, cached: list[Path]) -> None:
    """Re-point the cached sidecars at this workdir's .onnx (their float reference)."""
    import json
    from codegen.origin import Origin, sha256_of, write_origin
    for model, c in ((out, cached[0]), (f32, cached[1])):
        side = c.with_suffix(".source.json")
        o = Origin.from_json(json.loads(side.read_text()), c.parent)
        ref = o.float_reference
        assert ref is not None and ref.format == "onnx" and ref.sha256 == sha256_of(onnx_path)
        from dataclasses import replace
        write_origin(model, replace(o, source=onnx_path.resolve(), float_reference=replace(ref, path=onnx_path.resolve())))
