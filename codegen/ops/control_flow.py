"""IF and WHILE: control flow as C control flow.

Each subgraph a model runs becomes a generated function ``<prefix>_subgraph<N>(void)`` (a straight
sequence of kernel calls over fixed storage). IF and WHILE lower to one kernel call each
(``mf_if``, ``mf_while``) holding those functions and constant copy tables: values go into and out
of a subgraph by whole-tensor copies, as in TFLM (kernel_util.cc's CopyOpInputsToSubgraphInputs &
co.), so every subgraph tensor keeps one fixed address.

TFLM semantics reproduced (if.cc, while.cc):

* IF: input 0 is the condition (one bool); inputs 1.. are copied to the chosen branch's inputs, the
  branch runs, its outputs are copied to the IF's outputs.
* WHILE: the inputs are copied to the outputs (the loop state); while the cond subgraph, run on a
  copy of the state, returns true, the body runs on a copy of the state and its outputs become the
  new state. TFLM bounds nothing and neither does the generated loop (see mf_while in nn.h).

The arena planner sees each operator's run as a :data:`~codegen.ops.base.FlowItem` sequence
(``flow``): the two IF branches one after the other, so their tensors may share bytes (only one
runs); WHILE's cond and body once inside a :class:`~codegen.ops.base.Loop` whose carried tensors
(the state, the WHILE's outputs) stay alive over the whole loop while the subgraphs' own tensors
live within one iteration.
"""

from __future__ import annotations

from codegen.ir import DType, Graph, Operator, Subgraph
from codegen.ops.base import (Copies, FlowItem, Invoke, KernelCall, KeyPtr, LowerContext, Loop, Lowered, OpHandler,
                              Sym, TensorKey, Touch)
from codegen.ops.registry import register

# Tensors pass between subgraphs as bytes: every element type the rest of the model can hold.
ANY_TYPE = (DType.INT8, DType.INT16, DType.FLOAT32, DType.INT32, DType.INT64, DType.BOOL, DType.UINT8)


def _keys(sg: int, tensors: tuple[int, ...]) -> tuple[TensorKey, ...]:
    return tuple((sg, t) for t in tensors)


def _pairs(dst: tuple[TensorKey, ...], src: tuple[TensorKey, ...]) -> tuple[tuple[TensorKey, TensorKey], ...]:
    return tuple(zip(dst, src))


def _same_tensors(graph: Graph, what: str, a: tuple[TensorKey, ...], b: tuple[TensorKey, ...]) -> list[str]:
    """TFLM's copies require equal types and byte sizes (ValidateAndGetTensorSizes)."""
    out = []
    for k, (x, y) in enumerate(zip(a, b)):
        tx, ty = graph.subgraphs[x[0]].tensors[x[1]], graph.subgraphs[y[0]].tensors[y[1]]
        if tx.dtype != ty.dtype or tx.nbytes != ty.nbytes:
            out.append(f"{what} {k}: {tx.describe()} vs {ty.describe()} (TFLM copies equal types and sizes only)")
    return out


def _subgraph_ok(graph: Graph, sg: Subgraph, index: int, role: str) -> list[str]:
    if not 0 < index < len(graph.subgraphs):
        return [f"{role} subgraph {index} (the model has subgraphs 0..{len(graph.subgraphs) - 1})"]
    if index == sg.index:
        return [f"{role} subgraph {index} is the subgraph the operator is in (recursion)"]
    return []


# --- IF -----------------------------------------------------------------------------------------

def _branches(op: Operator) -> tuple[int, int]:
    return int(op.opt("thenSubgraphIndex", 0)), int(op.opt("elseSubgraphIndex", 0))


def check_if(sg: Subgraph, op: Operator) -> list[str]:
    if not op.inputs:
        return ["IF without a condition input"]
    cond = sg.tensors[op.inputs[0]]
    if cond.dtype != DType.BOOL or cond.elements != 1:
        return [f"condition {cond.describe()} (TFLM takes one bool)"]
    return []


def check_if_model(graph: Graph, sg: Subgraph, op: Operator) -> list[str]:
    problems: list[str] = []
    for role, index in zip(("then", "else"), _branches(op)):
        bad = _subgraph_ok(graph, sg, index, role)
        if bad:
            problems += bad
            continue
        branch = graph.subgraphs[index]
        if len(branch.inputs) != len(op.inputs) - 1 or len(branch.outputs) != len(op.outputs):
            problems.append(f"{role} subgraph {index} takes {len(branch.inputs)} inputs and gives "
                            f"{len(branch.outputs)} outputs, the IF passes {len(op.inputs) - 1} and takes "
                            f"{len(op.outputs)}")
            continue
        problems += _same_tensors(graph, f"{role} input", _keys(index, branch.inputs), _keys(sg.index, op.inputs[1:]))
        problems += _same_tensors(graph, f"{role} output", _keys(index, branch.outputs), _keys(sg.index, op.outputs))
    return problems


def flow_if(graph: Graph, sg: Subgraph, op: Operator) -> tuple[FlowItem, ...]:
    args, outs = _keys(sg.index, op.inputs[1:]), _keys(sg.index, op.outputs)
    items: list[FlowItem] = []
    for index in _branches(op):
        branch = graph.subgraphs[index]
        items += [Touch(args + _keys(index, branch.inputs)), Invoke(index),
                  Touch(_keys(index, branch.outputs) + outs)]
    return tuple(items)


def _table(ctx: LowerContext, name: str, pairs: tuple[tuple[TensorKey, TensorKey], ...]) -> Copies:
    return Copies(f"sg{ctx.subgraph.index}_op{ctx.op.index}_{name}", pairs)


def lower_if(ctx: LowerContext) -> Lowered:
    op, sgi = ctx.op, ctx.subgraph.index
    args, outs = _keys(sgi, op.inputs[1:]), _keys(sgi, op.outputs)
    params: list[tuple[str, object]] = []
    for role, index in zip(("then", "else"), _branches(op)):
        branch = ctx.graph.subgraphs[index]
        ins = _table(ctx, f"{role}_in", _pairs(_keys(index, branch.inputs), args))
        outs_t = _table(ctx, f"{role}_out", _pairs(outs, _keys(index, branch.outputs)))
        params += [(f"{role}_run", Sym(f"subgraph{index}")), (f"{role}_in", ins), (f"{role}_n_in", len(ins.pairs)),
                   (f"{role}_out", outs_t), (f"{role}_n_out", len(outs_t.pairs))]
    then_i, else_i = _branches(op)
    call = KernelCall(function="mf_if", params_type="mf_if_params", params=tuple(params),
                      inputs=(op.inputs[0],), outputs=(), comment=f"then subgraph {then_i}, else subgraph {else_i}")
    return Lowered(calls=(call,))


# --- WHILE --------------------------------------------------------------------------------------

def _loop(op: Operator) -> tuple[int, int]:
    return int(op.opt("condSubgraphIndex", 0)), int(op.opt("bodySubgraphIndex", 0))


def check_while(sg: Subgraph, op: Operator) -> list[str]:
    if len(op.inputs) != len(op.outputs):
        return [f"{len(op.inputs)} inputs and {len(op.outputs)} outputs (TFLM needs as many of each)"]
    return []


def check_while_model(graph: Graph, sg: Subgraph, op: Operator) -> list[str]:
    cond_i, body_i = _loop(op)
    problems = _subgraph_ok(graph, sg, cond_i, "cond") + _subgraph_ok(graph, sg, body_i, "body")
    if problems:
        return problems
    cond, body = graph.subgraphs[cond_i], graph.subgraphs[body_i]
    n = len(op.inputs)
    if len(cond.inputs) != n or len(body.inputs) != n or len(body.outputs) != n:
        return [f"the loop carries {n} tensors; cond subgraph {cond_i} takes {len(cond.inputs)}, body subgraph "
                f"{body_i} takes {len(body.inputs)} and gives {len(body.outputs)}"]
    if not cond.outputs:
        return [f"cond subgraph {cond_i} has no output"]
    c = cond.tensors[cond.outputs[0]]
    if c.dtype != DType.BOOL or c.elements != 1:
        return [f"cond subgraph {cond_i} returns {c.describe()} (TFLM reads one bool)"]
    state = _keys(sg.index, op.outputs)
    problems += _same_tensors(graph, "loop input", _keys(sg.index, op.inputs), state)
    problems += _same_tensors(graph, "cond input", _keys(cond_i, cond.inputs), state)
    problems += _same_tensors(graph, "body input", _keys(body_i, body.inputs), state)
    problems += _same_tensors(graph, "body output", _keys(body_i, body.outputs), state)
    return problems


def flow_while(graph: Graph, sg: Subgraph, op: Operator) -> tuple[FlowItem, ...]:
    cond_i, body_i = _loop(op)
    cond, body = graph.subgraphs[cond_i], graph.subgraphs[body_i]
    state = _keys(sg.index, op.outputs)
    return (Touch(_keys(sg.index, op.inputs) + state),
            Loop(items=(Touch(state + _keys(cond_i, cond.inputs)), Invoke(cond_i),
                        Touch(_keys(cond_i, cond.outputs[:1])),
                        Touch(state + _keys(body_i, body.inputs)), Invoke(body_i),
                        Touch(_keys(body_i, body.outputs) + state)),
                 carried=state))


def lower_while(ctx: LowerContext) -> Lowered:
    op, sgi = ctx.op, ctx.subgraph.index
    cond_i, body_i = _loop(op)
    cond, body = ctx.graph.subgraphs[cond_i], ctx.graph.subgraphs[body_i]
    state = _keys(sgi, op.outputs)
    init = _table(ctx, "init", _pairs(state, _keys(sgi, op.inputs)))
    cond_in = _table(ctx, "cond_in", _pairs(_keys(cond_i, cond.inputs), state))
    body_in = _table(ctx, "body_in", _pairs(_keys(body_i, body.inputs), state))
    body_out = _table(ctx, "body_out", _pairs(state, _keys(body_i, body.outputs)))
    params = (("init", init), ("n_init", len(init.pairs)),
              ("cond_run", Sym(f"subgraph{cond_i}")), ("cond_in", cond_in), ("cond_n_in", len(cond_in.pairs)),
              ("cond_out", KeyPtr((cond_i, cond.outputs[0]))),
              ("body_run", Sym(f"subgraph{body_i}")), ("body_in", body_in), ("body_n_in", len(body_in.pairs)),
              ("body_out", body_out), ("body_n_out", len(body_out.pairs)))
    call = KernelCall(function="mf_while", params_type="mf_while_params", params=params, inputs=(), outputs=(),
                      comment=f"cond subgraph {cond_i}, body subgraph {body_i}")
    return Lowered(calls=(call,))


register(OpHandler(opcode="IF", check=check_if, lower=lower_if, check_model=check_if_model, flow=flow_if,
                   types=ANY_TYPE))
register(OpHandler(opcode="WHILE", check=check_while, lower=lower_while, check_model=check_while_model,
                   flow=flow_while, types=ANY_TYPE))
