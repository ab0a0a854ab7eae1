"""FULLY_CONNECTED against TFLM's interpreter: int8, int16x8 (bit-exact) and float32.

TF 2.21 quantises Dense weights per channel by default (int8 and int16x8); per-tensor weights come
from `_experimental_disable_per_channel_quantization_for_dense_layers`. A zero bias is dropped by the
converter, so the bias input is absent unless the bias is non-zero.

Float tolerance: FLOAT_TOL = 1e-5 relative to max(1, |output|). The float kernel sums in TFLM's
order, adds the bias last and clamps with TFLM's finite bounds; built without FP contraction its
outputs are identical to TFLM's (max diff 0.0 here). The tolerance leaves room for fused
multiply-adds only (a few ulps on sums of <= 16 products of magnitude ~1).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pytest

from codegen.generate import GenerateOptions, compile_model
from codegen.host import HostModel
from codegen.quant.multiplier import f32, quantize_multiplier
from codegen.quant.params import conv_channel_scaling
from codegen.reference import TflmReference
from codegen.tflite import read_model_bytes
from support.compare import compare_bytes
from support.tflite_edit import ops_of
from support.tfmodels import Case, convert_with
from support.variants import dsp_params, every_kernel_variant  # noqa: F401  (fixture kernel_variant)

FLOAT_TOL = 1e-5
ALL = ("int8", "int16x8", "float32")
FUSED = {"none": "NONE", "relu": "RELU", "relu6": "RELU6", "clip1": "RELU_N1_TO_1"}


@dataclass(frozen=True)
class FcSpec:
    name: str
    in_shape: tuple[int, ...]
    units: int
    act: str = "none"  # none | relu | relu6 | clip1 (a clip to [-1, 1], fused as RELU_N1_TO_1)
    use_bias: bool = True
    per_tensor: bool = False
    modes: tuple[str, ...] = ALL

    def case(self) -> Case:
        spec = self

        def build(tf):
            inp = tf.keras.Input(spec.in_shape, batch_size=1)
            x = tf.keras.layers.Dense(spec.units, use_bias=spec.use_bias,
                                      activation={"relu": "relu", "relu6": "relu6"}.get(spec.act),
                                      bias_initializer=tf.keras.initializers.RandomUniform(-0.5, 0.5))(inp)
            if spec.act == "clip1":
                x = tf.keras.layers.Lambda(lambda t: tf.keras.ops.clip(t, -1.0, 1.0))(x)
            return tf.keras.Model(inp, x)

        params = {k: v for k, v in vars(self).items() if k not in ("name", "modes")}
        return Case(self.name, build, (self.in_shape,), params=params)

    def model(self, mode: str) -> bytes:
        attrs = {"_experimental_disable_per_channel_quantization_for_dense_layers": True} if self.per_tensor else {}
        return convert_with(self.case(), mode, **attrs)


SPECS = [
    FcSpec("fc_perchannel_relu_5to7", (5,), 7, act="relu"),
    FcSpec("fc_pertensor_relu6_16to5", (16,), 5, act="relu6", per_tensor=True, modes=("int8", "int16x8")),
    FcSpec("fc_rank3_keep_num_dims_4x5to7", (4, 5), 7),
    FcSpec("fc_rank3_keep_num_dims_pertensor_relu_n1_to_1", (3, 6), 4, act="clip1", per_tensor=True),
    FcSpec("fc_nobias_relu_9to3", (9,), 3, act="relu", use_bias=False),
    # the dsp kernel's row tiles (4 row pairs, then what remains), an input tail, and rows whose
    # sum |W| leaves the row-pair range over the whole row (summed in chunks)
    FcSpec("fc_perchannel_relu_64to13_row_tiles", (64,), 13, act="relu", modes=("int8",)),
    FcSpec("fc_pertensor_30to17_row_tiles_input_tail", (30,), 17, per_tensor=True, modes=("int8",)),
    FcSpec("fc_perchannel_1100to3_rows_summed_in_chunks", (1100,), 3, modes=("int8",)),
]


def _check_model(spec: FcSpec, mode: str, model: bytes) -> None:
    """The converted model holds the FULLY_CONNECTED the case's name promises."""
    found = ops_of(model, "FULLY_CONNECTED")
    assert len(found) == 1
    sg, op = found[0]
    assert op.opt("fusedActivationFunction") == FUSED[spec.act]
    assert op.opt("keepNumDims") == (len(spec.in_shape) > 1)
    w = sg.tensors[op.inputs[1]]
    if mode != "float32":
        assert (len(w.quant.scale) == 1) == spec.per_tensor
    has_bias = len(op.inputs) > 2 and op.inputs[2] >= 0
    assert has_bias == spec.use_bias


@pytest.mark.parametrize("spec,mode", [pytest.param(s, m, id=f"{s.name}-{m}") for s in SPECS for m in s.modes])
def test_fully_connected_matches_tflm(spec: FcSpec, mode: str, kernel_variant: str) -> None:
    model = spec.model(mode)
    _check_model(spec, mode, model)
    r = compare_bytes(model, spec.name, samples=20, float_tol=FLOAT_TOL, variant=kernel_variant)
    assert r.exact, r


def _unpairable() -> bytes:
    """A FULLY_CONNECTED whose weights hold -128 in an odd row under a negative even-row weight: the
    row pair's int16 would leave its range, so the dsp kernel takes the generic path."""
    from support.tflite_build import Spec, single_op
    w = np.arange(-16, 16, dtype=np.int64).reshape(4, 8) * 7
    w[0, 3], w[1, 3] = -5, -128
    return single_op("FULLY_CONNECTED", [Spec((1, 8), "int8", 0.05, 3), Spec((4, 8), "int8", 0.01, 0, w),
                                         Spec((4,), "int32", 0.0005, 0, [100, -200, 300, 0])],
                     [Spec((1, 4), "int8", 0.1, -2)], "FullyConnectedOptions")


def test_unpairable_weights_match_tflm(kernel_variant: str) -> None:
    r = compare_bytes(_unpairable(), "fc_unpairable_minus_128", samples=20, variant=kernel_variant)
    assert r.exact, r


def test_dsp_paths_are_all_covered() -> None:
    """The int8 cases above reach the dsp kernel's row-pair path (full 4-pair tiles, the last tile
    of 1..3 pairs, an input tail, rows summed in chunks) and its generic fallback, in every
    requantisation mode; input rows widened into scratch and widened as read."""
    from codegen.ops import dsp_pack
    from codegen.ops.base import Scratch
    seen: set = set()
    for model in [spec.model("int8") for spec in SPECS if "int8" in spec.modes] + [_unpairable()]:
        for p in dsp_params(model, "mf_fully_connected_s8"):
            pairs = (p["out_depth"] + 1) // 2
            seen |= {("path", p["dsp_path"]), ("rq", p["dsp_requant"]), ("full_tile", pairs >= 4),
                     ("last_tile", pairs % 4 != 0), ("tail", p["in_depth"] % 4 != 0),
                     ("chunks", 0 < p["dsp_chunk"] < -(-p["in_depth"] // 4)),
                     ("widened", isinstance(p["dsp_scratch"], Scratch))}
    want = {("path", dsp_pack.GENERIC), ("path", dsp_pack.PAIRS), ("rq", dsp_pack.RQ_FAST),
            ("rq", dsp_pack.RQ_FAST_FLOOR), ("rq", dsp_pack.RQ_EXACT), ("full_tile", True), ("last_tile", True),
            ("tail", True), ("chunks", True), ("widened", True), ("widened", False)}
    assert want <= seen, want - seen


def _mbqm(x: np.ndarray, mult: int, shift: int) -> np.ndarray:
    """TFLM's double-rounding MultiplyByQuantizedMultiplier on an int64 array (|x| < 2^31)."""
    x = x << max(shift, 0)
    right = max(-shift, 0)
    ab = x * mult
    num = ab + np.where(ab >= 0, 1 << 30, 1 - (1 << 30))
    high = np.where(num >= 0, num >> 31, -((-num) >> 31))  # division truncating toward zero
    mask = (1 << right) - 1
    threshold = (mask >> 1) + (high < 0)
    return (high >> right) + ((high & mask) > threshold)


def _solve(w: np.ndarray, target: int, lo: int, hi: int, rng: np.random.Generator) -> np.ndarray | None:
    """Integers v in [lo, hi] with w . v == target: least squares for all but the last two weights,
    then an exact search over the last two."""
    order = np.argsort(-np.abs(w))
    (j1, j2), rest = order[:2], order[2:]
    for _ in range(200):
        v = np.zeros(len(w), dtype=np.int64)
        share = target * w[rest] / max(1, int(np.sum(w[rest] ** 2)))
        v[rest] = np.clip(np.round(share) + rng.integers(-3, 4, len(rest)), lo, hi)
        r = target - int(w[rest] @ v[rest])
        v1 = np.arange(lo, hi + 1)
        rem = r - w[j1] * v1
        ok = (rem % w[j2] == 0) & (rem // w[j2] >= lo) & (rem // w[j2] <= hi)
        if ok.any():
            k = int(np.nonzero(ok)[0][0])
            v[j1], v[j2] = v1[k], rem[k] // w[j2]
            return v
    return None


def test_fc_perchannel_multipliers_are_double_products() -> None:
    """TFLM computes per-channel FC multipliers as double(in) * double(w[c]) / double(out), not with
    the float32 product it uses per-tensor. The two differ by a few units in 2^31, which changes the
    output for a handful of accumulator values (about one per 5 channels inside the int8 range):
    build inputs that hit them and check the generated code agrees with TFLM there."""
    spec = FcSpec("fc_perchannel_multiplier_probe", (8,), 64)
    model = spec.model("int8")
    sg, op = ops_of(model, "FULLY_CONNECTED")[0]
    inp, w, out = sg.tensors[op.inputs[0]], sg.tensors[op.inputs[1]], sg.tensors[op.outputs[0]]
    assert w.quant.per_channel
    weights = np.asarray(w.data, dtype=np.int64)
    bias = np.asarray(sg.tensors[op.inputs[2]].data, dtype=np.int64)
    double = conv_channel_scaling(inp.quant, w.quant, out.quant, len(w.quant.scale))
    single = [quantize_multiplier(f32(inp.quant.s * s) / out.quant.s) for s in w.quant.scale]
    lo, hi = -128 - inp.quant.zp, 127 - inp.quant.zp
    rng = np.random.default_rng(7)
    probes = []
    for c, (m, s) in enumerate(single):
        reach = int(np.abs(weights[c]).sum()) * max(-lo, hi)
        accs = np.arange(-reach, reach + 1, dtype=np.int64) + bias[c]
        want = _mbqm(accs, double.mult[c], double.shift[c]) + out.quant.zp
        visible = (want != _mbqm(accs, m, s) + out.quant.zp) & (want >= -128) & (want <= 127)
        for a in accs[visible][:3]:
            v = _solve(weights[c], int(a - bias[c]), lo, hi, rng)
            if v is not None:
                probes.append((c, v + inp.quant.zp))
    assert len(probes) >= 3, "too few inputs separate the two multipliers for this model"
    compiled = compile_model(read_model_bytes(model, source="probe.tflite"), options=GenerateOptions(prefix="m"))
    host, ref = HostModel(compiled), TflmReference(model)
    try:
        for c, x in probes:
            q = x.astype(np.int8).reshape(inp.shape)
            got, want = host.run([q])[0].reshape(-1), ref.run([q])[0].reshape(-1)
            assert got[c] == want[c], (c, x)
            assert np.array_equal(got, want)
    finally:
        host.close()
