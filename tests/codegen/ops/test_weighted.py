"""The rules CONV_2D, DEPTHWISE_CONV_2D, FULLY_CONNECTED and TRANSPOSE_CONV share (ops/weighted.py):
operand types against a WeightRule, per-channel scales on the output-channel axis, int16 zero points."""

from __future__ import annotations

from codegen.ir import DType, Quant, Tensor
from codegen.ops.weighted import WeightRule, channel_scale_problems, int16_zero_point_problems, rule_problems

RULE = WeightRule(DType.INT8, (DType.INT64, DType.INT32))


def t(dtype: DType, shape: tuple[int, ...] = (1, 2, 2, 3), quant: Quant | None = None) -> Tensor:
    return Tensor(index=0, name="t", shape=shape, dtype=dtype, quant=quant)


def test_rule_problems_name_every_wrong_type():
    assert rule_problems(RULE, t(DType.INT16), t(DType.INT8), t(DType.INT64), t(DType.INT16)) == []
    assert rule_problems(RULE, t(DType.INT16), t(DType.INT16), t(DType.INT16), t(DType.INT8), "weights") == [
        "output type int8 differs from the input type int16",
        "weights of type int16 with int16 activations (TFLM takes int8)",
        "bias of type int16 with int16 activations (TFLM reads the bias as int64 or int32)"]


def test_channel_scales_on_the_output_channel_axis():
    per_channel = Quant(scale=(0.1, 0.2, 0.3), zero_point=(0, 0, 0), axis=3)
    assert channel_scale_problems(t(DType.INT8, quant=per_channel), 3) == []
    assert channel_scale_problems(t(DType.INT8, quant=per_channel), -1) == []
    assert channel_scale_problems(t(DType.INT8, quant=per_channel), 0, "weights") == [
        "weights: 3 scales on axis 3 (expected one per output channel on axis 0)"]
    assert channel_scale_problems(t(DType.INT8, quant=Quant(scale=(0.1,), zero_point=(0,))), 0) == []


def test_int16_zero_points_must_be_zero():
    q0, q5 = Quant(scale=(0.1,), zero_point=(0,)), Quant(scale=(0.1,), zero_point=(5,))
    assert int16_zero_point_problems(t(DType.INT16, quant=q0), t(DType.INT16, quant=q0)) == []
    assert int16_zero_point_problems(t(DType.INT16, quant=q0), t(DType.INT16, quant=q5)) == [
        "int16 output zero point 5 (TFLM's int16 kernels need 0)"]
