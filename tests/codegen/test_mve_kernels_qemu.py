"""The mve kernel variant (Helium, firmware/kernels/mve/, else dsp's, else the reference's) built for
the emulated Cortex-M55 (mps3-an547, which the core data gives MVE) against the TFLM interpreter,
through the device protocol: every output identical on random inputs. The host suite runs the mve
kernels' portable C (the same arithmetic, for the mve parameter layout); these runs prove the
vector code.

Three firmwares: one model of FULLY_CONNECTED shapes side by side (input rows of 16 bytes and with
tails, row counts with and without a remainder of 4, batches, per-tensor and per-channel, left and
right shifts, requantisation ties, weights with a zero point), 1x1 CONV_2Ds at stride 1 (which the
mve layout runs as that GEMM) and other CONV_2Ds (the window GEMM: 3x3 SAME with every border,
stride 2, a strided 1x1, a dilated 3x2 over 3 channels, strides (2, 3) with padding after the last
column; window lengths with tails, odd pixel counts, row counts with a remainder of 4), ADD of
equal shapes with a predicated tail, ADD broadcast by channel and SUB broadcast the other way, ADD/SUB of one value per pixel,
anomaly_detection (FULLY_CONNECTED layers only) and keyword_spotting (its first convolution on the
window GEMM)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from codegen.pio.project import kernel_variant
from support.device_compare import compare_on_device
from support.firmware import built
from support.paths import SHARED_MODELS
from codegen.tflite.schema import fb
from support.tflite_build import Op, Spec, graph

BOARD = "mps3-an547"


def _check(project, fw, samples: int) -> None:
    assert kernel_variant(project.board, project.options) == "mve"
    assert any("kernels/mve/mf_fully_connected_s8.c" in str(s) for s in project.sources)
    res = compare_on_device(project, fw, samples=samples)
    assert res.mismatches == 0, res


def _fc(name: str, inp: str, rows: int, depth: int, in_scale: float, out: Spec, rng: np.random.Generator,
        w_scale: float | tuple[float, ...], w_zp: int = 0, act: str = "NONE", keep_dims: bool = False) -> tuple[dict[str, Spec], Op]:
    """One FULLY_CONNECTED `inp` -> `name` with random weights and bias (per-channel when w_scale
    is a tuple)."""
    w = rng.integers(-127, 128, (rows, depth))
    if isinstance(w_scale, tuple):
        wspec = Spec((rows, depth), "int8", data=w, channel_scales=w_scale)
        bscales = tuple(in_scale * s for s in w_scale)
        bspec = Spec((rows,), "int32", data=rng.integers(-3000, 3000, rows), channel_scales=bscales)
    else:
        wspec = Spec((rows, depth), "int8", w_scale, w_zp, w)
        bspec = Spec((rows,), "int32", in_scale * w_scale, 0, rng.integers(-3000, 3000, rows))
    tensors = {f"{name}_w": wspec, f"{name}_b": bspec, name: out}
    op = Op("FULLY_CONNECTED", (inp, f"{name}_w", f"{name}_b"), (name,), "FullyConnectedOptions",
            (("fusedActivationFunction", getattr(fb.ActivationFunctionType, act)), ("keepNumDims", keep_dims)))
    return tensors, op


def _conv(name: str, inp: str, in_c: int, out_c: int, in_scale: float, out: Spec, rng: np.random.Generator,
          act: str = "NONE", kernel: tuple[int, int] = (1, 1), stride: tuple[int, int] = (1, 1),
          dilation: tuple[int, int] = (1, 1), same: bool = False) -> tuple[dict[str, Spec], Op]:
    """One CONV_2D with per-channel weights (the mve layout runs a 1x1 at stride 1 as the
    FULLY_CONNECTED GEMM, any other as its window GEMM)."""
    scales = tuple(float(s) for s in np.linspace(0.002, 0.05, out_c))
    wshape = (out_c, *kernel, in_c)
    tensors = {f"{name}_w": Spec(wshape, "int8", data=rng.integers(-127, 128, wshape), channel_scales=scales),
               f"{name}_b": Spec((out_c,), "int32", data=rng.integers(-3000, 3000, out_c),
                                 channel_scales=tuple(in_scale * s for s in scales)),
               name: out}
    op = Op("CONV_2D", (inp, f"{name}_w", f"{name}_b"), (name,), "Conv2DOptions",
            (("padding", fb.Padding.SAME if same else fb.Padding.VALID), ("strideW", stride[1]),
             ("strideH", stride[0]), ("fusedActivationFunction", getattr(fb.ActivationFunctionType, act)),
             ("dilationWFactor", dilation[1]), ("dilationHFactor", dilation[0])))
    return tensors, op


def _add(name: str, a: str, b: str, out: Spec, act: str = "NONE", op: str = "ADD") -> tuple[dict[str, Spec], Op]:
    """One ADD (or SUB) of two activations (numpy broadcasting)."""
    options = "AddOptions" if op == "ADD" else "SubOptions"
    return {name: out}, Op(op, (a, b), (name,), options,
                           (("fusedActivationFunction", getattr(fb.ActivationFunctionType, act)),))


def _fc_shapes() -> bytes:
    rng = np.random.default_rng(19)
    tensors: dict[str, Spec] = {"x": Spec((1, 37), "int8", 0.5, -3), "y": Spec((1, 2, 16), "int8", 0.25, 7),
                                "z": Spec((1, 5, 7, 20), "int8", 0.1, 4), "u": Spec((1, 9, 11, 3), "int8", 0.2, -100),
                                "v": Spec((1, 1, 1, 20), "int8", 0.05, 9), "s": Spec((1, 5, 7, 1), "int8", 0.3, -40)}
    ops: list[Op] = []
    parts = [
        # 0.5 * 0.25 / 1.0 = 0.125 exactly (multiplier 2^30, shift -2): every accumulator = 4 mod 8
        # is a tie of the rounding shift; 37 inputs = two blocks and a tail of 5, 6 rows = 4 + 2
        _fc("ties", "x", 6, 37, 0.5, Spec((1, 6), "int8", 1.0, 5), rng, 0.25),
        # per-channel, relu, 19 rows (4 x 4 + 3), some channels shifting left (effective scale > 1)
        _fc("perchannel", "x", 19, 37, 0.5, Spec((1, 19), "int8", 0.4, -10), rng,
            tuple(float(s) for s in np.linspace(0.001, 2.0, 19)), act="RELU"),
        # a chain after the ties: 6 inputs (one predicated block only), relu6, 9 rows
        _fc("short", "ties", 9, 6, 1.0, Spec((1, 9), "int8", 0.05, -128), rng, 0.003, act="RELU6"),
        # two batches of exactly one 16-byte block, 64 rows
        _fc("batches", "y", 64, 16, 0.25, Spec((1, 2, 64), "int8", 0.7, 2), rng, 0.02, keep_dims=True),
        # weights with a zero point: the reference algorithm
        _fc("filter_zp", "x", 5, 37, 0.5, Spec((1, 5), "int8", 2.0, 0), rng, 0.01, w_zp=4),
        # 1x1 convolutions: 35 pixels of 20 channels (a block and a tail of 4) to 19 (4 x 4 + 3) and 16
        _conv("pointwise19", "z", 20, 19, 0.1, Spec((1, 5, 7, 19), "int8", 0.3, -5), rng, act="RELU6"),
        _conv("pointwise16", "z", 20, 16, 0.1, Spec((1, 5, 7, 16), "int8", 0.5, 3), rng),
        # window GEMMs: 3x3 SAME over 5x7 (every border; K = 180: 11 blocks and a tail of 4) to 19
        # rows (4 x 4 + 3), 35 pixels (the last alone)
        _conv("window3x3", "z", 20, 19, 0.1, Spec((1, 5, 7, 19), "int8", 1.5, -7), rng, kernel=(3, 3),
              same=True, act="RELU"),
        # 3x3 VALID at stride 2 (6 pixels) to 8 rows
        _conv("window_s2", "z", 20, 8, 0.1, Spec((1, 2, 3, 8), "int8", 1.0, 0), rng, kernel=(3, 3), stride=(2, 2)),
        # 1x1 at stride 2: not the FULLY_CONNECTED GEMM
        _conv("pointwise_s2", "z", 20, 6, 0.1, Spec((1, 3, 4, 6), "int8", 0.4, 2), rng, stride=(2, 2)),
        # 3 input channels (K = 18), a 3x2 window dilated by 2, SAME: 99 pixels, 5 rows (4 + 1)
        _conv("dilated", "u", 3, 5, 0.2, Spec((1, 9, 11, 5), "int8", 0.3, 10), rng, kernel=(3, 2),
              dilation=(2, 2), same=True),
        # 2x2 at strides (2, 3), SAME over 9x11 (padding after the last row): 5 x 4 pixels, 4 rows
        _conv("strided", "u", 3, 4, 0.2, Spec((1, 5, 4, 4), "int8", 0.1, -20), rng, kernel=(2, 2), stride=(2, 3),
              same=True, act="RELU6"),
        # ADD of two same-shaped tensors (35 x 19 = 665 elements: a predicated tail), relu
        _add("sum", "window3x3", "pointwise19", Spec((1, 5, 7, 19), "int8", 1.2, -3), act="RELU"),
        # broadcast by channel (20 channels: a tail of 4 per row) and SUB
        _add("by_channel", "z", "v", Spec((1, 5, 7, 20), "int8", 0.15, 6)),
        _add("difference", "v", "z", Spec((1, 5, 7, 20), "int8", 0.2, -2), op="SUB"),
        # one value per pixel against its 20 channels (an operand constant along the rows), both ways
        _add("by_pixel", "s", "z", Spec((1, 5, 7, 20), "int8", 0.35, 1), op="SUB", act="RELU6"),
        _add("by_pixel2", "z", "s", Spec((1, 5, 7, 20), "int8", 0.3, 0)),
    ]
    for t, op in parts:
        tensors.update(t)
        ops.append(op)
    return graph(tensors, ops, ["x", "y", "z", "u", "v", "s"],
                 ["ties", "perchannel", "short", "batches", "filter_zp", "pointwise19", "pointwise16", "window3x3",
                  "window_s2", "pointwise_s2", "dilated", "strided", "sum", "by_channel", "difference",
                  "by_pixel", "by_pixel2"])


@pytest.mark.qemu
def test_mve_kernels_match_tflm_on_cortex_m55(tmp_path: Path) -> None:
    """The FULLY_CONNECTED and 1x1 CONV_2D shapes, anomaly_detection and keyword_spotting (its
    pointwise layers on the mve GEMM, the rest on the dsp kernels), each one firmware on the
    emulated M55."""
    model = tmp_path / "mve_fc_shapes.tflite"
    model.write_bytes(_fc_shapes())
    project, fw = built(BOARD, model, root=tmp_path)
    assert {c.function for s in project.compiled.steps for c in s.calls} == {"mf_fully_connected_s8", "mf_conv2d_s8",
                                                                              "mf_add_s8"}
    assert all(any(f"kernels/mve/{k}.c" in str(s) for s in project.sources) for k in ("mf_conv2d_s8", "mf_add_s8"))
    _check(project, fw, samples=8)
    _check(*built(BOARD, SHARED_MODELS / "anomaly_detection.tflite", root=tmp_path), samples=3)
    _check(*built(BOARD, SHARED_MODELS / "keyword_spotting.tflite", root=tmp_path), samples=3)


@pytest.mark.qemu
@pytest.mark.slow
@pytest.mark.parametrize("name", ["image_classification", "visual_wake_words"])
def test_mve_kernels_match_tflm_on_cortex_m55_slow(name: str, tmp_path: Path) -> None:
    """The larger MLPerf Tiny models on the emulated M55: image_classification's 3x3 convolutions on
    the window GEMM and its residual ADDs, visual_wake_words' strided first convolution and pointwise
    layers (its depthwise layers on the dsp kernels)."""
    _check(*built(BOARD, SHARED_MODELS / f"{name}.tflite", root=tmp_path), samples=2)
