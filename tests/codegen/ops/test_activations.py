"""RELU, RELU6, LEAKY_RELU, HARD_SWISH, LOGISTIC, TANH against TFLM's interpreter.

int8 and int16 must be bit-exact. int8 ops run as 256-entry tables computed at build time from
TFLM's integer arithmetic (gemmlowp fixed point for LOGISTIC/TANH). The converted models get
random inputs; the hand-built corner cases get every value of their input type (all 256 int8
values, all 65536 int16 values). TFLM has no int16 HARD_SWISH.

Float tolerance: FLOAT_TOL = 1e-6 relative to max(1, |output|). The kernels use TFLM's formulas
with the C library's expf/tanhf and the same operation order, so the host build gives identical
results (max diff 0.0 here); the tolerance allows another libm's last-bit differences (float32
ulp of values in [0, 8] is below 1e-6) while any formula or cut-off mistake is far larger.
"""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from support.compare import compare_bytes, compare_inputs
from support.tflite_build import Spec, every_value, single_op
from support.tflite_edit import ops_of
from support.tfmodels import Case, convert

FLOAT_TOL = 1e-6
ACTS = ("RELU", "RELU6", "LEAKY_RELU", "HARD_SWISH", "LOGISTIC", "TANH")


@dataclass(frozen=True)
class ActSpec:
    name: str
    limit: float  # calibration range [-limit, limit]: 8 reaches the saturated regions, 1 stays fine
    mode: str

    @property
    def acts(self) -> tuple[str, ...]:
        return tuple(a for a in ACTS if not (a == "HARD_SWISH" and self.mode == "int16x8"))

    def case(self) -> Case:
        hard_swish = "HARD_SWISH" in self.acts

        def build(tf):
            k = tf.keras.ops
            x = tf.keras.Input((3, 5, 7), batch_size=1)
            outs = [k.relu(x), k.relu6(x), tf.keras.layers.LeakyReLU(negative_slope=0.2)(x), k.sigmoid(x),
                    k.tanh(x)]
            if hard_swish:
                outs.append(k.hard_swish(x))
            return tf.keras.Model(x, outs)

        return Case(self.name, build, ((3, 5, 7),), params={"hard_swish": hard_swish}, low=-self.limit,
                    high=self.limit)


SPECS = [ActSpec(f"act_all_{rng}_{mode}", limit, mode)
         for rng, limit in (("wide_range8", 8.0), ("narrow_range1", 1.0))
         for mode in ("int8", "int16x8", "float32")]


@pytest.mark.parametrize("spec", [pytest.param(s, id=s.name) for s in SPECS])
def test_activations_match_tflm(spec: ActSpec) -> None:
    model = convert(spec.case(), spec.mode)
    for opcode in spec.acts:
        assert len(ops_of(model, opcode)) == 1, opcode
    r = compare_bytes(model, spec.name, samples=20, float_tol=FLOAT_TOL)
    assert r.exact, r


# Corners the converter does not produce: negative and >1 LEAKY_RELU slopes with unequal scales and
# zero points, power-of-two int16 LOGISTIC/TANH input scales (TFLM's "POT" path, as in LSTMs).
# Integer inputs are every value of the type; float inputs are random in [-1, 1].
S8 = (1, 256)
S16 = (1, 65536)
S16_OUT = 1.0 / 32768


@pytest.mark.parametrize("opcode,inp,out,options", [
    pytest.param("LEAKY_RELU", Spec(S8, "int8", 0.05, -3), Spec(S8, "int8", 0.04, 10),
                 {"alpha": -0.5}, id="leaky_relu_s8_negative_alpha"),
    pytest.param("LEAKY_RELU", Spec(S8, "int8", 0.02, 7), Spec(S8, "int8", 0.03, -20),
                 {"alpha": 1.75}, id="leaky_relu_s8_alpha_above_one"),
    pytest.param("LEAKY_RELU", Spec(S16, "int16", 3e-4, 0), Spec(S16, "int16", 2e-4, 0),
                 {"alpha": -0.3}, id="leaky_relu_s16_negative_alpha"),
    pytest.param("LEAKY_RELU", Spec((1, 4, 64), "float32"), Spec((1, 4, 64), "float32"),
                 {"alpha": -0.3}, id="leaky_relu_f32_negative_alpha"),
    pytest.param("LOGISTIC", Spec(S16, "int16", 2.0 ** -12, 0), Spec(S16, "int16", S16_OUT, 0),
                 None, id="logistic_s16_pot_scale"),
    pytest.param("LOGISTIC", Spec(S16, "int16", 3.1e-4, 0), Spec(S16, "int16", S16_OUT, 0),
                 None, id="logistic_s16_general_scale"),
    pytest.param("TANH", Spec(S16, "int16", 2.0 ** -11, 0), Spec(S16, "int16", S16_OUT, 0),
                 None, id="tanh_s16_pot_scale_shift1"),
    pytest.param("TANH", Spec(S16, "int16", 1.7e-4, 0), Spec(S16, "int16", S16_OUT, 0),
                 None, id="tanh_s16_general_scale"),
    pytest.param("LOGISTIC", Spec(S8, "int8", 0.07, 9), Spec(S8, "int8", 1.0 / 256, -128),
                 None, id="logistic_s8_offset_zero_point"),
    pytest.param("TANH", Spec(S8, "int8", 0.03, -17), Spec(S8, "int8", 1.0 / 128, 0),
                 None, id="tanh_s8_offset_zero_point"),
    pytest.param("RELU", Spec(S8, "int8", 0.05, -3), Spec(S8, "int8", 0.02, -128),
                 None, id="relu_s8_rescaling"),
    pytest.param("RELU", Spec(S16, "int16", 3e-4, 0), Spec(S16, "int16", 1.1e-4, 0),
                 None, id="relu_s16_rescaling"),
    pytest.param("RELU6", Spec(S16, "int16", 3e-4, 0), Spec(S16, "int16", 3e-4, 0),
                 None, id="relu6_s16_clamps_at_six"),
    pytest.param("HARD_SWISH", Spec(S8, "int8", 0.06, 5), Spec(S8, "int8", 0.03, -100),
                 None, id="hard_swish_s8_unequal_scales"),
])
def test_activation_corners(opcode: str, inp: Spec, out: Spec, options: dict | None) -> None:
    opts = {"options": "LeakyReluOptions", **options} if options else {}
    model = single_op(opcode, [inp], [out], **opts)
    r = compare_inputs(model, f"{opcode.lower()}_corner", every_value(inp), float_tol=FLOAT_TOL)
    assert r.exact, r
