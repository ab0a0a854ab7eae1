"""An ONNX model handed to ``quantize``, checked before any conversion (the ``onnx`` package, no
TensorFlow): every reason it cannot be converted is named with the node and the fix.

Checked: the file parses; the default-domain opset is within :data:`OPSETS`; the model is float, not
already quantised (QDQ or QOperator, as ``onnxruntime.quantization`` writes it); one float32 input;
no dynamic axis but the batch (fixed with ``--input-shape``); batch 1; every operator is one the
converter (onnx2tf) implements.

:func:`fixed` returns the model with its input shape fixed (batch 1) and shapes inferred, ready for
:mod:`codegen.prep.onnx_convert`.
"""

from __future__ import annotations

import importlib.util
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Sequence

from codegen.errors import McuforgeError
from codegen.prep.source import InputSpec

OPSETS = range(13, 22)                 # tested at both ends: 13 and 21
EXPORT_HINT = ("export with a fixed input shape and batch 1, e.g. torch.onnx.export(model, (torch.zeros(1, C, H, W),), "
               "'model.onnx', dynamo=True)")
# ONNX Runtime's quantisation formats: QDQ pairs around float operators, or integer operators
QDQ_OPS = frozenset({"QuantizeLinear", "DequantizeLinear", "DynamicQuantizeLinear"})
QOPERATOR_OPS = frozenset({"QLinearConv", "QLinearMatMul", "QLinearAdd", "QLinearMul", "QLinearSigmoid",
                           "QLinearLeakyRelu", "QLinearAveragePool", "QLinearGlobalAveragePool", "QLinearConcat",
                           "QLinearSoftmax", "ConvInteger", "MatMulInteger", "QGemm", "DynamicQuantizeMatMul"})
ELEM_TYPES = {1: "float32", 2: "uint8", 3: "int8", 5: "int16", 6: "int32", 7: "int64", 9: "bool", 10: "float16",
              11: "float64", 16: "bfloat16"}


def onnx():
    try:
        import onnx as onnx_pkg
    except ImportError:
        raise McuforgeError("reading ONNX models needs the onnx package", hint="pip install -e '.[onnx]' "
                            "(./setup.sh installs it)") from None
    return onnx_pkg


@dataclass(frozen=True)
class OnnxModel:
    path: Path
    proto: Any                           # onnx.ModelProto, as loaded
    opset: int
    input: InputSpec                     # shape: None for a dynamic axis
    outputs: tuple[str, ...]
    producer: str                        # "pytorch 2.13.0" ...


def converter_ops() -> frozenset[str]:
    """The ONNX operators onnx2tf implements (one module per operator in onnx2tf.ops), found without
    importing onnx2tf (which imports TensorFlow)."""
    spec = importlib.util.find_spec("onnx2tf")
    if spec is None or not spec.submodule_search_locations:
        raise McuforgeError("converting ONNX models needs onnx2tf", hint="./setup.sh installs it "
                            "(pip install --no-deps onnx2tf==1.29.24, see pyproject.toml)")
    ops_dir = Path(next(iter(spec.submodule_search_locations))) / "ops"
    return frozenset(p.stem for p in ops_dir.glob("*.py") if p.stem[:1].isupper())


def _dims(value_info: Any) -> tuple[int | None, ...]:
    dims = value_info.type.tensor_type.shape.dim
    return tuple(d.dim_value if d.HasField("dim_value") and d.dim_value > 0 else None for d in dims)


def load(path: Path) -> OnnxModel:
    """The model in `path`, with every reason it cannot be converted raised as one error."""
    o = onnx()
    try:
        proto = o.load(str(path), load_external_data=True)
    except Exception as exc:  # noqa: BLE001 - protobuf DecodeError, OSError for missing external data
        raise McuforgeError(f"{path} is not a readable ONNX model ({str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__})",
                            hint="export it again (torch.onnx.export(...)); weights in a separate file must lie "
                                 "beside it") from None
    g = proto.graph
    opset = next((op.version for op in proto.opset_import if op.domain in ("", "ai.onnx")), 0)
    if opset not in OPSETS:
        raise McuforgeError(f"{path.name} uses ONNX opset {opset}; mcuforge converts opsets {OPSETS[0]} to {OPSETS[-1]}",
                            hint=f"export with opset_version={OPSETS[-1]} (or any of {OPSETS[0]}..{OPSETS[-1]}), or "
                                 f"convert it: onnx.version_converter.convert_version(model, {OPSETS[-1]})")
    ops = [n.op_type for n in g.node]
    qdq = sum(op in QDQ_OPS for op in ops)
    qop = sorted({op for op in ops if op in QOPERATOR_OPS})
    if qdq or qop:
        kind = (f"QDQ: {qdq} QuantizeLinear/DequantizeLinear nodes" if qdq else "") + \
               ("; " if qdq and qop else "") + (f"integer operators {', '.join(qop)}" if qop else "")
        raise McuforgeError(
            f"{path.name} is already quantised ({kind}, as onnxruntime.quantization writes it); mcuforge quantises "
            "float models itself, with TensorFlow Lite's converter and your calibration data, to the "
            "arithmetic TFLM runs", hint="give the float model, the one you quantised (before quantize_static)")
    initializers = {i.name for i in g.initializer}
    inputs = [i for i in g.input if i.name not in initializers]
    if len(inputs) != 1:
        raise McuforgeError(f"{path.name} has {len(inputs)} inputs ({', '.join(i.name for i in inputs)}); quantize "
                            "calibrates single-input models", hint="export a single-input model")
    inp = inputs[0]
    elem = inp.type.tensor_type.elem_type
    if elem != 1:
        raise McuforgeError(f"the input {inp.name!r} of {path.name} is {ELEM_TYPES.get(elem, f'type {elem}')}; "
                            "quantize takes float32 inputs", hint="export the model with a float32 input")
    unsupported = [n for n in g.node if n.domain not in ("", "ai.onnx")]
    known = converter_ops()
    unsupported += [n for n in g.node if n.domain in ("", "ai.onnx") and n.op_type not in known]
    if unsupported:
        listed = ", ".join(f"{n.op_type}{' (' + n.domain + ')' if n.domain not in ('', 'ai.onnx') else ''} "
                           f"at node {n.name or '#' + str(list(g.node).index(n))!r}" for n in unsupported[:5])
        more = f" and {len(unsupported) - 5} more" if len(unsupported) > 5 else ""
        raise McuforgeError(f"{path.name} uses operators the ONNX converter (onnx2tf) cannot take: {listed}{more}",
                            hint="replace them in the model (standard ONNX operators of the default domain), or "
                                 "export without the custom operator")
    return OnnxModel(path=path, proto=proto, opset=opset,
                     input=InputSpec(name=inp.name, shape=_dims(inp), dtype="float32"),
                     outputs=tuple(o.name for o in g.output),
                     producer=f"{proto.producer_name} {proto.producer_version}".strip())


def _fmt(shape: Sequence[int | None]) -> str:
    return "(" + ", ".join("?" if d is None else str(d) for d in shape) + ")"


def fixed_shape(m: OnnxModel, override: Sequence[int] | None) -> tuple[tuple[int, ...], list[str]]:
    """The input shape to convert with, in the ONNX model's layout: batch 1, every axis known."""
    spec = m.input
    notes: list[str] = []
    if override:
        shape = tuple(int(d) for d in override)
        if len(shape) == len(spec.shape) - 1:
            shape = (1, *shape)
        if len(shape) != len(spec.shape) or any(d <= 0 for d in shape):
            raise McuforgeError(f"--input-shape {','.join(map(str, shape))} does not fit the input {spec.name!r} "
                                f"{_fmt(spec.shape)} ({len(spec.shape)} axes, in the ONNX model's layout)",
                                hint="give one positive size per axis, batch first, in the ONNX layout: "
                                     f"--input-shape 1,{','.join('N' if d is None else str(d) for d in spec.shape[1:])}")
        clash = [i for i, (a, b) in enumerate(zip(shape, spec.shape)) if b is not None and a != b]
        if clash:
            raise McuforgeError(f"--input-shape {','.join(map(str, shape))} contradicts the input {spec.name!r} "
                                f"{_fmt(spec.shape)} in axis {clash[0]}",
                                hint="only dynamic axes can be fixed; the others are part of the exported graph")
        spec_shape = shape
    else:
        spec_shape = spec.shape
    if spec_shape[0] is not None and spec_shape[0] != 1:
        raise McuforgeError(f"the input {spec.name!r} of {m.path.name} has batch {spec_shape[0]} {_fmt(spec.shape)}; "
                            "mcuforge runs one sample at a time and the exported graph may have the batch baked in",
                            hint=EXPORT_HINT + " (or mark the batch axis dynamic)")
    dynamic = [i for i, d in enumerate(spec_shape) if i > 0 and d is None]
    if dynamic:
        raise McuforgeError(f"the input {spec.name!r} of {m.path.name} has dynamic axes {_fmt(spec.shape)} "
                            f"(axis {', '.join(map(str, dynamic))}): the converter and mcuforge need every axis "
                            "but the batch fixed",
                            hint=f"{EXPORT_HINT}; or fix them here: --input-shape 1,"
                                 + ",".join("N" if d is None else str(d) for d in spec_shape[1:]))
    if spec_shape[0] is None:
        notes.append("dynamic batch set to 1 (mcuforge runs one inference at a time)")
    return (1, *(int(d) for d in spec_shape[1:])), notes  # type: ignore[arg-type]


def fixed(m: OnnxModel, shape: tuple[int, ...]) -> Any:
    """A copy of the model whose input has exactly `shape`, with shapes inferred throughout (the
    converter decides layouts from them)."""
    o = onnx()
    proto = o.ModelProto()
    proto.CopyFrom(m.proto)
    inp = next(i for i in proto.graph.input if i.name == m.input.name)
    for d, size in zip(inp.type.tensor_type.shape.dim, shape):
        d.Clear()
        d.dim_value = size
    # outputs' own (possibly symbolic) shapes are re-inferred from the fixed input
    for out in proto.graph.output:
        for d in out.type.tensor_type.shape.dim:
            if not d.HasField("dim_value"):
                d.Clear()
    del proto.graph.value_info[:]
    try:
        return o.shape_inference.infer_shapes(proto, strict_mode=True, data_prop=True)
    except Exception as exc:  # noqa: BLE001 - InferenceError names the node
        raise McuforgeError(f"ONNX shape inference fails on {m.path.name} with input shape {shape}: "
                            f"{str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__}",
                            hint="check --input-shape (the ONNX layout, batch first), or export with fixed shapes") from None
