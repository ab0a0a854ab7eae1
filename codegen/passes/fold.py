"""Constant folding: an operator whose inputs are all constant, and whose handler can evaluate it in
numpy, is run at build time; its outputs become constants and the operator disappears.

Handlers marked ``fold_shapes`` (SHAPE) need only their inputs' static shapes: they fold whatever their
inputs hold (non-constant inputs reach ``fold`` as None). Operators are visited in order, so chains
such as SHAPE -> STRIDED_SLICE -> PACK -> RESHAPE's shape (Keras batch=None exports) fold in one pass.
Operators with side effects (variables, CALL_ONCE) have no ``fold`` and are never folded.
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np

from codegen.errors import McuforgeError
from codegen.ir import Graph
from codegen.ir.graph import NO_TENSOR
from codegen.ops.registry import handler
from codegen.passes import PassOptions, register_pass
from codegen.wellformed import operator_context


@register_pass("fold_constants")
def fold_constants(graph: Graph, options: PassOptions) -> Graph:
    for sg in graph.subgraphs:
        tensors = list(sg.tensors)
        kept = []
        for op in sg.operators:
            h = handler(op.opcode)
            ins = [tensors[i] for i in op.inputs if i != NO_TENSOR]
            foldable = h is not None and h.fold is not None and bool(op.outputs) and \
                (h.fold_shapes or (bool(ins) and all(t.is_const for t in ins))) and \
                not any(tensors[i].is_variable for i in op.outputs)
            if not foldable:
                kept.append(op)
                continue
            if h.fold_shapes and any(tensors[i].shape_signature and min(tensors[i].shape_signature[1:] or (0,)) < 0
                                     for i in op.inputs if i != NO_TENSOR):
                kept.append(op)  # a dynamic dimension beyond the batch: the shape is not known
                continue
            try:
                with operator_context(graph, sg, op):
                    values = h.fold(sg, op, [np.asarray(t.data) if t.is_const else None for t in ins])
            except (ValueError, IndexError) as exc:
                raise McuforgeError(f"subgraph {sg.index} op {op.index} {op.opcode}: cannot evaluate "
                                    f"at build time ({exc})", hint="the model's constant inputs are "
                                    "inconsistent; re-export it") from None
            for i, v in zip(op.outputs, values):
                t = tensors[i]
                # (np.ascontiguousarray would turn a scalar into shape (1,): reshape after it)
                arr = np.ascontiguousarray(np.asarray(v, dtype=t.dtype.np))
                if arr.size != t.elements:
                    raise McuforgeError(f"subgraph {sg.index} op {op.index} {op.opcode}: computes {arr.size} "
                                        f"values at build time for its output {t.name!r} of shape {list(t.shape)}",
                                        hint="the model's shapes are inconsistent; re-export it")
                arr = arr.reshape(t.shape)
                arr.setflags(write=False)
                tensors[i] = replace(t, data=arr)
        graph = graph.with_subgraph(sg.with_operators(kept, tensors))
    return graph
