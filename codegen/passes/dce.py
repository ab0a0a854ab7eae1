"""Dead-code elimination: operators whose outputs nothing reads (and that have no side effects)."""

from __future__ import annotations

from codegen.ir import Graph
from codegen.ir.graph import NO_TENSOR
from codegen.passes import PassOptions, register_pass

SIDE_EFFECTS = {"ASSIGN_VARIABLE", "CALL_ONCE", "VAR_HANDLE", "READ_VARIABLE", "WHILE", "IF", "CALL"}


@register_pass("dead_code")
def eliminate_dead_code(graph: Graph, options: PassOptions) -> Graph:
    for sg in graph.subgraphs:
        live = set(sg.outputs)
        kept = []
        for op in reversed(sg.operators):
            if op.opcode in SIDE_EFFECTS or any(t in live for t in op.outputs):
                kept.append(op)
                live.update(i for i in op.inputs if i != NO_TENSOR)
        kept.reverse()
        if len(kept) != len(sg.operators):
            graph = graph.with_subgraph(sg.with_operators(kept))
    return graph
