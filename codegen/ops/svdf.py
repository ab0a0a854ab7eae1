"""SVDF: int8 (int16 or int8 state and time weights) and float32, as TFLM's svdf_common.cc.

TFLM's Prepare computed here: the two multipliers are computed in float32 and only then widened
(``static_cast<double>(input_scale * feature_scale / state_scale)``), then QuantizeMultiplier. The
state is the model's variable tensor [batches, filters * memory]: kept across invokes, refilled by
``reset`` (int8: its zero point; int16/float32: 0), as TFLM does.

TFLM's own limits, refused by ``check`` with its reason: input int8 or float32 only; an SVDF must
have a bias (TFLM's int8 Prepare reads the bias scale, its float Eval the bias data: without one its
interpreter crashes, measured); the int8 kernel reads the state with the
time weights' type, so the two must match; the integer kernel applies no fused activation (as in
TFLM, silently), the float kernel applies it.
"""

from __future__ import annotations

from codegen.ir import DType, Operator, Subgraph, Tensor
from codegen.ir.graph import NO_TENSOR
from codegen.ops.base import KernelCall, LowerContext, Lowered, OpHandler, Scratch, TensorPtr
from codegen.ops.registry import register
from codegen.quant.multiplier import f32, quantize_multiplier

INPUT, FEATURE, TIME, BIAS, STATE = range(5)
ACTIVATIONS = {"NONE": 0, "RELU": 1, "RELU_N1_TO_1": 2, "RELU6": 3, "TANH": 4, "SIGN_BIT": 5}


def _t(sg: Subgraph, op: Operator, k: int) -> Tensor | None:
    if k >= len(op.inputs) or op.inputs[k] == NO_TENSOR:
        return None
    return sg.tensors[op.inputs[k]]


def _dims(sg: Subgraph, op: Operator) -> tuple[int, int, int, int, int, int]:
    """batches, input size, filters, units, rank, memory"""
    x, wf, wt = _t(sg, op, INPUT), _t(sg, op, FEATURE), _t(sg, op, TIME)
    assert x and wf and wt
    rank = int(op.opt("rank", 1))
    return x.shape[0], x.shape[1], wf.shape[0], wf.shape[0] // rank, rank, wt.shape[1]


def check(sg: Subgraph, op: Operator) -> list[str]:
    if len(op.inputs) != 5 or len(op.outputs) != 1:
        return [f"{len(op.inputs)} inputs and {len(op.outputs)} outputs (TFLM takes 5 and 1)"]
    x, wf, wt, bias, state = (_t(sg, op, k) for k in range(5))
    out = sg.tensors[op.outputs[0]]
    if x is None or wf is None or wt is None or state is None:
        return ["input, weights and state are required"]
    if x.dtype not in (DType.INT8, DType.FLOAT32):
        return [f"input {x.describe()}: TFLM's SVDF takes int8 or float32"]
    if not state.is_variable:
        return ["the state (input 4) must be a variable tensor (TFLM checks is_variable)"]
    if not wf.is_const or not wt.is_const or (bias is not None and not bias.is_const):
        return ["weights and bias must be constant"]
    rank = int(op.opt("rank", 1))
    if len(x.shape) != 2 or len(wf.shape) != 2 or len(wt.shape) != 2 or len(out.shape) != 2 or \
            len(state.shape) != 2 or rank < 1 or wf.shape[0] % rank:
        return [f"shapes {x.describe()}, {wf.describe()}, {wt.describe()}, rank {rank}: not an SVDF "
                "(TFLM's Prepare checks ranks and filters % rank == 0)"]
    batches, n_in, filters, units, _, memory = _dims(sg, op)
    if wf.shape[1] != n_in or wt.shape[0] != filters or out.shape != (batches, units) or \
            state.shape != (batches, memory * filters) or (bias is not None and bias.shape[0] != units):
        return ["the tensor shapes do not agree (TFLM's SVDF Prepare)"]
    problems = []
    if x.dtype == DType.FLOAT32:
        for t, k in ((wf, FEATURE), (wt, TIME), (state, STATE), (out, -1)):
            if t.dtype != DType.FLOAT32:
                problems.append(f"{'output' if k < 0 else f'input {k}'} is {t.describe()} in a float32 SVDF")
        if bias is None:
            problems.append("no bias: TFLM's float32 SVDF reads the bias data unconditionally (its interpreter "
                            "crashes on this model)")
        elif bias.dtype != DType.FLOAT32:
            problems.append(f"bias {bias.describe()} in a float32 SVDF")
        if op.opt("fusedActivationFunction", "NONE") not in ACTIVATIONS:
            problems.append(f"fused activation {op.opt('fusedActivationFunction')}")
        return problems
    if wf.dtype != DType.INT8 or out.dtype != DType.INT8:
        problems.append("an int8 SVDF needs int8 feature weights and output")
    if wt.dtype not in (DType.INT16, DType.INT8):
        problems.append(f"time weights {wt.describe()}: TFLM takes int16 or int8")
    elif state.dtype != wt.dtype:
        problems.append(f"state {state.describe()} with {wt.describe()} time weights: TFLM's kernel reads the "
                        "state with the time weights' type")
    if bias is None:
        problems.append("no bias: TFLM's int8 SVDF Prepare reads the bias scale and cannot run without one")
    elif bias.dtype != DType.INT32:
        problems.append(f"bias {bias.describe()} (TFLM takes int32)")
    if any(t.quant is None for t in (x, wf, wt, state, out)) or (bias is not None and bias.quant is None):
        problems.append("the int8 SVDF needs quantised tensors")
    elif bias is not None:
        # TFLM: |bias scale - state scale * time scale| < 1e-5 (float32 product)
        if abs(bias.quant.s - f32(state.quant.s * wt.quant.s)) >= 1e-5:
            problems.append("bias scale is not state scale x time weights scale (TFLM refuses it)")
    return problems


def macs(sg: Subgraph, op: Operator) -> int:
    batches, n_in, filters, units, rank, memory = _dims(sg, op)
    return batches * filters * (n_in + memory)


def _geometry(ctx: LowerContext) -> tuple[tuple[str, object], ...]:
    b, n_in, filters, units, rank, memory = _dims(ctx.subgraph, ctx.op)
    return (("batches", b), ("input_size", n_in), ("filters", filters), ("units", units), ("rank", rank),
            ("memory", memory))


def _lower_s8(ctx: LowerContext) -> Lowered:
    op = ctx.op
    x, wf, wt, bias, state = (ctx.input(k) for k in range(5))
    out = ctx.output()
    assert x and wf and wt and bias and state and x.quant and wf.quant and wt.quant and state.quant and out.quant
    # float32 arithmetic widened to double, as TFLM's Prepare
    feature = quantize_multiplier(f32(f32(x.quant.s * wf.quant.s) / state.quant.s))
    time = quantize_multiplier(f32(f32(state.quant.s * wt.quant.s) / out.quant.s))
    b, _, filters, units, _, _ = _dims(ctx.subgraph, op)
    params = _geometry(ctx) + (
        ("input_zp", x.quant.zp), ("state_zp", state.quant.zp), ("output_zp", out.quant.zp),
        ("feature_mult", feature[0]), ("feature_shift", feature[1]),
        ("time_mult", time[0]), ("time_shift", time[1]),
        ("weights_feature", TensorPtr(op.inputs[FEATURE])), ("weights_time", TensorPtr(op.inputs[TIME])),
        ("bias", TensorPtr(op.inputs[BIAS])),
        ("scratch", Scratch("scratch", 4 * b * (filters + units), "int32_t")))
    function = "mf_svdf_s8_s16" if wt.dtype == DType.INT16 else "mf_svdf_s8_s8"
    call = KernelCall(function=function, params_type="mf_svdf_s8_params", params=params, inputs=(op.inputs[INPUT],),
                      outputs=(op.inputs[STATE], op.outputs[0]))
    return Lowered(calls=(call,))


def _lower_f32(ctx: LowerContext) -> Lowered:
    op = ctx.op
    b, _, filters, _, _, _ = _dims(ctx.subgraph, op)
    bias = TensorPtr(op.inputs[BIAS])
    params = _geometry(ctx) + (
        ("activation", ACTIVATIONS[op.opt("fusedActivationFunction", "NONE")]),
        ("weights_feature", TensorPtr(op.inputs[FEATURE])), ("weights_time", TensorPtr(op.inputs[TIME])),
        ("bias", bias), ("scratch", Scratch("scratch", 4 * b * filters, "float")))
    call = KernelCall(function="mf_svdf_f32", params_type="mf_svdf_f32_params", params=params,
                      inputs=(op.inputs[INPUT],), outputs=(op.inputs[STATE], op.outputs[0]))
    return Lowered(calls=(call,))


LOWER = {DType.INT8: _lower_s8, DType.FLOAT32: _lower_f32}


def lower(ctx: LowerContext) -> Lowered:
    x = ctx.input(INPUT)
    assert x is not None
    return LOWER[x.dtype](ctx)


register(OpHandler(opcode="SVDF", check=check, lower=lower, macs=macs, types=tuple(LOWER)))
