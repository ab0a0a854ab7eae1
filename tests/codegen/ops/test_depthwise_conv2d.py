"""DEPTHWISE_CONV_2D against TFLM's interpreter: int8, int16x8 (bit-exact) and float32.

Float tolerance: FLOAT_TOL = 1e-5 relative to max(1, |output|). The float kernel sums in TFLM's
order (ky, kx), adds the bias last and clamps with TFLM's finite bounds; built without FP
contraction, its outputs are identical to TFLM's here (max diff 0.0). The tolerance only leaves
room for fused multiply-adds (a few ulps on sums of <= 25 products of magnitude ~1).

Not covered: per-tensor int16x8 weights (the TF 2.21 converter refuses them: "Quantized dimension
for tensor property and quantization parameters do not match") and a missing bias input (TFLM's
DepthwiseConvPrepare crashes on it, so there is no reference to compare against).
"""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from support.compare import compare_bytes
from support.tflite_edit import ops_of
from codegen.ops.base import Sym
from support.tfmodels import Case, convert_with
from support.variants import dsp_params, kernel_variant  # noqa: F401  (fixture)

FLOAT_TOL = 1e-5
ALL = ("int8", "int16x8", "float32")
FUSED = {"none": "NONE", "relu": "RELU", "relu6": "RELU6", "clip1": "RELU_N1_TO_1"}


@dataclass(frozen=True)
class DwSpec:
    name: str
    in_shape: tuple[int, int, int]
    kernel: tuple[int, int]
    mult: int = 1
    strides: tuple[int, int] = (1, 1)
    padding: str = "valid"
    dilation: int = 1
    act: str = "none"  # none | relu | relu6 | clip1 (a clip to [-1, 1], fused as RELU_N1_TO_1)
    use_bias: bool = True
    per_tensor: bool = False
    modes: tuple[str, ...] = ALL

    def case(self) -> Case:
        spec = self

        def build(tf):
            inp = tf.keras.Input(spec.in_shape, batch_size=1)
            x = tf.keras.layers.DepthwiseConv2D(
                spec.kernel, strides=spec.strides, padding=spec.padding, depth_multiplier=spec.mult,
                dilation_rate=spec.dilation, use_bias=spec.use_bias,
                activation={"relu": "relu", "relu6": "relu6"}.get(spec.act),
                bias_initializer=tf.keras.initializers.RandomUniform(-0.5, 0.5))(inp)
            if spec.act == "clip1":
                x = tf.keras.layers.Lambda(lambda t: tf.keras.ops.clip(t, -1.0, 1.0))(x)
            return tf.keras.Model(inp, x)

        params = {k: v for k, v in vars(self).items() if k not in ("name", "modes")}
        return Case(self.name, build, (self.in_shape,), params=params)


SPECS = [
    DwSpec("dw_k3_s1_same_relu_m1_c3", (8, 8, 3), (3, 3), padding="same", act="relu"),
    DwSpec("dw_k3_s2_valid_relu6_m2_c5", (9, 9, 5), (3, 3), mult=2, strides=(2, 2), act="relu6"),
    DwSpec("dw_k5_s1_same_none_m3_c7", (7, 6, 7), (5, 5), mult=3, padding="same"),
    DwSpec("dw_k3x2_s2x1_same_relu_n1_to_1_rect", (9, 7, 4), (3, 2), strides=(2, 1), padding="same",
           act="clip1"),
    DwSpec("dw_k3_dil2_same_relu_m2_c3", (9, 9, 3), (3, 3), mult=2, padding="same", dilation=2, act="relu"),
    DwSpec("dw_k1_s1_valid_nobias_m2_c5", (5, 5, 5), (1, 1), mult=2, use_bias=False),
    DwSpec("dw_k3_s2_same_pertensor_relu6_c5", (9, 9, 5), (3, 3), strides=(2, 2), padding="same",
           act="relu6", per_tensor=True, modes=("int8",)),
    # depth multiplier 1, channels a multiple of 4: the dsp kernel's four-lane path
    DwSpec("dw_k3_s1_same_relu_m1_c8_lanes", (7, 6, 8), (3, 3), padding="same", act="relu", modes=("int8",)),
    DwSpec("dw_k3_s2_same_relu6_m1_c12_lanes", (9, 8, 12), (3, 3), strides=(2, 2), padding="same", act="relu6",
           modes=("int8",)),
    DwSpec("dw_k5x3_s1x2_same_clip1_m1_c4_lanes", (10, 9, 4), (5, 3), strides=(1, 2), padding="same",
           dilation=1, act="clip1", modes=("int8",)),
    DwSpec("dw_k3_dil2_same_m1_c4_lanes", (9, 8, 4), (3, 3), padding="same", dilation=2, modes=("int8",)),
    # 3x3 stride 1: the planar path (the one above goes there too: its plane transposed)
    DwSpec("dw_k3_s1_same_none_c8_planar_fast", (7, 6, 8), (3, 3), padding="same", modes=("int8",)),
    DwSpec("dw_k3_s1_same_relu_c4_planar_partial_strip", (6, 9, 4), (3, 3), padding="same", act="relu",
           modes=("int8",)),
    DwSpec("dw_k3_s1_valid_relu_c12_planar", (8, 7, 12), (3, 3), act="relu", modes=("int8",)),
    DwSpec("dw_k3_s1_same_relu_c8_planar_bands", (40, 40, 8), (3, 3), padding="same", act="relu", modes=("int8",)),
    DwSpec("dw_k3_s1_same_relu6_c8_planar_tail_only", (5, 3, 8), (3, 3), padding="same", act="relu6",
           modes=("int8",)),
    # 3x3 stride 2: the planar path's five-word strips
    DwSpec("dw_k3_s2_same_relu_c8_planar", (12, 10, 8), (3, 3), strides=(2, 2), padding="same", act="relu",
           modes=("int8",)),
    DwSpec("dw_k3_s2_valid_none_c4_planar_transposed", (13, 6, 4), (3, 3), strides=(2, 2), modes=("int8",)),
    DwSpec("dw_k3_s2_same_relu_c8_planar_bands", (60, 60, 8), (3, 3), strides=(2, 2), padding="same", act="relu",
           modes=("int8",)),
    DwSpec("dw_k3_s2_same_relu_c4_planar_tail1", (18, 10, 4), (3, 3), strides=(2, 2), padding="same", act="relu",
           modes=("int8",)),
    DwSpec("dw_k3_s2_same_relu6_c4_planar_whole_strips", (10, 16, 4), (3, 3), strides=(2, 2), padding="same",
           act="relu6", modes=("int8",)),
    # unequal strides: the four-lane path, its 3x3 windows inside and crossing the border
    DwSpec("dw_k3_s2x1_same_relu_c8_lanes", (9, 8, 8), (3, 3), strides=(2, 1), padding="same", act="relu",
           modes=("int8",)),
    # one input channel: lowered as a CONV_2D for the dsp kernels (audio_example1's first layer)
    DwSpec("dw_k7_s2_same_relu_m8_c1_as_conv", (20, 17, 1), (7, 7), mult=8, strides=(2, 2), padding="same",
           act="relu", modes=("int8",)),
    DwSpec("dw_k3_dil2_valid_m6_c1_as_conv", (9, 9, 1), (3, 3), mult=6, dilation=2, modes=("int8",)),
]


def _check_model(spec: DwSpec, mode: str, model: bytes) -> None:
    """The converted model holds the DEPTHWISE_CONV_2D the case's name promises."""
    found = ops_of(model, "DEPTHWISE_CONV_2D")
    assert len(found) == 1
    sg, op = found[0]
    assert op.opt("fusedActivationFunction") == FUSED[spec.act]
    assert (op.opt("strideH"), op.opt("strideW")) == spec.strides
    assert (op.opt("dilationHFactor"), op.opt("dilationWFactor")) == (spec.dilation,) * 2
    assert op.opt("padding") == spec.padding.upper()
    assert op.opt("depthMultiplier") == spec.mult
    flt = sg.tensors[op.inputs[1]]
    assert tuple(flt.shape) == (1, *spec.kernel, spec.in_shape[2] * spec.mult)
    if mode != "float32":
        assert (len(flt.quant.scale) == 1) == spec.per_tensor


@pytest.mark.parametrize("spec,mode", [pytest.param(s, m, id=f"{s.name}-{m}") for s in SPECS for m in s.modes])
def test_depthwise_conv2d_matches_tflm(spec: DwSpec, mode: str, kernel_variant: str) -> None:
    attrs = {"_experimental_disable_per_channel": True} if spec.per_tensor else {}
    model = convert_with(spec.case(), mode, **attrs)
    _check_model(spec, mode, model)
    r = compare_bytes(model, spec.name, samples=20, float_tol=FLOAT_TOL, variant=kernel_variant)
    assert r.exact, r


def test_dsp_paths_are_all_covered() -> None:
    """The int8 cases above reach every path of the dsp kernel: the planar path (3x3, stride 1 and 2:
    planes along the width and transposed, last strips of every width, a plane of no full strip,
    several bands, one shift for every channel and the general FAST requantisation), the four-lane path (3x3 windows inside the input and
    crossing its border, other windows), the generic fallback (depth multipliers, channels not a
    multiple of 4), and every requantisation mode."""
    from codegen.ops import dsp_pack
    seen: set = set()
    for spec in SPECS:
        if "int8" in spec.modes:
            attrs = {"_experimental_disable_per_channel": True} if spec.per_tensor else {}
            for p in dsp_params(convert_with(spec.case(), "int8", **attrs), "mf_depthwise_conv2d_s8"):
                g = dict(p["geo"].fields)
                seen |= {("path", p["dsp_path"]), ("rq", p["dsp_requant"])}
                if p["dsp_path"] == dsp_pack.DW_PLANAR:
                    out_u, out_v = (g["out_h"], g["out_w"]) if p["dsp_transposed"] else (g["out_w"], g["out_h"])
                    seen |= {("transposed", p["dsp_transposed"]), ("partial", out_u % 4 != 0),
                             ("tail", g["stride_h"], out_u % 4), ("full strips", out_u >= 4),
                             ("bands", out_v > p["dsp_band"]), ("planar rq", p["dsp_requant"]),
                             ("stride", g["stride_h"]), ("bands at stride", g["stride_h"], out_v > p["dsp_band"])}
                elif p["dsp_path"] == dsp_pack.DW_LANES:
                    three = (g["k_h"], g["k_w"], g["dil_h"], g["dil_w"]) == (3, 3, 1, 1)
                    seen |= {("window", "3x3" if three else "other"), ("border", isinstance(p["dsp_pad"], Sym))}
    want = {("path", dsp_pack.GENERIC), ("path", dsp_pack.DW_LANES), ("path", dsp_pack.DW_PLANAR),
            ("rq", dsp_pack.RQ_FAST), ("rq", dsp_pack.RQ_FAST_FLOOR), ("rq", dsp_pack.RQ_EXACT),
            ("planar rq", dsp_pack.RQ_FLOOR_SHIFT), ("planar rq", dsp_pack.RQ_FAST), ("window", "3x3"), ("window", "other"), ("border", True),
            ("transposed", 0), ("transposed", 1), ("partial", True), ("bands", True), ("stride", 1),
            ("stride", 2), ("bands at stride", 2, True), ("full strips", False),
            *(("tail", stride, t) for stride in (1, 2) for t in (0, 1, 2)), ("tail", 1, 3)}
    assert want <= seen, want - seen


def test_one_input_channel_runs_as_a_convolution() -> None:
    """For a DSP target a depthwise convolution of one input channel is the CONV_2D of its output
    channels (the same sums, scaling and rounding: the cases above prove it bit-exact), run by the
    dsp CONV_2D kernel over weights [out_c][k_h * k_w]."""
    from codegen.ops import dsp_pack
    for spec in SPECS:
        if spec.in_shape[2] == 1:
            model = convert_with(spec.case(), "int8")
            assert dsp_params(model, "mf_depthwise_conv2d_s8") == []
            (p,) = dsp_params(model, "mf_conv2d_s8")
            g = dict(p["geo"].fields)
            assert p["dsp_path"] == dsp_pack.PAIRS and (g["in_c"], g["out_c"], p["filter_c"]) == (1, spec.mult, 1)


def test_depth_multiplier_option_must_match_shapes() -> None:
    """TFLM loops over the option's multiplier, not the shapes': a disagreeing model is refused."""
    from codegen.ops.registry import handler
    from support.tflite_edit import set_option

    spec = SPECS[1]  # depth multiplier 2
    model = set_option(convert_with(spec.case(), "int8"), "DEPTHWISE_CONV_2D", "depthMultiplier", 1)
    sg, op = ops_of(model, "DEPTHWISE_CONV_2D")[0]
    problems = handler("DEPTHWISE_CONV_2D").check(sg, op)
    assert any("depth_multiplier option 1" in p for p in problems), problems


@pytest.mark.parametrize("spec", [s for s in SPECS if s.in_shape[2] == 1], ids=lambda s: s.name)
def test_one_input_channel_runs_as_the_mve_convolution(spec: DwSpec) -> None:
    """On an mve target the one-channel depthwise is the mve CONV_2D kernel over its own layout
    (MF_MVE_GEMM, mve_weights), bit-exact with TFLM on the host build of that kernel."""
    from codegen.ops.conv2d import MVE_GEMM
    model = convert_with(spec.case(), "int8")
    assert dsp_params(model, "mf_depthwise_conv2d_s8", variant="mve") == []
    (p,) = dsp_params(model, "mf_conv2d_s8", variant="mve")
    assert p["dsp_path"] == MVE_GEMM and p["dsp_filter"] != p["filter"]
    r = compare_bytes(model, spec.name, samples=20, variant="mve")
    assert r.exact, r
