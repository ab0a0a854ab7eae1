"""What CONV_2D, DEPTHWISE_CONV_2D and FULLY_CONNECTED share: the type rules for (activation,
weights, bias), the checks on weights and quantisation, the convolution geometry, and the kernel
fields of the weights, bias and output scaling.

This module registers no handler; conv2d.py, depthwise_conv2d.py and fully_connected.py use it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence

from codegen.ir import DType, Operator, Subgraph, Tensor
from codegen.ir.graph import NO_TENSOR
from codegen.ops.base import NULL, CArray, KernelCall, LowerContext, Lowered, Share, Struct, Sym
from codegen.ops.common import (check_fused, compute_out_size, compute_padding, nhwc, require_const,
                                require_quant)
from codegen.quant.params import conv_channel_scaling
from codegen.wellformed import MAX_WINDOW_REACH, MalformedModelError, Rule


@dataclass(frozen=True)
class WeightRule:
    """For one activation type: the weight type and the bias types TFLM accepts with it."""

    weights: DType
    bias: tuple[DType, ...]


def optional_input(sg: Subgraph, op: Operator, k: int) -> Tensor | None:
    if k >= len(op.inputs) or op.inputs[k] == NO_TENSOR:
        return None
    return sg.tensors[op.inputs[k]]


def _name(d: DType) -> str:
    return d.name.lower()


def check_weighted(sg: Subgraph, op: Operator, rules: dict[DType, WeightRule], channel_axis: int,
                   what: str = "filter") -> list[str]:
    """Every reason a weighted op (input 0 activations, input 1 constant weights, optional input 2
    constant bias, output 0) cannot be generated for the activation types in `rules`."""
    inp, flt, out = sg.tensors[op.inputs[0]], sg.tensors[op.inputs[1]], sg.tensors[op.outputs[0]]
    bias = optional_input(sg, op, 2)
    rule = rules.get(inp.dtype)
    if rule is None:
        names = ", ".join(sorted(_name(d) for d in rules))
        return [f"activation type {_name(inp.dtype)} (supported: {names})"]
    problems = require_const(flt, what) + require_const(bias, "bias") + check_fused(op)
    problems += rule_problems(rule, inp, flt, bias, out, what)
    if inp.dtype == DType.FLOAT32:
        return problems
    problems += require_quant(inp, flt, out) + channel_scale_problems(flt, channel_axis, what)
    if inp.dtype == DType.INT16:
        problems += int16_zero_point_problems(inp, out)
    return problems


def rule_problems(rule: WeightRule, inp: Tensor, flt: Tensor, bias: Tensor | None, out: Tensor,
                  what: str = "filter") -> list[str]:
    """The output, weight (`what`) and bias types against `rule`, the rule of `inp`'s type."""
    problems = []
    if out.dtype != inp.dtype:
        problems.append(f"output type {_name(out.dtype)} differs from the input type {_name(inp.dtype)}")
    if flt.dtype != rule.weights:
        problems.append(f"{what} of type {_name(flt.dtype)} with {_name(inp.dtype)} activations "
                        f"(TFLM takes {_name(rule.weights)})")
    if bias is not None and bias.dtype not in rule.bias:
        problems.append(f"bias of type {_name(bias.dtype)} with {_name(inp.dtype)} activations "
                        f"(TFLM reads the bias as {' or '.join(_name(d) for d in rule.bias)})")
    return problems


def channel_scale_problems(flt: Tensor, channel_axis: int, what: str = "filter") -> list[str]:
    """Per-channel weights: one scale per output channel, on the weights' output-channel axis."""
    if flt.quant is None or not flt.quant.per_channel or not flt.shape:
        return []
    axis = channel_axis % len(flt.shape)
    if flt.quant.axis != axis or len(flt.quant.scale) != flt.shape[axis]:
        return [f"{what}: {len(flt.quant.scale)} scales on axis {flt.quant.axis} "
                f"(expected one per output channel on axis {axis})"]
    return []


def int16_zero_point_problems(inp: Tensor, out: Tensor) -> list[str]:
    return [f"int16 {role} zero point {t.quant.zp} (TFLM's int16 kernels need 0)"
            for t, role in ((inp, "input"), (out, "output")) if t.quant is not None and t.quant.zp != 0]


def int16_shift_problems(shifts: Sequence[int]) -> list[str]:
    """int16x8: TFLM's 64-bit requantisation takes output shifts up to a left shift of 7."""
    if max(shifts) > 7:
        return [f"output scaling needs a left shift of {max(shifts)} (TFLM's 64-bit requantisation "
                "allows at most 7)"]
    return []


def int16_scaling_problems(inp: Tensor, flt: Tensor, out: Tensor, channels: int) -> list[str]:
    """int16x8 with a 64-bit accumulator: the per-channel output scaling (TFLM's
    PopulateConvolutionQuantizationParams) within what its requantisation takes."""
    assert inp.quant and flt.quant and out.quant
    return int16_shift_problems(conv_channel_scaling(inp.quant, flt.quant, out.quant, channels).shift)


# The s8 CONV_2D, DEPTHWISE_CONV_2D and FULLY_CONNECTED params serve both kernel variants (nn.h): the
# params of the generic path leave the dsp_* fields empty, and params laid out for the dsp kernels
# leave the plain weight fields empty (the weights are stored once, in the dsp layout).
GENERIC_DSP_FIELDS: tuple = (("dsp_path", 0), ("dsp_requant", 0), ("dsp_filter", NULL), ("dsp_chan", NULL))
DSP_ONLY_FIELDS: tuple = (("filter", NULL), ("bias", NULL), ("out_mult", NULL), ("out_shift", NULL))


def weight_fields(ctx: LowerContext, ctype: str, scaling: tuple[Sequence[int], Sequence[int]] | None = None,
                  name: str = "filter", bias_field: str = "bias") -> tuple[list, list[CArray]]:
    """The kernel fields of a weighted op's constants and their arrays: ("filter", the weights, input 1,
    as `ctype` in the array `name`), the optional bias (input 2, in its own type) as `bias_field`, and
    for the integer kernels ("out_mult", "out_shift") from `scaling` (multipliers, shifts). Arrays:
    weights, multipliers, shifts, bias."""
    flt, bias = ctx.input(1), ctx.input(2)
    assert flt is not None
    w = ctx.array(name, ctype, flt.data, kind="weights")
    params: list = [("filter", Sym(w.name))]
    arrays = [w]
    if scaling is not None:
        arrays += [ctx.array("mult", "int32_t", scaling[0]), ctx.array("shift", "int32_t", scaling[1])]
    if bias is not None:
        b = ctx.array("bias", bias.dtype.c_type, bias.data, kind="weights")
        arrays.append(b)
        params.append((bias_field, Sym(b.name)))
    else:
        params.append((bias_field, NULL))
    if scaling is not None:
        params += [("out_mult", Sym(arrays[1].name)), ("out_shift", Sym(arrays[2].name))]
    return params, arrays


def weighted_call(ctx: LowerContext, function: str, params: list, arrays: list[CArray], comment: str,
                  shares: tuple[Share, ...] = (), dsp_paths: tuple[str, ...] = ()) -> Lowered:
    """The one kernel call of a weighted op: `function(&params, input 0, output 0)`."""
    call = KernelCall(function=function, params_type=f"{function}_params", params=tuple(params),
                      inputs=(ctx.op.inputs[0],), outputs=(ctx.op.outputs[0],), arrays=tuple(arrays),
                      comment=comment, shares=shares, dsp_paths=dsp_paths)
    return Lowered(calls=(call,))


# the members of nn.h's mf_conv_geometry, in its order
GEOMETRY_FIELDS = ("in_h", "in_w", "in_c", "out_h", "out_w", "out_c", "k_h", "k_w", "stride_h", "stride_w",
                   "dil_h", "dil_w", "pad_top", "pad_left")


@dataclass(frozen=True)
class ConvGeometry:
    """A 2-D window op's shapes and TFLM's padding (the smaller, top/left half)."""

    in_h: int
    in_w: int
    in_c: int
    out_h: int
    out_w: int
    out_c: int
    k_h: int
    k_w: int
    stride_h: int
    stride_w: int
    dil_h: int
    dil_w: int
    pad_top: int
    pad_left: int
    padding: str

    @property
    def expected_out(self) -> tuple[int, int]:
        return (compute_out_size(self.padding, self.in_h, self.k_h, self.stride_h, self.dil_h),
                compute_out_size(self.padding, self.in_w, self.k_w, self.stride_w, self.dil_w))

    def c_value(self) -> Struct:
        """The kernels' ``mf_conv_geometry`` (nn.h): every window op's ``geo`` field."""
        return Struct(tuple((n, int(getattr(self, n))) for n in GEOMETRY_FIELDS))

    def check(self) -> list[str]:
        problems = []
        reach = max((self.k_h - 1) * self.dil_h + 1, (self.k_w - 1) * self.dil_w + 1)
        if min(self.stride_h, self.stride_w, self.dil_h, self.dil_w) >= 1 and reach > MAX_WINDOW_REACH:
            # the kernels step through the window in 32-bit arithmetic (dilation x tap, output x stride)
            raise MalformedModelError.one(Rule.WINDOW, f"a {self.k_h}x{self.k_w} window with dilations "
                                          f"{self.dil_h}x{self.dil_w} reaches {reach} elements (at most "
                                          f"{MAX_WINDOW_REACH}: the kernels' 32-bit index arithmetic overflows)")
        if min(self.stride_h, self.stride_w, self.dil_h, self.dil_w) < 1:
            problems.append(f"strides {self.stride_h}x{self.stride_w} and dilations {self.dil_h}x{self.dil_w} "
                            "must be >= 1")
        elif self.padding not in ("SAME", "VALID"):
            problems.append(f"padding {self.padding}")
        elif self.expected_out != (self.out_h, self.out_w):
            e = self.expected_out
            problems.append(f"output {self.out_h}x{self.out_w} does not match the {self.padding} padding "
                            f"and strides ({e[0]}x{e[1]})")
        return problems

    @property
    def label(self) -> str:
        s = f"{self.k_h}x{self.k_w}"
        if (self.stride_h, self.stride_w) != (1, 1):
            s += f" stride {self.stride_h}x{self.stride_w}"
        if (self.dil_h, self.dil_w) != (1, 1):
            s += f" dilation {self.dil_h}x{self.dil_w}"
        return s


def window_leaves_input(g: ConvGeometry) -> bool:
    """Whether some output's window reaches outside the input (padding, or a clipped last window)."""
    last_y = (g.out_h - 1) * g.stride_h - g.pad_top + (g.k_h - 1) * g.dil_h
    last_x = (g.out_w - 1) * g.stride_w - g.pad_left + (g.k_w - 1) * g.dil_w
    return g.pad_top > 0 or g.pad_left > 0 or last_y >= g.in_h or last_x >= g.in_w


def window_geometry(sg: Subgraph, op: Operator, k_h: int, k_w: int) -> ConvGeometry:
    inp, out = sg.tensors[op.inputs[0]], sg.tensors[op.outputs[0]]
    in_h, in_w, in_c = nhwc(inp)
    out_h, out_w, out_c = nhwc(out)
    sh, sw = int(op.opt("strideH", 1)), int(op.opt("strideW", 1))
    dh, dw = int(op.opt("dilationHFactor", 1)), int(op.opt("dilationWFactor", 1))
    padding = str(op.opt("padding", "SAME"))
    return ConvGeometry(in_h=in_h, in_w=in_w, in_c=in_c, out_h=out_h, out_w=out_w, out_c=out_c,
                        k_h=k_h, k_w=k_w, stride_h=sh, stride_w=sw, dil_h=dh, dil_w=dw,
                        pad_top=compute_padding(sh, dh, in_h, k_h, out_h) if sh > 0 and dh > 0 else 0,
                        pad_left=compute_padding(sw, dw, in_w, k_w, out_w) if sw > 0 and dw > 0 else 0,
                        padding=padding)


def filter_geometry(sg: Subgraph, op: Operator) -> ConvGeometry:
    """CONV_2D (OHWI) and DEPTHWISE_CONV_2D (1HWO) filters both hold k_h, k_w in dims 1 and 2."""
    flt = sg.tensors[op.inputs[1]]
    return window_geometry(sg, op, flt.shape[1], flt.shape[2])


def check_filter_window(sg: Subgraph, op: Operator, rules: dict[DType, WeightRule],
                        channel_axis: int) -> tuple[list[str], ConvGeometry | None]:
    """What CONV_2D and DEPTHWISE_CONV_2D check first: rank-4 operands (else (problems, None): nothing
    more can be read), then the weights (`check_weighted`) and the window; and the window's geometry."""
    problems = check_rank4(sg, op)
    if problems:
        return problems, None
    problems = check_weighted(sg, op, rules, channel_axis=channel_axis)
    g = filter_geometry(sg, op)
    return problems + g.check(), g


def check_rank4(sg: Subgraph, op: Operator) -> list[str]:
    problems = []
    for k, role in ((0, "input"), (1, "filter")):
        t = sg.tensors[op.inputs[k]]
        if len(t.shape) != 4:
            problems.append(f"{role} of rank {len(t.shape)} (expected 4)")
    out = sg.tensors[op.outputs[0]]
    if len(out.shape) != 4:
        problems.append(f"output of rank {len(out.shape)} (expected 4)")
    inp = sg.tensors[op.inputs[0]]
    if len(inp.shape) == 4 and len(out.shape) == 4 and (inp.shape[0] != 1 or out.shape[0] != 1):
        problems.append(f"batch {inp.shape[0]} (only batch 1 is supported)")
    return problems
