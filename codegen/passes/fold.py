"""Constant folding: an operator whose inputs are all constant, and whose handler can evaluate it in
numpy, is run at build time; its outputs become constants and the operator disappears."""

from __future__ import annotations

from dataclasses import replace

import numpy as np

from codegen.ir import Graph
from codegen.ir.graph import NO_TENSOR
from codegen.ops.registry import handler
from codegen.passes import PassOptions, register_pass


@register_pass("fold_constants")
def fold_constants(graph: Graph, options: PassOptions) -> Graph:
    for sg in graph.subgraphs:
        tensors = list(sg.tensors)
        kept = []
        for op in sg.operators:
            h = handler(op.opcode)
            ins = [tensors[i] for i in op.inputs if i != NO_TENSOR]
            if h is None or h.fold is None or not ins or not all(t.is_const for t in ins) \
                    or any(tensors[i].is_variable for i in op.outputs):
                kept.append(op)
                continue
            values = h.fold(sg, op, [np.asarray(t.data) for t in ins])
            for i, v in zip(op.outputs, values):
                t = tensors[i]
                arr = np.ascontiguousarray(np.asarray(v, dtype=t.dtype.np).reshape(t.shape))
                arr.setflags(write=False)
                tensors[i] = replace(t, data=arr)
        graph = graph.with_subgraph(sg.with_operators(kept, tensors))
    return graph
