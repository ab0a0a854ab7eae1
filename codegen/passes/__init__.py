"""Graph-to-graph passes, run by :func:`run_passes` in the order they register, which is the order
``run_passes`` imports their modules: ``fold`` (constant folding, first, so operators that vanish at
build time need no kernel), ``io`` (int8 model I/O), ``dce`` (dead code)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

from codegen.ir import Graph


@dataclass(frozen=True)
class PassOptions:
    int8_io: bool = False  # drop boundary QUANTIZE/DEQUANTIZE: the model takes and returns int8


Pass = Callable[[Graph, PassOptions], Graph]
_PASSES: list[tuple[str, Pass]] = []


def register_pass(name: str) -> Callable[[Pass], Pass]:
    def deco(fn: Pass) -> Pass:
        _PASSES.append((name, fn))
        return fn
    return deco


def run_passes(graph: Graph, options: PassOptions = PassOptions()) -> Graph:
    from codegen.passes import fold, io, dce  # noqa: F401  (registration order = this import order)
    for _name, fn in _PASSES:
        graph = fn(graph, options)
    return graph
