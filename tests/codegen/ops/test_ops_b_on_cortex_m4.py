"""Every operator of the reductions / re-layout / gathers / matmul / transposed-convolution family
(REDUCE_MAX, REDUCE_MIN, SUM, REDUCE_ALL, ARG_MAX, ARG_MIN, CUMSUM, DEPTH_TO_SPACE, SPACE_TO_DEPTH,
SPACE_TO_BATCH_ND, BATCH_TO_SPACE_ND, MIRROR_PAD, REVERSE_V2, RESIZE_BILINEAR, RESIZE_NEAREST_NEIGHBOR,
L2_NORMALIZATION, L2_POOL_2D, GATHER_ND, EMBEDDING_LOOKUP, DYNAMIC_UPDATE_SLICE, BATCH_MATMUL,
TRANSPOSE_CONV) in their int8, int16 and float32 (and bool) forms, side by side in ONE model: one
PlatformIO build and one QEMU launch of the emulated Cortex-M4 (mps2-an386) run them all, compared
output by output with TFLM (integers identical, float32 within codegen/validate.py's tolerance).

The model is built directly (support.tflite_build.graph): several of these operators and types do
not come out of the TensorFlow converter (int8 CUMSUM, L2_POOL_2D, EMBEDDING_LOOKUP, DYNAMIC_UPDATE_SLICE,
REDUCE_ALL on a bool input); each operator reads a model input (or another operator's output), so
nothing is folded away. Start indices come from an int32 model input: random values, clamped as TFLM
clamps them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pytest

from codegen.tflite.schema import fb
from support.tflite_build import Op, Spec, graph

FLOAT_RTOL = 1e-5  # codegen/validate.py
SHAPE = (1, 4, 6, 4)
Q8, Q16 = (0.05, 3), (0.001, 0)
RNG = np.random.default_rng(13)


@dataclass
class Builder:
    """Tensors named t0, t1, ... in creation order; the model outputs and their operator labels."""

    tensors: dict[str, Spec] = field(default_factory=dict)
    ops: list[Op] = field(default_factory=list)
    outputs: list[str] = field(default_factory=list)
    names: list[str] = field(default_factory=list)

    def t(self, spec: Spec) -> str:
        name = f"t{len(self.tensors)}"
        self.tensors[name] = spec
        return name

    def const(self, values: Any, dtype: str = "int32") -> str:
        a = np.asarray(values)
        return self.t(Spec(a.shape, dtype, data=a))

    def op(self, label: str, opcode: str, inputs: list[str], out: Spec, options: str | None = None,
           output: bool = True, **values: Any) -> str:
        o = self.t(out)
        self.ops.append(Op(opcode, tuple(inputs), (o,), options, tuple(values.items())))
        if output:
            self.outputs.append(o)
            self.names.append(label)
        return o


def _q(dtype: str, q: tuple[float, int] | None) -> dict:
    return {} if q is None else {"scale": q[0], "zero_point": q[1]}


def _family(b: Builder, x: str, dtype: str, q: tuple | None, idx: str) -> None:
    """The operators every type shares, on input x of SHAPE."""
    s = lambda shape, qq=q, dt=dtype: Spec(shape, dt, **_q(dt, qq))  # noqa: E731
    b.op(f"reverse_{dtype}", "REVERSE_V2", [x, b.const([1, 2])], s(SHAPE))
    b.op(f"resize_nearest_{dtype}", "RESIZE_NEAREST_NEIGHBOR", [x, b.const([5, 9])], s((1, 5, 9, 4)),
         "ResizeNearestNeighborOptions", halfPixelCenters=True)
    upd = b.const(RNG.integers(-50, 50, (1, 2, 3, 4)), dtype) if dtype != "float32" else \
        b.const(RNG.uniform(-1, 1, (1, 2, 3, 4)), "float32")
    b.tensors[upd] = Spec((1, 2, 3, 4), dtype, **_q(dtype, q), data=b.tensors[upd].data)
    b.op(f"dynamic_update_slice_{dtype}", "DYNAMIC_UPDATE_SLICE", [x, upd, idx], s(SHAPE))
    sum_q = None if q is None else (q[0] * 3, 0 if dtype == "int16" else -1)
    b.op(f"sum_{dtype}", "SUM", [x, b.const([2])], s((1, 4, 4), sum_q), "ReducerOptions", keepDims=False)
    mm_q = None if q is None else (q[0] * 4, 0 if dtype == "int16" else 2)
    b.op(f"batch_matmul_{dtype}", "BATCH_MATMUL", [x, x], s((1, 4, 6, 6), mm_q), "BatchMatMulOptions", adjY=True)
    in_c, out_c = SHAPE[3], 3
    w = RNG.integers(-127, 128, (out_c, 3, 3, in_c))
    if dtype == "float32":
        wt, bias = b.const(w / 100.0, "float32"), b.const(RNG.uniform(-1, 1, out_c), "float32")
    else:
        wt = b.t(Spec(w.shape, "int8", data=w, channel_scales=tuple(RNG.uniform(0.002, 0.01, out_c)),
                      channel_zero_points=(0,) * out_c))
        bias = b.const(RNG.integers(-500, 500, out_c), "int32" if dtype == "int8" else "int64")
    tq = None if q is None else (0.1, -2 if dtype == "int8" else 0)
    b.op(f"transpose_conv_{dtype}", "TRANSPOSE_CONV", [b.const([1, 8, 12, out_c]), wt, x, bias],
         s((1, 8, 12, out_c), tq), "TransposeConvOptions", padding=fb.Padding.SAME, strideH=2, strideW=2,
         fusedActivationFunction=fb.ActivationFunctionType.RELU)


def _int8_and_float(b: Builder, x: str, dtype: str, q: tuple | None) -> None:
    """The operators TFLM runs in int8 and float32 but not int16."""
    s = lambda shape, qq=q: Spec(shape, dtype, **_q(dtype, qq))  # noqa: E731
    b.op(f"reduce_max_{dtype}", "REDUCE_MAX", [x, b.const([1, 2])], s((1, 1, 1, 4)), "ReducerOptions", keepDims=True)
    b.op(f"reduce_min_{dtype}", "REDUCE_MIN", [x, b.const([-1])], s((1, 4, 6)), "ReducerOptions", keepDims=False)
    b.op(f"arg_max_{dtype}", "ARG_MAX", [x, b.const(3)], Spec((1, 4, 6), "int32"), "ArgMaxOptions", outputType=2)
    b.op(f"arg_min_{dtype}", "ARG_MIN", [x, b.const(1)], Spec((1, 6, 4), "int32"), "ArgMinOptions", outputType=2)
    b.op(f"cumsum_{dtype}", "CUMSUM", [x, b.const(2)], s(SHAPE, None if q is None else (0.3, 0)), "CumsumOptions",
         exclusive=True, reverse=True)
    b.op(f"depth_to_space_{dtype}", "DEPTH_TO_SPACE", [x], s((1, 8, 12, 1)), "DepthToSpaceOptions", blockSize=2)
    b.op(f"space_to_depth_{dtype}", "SPACE_TO_DEPTH", [x], s((1, 2, 3, 16)), "SpaceToDepthOptions", blockSize=2)
    # no padding here: TFLM pads with a value it never initialises (see test_space_batch.py)
    s2b = b.op(f"space_to_batch_nd_{dtype}", "SPACE_TO_BATCH_ND", [x, b.const([2, 2]), b.const([[0, 0], [0, 0]])],
               s((4, 2, 3, 4)))
    b.op(f"batch_to_space_nd_{dtype}", "BATCH_TO_SPACE_ND", [s2b, b.const([2, 2]), b.const([[1, 0], [0, 1]])],
         s((1, 3, 5, 4)))
    b.op(f"mirror_pad_{dtype}", "MIRROR_PAD", [x, b.const([[0, 0], [1, 2], [2, 1], [0, 0]])], s((1, 7, 9, 4)),
         "MirrorPadOptions", mode=0 if dtype == "int8" else 1)
    b.op(f"resize_bilinear_{dtype}", "RESIZE_BILINEAR", [x, b.const([7, 9])], s((1, 7, 9, 4)),
         "ResizeBilinearOptions", halfPixelCenters=dtype == "int8", alignCorners=dtype != "int8")
    b.op(f"l2_normalization_{dtype}", "L2_NORMALIZATION", [x], s(SHAPE, None if q is None else (1 / 128, 0)))
    b.op(f"gather_nd_{dtype}", "GATHER_ND", [x, b.const([[0, 1], [0, 3]])], s((2, 6, 4)))
    table = b.op(f"reshape_{dtype}", "RESHAPE", [x, b.const([4, 24])], s((4, 24)), output=False)
    b.op(f"embedding_lookup_{dtype}", "EMBEDDING_LOOKUP", [b.const([3, 0, 2, 2]), table], s((4, 24)))


def group_model() -> tuple[bytes, list[str]]:
    """The model and the operator label of each of its outputs."""
    b = Builder()
    x8 = b.t(Spec(SHAPE, "int8", *Q8))
    x16 = b.t(Spec(SHAPE, "int16", *Q16))
    xf = b.t(Spec(SHAPE, "float32"))
    flags = b.t(Spec((1, 3, 5), "bool"))
    idx = b.t(Spec((4,), "int32"))
    for x, dtype, q in ((x8, "int8", Q8), (x16, "int16", Q16), (xf, "float32", None)):
        _family(b, x, dtype, q, idx)
    for x, dtype, q in ((x8, "int8", Q8), (xf, "float32", None)):
        _int8_and_float(b, x, dtype, q)
    b.op("reduce_all_bool", "REDUCE_ALL", [flags, b.const([2])], Spec((1, 3), "bool"), "ReducerOptions")
    b.op("l2_pool_2d_float32", "L2_POOL_2D", [xf], Spec((1, 2, 3, 4), "float32"), "Pool2DOptions",
         padding=fb.Padding.SAME, strideH=2, strideW=2, filterHeight=3, filterWidth=3,
         fusedActivationFunction=fb.ActivationFunctionType.RELU6)
    # the hybrid lookup needs an int8 table with zero point 0: the int8 L2_NORMALIZATION's output
    table = b.op("reshape_unit", "RESHAPE", [b.outputs[b.names.index("l2_normalization_int8")], b.const([4, 24])],
                 Spec((4, 24), "int8", 1 / 128, 0), output=False)
    b.op("embedding_lookup_int8_to_float32", "EMBEDDING_LOOKUP", [b.const([1, 3, 3, 0]), table],
         Spec((4, 24), "float32"))
    return graph(b.tensors, b.ops, [x8, x16, xf, flags, idx], b.outputs, "ops-b group on the M4"), b.names


def test_group_model_covers_every_operator():
    from codegen.tflite import read_model_bytes
    model, _ = group_model()
    ops = {op.opcode for op in read_model_bytes(model).main.operators} - {"RESHAPE"}
    assert ops == {"REDUCE_MAX", "REDUCE_MIN", "SUM", "REDUCE_ALL", "ARG_MAX", "ARG_MIN", "CUMSUM", "DEPTH_TO_SPACE",
                   "SPACE_TO_DEPTH", "SPACE_TO_BATCH_ND", "BATCH_TO_SPACE_ND", "MIRROR_PAD", "REVERSE_V2",
                   "RESIZE_BILINEAR", "RESIZE_NEAREST_NEIGHBOR", "L2_NORMALIZATION", "L2_POOL_2D", "GATHER_ND",
                   "EMBEDDING_LOOKUP", "DYNAMIC_UPDATE_SLICE", "BATCH_MATMUL", "TRANSPOSE_CONV"}


def _mismatches(names: list[str], got: list[np.ndarray], want: list[np.ndarray]) -> list[str]:
    bad = []
    for name, g, w in zip(names, got, want):
        w = np.asarray(w).reshape(g.shape)
        if g.dtype.kind == "f":
            ok = bool(np.all(np.abs(g.astype(np.float64) - w) <= FLOAT_RTOL * np.maximum(1.0, np.abs(w))))
        else:
            ok = np.array_equal(g, w)
        if not ok:
            bad.append(name)
    return bad


def test_group_model_bit_exact_on_host():
    """The same model on the host build first (fast, names the operator that disagrees)."""
    from codegen.reference import random_inputs
    from support.compare import host_and_reference
    model, names = group_model()
    rng = np.random.default_rng(0)
    with host_and_reference(model, "ops_b_group") as (compiled, host, ref):
        for _ in range(3):
            xs = random_inputs(compiled.inputs, rng)
            assert _mismatches(names, host.run(xs), ref.run(xs)) == []


@pytest.mark.qemu
def test_group_model_bit_exact_on_emulated_cortex_m4(tmp_path):
    from codegen.reference import TflmReference, random_inputs
    from support.device_compare import run_on_device
    from support.firmware import built
    model, names = group_model()
    path = tmp_path / "ops_b_group.tflite"
    path.write_bytes(model)
    project, fw = built("mps2-an386", path, root=tmp_path)
    rng = np.random.default_rng(1)
    sets = [random_inputs(project.compiled.inputs, rng) for _ in range(3)]
    ref = TflmReference(model)
    for xs, got in zip(sets, run_on_device(project, fw, sets)):
        assert _mismatches(names, got, ref.run(xs)) == []
