"""AVERAGE_POOL_2D and MAX_POOL_2D against TFLM's interpreter: int8, int16 (bit-exact) and float32.

Each case is one model with several pools side by side on one input (one output each), so one
conversion and one build cover several window shapes; the case name lists them. Keras never fuses an
activation into a pool, so the fused-activation case sets it in the converted model (TFLM honours it).

Float tolerance: FLOAT_TOL = 1e-6 relative to max(1, |output|). Max pooling is exact; the float
average sums in TFLM's order and divides by the float count, so it is identical too (max diff 0.0
here); the tolerance only covers a differently rounded division on another build.
"""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from support.compare import compare_bytes
from support.tflite_edit import ops_of, set_fused_activation
from support.tfmodels import Case, convert
from support.variants import kernel_variant  # noqa: F401  (fixture)

FLOAT_TOL = 1e-6
ALL = ("int8", "int16x8", "float32")
OPCODE = {"avg": "AVERAGE_POOL_2D", "max": "MAX_POOL_2D"}


@dataclass(frozen=True)
class Pool:
    kind: str  # avg | max
    size: tuple[int, int]
    strides: tuple[int, int]
    padding: str  # same | valid


@dataclass(frozen=True)
class PoolSpec:
    name: str
    in_shape: tuple[int, int, int]
    pools: tuple[Pool, ...]
    fused: tuple[tuple[str, str], ...] = ()  # (kind, activation) set after conversion
    modes: tuple[str, ...] = ALL

    def case(self) -> Case:
        spec = self

        def build(tf):
            layer = {"avg": tf.keras.layers.AveragePooling2D, "max": tf.keras.layers.MaxPooling2D}
            inp = tf.keras.Input(spec.in_shape, batch_size=1)
            outs = [layer[p.kind](p.size, p.strides, padding=p.padding)(inp) for p in spec.pools]
            return tf.keras.Model(inp, outs)

        params = {"in_shape": self.in_shape, "pools": [vars(p) for p in self.pools]}
        return Case(self.name, build, (self.in_shape,), params=params, low=-8.0, high=8.0)


SPECS = [
    PoolSpec("avgpool_k3s2_same_clipped_k2x3s1x2_valid_k5s3_same_c5", (8, 7, 5), (
        Pool("avg", (3, 3), (2, 2), "same"), Pool("avg", (2, 3), (1, 2), "valid"),
        Pool("avg", (5, 5), (3, 3), "same"))),
    PoolSpec("maxpool_k3s2_same_clipped_k2s2_valid_k3x2s1x2_same_c3", (7, 9, 3), (
        Pool("max", (3, 3), (2, 2), "same"), Pool("max", (2, 2), (2, 2), "valid"),
        Pool("max", (3, 2), (1, 2), "same"))),
    PoolSpec("pools_k3s1_same_fused_avg_relu6_max_relu_n1_to_1_c7", (6, 6, 7), (
        Pool("avg", (3, 3), (1, 1), "same"), Pool("max", (3, 3), (1, 1), "same")),
        fused=(("avg", "RELU6"), ("max", "RELU_N1_TO_1"))),
    PoolSpec("pools_k2s2_valid_fused_avg_relu_max_relu6_c3", (7, 7, 3), (
        Pool("avg", (2, 2), (2, 2), "valid"), Pool("max", (2, 2), (2, 2), "valid")),
        fused=(("avg", "RELU"), ("max", "RELU6"))),
    # channels a multiple of 4: the dsp average sums four channels per instruction (16-bit lanes)
    PoolSpec("avgpool_k3s2_same_clipped_k5x4s1_valid_fused_relu6_c8_lanes", (7, 6, 8), (
        Pool("avg", (3, 3), (2, 2), "same"), Pool("avg", (5, 4), (1, 1), "valid")),
        fused=(("avg", "RELU6"),), modes=("int8",)),
]


def _model(spec: PoolSpec, mode: str) -> bytes:
    model = convert(spec.case(), mode)
    for kind, act in spec.fused:
        model = set_fused_activation(model, OPCODE[kind], act)
    return model


def _check_model(spec: PoolSpec, model: bytes) -> None:
    """The converted model holds the pools the case's name promises (in any order)."""
    fused = dict(spec.fused)
    for kind in OPCODE:
        want = sorted((p.size, p.strides, p.padding.upper(), fused.get(kind, "NONE"))
                      for p in spec.pools if p.kind == kind)
        got = sorted(((op.opt("filterHeight"), op.opt("filterWidth")), (op.opt("strideH"), op.opt("strideW")),
                      op.opt("padding"), op.opt("fusedActivationFunction"))
                     for _, op in ops_of(model, OPCODE[kind]))
        assert got == want


@pytest.mark.parametrize("spec,mode", [pytest.param(s, m, id=f"{s.name}-{m}") for s in SPECS for m in s.modes])
def test_pool2d_matches_tflm(spec: PoolSpec, mode: str, kernel_variant: str) -> None:
    model = _model(spec, mode)
    _check_model(spec, model)
    r = compare_bytes(model, spec.name, samples=20, float_tol=FLOAT_TOL, variant=kernel_variant)
    assert r.exact, r
