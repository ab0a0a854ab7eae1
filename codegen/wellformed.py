"""Is the model well formed? The rules a model must meet before any pass, kernel or plan sees it.

The reader (`codegen/tflite/`) guarantees a readable flatbuffer; this module checks what the graph
*means*: data flows from inputs, constants and variables through operators in order, quantisation
parameters are numbers the fixed-point kernels can use, shapes and window options are positive, and
sizes stay bounded before anything allocates memory in proportion to them. `codegen/generate.py`
calls :func:`check_wellformed` between the reader and the passes, so every path that reads a model
(generate, inspect, debug, bench, the SCons build) goes through it.

TFLM's interpreter runs many of these models anyway and returns meaningless numbers; mcuforge refuses
them, with one error type, :class:`MalformedModelError`, whose message names the tensor or operator,
the value and the rule. (Whether mcuforge *supports* a well-formed model is `codegen/check.py`'s
question; whether the device matches TFLM is `codegen/validate.py`'s.)

Ceilings (there is no board here: a board's own RAM and flash are checked by `codegen/fit.py` right
after planning, before anything is written):

* a tensor holds at most :data:`MAX_TENSOR_BYTES` (16 MiB): no microcontroller holds more, and the
  generator's own analyses (and the C text of a constant) take memory in proportion to it;
* the planned arena holds at most :data:`MAX_ARENA_BYTES` (64 MiB), the host build included.
"""

from __future__ import annotations

import enum
import math
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Iterator, Sequence

from codegen.errors import McuforgeError
from codegen.ir import DType, Graph, Operator, Subgraph, Tensor
from codegen.ir.graph import NO_TENSOR

MAX_TENSOR_BYTES = 16 * 1024 * 1024
MAX_ARENA_BYTES = 64 * 1024 * 1024
# strides, dilations, filter and block sizes and a window's reach ((taps - 1) x dilation + 1): with every
# tensor dimension below 2^24 (the 16 MiB ceiling), the kernels' 32-bit index arithmetic stays exact
MAX_WINDOW_REACH = 1 << 16
FLT_MIN = 2.0 ** -126  # the smallest normal float32: smaller scales are denormals (or zero)
MAX_LISTED = 20  # violations listed in one message (the error keeps them all)

_ZERO_POINT_RANGE = {
    DType.INT4: (-8, 7), DType.INT8: (-128, 127), DType.UINT8: (0, 255), DType.INT16: (-32768, 32767),
    DType.UINT16: (0, 65535), DType.INT32: (-(1 << 31), (1 << 31) - 1), DType.UINT32: (0, (1 << 32) - 1),
    DType.INT64: (-(1 << 63), (1 << 63) - 1),
}
# integer options that size or step a window (DEPTH_TO_SPACE/SPACE_TO_DEPTH's block is one): 0 or less
# divides by zero or never advances
_WINDOW_OPTIONS = ("strideW", "strideH", "strideD", "dilationWFactor", "dilationHFactor", "dilationDFactor",
                   "filterWidth", "filterHeight", "blockSize")


class Rule(enum.Enum):
    """One rule of a well-formed model; the value is how messages name it."""

    DATA_FLOW = "every operator input is a subgraph input, a constant, a variable or an earlier operator's output"
    SINGLE_WRITER = "every tensor is written once: by one operator, or as an input or a constant"
    OUTPUT_WRITTEN = "every subgraph output is written by an operator (or is a subgraph input)"
    HAS_OPERATORS = "the model has at least one operator (unless it passes its inputs straight through)"
    MODEL_IO = "the model has inputs and outputs, each listed once"
    SUBGRAPH_CALL = "control flow names existing subgraphs, without recursion"
    SCALE = "quantisation scales are finite normal float32 numbers > 0"
    ZERO_POINT = "zero points lie within their tensor's type"
    PER_CHANNEL = "per-channel parameters: one per channel of a valid quantized dimension, on constants only"
    DIMENSION = "every dimension is >= 1"
    WINDOW = (f"strides, dilations, filter and block sizes are >= 1, and a window reaches at most {MAX_WINDOW_REACH} "
              "elements")
    OPTION_VALUE = "floating-point operator options are finite"
    MULTIPLIER = "fixed-point multipliers and shifts lie within what the kernels compute without overflow"
    TENSOR_SIZE = f"a tensor holds at most {MAX_TENSOR_BYTES // (1024 * 1024)} MiB"
    ARENA_SIZE = f"the arena holds at most {MAX_ARENA_BYTES // (1024 * 1024)} MiB"


@dataclass(frozen=True)
class Violation:
    rule: Rule
    where: str   # "subgraph 0 op 3 MAX_POOL_2D", "tensor 7 'conv/out'"
    detail: str  # the value, and what it should be

    def __str__(self) -> str:
        where = f"{self.where}: " if self.where else ""
        return f"{where}{self.detail} (rule: {self.rule.value})"


HINT = ("re-export or re-quantise the model from its source (e.g. TFLiteConverter with a representative "
        "dataset, or `python -m codegen quantize`); the rules are in docs/ARCHITECTURE.md (Well-formed models)")


class MalformedModelError(McuforgeError):
    """The model breaks one or more rules of :class:`Rule`: refused before any pass runs."""

    def __init__(self, source: str, violations: Sequence[Violation], hint: str = HINT) -> None:
        self.source = source
        self.violations = tuple(violations)
        shown = "\n".join(f"  - {v}" for v in self.violations[:MAX_LISTED])
        more = len(self.violations) - MAX_LISTED
        if more > 0:
            shown += f"\n  - ... and {more} more"
        what = f"{source}: " if source else ""
        super().__init__(f"{what}the model is malformed ({len(self.violations)} problem(s)); TFLM's interpreter "
                         f"may still run it, but its results would be meaningless, so mcuforge refuses it:\n{shown}",
                         hint=hint)

    @property
    def rules(self) -> set[Rule]:
        return {v.rule for v in self.violations}

    @classmethod
    def one(cls, rule: Rule, detail: str, where: str = "") -> "MalformedModelError":
        return cls("", [Violation(rule, where, detail)])

    def at(self, source: str, where: str) -> "MalformedModelError":
        """The same violations, located (an operator raised them from deep inside its arithmetic)."""
        located = [v if v.where else Violation(v.rule, where, v.detail) for v in self.violations]
        return MalformedModelError(self.source or source, located, self.hint)


def op_where(sg: Subgraph, op: Operator) -> str:
    return f"subgraph {sg.index} op {op.index} {op.opcode}"


@contextmanager
def operator_context(graph: Graph, sg: Subgraph, op: Operator) -> Iterator[None]:
    """Run an operator's arithmetic; a :class:`MalformedModelError` from inside it gets the operator's name."""
    try:
        yield
    except MalformedModelError as exc:
        raise exc.at(graph.source, op_where(sg, op)) from None


def _tensor_where(sg: Subgraph, t: Tensor) -> str:
    sgw = f"subgraph {sg.index} " if sg.index else ""
    return f"{sgw}tensor {t.index} {t.name!r} {t.dtype.name.lower()}{list(t.shape)}"


def _describe_size(n: int) -> str:
    return f"{n:,} bytes"


# --- data flow --------------------------------------------------------------------------------

def _data_flow(graph: Graph) -> list[Violation]:
    out: list[Violation] = []
    main = graph.main
    if not main.operators and not set(main.outputs) <= set(main.inputs):
        out.append(Violation(Rule.HAS_OPERATORS, "subgraph 0", "the model has no operators: nothing would "
                             "compute its outputs"))
    if not main.inputs:
        out.append(Violation(Rule.MODEL_IO, "subgraph 0", "the model has no inputs"))
    if not main.outputs:
        out.append(Violation(Rule.MODEL_IO, "subgraph 0", "the model has no outputs"))
    for what, idx in (("inputs", main.inputs), ("outputs", main.outputs)):
        seen: set[int] = set()
        for i in idx:
            if i in seen:
                out.append(Violation(Rule.MODEL_IO, "subgraph 0",
                                     f"the model's {what[:-1]} list names tensor {i} {main.tensors[i].name!r} twice"))
            seen.add(i)
    for sg in graph.subgraphs:
        out += _subgraph_flow(sg)
    return out


def _subgraph_flow(sg: Subgraph) -> list[Violation]:
    out: list[Violation] = []
    written: dict[int, str] = {}
    for t in sg.tensors:
        if t.is_const:
            written[t.index] = "a constant"
    for i in sg.inputs:
        if written.get(i) == "a constant":
            t = sg.tensors[i]
            out.append(Violation(Rule.SINGLE_WRITER, _tensor_where(sg, t), "is both a subgraph input and a constant"))
        written[i] = "a subgraph input"
    variables = {t.index for t in sg.tensors if t.is_variable}
    later = {o: op.index for op in sg.operators for o in op.outputs}
    for op in sg.operators:
        where = op_where(sg, op)
        if op.inputs and op.inputs[0] == NO_TENSOR:
            out.append(Violation(Rule.DATA_FLOW, where, "input 0 is absent (-1); only later, optional inputs "
                                 "(such as a bias) may be"))
        for i in op.inputs:
            if i == NO_TENSOR or i in written or i in variables:
                continue
            t = sg.tensors[i]
            why = ("only the operator itself writes it" if later.get(i) == op.index else
                   f"only op {later[i]}, later, writes it" if i in later and later[i] > op.index else
                   "nothing writes it")
            out.append(Violation(Rule.DATA_FLOW, where, f"reads tensor {i} {t.name!r}, which is no subgraph input, "
                                 f"constant or variable, and {why}"))
        for o in op.outputs:
            if o in written:
                out.append(Violation(Rule.SINGLE_WRITER, where,
                                     f"writes tensor {o} {sg.tensors[o].name!r}, which is already {written[o]}"))
            elif o not in variables:
                written[o] = f"written by op {op.index}"
    by_op = {o for op in sg.operators for o in op.outputs}
    for o in sg.outputs:
        if o in by_op or o in sg.inputs:
            continue
        t = sg.tensors[o]
        if t.is_const and sg.index != 0:
            continue  # a called subgraph may return a constant (the converter folds WHILE bodies' zeros_like)
        what = "a constant: nothing is computed for it" if t.is_const else "written by no operator"
        out.append(Violation(Rule.OUTPUT_WRITTEN, f"subgraph {sg.index} output {t.index} {t.name!r}", f"is {what}"))
    return out


def _callees(op: Operator) -> list[int]:
    out: list[int] = []
    for key, value in op.options.items():
        if key.endswith("SubgraphIndex") or key == "subgraph":
            out.append(int(value))
        elif key.endswith("SubgraphIndices") and isinstance(value, tuple):
            out += [int(v) for v in value]
    return out


def _subgraph_calls(graph: Graph) -> list[Violation]:
    out: list[Violation] = []
    n = len(graph.subgraphs)
    calls: dict[int, set[int]] = {}
    for sg in graph.subgraphs:
        calls[sg.index] = set()
        for op in sg.operators:
            for callee in _callees(op):
                if not 1 <= callee < n:
                    out.append(Violation(Rule.SUBGRAPH_CALL, op_where(sg, op),
                                         f"runs subgraph {callee}; the model's other subgraphs are 1..{n - 1}"
                                         if n > 1 else f"runs subgraph {callee}; the model has only subgraph 0"))
                else:
                    calls[sg.index].add(callee)
    state: dict[int, int] = {}  # 1 = on the walk's path, 2 = done

    def walk(s: int, path: tuple[int, ...]) -> None:
        state[s] = 1
        for c in sorted(calls[s]):
            if state.get(c) == 1:
                cycle = " -> ".join(str(x) for x in (*path[path.index(c):], c))
                out.append(Violation(Rule.SUBGRAPH_CALL, f"subgraph {s}", f"calls subgraphs in a cycle ({cycle})"))
            elif c not in state:
                walk(c, (*path, c))
        state[s] = 2

    for s in range(n):
        if s not in state:
            walk(s, (s,))
    return out


# --- tensors ------------------------------------------------------------------------------------

def _tensor_rules(graph: Graph) -> list[Violation]:
    out: list[Violation] = []
    for sg in graph.subgraphs:
        used = {i for op in sg.operators for i in (*op.inputs, *op.outputs)} | set(sg.inputs) | set(sg.outputs)
        for t in sg.tensors:
            if t.index in used:  # (an LSTM's intermediates may be empty: they only carry scales)
                out += _dims(sg, t) or _size(sg, t)
            out += _quant(sg, t)
    return out


def _dims(sg: Subgraph, t: Tensor) -> list[Violation]:
    bad = [d for d in t.shape if d < 1]
    if not bad:
        return []
    return [Violation(Rule.DIMENSION, _tensor_where(sg, t), f"has dimension {bad[0]}")]


def _size(sg: Subgraph, t: Tensor) -> list[Violation]:
    n = t.nbytes  # Python integers: no overflow
    if n <= MAX_TENSOR_BYTES:
        return []
    what = "holds constants of" if t.is_const else "needs"
    return [Violation(Rule.TENSOR_SIZE, _tensor_where(sg, t),
                      f"{what} {_describe_size(n)}, more than the {_describe_size(MAX_TENSOR_BYTES)} ceiling "
                      "(no microcontroller holds it)")]


def _quant(sg: Subgraph, t: Tensor) -> list[Violation]:
    q = t.quant
    if q is None or t.dtype not in _ZERO_POINT_RANGE:
        return []  # float tensors' quantisation parameters are never used
    out: list[Violation] = []
    where = _tensor_where(sg, t)
    for k, s in enumerate(q.scale):
        which = f"scale[{k}]" if q.per_channel else "scale"
        if not math.isfinite(s) or s <= 0.0:
            out.append(Violation(Rule.SCALE, where, f"{which} is {s!r}; it must be finite and > 0"))
        elif s < FLT_MIN:
            out.append(Violation(Rule.SCALE, where, f"{which} is {s!r}, a denormal float32 (below {FLT_MIN:.6g}): "
                                 "multipliers built from it need shifts the kernels cannot take"))
        if len(out) >= 3:
            break
    lo, hi = _ZERO_POINT_RANGE[t.dtype]
    for k, z in enumerate(q.zero_point):
        if not lo <= z <= hi:
            which = f"zero_point[{k}]" if q.per_channel else "zero_point"
            out.append(Violation(Rule.ZERO_POINT, where,
                                 f"{which} is {z}; {t.dtype.name.lower()} holds {lo}..{hi}"))
            break
    if q.per_channel:
        if not t.is_const:
            out.append(Violation(Rule.PER_CHANNEL, where,
                                 f"has {len(q.scale)} per-channel scales, but it is computed at run time (only "
                                 "constant weights and biases are quantised per channel; kernels read one scale)"))
        elif not 0 <= q.axis < len(t.shape):
            out.append(Violation(Rule.PER_CHANNEL, where, f"quantized_dimension {q.axis} is not one of its "
                                 f"{len(t.shape)} dimensions"))
        elif len(q.scale) != t.shape[q.axis]:
            out.append(Violation(Rule.PER_CHANNEL, where, f"has {len(q.scale)} per-channel scales for the "
                                 f"{t.shape[q.axis]} channels of dimension {q.axis}"))
    return out


# --- operator options ---------------------------------------------------------------------------

def _option_rules(graph: Graph) -> list[Violation]:
    out: list[Violation] = []
    for sg in graph.subgraphs:
        for op in sg.operators:
            for key in _WINDOW_OPTIONS:
                v = op.options.get(key)
                if isinstance(v, int) and not isinstance(v, bool) and not 1 <= v <= MAX_WINDOW_REACH:
                    out.append(Violation(Rule.WINDOW, op_where(sg, op), f"option {key} is {v}; it must lie in "
                                         f"1..{MAX_WINDOW_REACH}"))
            for key, v in op.options.items():
                if isinstance(v, float) and not math.isfinite(v):
                    out.append(Violation(Rule.OPTION_VALUE, op_where(sg, op), f"option {key} is {v!r}"))
    return out


# --- entry points ---------------------------------------------------------------------------------

def violations(graph: Graph) -> list[Violation]:
    """Every rule the graph breaks (empty: well formed)."""
    return _data_flow(graph) + _subgraph_calls(graph) + _tensor_rules(graph) + _option_rules(graph)


def check_wellformed(graph: Graph) -> None:
    """Raise :class:`MalformedModelError` listing every broken rule; return quietly otherwise."""
    found = violations(graph)
    if found:
        raise MalformedModelError(graph.source, found)


def check_arena(source: str, arena_bytes: int) -> None:
    """The planned arena against the ceiling (before any C declares it or a host build allocates it)."""
    if arena_bytes > MAX_ARENA_BYTES:
        raise MalformedModelError(source, [Violation(
            Rule.ARENA_SIZE, "arena", f"the plan needs {_describe_size(arena_bytes)}, more than the "
            f"{_describe_size(MAX_ARENA_BYTES)} ceiling")],
            hint="a smaller model (fewer channels, smaller inputs); " + HINT)
