"""CIRCULAR_BUFFER: TFLM's streaming custom operator (kernels/circular_buffer.cc), int8.

Each invoke drops the oldest of ``num_slots`` rows, appends the input row and outputs the window;
the rest of the graph runs only every ``cycles_max``-th invoke (TFLM returns kTfLiteAbort in
between: the invoke ends there, not an error; the generated ``invoke`` returns MF_INVOKE_STOPPED).

The window lives in a static buffer (zeros at init; TFLM's reset leaves it and only restarts the
stride count, and so does ``<prefix>_reset``) copied to the output tensor each call: TFLM keeps it
in the output tensor itself, in its arena.

``cycles_max`` is the first value of the flexbuffer options (TFLM reads element 0 of the map). When
it is missing or <= 0, TFLM's Prepare guesses: 1 for 5, 13 or 25 slots, else 2, except for a
[1, n, 2, 96] output, which depends on a process-wide count of earlier Prepares: refused, as the
result cannot be known at build time.
"""

from __future__ import annotations

from codegen.ir import DType, Graph, Operator, Subgraph
from codegen.ops.base import KernelCall, LowerContext, Lowered, OpHandler, State
from codegen.ops.registry import register

OPCODE = "CUSTOM:CIRCULAR_BUFFER"


def cycles_max(sg: Subgraph, op: Operator) -> int | None:
    """TFLM's stride, or None where TFLM's guess depends on its process state."""
    values = [op.options[k] for k in sorted(op.options)]
    given = int(values[0]) if values and isinstance(values[0], (int, float)) else 0
    if given > 0:
        return given
    out = sg.tensors[op.outputs[0]]
    if out.shape[1] in (5, 13, 25):
        return 1
    if out.shape[2:] == (2, 96):
        return None
    return 2


def check(sg: Subgraph, op: Operator) -> list[str]:
    if len(op.inputs) != 1 or len(op.outputs) != 1:
        return [f"{len(op.inputs)} inputs and {len(op.outputs)} outputs (TFLM takes 1 and 1)"]
    x, out = sg.tensors[op.inputs[0]], sg.tensors[op.outputs[0]]
    if x.dtype != DType.INT8 or out.dtype != DType.INT8:
        return [f"{x.describe()} -> {out.describe()}: TFLM's CIRCULAR_BUFFER takes int8 only"]
    if len(x.shape) != 4 or len(out.shape) != 4 or x.shape[0] != out.shape[0] or x.shape[1] != 1 or \
            x.shape[2:] != out.shape[2:]:
        return [f"{x.describe()} -> {out.describe()}: TFLM needs [1, 1, h, d] -> [1, slots, h, d]"]
    if cycles_max(sg, op) is None:
        return ["no cycles_max option and a [1, n, 2, 96] output: TFLM then picks the stride from a "
                "process-wide count of earlier Prepares (set cycles_max in the custom options)"]
    return []


def check_model(graph: Graph, sg: Subgraph, op: Operator) -> list[str]:
    if sg.index != 0:
        return ["inside a subgraph: TFLM's control flow turns its early stop into a failed invoke"]
    return []


def lower(ctx: LowerContext) -> Lowered:
    op, out = ctx.op, ctx.output()
    slots, depth = out.shape[1], out.shape[2] * out.shape[3]
    stride = cycles_max(ctx.subgraph, op)
    assert stride is not None
    name = f"sg{ctx.subgraph.index}_op{op.index}"
    ring = State(name=f"{name}_ring", nbytes=slots * depth, fill=0, on_reset=False)
    count = State(name=f"{name}_count", nbytes=4, fill=0, on_reset=True)
    call = KernelCall(function="mf_circular_buffer", params_type="mf_circular_buffer_params",
                      params=(("num_slots", slots), ("depth", depth), ("cycles_max", stride), ("ring", ring),
                              ("count", count)),
                      inputs=(op.inputs[0],), outputs=(op.outputs[0],), stops=stride > 1,
                      comment=f"{slots} slots, runs the rest every {stride} invoke(s)")
    return Lowered(calls=(call,))


register(OpHandler(opcode=OPCODE, check=check, lower=lower, check_model=check_model, types=(DType.INT8,)))
