"""The ``quantize`` and ``compare`` subcommands (registered in :mod:`codegen.cli`): arguments in,
computation in :mod:`codegen.prep.quantize` / :mod:`codegen.prep.compare`, text (or JSON) out."""

from __future__ import annotations

import argparse
import importlib.metadata
import json
from dataclasses import asdict
from pathlib import Path
from typing import TYPE_CHECKING

from codegen.errors import McuforgeError
from codegen.origin import origin_file
from codegen.term import kb, kv, say

if TYPE_CHECKING:
    from codegen.options import CompareJob
    from codegen.origin import Origin
    from codegen.prep.compare import Comparison
    from codegen.prep.quantize import Quantized
    from codegen.prep.source import ModelSource

QUANTIZE_HELP = ("float Keras/SavedModel/ONNX/torch.export model + representative data -> full-integer .tflite "
                 "(optionally pruned)")
COMPARE_HELP = "build, run and validate model variants on a board: flash, RAM, latency, accuracy side by side"


# --- quantize ----------------------------------------------------------------------------------------------

def _shape_arg(text: str) -> tuple[int, ...]:
    try:
        return tuple(int(d) for d in text.replace("x", ",").split(",") if d.strip())
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r}: give sizes like 1,49,40") from None


def quantize_args(p: argparse.ArgumentParser) -> None:
    from codegen.options.arguments import count_arg
    from codegen.options.command_line import MAX_SAMPLES
    from codegen.prep.quantize import IO_TYPES
    p.add_argument("model", type=Path, help=".keras or .h5 file, a SavedModel directory, a float .onnx, or a "
                                            "torch.export .pt2 (with the torch extra)")
    p.add_argument("--data", type=Path, required=True,
                   help="representative inputs: .npz with x, .npy, or a directory of .npy samples")
    p.add_argument("-o", "--out", type=Path, required=True, help="the quantised .tflite to write")
    p.add_argument("--int16x8", action="store_true", help="int16 activations, int8 weights (default: int8)")
    p.add_argument("--io", choices=IO_TYPES, default=None,
                   help="model input/output type (default: the activations' integer type; uint8 goes with int8)")
    p.add_argument("--samples", type=count_arg(MAX_SAMPLES), default=500, help="use at most N representative samples (500)")
    p.add_argument("--input-shape", type=_shape_arg, default=None,
                   help="fix dynamic input dimensions, batch first, in the model's own layout: 1,49,40")
    p.add_argument("--signature", default=None, help="SavedModel signature key (default: serving_default)")
    p.add_argument("--allow-float", action="store_true",
                   help="accept operators the converter cannot quantise (they stay float32 inside the model)")
    p.add_argument("--float-out", type=Path, default=None,
                   help="also write the float32 conversion (the size baseline; a variant for `compare`)")
    g = p.add_argument_group("pruning (before quantisation; Keras models)")
    g.add_argument("--prune", type=float, default=None, metavar="SPARSITY",
                   help="magnitude-prune to this fraction of zero weights (or removed channels)")
    g.add_argument("--structured", choices=("2:4", "channels"), default=None,
                   help="2:4 (2 of every 4 weights) or channels (remove whole filters)")
    g.add_argument("--train", type=Path, default=None, help="training data (.npz with x, y) for the fine-tune")
    g.add_argument("--epochs", type=int, default=2, help="fine-tune epochs (2)")
    g.add_argument("--save-pruned", type=Path, default=None, help="also save the pruned float Keras model (.keras)")
    p.add_argument("--json", action="store_true", help="machine-readable output")


def _ratio(a: int, b: int) -> str:
    return f"{a / b:.2f}x" if b else "-"


def _sci(v: float | None) -> str:
    if v is None:
        return "-"
    return f"{v:.4g}"


def range_rows(ranges) -> list[tuple[str, ...]]:
    from codegen.prep.ranges import common_scope, short_name
    scope = common_scope([r.name for r in ranges])
    rows = []
    for r in ranges:
        if r.channels == 0:
            scale, zp = "-", "-"
        elif r.channels == 1:
            scale, zp = _sci(r.scale), str(r.zero_point)
        else:
            scale, zp = f"{_sci(r.scale)}..{_sci(r.scale_max)} ({r.channels} ch)", str(r.zero_point)
        if r.real_min is not None:
            rng = f"[{r.real_min:.4g}, {r.real_max:.4g}]"
        else:
            rng = "-"
        vals = "-" if r.value_min is None else f"[{r.value_min:.4g}, {r.value_max:.4g}]"
        zeros = "-" if r.zeros is None else f"{100 * r.zeros:.1f}%"
        name = r.name[len(scope):] if scope and r.name.startswith(scope) else r.name
        rows.append((str(r.index), short_name(name), r.role, r.dtype, "x".join(map(str, r.shape)) or "scalar",
                     scale, zp, rng, vals, zeros))
    return rows


def table(head: tuple[str, ...], rows: list[tuple[str, ...]]) -> list[str]:
    w = [max(len(h), *(len(r[i]) for r in rows)) if rows else len(h) for i, h in enumerate(head)]
    line = lambda cells: "  ".join(c.ljust(x) for c, x in zip(cells, w)).rstrip()  # noqa: E731
    return [line(head), line(tuple("-" * x for x in w))] + [line(r) for r in rows]


RANGE_HEAD = ("#", "tensor", "role", "type", "shape", "scale", "zp", "represents", "stored values", "zeros")


def quantized_json(q: Quantized, out: Path, float_out: Path | None) -> dict:
    d = {"model": str(q.source.path), "kind": q.source.kind.value, "out": str(out),
         "float_out": str(float_out) if float_out else None, "mode": q.options.mode, "io": q.options.io_type,
         "input": {"name": q.input.name, "shape": list(q.shape), "model_shape": list(q.input.shape)},
         "samples": q.samples, "data": q.data_source,
         "float32": asdict(q.float32.stats), "quantized": asdict(q.quantized.stats),
         "size_ratio": q.quantized.stats.file_bytes / q.float32.stats.file_bytes,
         "ranges": [asdict(r) for r in q.quantized.ranges], "notes": list(q.notes),
         "generates": q.generate_problem is None, "generate_problem": q.generate_problem}
    if q.pruning is not None:
        d["pruning"] = asdict(q.pruning) | {"sparsity": q.pruning.sparsity}
    if q.onnx is not None:
        o = q.onnx
        d["onnx"] = {"converter": o.converter, "opset": o.opset, "producer": o.producer,
                     "inputs": [t.as_json() for t in o.inputs], "outputs": [t.as_json() for t in o.outputs],
                     "float_max_abs_diff": o.float_max_abs_diff, "float_check_samples": o.float_check_samples}
    return d


def show_quantized(q: Quantized, out: Path, float_out: Path | None) -> None:
    fs, qs = q.float32.stats, q.quantized.stats
    mode = q.options.mode
    say(f"quantized {q.source.path.name} ({q.source.kind.value}) -> {out}")
    kv("input", f"{q.input.name} {'x'.join(map(str, q.shape))}"
       + (f" (model: {tuple(q.input.shape)})" if tuple(q.input.shape) != q.shape else ""))
    kv("calibration", f"{q.samples} representative samples from {q.data_source}")
    acts = "int16 activations, int8 weights" if mode == "int16x8" else "int8 activations and weights"
    kv("mode", f"{acts}, {q.options.io_type} model I/O")
    kv("size", f"float32 .tflite {kb(fs.file_bytes)} -> {mode} {kb(qs.file_bytes)} ({_ratio(qs.file_bytes, fs.file_bytes)})"
       f"; weights {kb(fs.weights_bytes)} -> {kb(qs.weights_bytes)}")
    kv("compressed", f"zlib -9: float32 {kb(fs.deflated_bytes)} -> {mode} {kb(qs.deflated_bytes)}"
       + (f"; {100 * qs.kernel_zeros:.1f}% of {qs.kernel_params:,} kernel weights are zero" if qs.kernel_params else ""))
    if q.pruning is not None:
        p = q.pruning
        tuned = (f"fine-tuned {p.epochs} epoch(s) on {p.train_source} ({p.loss})" if p.epochs
                 else "one-shot, no fine-tune (give --train data.npz to recover accuracy)")
        acc = ""
        if p.train_accuracy_before is not None and p.train_accuracy_after is not None:
            acc = f"; training accuracy {p.train_accuracy_before:.3f} -> {p.train_accuracy_after:.3f}"
        kv("pruning", f"{p.structure} to {p.target:.0%}: {p.sparsity:.1%} of the pruned kernels' weights gone; "
           f"{tuned}{acc}")
        for lay in p.layers:
            change = (f"{lay.params_before:,} -> {lay.params:,} weights" if lay.params != lay.params_before
                      else f"{lay.params:,} weights")
            kv("", f"{lay.name} ({lay.kind}): {change}, {100 * lay.zeros:.1f}% zero" + (f"  [{lay.note}]" if lay.note else ""))
    if q.onnx is not None:
        o = q.onnx
        kv("converter", f"{o.converter} (ONNX opset {o.opset}" + (f", made by {o.producer}" if o.producer else "") + ")")
        lays = [f"{t.name} {t.layout}" for t in (*o.inputs, *o.outputs) if not t.identity]
        kv("layout", ("; ".join(lays) + " (data stay in the ONNX layout: mcuforge transposes them)") if lays
           else "the same as the ONNX model's")
        kv("float check", f"float32 .tflite against ONNX Runtime on {o.float_check_samples} calibration samples: "
           f"max |diff| {o.float_max_abs_diff:.3g}")
    for n in q.notes:
        kv("note", n)
    if q.generate_problem is None:
        kv("mcuforge", f"generates it: python -m codegen inspect {out}")
    else:
        kv("mcuforge", "CANNOT generate it yet: " + q.generate_problem.replace("\n", "\n" + " " * 17))
    kv("wrote", str(out) + (f" and {float_out} (float32)" if float_out else "") + f"; {origin_file(out).name}"
       " (source, layouts, float reference)")
    say()
    from codegen.prep.ranges import common_scope
    scope = common_scope([r.name for r in q.quantized.ranges])
    say("quantisation ranges (represents: the real interval the integer type covers; stored values: constants)"
        + (f"; names under {scope}" if scope else ""))
    for line in table(RANGE_HEAD, range_rows(q.quantized.ranges)):
        say("  " + line)


def origin_of(q: Quantized, given: ModelSource, model: Path, float_out: Path | None) -> Origin:
    """The sidecar of one written model: where it came from, its layouts, its float reference (the ONNX
    model; for Keras/SavedModel sources the float32 .tflite, when written)."""
    from codegen.origin import FloatReference, Origin, TensorLayout, sha256_of
    if q.onnx is not None:
        ins, outs, converter = q.onnx.inputs, q.onnx.outputs, q.onnx.converter
        ref: FloatReference | None = FloatReference.of(q.source.path, "onnx")
    else:
        tf_version = importlib.metadata.version("tensorflow-cpu") if _installed("tensorflow-cpu") else ""
        i_shapes, o_shapes = io_shapes(q.quantized.data)
        ins = tuple(TensorLayout(q.input.name if k == 0 else f"input_{k}", s, tuple(range(len(s))))
                    for k, s in enumerate(i_shapes))
        outs = tuple(TensorLayout(f"output_{k}", s, tuple(range(len(s)))) for k, s in enumerate(o_shapes))
        converter = f"TensorFlow {tf_version}".strip()
        ref = FloatReference.of(float_out, "tflite") if float_out is not None else None
    from codegen.origin import VariantKind
    if float_out is not None and Path(model) == Path(float_out):
        kind = VariantKind.ORIGINAL
    else:
        kind = VariantKind.PRUNED if q.pruning is not None else VariantKind.QUANTISED
    return Origin(model_sha256=sha256_of(model), source=given.path.resolve(), source_kind=given.kind.value,
                  converter=converter, inputs=ins, outputs=outs, float_reference=ref, kind=kind)


def io_shapes(data: bytes) -> tuple[list[tuple[int, ...]], list[tuple[int, ...]]]:
    """The input and output shapes of a .tflite's main graph."""
    from codegen.tflite import read_model_bytes
    sg = read_model_bytes(data, source="model").main
    return ([tuple(sg.tensors[i].shape) for i in sg.inputs], [tuple(sg.tensors[i].shape) for i in sg.outputs])


def _installed(dist: str) -> bool:
    try:
        importlib.metadata.version(dist)
    except importlib.metadata.PackageNotFoundError:
        return False
    return True


def quantize_run(a: argparse.Namespace) -> int:
    from codegen.prep.data import load_samples
    from codegen.prep.prune import PruneOptions
    from codegen.prep.quantize import QuantizeOptions, quantize
    from codegen.origin import write_origin
    from codegen.prep.source import Kind, ModelSource, detect
    src = detect(a.model)
    if a.out.suffix != ".tflite":
        raise McuforgeError(f"-o {a.out}: the output is a .tflite file", hint=f"-o {a.out.with_suffix('.tflite')}")
    given = src
    if src.kind == Kind.TORCH_EXPORT:
        from codegen.prep.torch_export import export_onnx
        src = ModelSource(export_onnx(src.path, a.out.with_suffix(".float.onnx")), Kind.ONNX)
    options = QuantizeOptions(mode="int16x8" if a.int16x8 else "int8", io=a.io, max_samples=a.samples,
                              input_shape=a.input_shape, signature=a.signature, allow_float=a.allow_float)
    options.check()
    prune = None
    if a.prune is not None:
        prune = PruneOptions(sparsity=a.prune, structure=a.structured or "unstructured", epochs=a.epochs)
        prune.check()
    elif a.structured or a.train or a.save_pruned:
        raise McuforgeError("--structured, --train and --save-pruned go with --prune SPARSITY",
                            hint="add --prune 0.5 (for example)")
    data = load_samples(a.data, "--data")
    train = load_samples(a.train, "--train") if a.train else None
    progress = (lambda _: None) if a.json else (lambda m: say(m))
    q = quantize(src, data, options, prune=prune, train=train, progress=progress,
                 save_pruned=a.save_pruned)
    # Every quantised model has a float reference: the .onnx for ONNX sources; for Keras and
    # SavedModel sources the float32 conversion, written as OUT.float32.tflite unless --float-out names it.
    float_out = a.float_out
    if float_out is None and q.onnx is None:
        float_out = default_float_out(a.out)
    a.out.parent.mkdir(parents=True, exist_ok=True)
    a.out.write_bytes(q.quantized.data)
    if float_out is not None:
        float_out.parent.mkdir(parents=True, exist_ok=True)
        float_out.write_bytes(q.float32.data)
    for path in (a.out, float_out):
        if path is not None:
            write_origin(path, origin_of(q, given, path, float_out))
    if a.json:
        print(json.dumps(quantized_json(q, a.out, float_out), indent=2))
    else:
        show_quantized(q, a.out, float_out)
    return 0


def default_float_out(out: Path) -> Path:
    """Where the float reference of a Keras/SavedModel source goes when --float-out is not given."""
    return out.with_name(out.stem + ".float32.tflite")


# --- compare -----------------------------------------------------------------------------------------------

def compare_args(p: argparse.ArgumentParser) -> None:
    from codegen.options.arguments import count_arg, table_arg
    from codegen.options.command_line import MAX_N, MAX_SAMPLES
    p.add_argument("variants", nargs="+", metavar="VARIANT",
                   help="a .tflite, or NAME=PATH; append :int8io to build that variant with int8 model I/O")
    p.add_argument("--board", default="stm32l475", help="the board to build for and run on (stm32l475)")
    p.add_argument("--data", type=Path, required=True,
                   help="evaluation data: .npz with float inputs x (or x_float) and labels y")
    p.add_argument("--samples", type=count_arg(MAX_SAMPLES), default=100, help="evaluation samples per variant (100)")
    p.add_argument("-n", type=count_arg(MAX_N), default=10, help="timed inferences for the latency (10)")
    p.add_argument("-o", "--out", type=Path, default=None, help="output directory (build/compare/<board>)")
    p.add_argument("--baseline", default=None, help="the variant ratios refer to (default: the first)")
    p.add_argument("--title", default="", help="title of the table and plots")
    p.add_argument("--kernels", type=table_arg("kernels"), default=None, metavar="auto|reference|dsp|mve",
                   help="kernel variant (default: auto, the core's)")
    p.add_argument("--run", action="append", default=[], metavar="KEY=VALUE",
                   help="run options as for scons: target=, port=, baud=, flash=, upload=, timeout=, hwmap=")
    p.add_argument("--json", action="store_true", help="print compare.json instead of the table")


def compare_run(a: argparse.Namespace) -> int:
    from codegen.options import CompareJob, CompareOptions, VariantSpec
    from codegen.options.command_line import run_target_options
    job = CompareJob(variants=tuple(VariantSpec.parse(v) for v in a.variants), data=a.data, out=a.out,
                     options=CompareOptions(board=a.board, samples=a.samples, n=a.n, kernels=a.kernels,
                                            baseline=a.baseline, title=a.title, target=run_target_options(a.run)))
    return run_compare(job, None, as_json=a.json)


def show_comparison(c: Comparison, as_json: bool = False) -> int:
    if as_json:
        print(c.files.json.read_text() if c.files else json.dumps(
            {"failures": {r.spec.name: r.failure for r in c.runs}}, indent=2))
        return 0 if c.ok else 1
    say()
    if c.files is not None:
        for line in c.files.markdown.read_text().splitlines():
            if line.startswith("|") or line.startswith("Baseline"):
                say(line)
        say()
    from codegen.prep.compare import first_line
    for r in c.runs:
        if r.failure:
            kv("FAILED" if r.variant is None else "problem", f"{r.spec.name}: {first_line(r.failure)}")
    if c.files is not None:
        kv("wrote", f"{c.files.markdown} (+ {c.files.json.name}, {c.files.plot.name}"
           + (f", {c.tradeoff.name}" if c.tradeoff else "") + ")")
        kv("html report", f"{c.files.html} (one file, plots included: open it in a browser)")
    return 0 if c.ok else 1


def run_compare(job: CompareJob, build_root: Path | None, as_json: bool = False) -> int:
    """`compare` from either front door: the variants built under `build_root` (default: build/),
    output in job.out (default: <build_root>/compare/<board>)."""
    from codegen.pio.project import BUILD_ROOT
    from codegen.prep.compare import compare_variants
    out = job.out or (build_root or BUILD_ROOT) / "compare" / job.options.board
    return show_comparison(compare_variants(job.variants, job.data, out, job.options,
                                            progress=None if as_json else say), as_json=as_json)
