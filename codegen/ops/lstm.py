"""UNIDIRECTIONAL_SEQUENCE_LSTM: int8 (int16 cell state), int16x8 and float32, as TFLM's lstm_eval.

TFLM's Prepare (unidirectional_sequence_lstm.cc, lstm_eval_common.cc) computed here:

* each gate's two fully connected layers requantise to int16 pre-activations of scale 2^-12
  (``nonlinear_input_scale``): multiplier double(input scale) * double(weight scale) / 2^-12 (the
  weights' first scale: TFLM reads ``params.scale``), zero point 0, int16 range;
* the products (``CreateInterGateMulParams``): sigmoid outputs have scale 2^-15, so f * c keeps the
  cell's scale (2^-15 * cell / cell), i * g goes 2^-30 / cell, o * tanh(c) 2^-30 / hidden (with
  the hidden state's zero point and type range);
* the cell state's tanh input shift from CheckedLog2(cell scale) (``cell_state_scale_power``), the
  quantised cell clip min(max(clip / cell scale, -32768), 32767) truncated to int16.

The hidden and cell states are the model's variable tensors: they keep their values across invokes
and ``reset`` refills them (int8: the zero point; int16/float32: 0), as TFLM does. TFLM refuses
(and so does ``check``) peephole, projection, layer-norm and CIFG LSTMs and any cell state but
int16 (quantised) or float32.
"""

from __future__ import annotations

import numpy as np

from codegen.ir import DType, Operator, Subgraph, Tensor
from codegen.ir.graph import NO_TENSOR
from codegen.ops.base import F32, KernelCall, LowerContext, Lowered, OpHandler, Scratch, Struct, Sym, TensorPtr
from codegen.ops.registry import register
from codegen.quant import lut
from codegen.quant.multiplier import quantize_multiplier

INPUT, HIDDEN, CELL = 0, 18, 19
# per gate (forget, input, cell, output: MF_LSTM_*): input weights, recurrent weights, bias
GATES = ((2, 6, 13), (1, 5, 12), (3, 7, 14), (4, 8, 15))
ABSENT = {9: "peephole (cell-to-gate) weights", 10: "peephole (cell-to-gate) weights",
          11: "peephole (cell-to-gate) weights", 16: "a projection layer", 17: "a projection layer",
          20: "layer normalisation", 21: "layer normalisation", 22: "layer normalisation",
          23: "layer normalisation"}
GATE_SCALE = 2.0 ** -12   # TFLM's nonlinear_input_scale: gate pre-activations in Q3.12
SIGMOID_SCALE = 2.0 ** -15  # sigmoid/tanh outputs in Q0.15

# activation type -> (weights, bias, cell state) TFLM's EvalLstm instantiates
TYPES = {DType.INT8: (DType.INT8, DType.INT32, DType.INT16),
         DType.INT16: (DType.INT8, DType.INT64, DType.INT16),
         DType.FLOAT32: (DType.FLOAT32, DType.FLOAT32, DType.FLOAT32)}


def _t(sg: Subgraph, op: Operator, k: int) -> Tensor | None:
    if k >= len(op.inputs) or op.inputs[k] == NO_TENSOR:
        return None
    return sg.tensors[op.inputs[k]]


def check(sg: Subgraph, op: Operator) -> list[str]:
    if len(op.inputs) != 24 or len(op.outputs) != 1:
        return [f"{len(op.inputs)} inputs and {len(op.outputs)} outputs (TFLM takes 24 and 1)"]
    x, out = _t(sg, op, INPUT), sg.tensors[op.outputs[0]]
    if x is None:
        return ["no input tensor"]
    if x.dtype not in TYPES:
        return [f"input {x.describe()}: TFLM's LSTM takes int8, int16 or float32 activations"]
    weight_t, bias_t, cell_t = TYPES[x.dtype]
    problems = []
    reasons = sorted({why for k, why in ABSENT.items() if _t(sg, op, k) is not None})
    problems += [f"{why}: TFLM's LSTM kernel refuses it" for why in reasons]
    if _t(sg, op, 1) is None or _t(sg, op, 5) is None:
        problems.append("no input gate (CIFG): TFLM's LSTM kernel refuses it")
    if op.opt("fusedActivationFunction") != "TANH":
        problems.append(f"cell activation {op.opt('fusedActivationFunction')} (TFLM's LSTM runs TANH only)")
    if problems:
        return problems
    h, c = _t(sg, op, HIDDEN), _t(sg, op, CELL)
    if h is None or c is None or not h.is_variable or not c.is_variable:
        return ["the hidden and cell states must be variable tensors (TFLM checks is_variable)"]
    if h.dtype != x.dtype or out.dtype != x.dtype:
        problems.append(f"input {x.describe()}, hidden state {h.describe()}, output {out.describe()}: TFLM "
                        "needs one type for all three")
    if c.dtype != cell_t:
        problems.append(f"cell state {c.describe()}: TFLM's {x.dtype.name.lower()} LSTM takes a "
                        f"{cell_t.name.lower()} cell state only")
    for gate in GATES:
        for k, want in zip(gate, (weight_t, weight_t, bias_t)):
            t = _t(sg, op, k)
            if t is None or not t.is_const:
                problems.append(f"input {k} must be a constant {want.name.lower()} tensor")
            elif t.dtype != want:
                problems.append(f"input {k} is {t.describe()}; TFLM's {x.dtype.name.lower()} LSTM reads it as "
                                f"{want.name.lower()}")
            elif want == DType.INT8 and (t.quant is None or any(t.quant.zero_point)):
                problems.append(f"input {k}: int8 weights need a zero point of 0")
    if problems:
        return problems
    if len(x.shape) != 3 or len(out.shape) != 3:
        return [f"input {x.describe()} and output {out.describe()} must have rank 3"]
    time_major = bool(op.opt("timeMajor", False))
    batches = x.shape[1] if time_major else x.shape[0]
    n, depth = h.shape[-1], x.shape[2]
    shapes_ok = all(_t(sg, op, g[0]).shape == (n, depth) and _t(sg, op, g[1]).shape == (n, n) and
                    _t(sg, op, g[2]).shape == (n,) for g in GATES)
    if not shapes_ok or h.elements != batches * n or c.elements != batches * n or \
            out.shape != (*x.shape[:2], n):
        problems.append(f"shapes do not fit an LSTM of {n} units on {x.describe()} (TFLM's ValidateTensorSize)")
    if x.dtype != DType.FLOAT32 and (x.quant is None or h.quant is None or c.quant is None or c.quant.zp != 0):
        problems.append("the quantised LSTM needs quantised input and states, the cell state with zero point 0")
    return problems


def macs(sg: Subgraph, op: Operator) -> int:
    x, h = sg.tensors[op.inputs[INPUT]], sg.tensors[op.inputs[HIDDEN]]
    n = h.shape[-1]
    return x.shape[0] * x.shape[1] * 4 * n * (x.shape[2] + n)


def _geometry(ctx: LowerContext) -> tuple[tuple[tuple[str, object], ...], int]:
    x, h = ctx.input(INPUT), ctx.input(HIDDEN)
    assert x is not None and h is not None
    time_major = bool(ctx.op.opt("timeMajor", False))
    batches, steps = (x.shape[1], x.shape[0]) if time_major else (x.shape[0], x.shape[1])
    rows = batches if time_major else 1
    return ((("batches", batches), ("time_steps", steps), ("input_dim", x.shape[2]), ("state_dim", h.shape[-1]),
             ("time_major", int(time_major))), rows * h.shape[-1])


def _pointers(ctx: LowerContext) -> tuple[tuple[str, object], ...]:
    return tuple((field, tuple(TensorPtr(ctx.op.inputs[g[k]]) for g in GATES))
                 for k, field in enumerate(("input_weights", "recurrent_weights", "bias")))


def _mul(a: float, b: float, out: float) -> tuple[int, int]:
    """TFLM CreateInterGateMulParams: double(a) * double(b) / double(out)."""
    return quantize_multiplier(a * b / out)


def _lower_quantized(ctx: LowerContext) -> Lowered:
    op = ctx.op
    x, h, c = ctx.input(INPUT), ctx.input(HIDDEN), ctx.input(CELL)
    assert x and h and c and x.quant and h.quant and c.quant
    geometry, cells = _geometry(ctx)
    in_m, rec_m = [], []
    for g in GATES:
        in_m.append(quantize_multiplier(x.quant.s * ctx.input(g[0]).quant.s / GATE_SCALE))
        rec_m.append(quantize_multiplier(h.quant.s * ctx.input(g[1]).quant.s / GATE_SCALE))
    forget = _mul(SIGMOID_SCALE, c.quant.s, c.quant.s)
    update = _mul(SIGMOID_SCALE, SIGMOID_SCALE, c.quant.s)
    hidden = _mul(SIGMOID_SCALE, SIGMOID_SCALE, h.quant.s)
    clip = float(op.opt("cellClip", 0.0))
    qclip = int(min(max(clip / c.quant.s, -32768.0), 32767.0)) if clip > 0 else 0
    power = lut.checked_log2(c.quant.s)[1]
    tanh_shift = 15 + power - 3
    cell_tanh = (3 << tanh_shift, 0) if tanh_shift >= 0 else (3, -tanh_shift)
    table = ctx.array("sigmoid", "uint16_t", np.asarray(lut.SIGMOID_TABLE_U16, dtype=np.uint16))

    def act(mult_shift: tuple[int, int]) -> Struct:
        return Struct((("size", cells), ("input_multiplier", mult_shift[0]), ("input_left_shift", mult_shift[1]),
                       ("table", Sym(table.name))))

    s16 = x.dtype == DType.INT16
    params = geometry + (
        ("input_offset", -x.quant.zp), ("hidden_offset", -h.quant.zp),
        *_pointers(ctx),
        ("input_mult", tuple(m for m, _ in in_m)), ("input_shift", tuple(s for _, s in in_m)),
        ("recurrent_mult", tuple(m for m, _ in rec_m)), ("recurrent_shift", tuple(s for _, s in rec_m)),
        ("forget_mult", forget[0]), ("forget_shift", forget[1]),
        ("update_mult", update[0]), ("update_shift", update[1]),
        ("hidden_mult", hidden[0]), ("hidden_shift", hidden[1]), ("hidden_zp", h.quant.zp),
        ("cell_clip", qclip),
        # TFLM's Sigmoid(0, 0) and Tanh(0, 0) with the power-of-two substitution: multiplier 3, shift 0
        ("gate_sigmoid", act((3, 0))), ("gate_tanh", act((3, 0))), ("cell_tanh", act(cell_tanh)),
        ("scratch", Scratch("scratch", 4 * cells * 2, "int16_t")))
    function = "mf_lstm_s16" if s16 else "mf_lstm_s8"
    call = KernelCall(function=function, params_type=function + "_params", params=params,
                      inputs=(op.inputs[INPUT],), outputs=(op.inputs[HIDDEN], op.inputs[CELL], op.outputs[0]),
                      arrays=(table,), kernels=(function, "mf_logistic_s16", "mf_tanh_s16"))
    return Lowered(calls=(call,))


def _lower_f32(ctx: LowerContext) -> Lowered:
    op = ctx.op
    geometry, cells = _geometry(ctx)
    params = geometry + (*_pointers(ctx), ("cell_clip", F32(float(op.opt("cellClip", 0.0)))),
                         ("act", Struct((("size", cells),))), ("scratch", Scratch("scratch", 4 * cells * 4, "float")))
    call = KernelCall(function="mf_lstm_f32", params_type="mf_lstm_f32_params", params=params,
                      inputs=(op.inputs[INPUT],), outputs=(op.inputs[HIDDEN], op.inputs[CELL], op.outputs[0]),
                      kernels=("mf_lstm_f32", "mf_logistic_f32", "mf_tanh_f32"))
    return Lowered(calls=(call,))


LOWER = {DType.INT8: _lower_quantized, DType.INT16: _lower_quantized, DType.FLOAT32: _lower_f32}


def lower(ctx: LowerContext) -> Lowered:
    x = ctx.input(INPUT)
    assert x is not None
    return LOWER[x.dtype](ctx)


register(OpHandler(opcode="UNIDIRECTIONAL_SEQUENCE_LSTM", check=check, lower=lower, macs=macs, types=tuple(LOWER)))
