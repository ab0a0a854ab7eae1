"""CONV_2D against TFLM's interpreter: int8, int16x8 (bit-exact) and float32.

Float tolerance: FLOAT_TOL = 1e-5 relative to max(1, |output|). The float kernel sums in TFLM's
order (ky, kx, channel), adds the bias last and clamps with TFLM's finite bounds, and the C is
built without FP contraction (-std=c99), so outputs are in practice identical (max diff 0.0 here);
the tolerance only leaves room for a build that fuses multiply-adds (a few ulps on sums of <= 75
products of magnitude ~1), while any indexing, padding or activation mistake is far larger.
"""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from support.compare import compare_bytes
from support.tflite_edit import drop_input, ops_of
from support.tfmodels import Case, convert_with
from support.variants import dsp_params, every_kernel_variant  # noqa: F401  (fixture kernel_variant: 1x1 convolutions run the mve FULLY_CONNECTED kernel)

FLOAT_TOL = 1e-5
ALL = ("int8", "int16x8", "float32")
QUANT = ("int8", "int16x8")
FUSED = {"none": "NONE", "relu": "RELU", "relu6": "RELU6", "clip1": "RELU_N1_TO_1"}


@dataclass(frozen=True)
class ConvSpec:
    name: str
    in_shape: tuple[int, int, int]
    filters: int
    kernel: tuple[int, int]
    strides: tuple[int, int] = (1, 1)
    padding: str = "valid"
    dilation: int = 1
    act: str = "none"  # none | relu | relu6 | clip1 (a clip to [-1, 1], fused as RELU_N1_TO_1)
    use_bias: bool = True
    groups: int = 1
    modes: tuple[str, ...] = ALL
    per_tensor: bool = False   # convert with per-channel quantisation disabled
    bias32: bool = False       # int16x8 with TFLM's int32-bias variant
    drop_bias: bool = False    # remove the bias input from the converted model

    def case(self) -> Case:
        spec = self

        def build(tf):
            inp = tf.keras.Input(spec.in_shape, batch_size=1)
            x = tf.keras.layers.Conv2D(
                spec.filters, spec.kernel, strides=spec.strides, padding=spec.padding,
                dilation_rate=spec.dilation, groups=spec.groups, use_bias=spec.use_bias,
                activation={"relu": "relu", "relu6": "relu6"}.get(spec.act),
                bias_initializer=tf.keras.initializers.RandomUniform(-0.5, 0.5))(inp)
            if spec.act == "clip1":
                x = tf.keras.layers.Lambda(lambda t: tf.keras.ops.clip(t, -1.0, 1.0))(x)
            return tf.keras.Model(inp, x)

        params = {k: v for k, v in vars(self).items() if k not in ("name", "modes")}
        return Case(self.name, build, (self.in_shape,), params=params)


SPECS = [
    ConvSpec("conv_k3_s1_same_relu_c3to5", (8, 8, 3), 5, (3, 3), padding="same", act="relu"),
    ConvSpec("conv_k5_s2_valid_relu6_c7to4", (11, 9, 7), 4, (5, 5), strides=(2, 2), act="relu6"),
    ConvSpec("conv_k1_s1_valid_none_c5to7", (6, 5, 5), 7, (1, 1)),
    ConvSpec("conv_k3x2_s2x1_same_rect_unequal_strides", (9, 7, 3), 3, (3, 2), strides=(2, 1), padding="same"),
    ConvSpec("conv_k3_dil2_same_relu_n1_to_1", (9, 9, 3), 4, (3, 3), padding="same", dilation=2, act="clip1"),
    ConvSpec("conv_k2_s3_same_clipped_windows", (8, 7, 2), 3, (2, 2), strides=(3, 3), padding="same"),
    ConvSpec("conv_k3_valid_nobias", (7, 7, 3), 4, (3, 3), use_bias=False),
    ConvSpec("conv_k3_same_groups2_relu_c4to6", (7, 7, 4), 6, (3, 3), padding="same", groups=2, act="relu"),
    ConvSpec("conv_k3_s2_same_pertensor_relu6", (9, 9, 3), 5, (3, 3), strides=(2, 2), padding="same",
             act="relu6", per_tensor=True, modes=QUANT),
    ConvSpec("conv_k3_same_int16_bias32", (8, 8, 3), 5, (3, 3), padding="same", bias32=True,
             modes=("int16x8",)),
    ConvSpec("conv_k3_same_bias_input_absent", (8, 8, 3), 4, (3, 3), padding="same", drop_bias=True),
    # in_c % 4 == 0: the dsp kernel reads windows in place (whole rows inside, per tap at the border)
    ConvSpec("conv_k1_s1_valid_relu_c16to10_pointwise", (5, 6, 16), 10, (1, 1), act="relu", modes=("int8",)),
    ConvSpec("conv_k1_s2_same_c12to6_strided_pointwise", (7, 7, 12), 6, (1, 1), strides=(2, 2), padding="same",
             modes=("int8",)),
    ConvSpec("conv_k3_s1_same_relu6_c8to7_window_rows", (7, 6, 8), 7, (3, 3), padding="same", act="relu6",
             modes=("int8",)),
    ConvSpec("conv_k3_s2_same_c4to13_tiles", (9, 8, 4), 13, (3, 3), strides=(2, 2), padding="same",
             modes=("int8",)),
    ConvSpec("conv_k3_dil2_same_clip1_c8to4_taps", (9, 9, 8), 4, (3, 3), padding="same", dilation=2, act="clip1",
             modes=("int8",)),
    # long windows: K = 360 (two pixels over raw words), 720 (one pixel at a time), 1152 (rows whose
    # sum |W| leaves the row-pair range: the generic path)
    ConvSpec("conv_k3_same_c40to6_long_window", (5, 5, 40), 6, (3, 3), padding="same", modes=("int8",)),
    ConvSpec("conv_k3_valid_c80to5_one_pixel_at_a_time", (4, 5, 80), 5, (3, 3), modes=("int8",)),
    ConvSpec("conv_k3_valid_c128to3_rows_too_wide_for_pairs", (3, 4, 128), 3, (3, 3), modes=("int8",)),
]


def _model(spec: ConvSpec, mode: str) -> bytes:
    attrs: dict = {}
    if spec.per_tensor:
        attrs["_experimental_disable_per_channel"] = True
    if spec.bias32:
        import tensorflow as tf
        attrs["_experimental_full_integer_quantization_bias_type"] = tf.int32
    model = convert_with(spec.case(), mode, **attrs)
    return drop_input(model, "CONV_2D", 2) if spec.drop_bias else model


def _check_model(spec: ConvSpec, mode: str, model: bytes) -> None:
    """The converted model holds the CONV_2D the case's name promises."""
    found = ops_of(model, "CONV_2D")
    assert len(found) == 1
    sg, op = found[0]
    assert op.opt("fusedActivationFunction") == FUSED[spec.act]
    assert (op.opt("strideH"), op.opt("strideW")) == spec.strides
    assert (op.opt("dilationHFactor"), op.opt("dilationWFactor")) == (spec.dilation,) * 2
    assert op.opt("padding") == spec.padding.upper()
    flt = sg.tensors[op.inputs[1]]
    assert flt.shape[3] * spec.groups == spec.in_shape[2]
    if mode != "float32":
        assert (len(flt.quant.scale) == 1) == spec.per_tensor
    bias = op.inputs[2] if len(op.inputs) > 2 else -1
    if spec.drop_bias:
        assert bias == -1
    elif mode == "int16x8":
        assert sg.tensors[bias].dtype.name == ("INT32" if spec.bias32 else "INT64")


@pytest.mark.parametrize("spec,mode", [pytest.param(s, m, id=f"{s.name}-{m}") for s in SPECS for m in s.modes])
def test_conv2d_matches_tflm(spec: ConvSpec, mode: str, kernel_variant: str) -> None:
    model = _model(spec, mode)
    _check_model(spec, mode, model)
    r = compare_bytes(model, spec.name, samples=20, float_tol=FLOAT_TOL, variant=kernel_variant)
    assert r.exact, r


def test_dsp_paths_are_all_covered() -> None:
    """The int8 cases above reach every path of the dsp kernel: the row-pair GEMM and the generic
    fallback (grouped); window rows of whole 4-byte blocks and rows padded to them (in_c * k_w not a
    multiple of 4), dilated rows; an odd pixel count (the last pixel alone); a last tile of fewer
    than 4 rows; every requantisation mode."""
    from codegen.ops import dsp_pack
    seen: set = set()
    for spec in SPECS:
        if "int8" in spec.modes:
            for p in dsp_params(_model(spec, "int8"), "mf_conv2d_s8"):
                g = dict(p["geo"].fields)
                seen |= {("path", p["dsp_path"]), ("rq", p["dsp_requant"])}
                if p["dsp_path"] == dsp_pack.PAIRS:
                    seen |= {("rows", "whole" if g["k_w"] * g["in_c"] % 4 == 0 else "padded"),
                             ("pixels", (g["out_h"] * g["out_w"]) % 2), ("tile", g["out_c"] % 4 == 0),
                             ("dilated", g["dil_w"] > 1)}
    want = {("path", dsp_pack.GENERIC), ("path", dsp_pack.PAIRS), ("rq", dsp_pack.RQ_FAST),
            ("rq", dsp_pack.RQ_FAST_FLOOR), ("rq", dsp_pack.RQ_EXACT), ("rows", "whole"), ("rows", "padded"),
            ("pixels", 0), ("pixels", 1), ("tile", True), ("tile", False), ("dilated", True)}
    assert want <= seen, want - seen


def test_check_lists_every_problem() -> None:
    """A CONV_2D with a fused TANH and a dilation of 0 is refused with both reasons at once."""
    from codegen.ops.registry import handler
    from support.tflite_edit import set_fused_activation, set_option

    model = convert_with(SPECS[0].case(), "int8")
    model = set_option(set_fused_activation(model, "CONV_2D", "TANH"), "CONV_2D", "dilationHFactor", 0)
    sg, op = ops_of(model, "CONV_2D")[0]
    problems = handler("CONV_2D").check(sg, op)
    assert any("TANH" in p for p in problems) and any("dilations" in p for p in problems), problems
