"""Graph, subgraph, operator and tensor records.

Everything is immutable: a pass builds a new :class:`Graph` with :func:`dataclasses.replace`.
Tensor and operator references are indices into their subgraph's lists, as in the flatbuffer.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from types import MappingProxyType
from typing import Any, Mapping

import numpy as np

from codegen.ir.dtypes import DType

NO_TENSOR = -1  # an optional operator input that is absent (e.g. a convolution without bias)


@dataclass(frozen=True)
class Quant:
    """Affine quantisation: real = scale * (q - zero_point), per tensor or per channel on ``axis``.

    Scales are float32 values (held as Python floats, which represent them exactly).
    """

    scale: tuple[float, ...]
    zero_point: tuple[int, ...]
    axis: int = 0

    @property
    def per_channel(self) -> bool:
        return len(self.scale) > 1

    @property
    def s(self) -> float:
        """The per-tensor scale (the first one)."""
        return self.scale[0]

    @property
    def zp(self) -> int:
        return self.zero_point[0]


@dataclass(frozen=True, eq=False)
class Tensor:
    index: int
    name: str
    shape: tuple[int, ...]
    dtype: DType
    quant: Quant | None = None
    data: np.ndarray | None = None  # constant contents, read-only, already shaped
    is_variable: bool = False
    shape_signature: tuple[int, ...] | None = None
    # a constant stored sparse (TFLite sparsity parameters), described; its data is then None
    sparsity: str | None = None

    @property
    def is_const(self) -> bool:
        return self.data is not None

    @property
    def elements(self) -> int:
        n = 1
        for d in self.shape:
            n *= d
        return n

    @property
    def nbytes(self) -> int:
        return self.elements * self.dtype.size

    def describe(self) -> str:
        dims = "x".join(str(d) for d in self.shape) or "scalar"
        return f"{self.dtype.name.lower()}[{dims}]"


@dataclass(frozen=True)
class Operator:
    index: int
    opcode: str
    inputs: tuple[int, ...]
    outputs: tuple[int, ...]
    options: Mapping[str, Any] = field(default_factory=lambda: MappingProxyType({}))
    version: int = 1
    intermediates: tuple[int, ...] = ()

    def opt(self, name: str, default: Any = None) -> Any:
        return self.options.get(name, default)


@dataclass(frozen=True)
class Subgraph:
    index: int
    name: str
    tensors: tuple[Tensor, ...]
    operators: tuple[Operator, ...]
    inputs: tuple[int, ...]
    outputs: tuple[int, ...]

    def tensor(self, i: int) -> Tensor:
        return self.tensors[i]

    def consumers(self) -> dict[int, list[int]]:
        """Tensor index -> indices of operators reading it."""
        out: dict[int, list[int]] = {}
        for op in self.operators:
            for t in op.inputs:
                if t != NO_TENSOR:
                    out.setdefault(t, []).append(op.index)
        return out

    def producers(self) -> dict[int, int]:
        return {t: op.index for op in self.operators for t in op.outputs}

    def with_operators(self, ops: list[Operator], tensors: list[Tensor] | None = None) -> "Subgraph":
        renumbered = tuple(replace(op, index=i) for i, op in enumerate(ops))
        return replace(self, operators=renumbered,
                       tensors=tuple(tensors) if tensors is not None else self.tensors)


@dataclass(frozen=True)
class Graph:
    subgraphs: tuple[Subgraph, ...]
    sha256: str
    description: str = ""
    source: str = ""  # the file the model came from, for messages

    @property
    def main(self) -> Subgraph:
        return self.subgraphs[0]

    def with_subgraph(self, sg: Subgraph) -> "Graph":
        subs = list(self.subgraphs)
        subs[sg.index] = sg
        return replace(self, subgraphs=tuple(subs))
