"""What an operator handler is, and what lowering an operator produces.

Each TFLite builtin the generator supports has one handler module in this package that registers
an :class:`OpHandler` under the builtin's name. A handler

* ``check``s an operator (types, shapes, options) and returns every reason it cannot be generated;
* ``lower``s it to a :class:`KernelCall` (a C kernel call with constant parameters), an
  :class:`Alias` (the output is a view of an input, no code), or a :class:`Copy`;
* counts its ``macs``;
* may ``fold`` it in numpy when every input is constant (the constant-folding pass uses this).

Python computes every constant here; templates only lay the results out.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from typing import Callable, Sequence, Union

import numpy as np

from codegen.ir import DType, Graph, Operator, Subgraph, Tensor
from codegen.ir.graph import NO_TENSOR


# --- constant values a kernel-call parameter can take -------------------------------------------

@dataclass(frozen=True)
class F32:
    """A float32 literal (emitted exactly, as a C99 hex float)."""

    value: float


@dataclass(frozen=True)
class Sym:
    """A reference to a constant array this call declared (emitted with the model prefix)."""

    name: str


@dataclass(frozen=True)
class TensorPtr:
    """The address of a tensor's data (arena, flash or variable storage)."""

    tensor: int
    const: bool = True


@dataclass(frozen=True)
class TensorView:
    """A kernel argument pointing ``offset`` bytes into a tensor's storage (a band of rows)."""

    tensor: int
    offset: int


def tensor_id(arg: "int | TensorView") -> int:
    """The tensor a kernel argument refers to."""
    return arg.tensor if isinstance(arg, TensorView) else arg


@dataclass(frozen=True)
class TensorPtrs:
    """A constant array of tensor addresses, for ops with a variable number of inputs or outputs."""

    name: str
    tensors: tuple[int, ...]
    const: bool = True


TensorKey = tuple[int, int]  # (subgraph index, tensor index)


@dataclass(frozen=True)
class Copies:
    """A constant table of tensor-to-tensor copies (``mf_copy[]``: destination, source, bytes) between
    tensors of any subgraphs: how control flow passes values into and out of the subgraphs it runs."""

    name: str
    pairs: tuple[tuple[TensorKey, TensorKey], ...]  # (destination, source)


@dataclass(frozen=True)
class KeyPtr:
    """The address of a tensor of any subgraph (control flow reading a subgraph's result); unlike a
    :class:`TensorPtr` it does not count as touched by the call: the operator's flow places it."""

    key: TensorKey
    const: bool = True


@dataclass(frozen=True)
class Scratch:
    """Arena bytes a call works in while it runs (TFLM's scratch buffers): planned like a tensor that
    lives exactly during this call; the kernel sees a ``ctype *`` to ``nbytes`` bytes (16-aligned)."""

    name: str
    nbytes: int
    ctype: str = "int16_t"


def scratch_key(subgraph: int, op_index: int, name: str) -> tuple[str, int, int, str]:
    """The planner's key for a call's :class:`Scratch` buffer (tensor keys are (subgraph, tensor))."""
    return ("scratch", subgraph, op_index, name)


@dataclass(frozen=True)
class Literal:
    """A C expression given verbatim (an enumerator, ``NULL``)."""

    text: str


@dataclass(frozen=True)
class State(Sym):
    """A persistent static buffer this call owns (outside the arena), referenced like a :class:`Sym`.

    ``<prefix>_init()`` fills it with the byte ``fill``; ``<prefix>_reset()`` does too unless
    ``on_reset`` is False (CALL_ONCE's "has run" flag survives a reset, as in TFLM).
    """

    nbytes: int = 1
    fill: int = 0
    on_reset: bool = True


NULL = Literal("NULL")  # a pointer field the call leaves empty on purpose


@dataclass(frozen=True)
class Struct:
    """A struct-typed field's value, emitted with designated initialisers (``{.name = value, ...}``):
    its fields are named, so their order in nn.h does not matter."""

    fields: tuple[tuple[str, "CValue"], ...]


CValue = Union[int, F32, Sym, TensorPtr, TensorPtrs, Copies, KeyPtr, Scratch, Literal, Struct, tuple]


class ArrayKind(enum.StrEnum):
    """What a constant array holds (a str enum: ``ctx.array(..., kind="weights")`` works as well)."""

    WEIGHTS = "weights"  # the model's own data: weights and biases (in any layout)
    PARAMS = "params"    # derived from the model: multipliers, shifts, requantisation records, tables


@dataclass(frozen=True, eq=False)
class CArray:
    """A constant array emitted into flash (``<prefix>_weights.c``)."""

    name: str
    ctype: str
    values: np.ndarray
    kind: ArrayKind = ArrayKind.WEIGHTS

    def __post_init__(self) -> None:
        object.__setattr__(self, "kind", ArrayKind(self.kind))  # "weights"/"params" from a handler

    @property
    def nbytes(self) -> int:
        return int(self.values.size * _CTYPE_SIZE[self.ctype])


_CTYPE_SIZE = {"int8_t": 1, "uint8_t": 1, "int16_t": 2, "uint16_t": 2, "int32_t": 4,
               "uint32_t": 4, "int64_t": 8, "float": 4}


@dataclass(frozen=True)
class KernelCall:
    """``function(&params, inputs..., outputs...)`` with ``params`` a const struct in flash.

    ``params`` names every field of the struct in nn.h, those the call leaves empty too (``NULL``, 0):
    tests/codegen/ops/test_kernel_params.py checks names and count against nn.h.

    ``kernel`` names the kernel source file (``firmware/kernels/<variant>/<kernel>.c``); it is the
    function name for all kernels except the generic ones that serve several functions.
    """

    function: str
    params_type: str | None
    params: tuple[tuple[str, CValue], ...]
    inputs: tuple[int, ...]
    outputs: tuple[int, ...]
    arrays: tuple[CArray, ...] = ()
    kernels: tuple[str, ...] = ()
    comment: str = ""
    inplace: tuple[tuple[int, int], ...] = ()  # (output, input) pairs that may share storage
    shares: tuple["Share", ...] = ()  # outputs that may overlap an input, see Share
    # the DSP code paths of its kernel this call takes: a build compiles only the paths its calls name
    # (nn.h, MF_DSP_SELECT: -DMF_DSP_WITH_<path>)
    dsp_paths: tuple[str, ...] = ()
    # the kernel returns int: nonzero stops this invoke here (TFLM's kTfLiteAbort: CIRCULAR_BUFFER)
    stops: bool = False

    @property
    def sources(self) -> tuple[str, ...]:
        return self.kernels or (self.function,)


@dataclass(frozen=True)
class Share:
    """The output may start ``offset`` bytes before the input's first byte (so the two overlap) when
    the input dies at this call: the kernel writes its output in address order, and by the time it
    writes a byte, no input byte at or below it (after the shift) is still to be read. Computed per
    call from the kernel's access pattern (codegen/ops/overlap.py). ``inplace`` is offset 0."""

    output: int
    input: int
    offset: int


@dataclass(frozen=True)
class Alias:
    """The output is the input's bytes seen with another shape (RESHAPE, SQUEEZE, EXPAND_DIMS)."""

    output: int
    input: int


@dataclass(frozen=True)
class Lowered:
    """What lowering one operator produced: calls (usually one) and aliases."""

    calls: tuple[KernelCall, ...] = ()
    aliases: tuple[Alias, ...] = ()


# --- how an operator runs other subgraphs (CALL_ONCE, IF, WHILE), for the arena planner ------------

@dataclass(frozen=True)
class Touch:
    """The operator's own code reads or writes these tensors (of any subgraph) at this point of its run."""

    keys: tuple[TensorKey, ...]


@dataclass(frozen=True)
class Invoke:
    """The operator runs subgraph ``subgraph`` (its operators, in order) at this point."""

    subgraph: int


@dataclass(frozen=True)
class Loop:
    """``items`` run repeatedly. ``carried`` tensors hold values from one iteration to the next, so they
    stay alive over the whole loop; everything else a subgraph computes lives within one iteration."""

    items: tuple["FlowItem", ...]
    carried: tuple[TensorKey, ...] = ()


FlowItem = Union[Touch, Invoke, Loop]


# --- the handler interface ----------------------------------------------------------------------

@dataclass(frozen=True)
class Target:
    """What the generator may assume about the core it generates for."""

    dsp: bool = False       # ARMv7E-M / ARMv8-M DSP extension (SMLAD, SXTB16)
    mve: bool = False       # Helium
    fpu: bool = False
    name: str = "host"


@dataclass
class LowerContext:
    """Everything a handler's ``lower`` may look at; arrays it declares are named per operator."""

    graph: Graph
    subgraph: Subgraph
    op: Operator
    target: Target

    def t(self, i: int) -> Tensor:
        return self.subgraph.tensors[i]

    def input(self, k: int) -> Tensor | None:
        if k >= len(self.op.inputs) or self.op.inputs[k] == NO_TENSOR:
            return None
        return self.subgraph.tensors[self.op.inputs[k]]

    def output(self, k: int = 0) -> Tensor:
        return self.subgraph.tensors[self.op.outputs[k]]

    def array(self, suffix: str, ctype: str, values: np.ndarray | Sequence[int] | Sequence[float],
              kind: ArrayKind | str = ArrayKind.PARAMS) -> CArray:
        arr = np.ascontiguousarray(np.asarray(values)).reshape(-1)
        return CArray(name=f"sg{self.subgraph.index}_op{self.op.index}_{suffix}", ctype=ctype,
                      values=arr, kind=kind)


@dataclass(frozen=True)
class OpHandler:
    opcode: str
    check: Callable[[Subgraph, Operator], list[str]]
    lower: Callable[[LowerContext], Lowered]
    macs: Callable[[Subgraph, Operator], int] = lambda sg, op: 0
    fold: Callable[[Subgraph, Operator, list[np.ndarray]], list[np.ndarray]] | None = None
    # True: ``fold`` needs only the inputs' shapes (SHAPE), so it runs even when inputs are not
    # constant; those are passed as None.
    fold_shapes: bool = False
    types: tuple[DType, ...] = field(default=())  # activation types supported, for `inspect`
    # checks that need the whole model (control flow: the subgraphs an operator runs), as ``check``
    check_model: Callable[[Graph, Subgraph, Operator], list[str]] | None = None
    # how this operator runs other subgraphs (CALL_ONCE, IF, WHILE): its run as the arena planner
    # sees it, after the operator's own kernel call has touched that call's tensors; None: it runs none
    flow: Callable[[Graph, Subgraph, Operator], tuple[FlowItem, ...]] | None = None

