"""Model-level checks: everything that stops code generation, reported all at once."""

from __future__ import annotations

from dataclasses import dataclass

from codegen.errors import McuforgeError
from codegen.ir import DType, Graph
from codegen.ir.graph import NO_TENSOR
from codegen.ops.registry import handler, supported_ops


@dataclass(frozen=True)
class Problem:
    subgraph: int
    op_index: int | None
    opcode: str
    reason: str

    def __str__(self) -> str:
        where = f"op {self.op_index} {self.opcode}" if self.op_index is not None else "model"
        sg = f"subgraph {self.subgraph} " if self.subgraph else ""
        return f"{sg}{where}: {self.reason}"


class UnsupportedModelError(McuforgeError):
    def __init__(self, source: str, problems: list[Problem], hint: str) -> None:
        lines = "\n".join(f"  - {p}" for p in problems)
        super().__init__(f"{source}: {len(problems)} problem(s) stop code generation:\n{lines}", hint=hint)
        self.problems = problems


def _hybrid_or_f16(graph: Graph) -> list[Problem]:
    out = []
    for sg in graph.subgraphs:
        for op in sg.operators:
            ins = [sg.tensors[i] for i in op.inputs if i != NO_TENSOR]
            outs = [sg.tensors[i] for i in op.outputs]
            if op.opcode == "DEQUANTIZE" and ins and ins[0].dtype == DType.FLOAT16:
                out.append(Problem(sg.index, op.index, op.opcode,
                                   "float16 weights (DEQUANTIZE from float16); TFLM refuses these too"))
            elif (any(t.dtype == DType.FLOAT32 and not t.is_const for t in ins)
                  and any(t.dtype == DType.INT8 and t.is_const for t in ins)
                  and all(t.dtype == DType.FLOAT32 for t in outs)
                  and op.opcode in ("FULLY_CONNECTED", "CONV_2D", "DEPTHWISE_CONV_2D", "BATCH_MATMUL",
                                    "UNIDIRECTIONAL_SEQUENCE_LSTM", "EMBEDDING_LOOKUP")):
                out.append(Problem(sg.index, op.index, op.opcode,
                                   "dynamic-range (hybrid) quantisation: float activations with int8 weights; "
                                   "TFLM refuses these too"))
    return out


def _sparse(graph: Graph) -> list[Problem]:
    """Sparse constants (TFLite's EXPERIMENTAL_SPARSITY): TFLM has no DENSIFY kernel and no sparse
    tensors; its interpreter cannot run such a model (measured: it fails to allocate tensors)."""
    out = []
    for sg in graph.subgraphs:
        densified: dict[int, int] = {}  # tensor -> the operator that made it from sparse weights
        for op in sg.operators:
            ins = [sg.tensors[i] for i in op.inputs if i != NO_TENSOR]
            sparse = [t for t in ins if t.sparsity]
            derived = [t for t in ins if t.index in densified]
            if sparse:
                t = sparse[0]
                out.append(Problem(sg.index, op.index, op.opcode,
                                   f"input {t.name!r} is a sparse tensor, {t.sparsity}; TFLM has no sparse "
                                   "tensors and no DENSIFY kernel: its interpreter cannot run this model either"))
            elif derived:
                t = derived[0]
                out.append(Problem(sg.index, op.index, op.opcode,
                                   f"input {t.name!r} is sparse weights made dense at run time (op "
                                   f"{densified[t.index]})"))
            if sparse or derived:
                densified.update({o: op.index for o in op.outputs})
    return out


def _shapes(graph: Graph) -> list[Problem]:
    out = []
    main = graph.main
    for sg in graph.subgraphs:
        for t in sg.tensors:
            if t.shape_signature and any(d < 0 for d in t.shape_signature[1:] if t.shape_signature):
                out.append(Problem(sg.index, None, "", f"tensor {t.name!r} has a dynamic shape "
                                   f"{list(t.shape_signature)}"))
    for i in main.inputs:
        t = main.tensors[i]
        if len(t.shape) >= 2 and t.shape[0] > 1:
            out.append(Problem(0, None, "", f"input {t.name!r} has batch {t.shape[0]} (only batch 1 is supported)"))
    return out


def check_graph(graph: Graph) -> None:
    """Raise :class:`UnsupportedModelError` listing every problem found."""
    problems = _hybrid_or_f16(graph)
    flagged_f16 = {(p.subgraph, p.op_index) for p in problems}
    problems += [p for p in _sparse(graph) if (p.subgraph, p.op_index) not in flagged_f16 or
                 "sparse tensor" in p.reason]
    problems += _shapes(graph)
    unsupported = []
    flagged = {(p.subgraph, p.op_index) for p in problems}
    for sg in graph.subgraphs:
        for op in sg.operators:
            if (sg.index, op.index) in flagged:
                continue
            h = handler(op.opcode)
            if h is None:
                unsupported.append(Problem(sg.index, op.index, op.opcode, "operator not supported"))
                continue
            try:
                reasons = h.check(sg, op)
                if h.check_model is not None:
                    reasons += h.check_model(graph, sg, op)
            except (IndexError, KeyError, ValueError, TypeError, AttributeError, ZeroDivisionError) as exc:
                # a malformed operator (wrong arity, impossible shapes): report it, never crash
                reasons = [f"malformed operator ({type(exc).__name__}: {exc})"]
            for reason in reasons:
                problems.append(Problem(sg.index, op.index, op.opcode, reason))
    problems = unsupported + problems
    if not problems:
        return
    hints = []
    if unsupported:
        hints.append("supported operators: " + ", ".join(supported_ops()))
    if any("sparse tensor" in p.reason for p in problems):
        hints.append("convert without tf.lite.Optimize.EXPERIMENTAL_SPARSITY: the weights are then stored dense, "
                     "which TFLM and mcuforge both run (pruned zeros cost the same flash on a dense kernel)")
    if any("hybrid" in p.reason or "float16" in p.reason for p in problems):
        hints.append("convert to full-integer int8: `python -m codegen quantize MODEL --data SAMPLES.npz` "
                     "(or TFLiteConverter with a representative_dataset and "
                     "target_spec.supported_ops=[tf.lite.OpsSet.TFLITE_BUILTINS_INT8])")
    if any("dynamic shape" in p.reason or "batch" in p.reason for p in problems):
        hints.append("export with a fixed batch of 1 (e.g. keras.Input(shape=..., batch_size=1))")
    raise UnsupportedModelError(graph.source, sorted(problems, key=lambda p: (p.subgraph, p.op_index or -1)),
                                "; ".join(hints) or "change the model or file an issue with this list")
