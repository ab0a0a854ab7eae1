"""The inputs every runtime of `bench` gets (the .tflite's layout; an ONNX model's own layout for ONNX
Runtime), and how a runtime's outputs agree with TFLM's on them."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Sequence

import numpy as np

from codegen.errors import McuforgeError
from codegen.linux.records import Agreement
from codegen.options.records import LinuxBenchOptions
from codegen.lowering import IOTensor
from codegen.origin import TensorLayout, read_origin
from codegen.pio.project import Project


@dataclass(frozen=True)
class Inputs:
    samples: tuple[tuple[np.ndarray, ...], ...]   # in the .tflite's layout
    description: str


def bench_inputs(project: Project, options: LinuxBenchOptions) -> Inputs:
    from codegen.reference import float_input_ranges
    from codegen.run import samples_file
    from codegen.validate import sample_inputs
    m = project.compiled
    data = options.data
    if data is None and samples_file(project.model_path).is_file() and len(m.inputs) == 1:
        data = samples_file(project.model_path)
    origin = read_origin(project.model_path)
    layout = origin.inputs[0] if origin is not None and len(origin.inputs) == 1 and options.data else None
    got = tuple(xs for xs, _ in sample_inputs(data, m.inputs, options.samples, options.seed,
                                               float_input_ranges(m.graph), layout))
    what = f"{data.name}, {len(got)} samples" if data else f"{len(got)} random inputs (seed {options.seed})"
    return Inputs(samples=got, description=what)


def real_values(x: np.ndarray, t: IOTensor) -> np.ndarray:
    if x.dtype.kind in "iu" and t.scale:
        return (x.astype(np.float64) - t.zero_point) * t.scale
    return x.astype(np.float64)


def agreement(got: Sequence[Sequence[np.ndarray]], want: Sequence[Sequence[np.ndarray]],
              outputs: Sequence[IOTensor]) -> Agreement:
    """Outputs per sample (in the .tflite's layout) against TFLM's: exact where the dtypes match,
    otherwise compared in real units (a float ONNX model against the quantised .tflite)."""
    exact = top1 = 0
    worst = 0.0
    for g_s, w_s in zip(got, want):
        same = True
        for g, w, t in zip(g_s, w_s, outputs):
            g, w = np.asarray(g), np.asarray(w)
            if g.size == w.size:
                g = g.reshape(w.shape)
            if g.dtype != w.dtype or not np.array_equal(g, w):
                same = False
            gr = real_values(g, t) if g.dtype == w.dtype else g.astype(np.float64)
            d = np.abs(gr.reshape(-1) - real_values(w, t).reshape(-1))
            worst = max(worst, float(d.max()) if d.size else 0.0)
        exact += same
        top1 += int(np.argmax(np.asarray(g_s[0]).reshape(-1)) == np.argmax(np.asarray(w_s[0]).reshape(-1)))
    return Agreement(samples=len(got), exact_samples=exact, max_abs_diff=worst, top1_agree=top1)


def onnx_layouts(onnx: Path, project: Project) -> tuple[tuple[TensorLayout, ...], tuple[TensorLayout, ...]]:
    """How the ONNX model's inputs and outputs map to the .tflite's: the sidecar's, when it names this
    ONNX model; else from the shapes (identical, or NCHW-like for an NHWC .tflite)."""
    origin = read_origin(project.model_path)
    ref = origin.float_reference if origin is not None else None
    if origin is not None and ref is not None and ref.format == "onnx" and Path(ref.path).resolve() == onnx.resolve():
        return origin.inputs, origin.outputs
    import onnx as onnx_lib
    g = onnx_lib.load(str(onnx), load_external_data=False).graph
    init = {i.name for i in g.initializer}
    ins = [v for v in g.input if v.name not in init]

    def shape(v) -> tuple[int, ...]:
        return tuple(int(d.dim_value) if d.dim_value else 1 for d in v.type.tensor_type.shape.dim)

    def layout(v, t: IOTensor) -> TensorLayout:
        src, model = shape(v), tuple(t.shape)
        if src == model:
            return TensorLayout(v.name, src, tuple(range(len(src))))
        if len(src) >= 3 and sorted(src) == sorted(model):
            perm = (0, *range(2, len(src)), 1)            # channels-first source, channels-last .tflite
            if tuple(src[p] for p in perm) == model:
                return TensorLayout(v.name, src, perm)
        raise McuforgeError(f"{onnx.name}: {v.name} has shape {src}, the .tflite's {t.name} {model}",
                            hint="give the ONNX model this .tflite was made from (onnx=PATH)")
    if len(ins) != len(project.compiled.inputs) or len(g.output) != len(project.compiled.outputs):
        raise McuforgeError(f"{onnx.name} has {len(ins)} inputs and {len(g.output)} outputs, "
                            f"{project.model_path.name} {len(project.compiled.inputs)} and {len(project.compiled.outputs)}",
                            hint="give the ONNX model this .tflite was made from (onnx=PATH)")
    return (tuple(layout(v, t) for v, t in zip(ins, project.compiled.inputs)),
            tuple(layout(v, t) for v, t in zip(g.output, project.compiled.outputs)))


def default_onnx(project: Project) -> Path | None:
    origin = read_origin(project.model_path)
    ref = origin.float_reference if origin is not None else None
    return Path(ref.path) if ref is not None and ref.format == "onnx" and Path(ref.path).is_file() else None
