"""int8 model I/O: remove the QUANTIZE at each float input and the DEQUANTIZE at each float output.

The model then takes the quantised tensor directly (its scale and zero point are published in the
generated header and the `info` reply), which saves the float buffer and the conversion.
"""

from __future__ import annotations

from dataclasses import replace

from codegen.ir import DType, Graph
from codegen.passes import PassOptions, register_pass


@register_pass("int8_io")
def strip_boundary_quantize(graph: Graph, options: PassOptions) -> Graph:
    if not options.int8_io:
        return graph
    sg = graph.main
    consumers = sg.consumers()
    inputs = list(sg.inputs)
    outputs = list(sg.outputs)
    drop: set[int] = set()
    for k, t in enumerate(sg.inputs):
        users = consumers.get(t, [])
        if sg.tensors[t].dtype == DType.FLOAT32 and len(users) == 1:
            op = sg.operators[users[0]]
            if op.opcode == "QUANTIZE" and sg.tensors[op.outputs[0]].dtype in (DType.INT8, DType.INT16):
                inputs[k] = op.outputs[0]
                drop.add(op.index)
    producers = sg.producers()
    for k, t in enumerate(sg.outputs):
        p = producers.get(t)
        if p is None or sg.tensors[t].dtype != DType.FLOAT32:
            continue
        op = sg.operators[p]
        src = op.inputs[0]
        if op.opcode == "DEQUANTIZE" and sg.tensors[src].dtype in (DType.INT8, DType.INT16) \
                and len(consumers.get(src, [])) == 1:
            outputs[k] = src
            drop.add(op.index)
    if not drop:
        return graph
    ops = [op for op in sg.operators if op.index not in drop]
    new = replace(sg.with_operators(ops), inputs=tuple(inputs), outputs=tuple(outputs))
    return graph.with_subgraph(new)
