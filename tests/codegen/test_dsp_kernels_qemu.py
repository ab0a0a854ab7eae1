"""The dsp kernel variant built for the emulated cores with the DSP extension (Cortex-M4 mps2-an386,
M7 mps2-an500, M33 mps2-an505, M55 mps3-an547) against the TFLM interpreter, through the device
protocol: every output identical on random inputs. The host suite runs the same kernels compiled for
the build machine (portable C for the few hand-scheduled loops); these runs prove the ARM build,
inline assembly included.

keyword_spotting and anomaly_detection run by default (a few seconds each); image_classification
and visual_wake_words are marked slow (`-m slow`): together about a minute more, most of it moving
visual_wake_words' 108 KB float input over the emulated UART."""

from __future__ import annotations

from pathlib import Path

import pytest

from codegen.pio.project import kernel_variant
from support.device_compare import compare_on_device
from support.firmware import built
from support.paths import SHARED_MODELS
from support.tfmodels import Case, convert_with

DSP_BOARDS = ("mps2-an386", "mps2-an500", "mps2-an505", "mps3-an547")


def _check(project, fw, samples: int = 3) -> None:
    assert kernel_variant(project.board, project.options) == "dsp"
    assert any("kernels/dsp/" in str(s) for s in project.sources)
    res = compare_on_device(project, fw, samples=samples)
    assert res.mismatches == 0, res


@pytest.mark.qemu
@pytest.mark.parametrize("board,name", [("mps2-an386", "keyword_spotting"), ("mps2-an386", "anomaly_detection")]
                         + [(b, "keyword_spotting") for b in DSP_BOARDS[1:]])
def test_mlperf_tiny_dsp_kernels_match_tflm(board: str, name: str, tmp_path: Path) -> None:
    # kernels=dsp: the M55 (mps3-an547) builds the mve kernels unless told otherwise
    _check(*built(board, SHARED_MODELS / f"{name}.tflite", kernels="dsp", root=tmp_path))


@pytest.mark.qemu
@pytest.mark.slow
@pytest.mark.parametrize("name", ["image_classification", "visual_wake_words"])
def test_mlperf_tiny_dsp_kernels_match_tflm_slow(name: str, tmp_path: Path) -> None:
    _check(*built("mps2-an386", SHARED_MODELS / f"{name}.tflite", root=tmp_path))


def _corner_cases(tf):
    """One model over the paths the MLPerf models leave out on ARM: a long convolution window
    (K = 360: two pixels over raw words) with an odd pixel count (the last pixel alone), a strided
    depthwise 3x3 crossing the border, and a fully connected layer with an input tail (30 inputs)
    and 17 rows (two 4-pair tiles in assembly, then a 1-pair tile)."""
    inp = tf.keras.Input((7, 9, 40), batch_size=1)
    x = tf.keras.layers.Conv2D(12, 3, padding="same", activation="relu")(inp)
    x = tf.keras.layers.DepthwiseConv2D(3, strides=2, padding="same", activation="relu6")(x)
    x = tf.keras.layers.Conv2D(8, 1)(x)
    x = tf.keras.layers.Flatten()(x)
    x = tf.keras.layers.Dense(30, activation="relu")(x)
    return tf.keras.Model(inp, tf.keras.layers.Dense(17)(x))


@pytest.mark.qemu
def test_dsp_corner_cases_match_tflm_on_cortex_m4(tmp_path: Path) -> None:
    model = tmp_path / "dsp_corner_cases.tflite"
    model.write_bytes(convert_with(Case("dsp_corner_cases", _corner_cases, ((7, 9, 40),)), "int8"))
    _check(*built("mps2-an386", model, root=tmp_path), samples=4)


def _first_layers(tf):
    """The assembly paths the MLPerf models take in other shapes: a 3-channel first convolution
    (window rows padded to whole blocks, stride 2, pairs in assembly beside border and odd pixels),
    the planar depthwise kernel without activation (MF_DSP_RQ_FAST) over a plane whose last strip
    is partial (a tail of 1 to 3 outputs), at stride 1 and 2, then a pointwise convolution over an odd pixel count and a
    3x3 convolution whose last tile has 2 rows (C beside the assembly)."""
    inp = tf.keras.Input((33, 27, 3), batch_size=1)
    x = tf.keras.layers.Conv2D(8, 3, strides=2, padding="same", activation="relu")(inp)
    x = tf.keras.layers.DepthwiseConv2D(3, padding="same")(x)
    x = tf.keras.layers.Conv2D(12, 1, activation="relu")(x)
    x = tf.keras.layers.DepthwiseConv2D(3, strides=2, padding="same", activation="relu")(x)
    x = tf.keras.layers.Conv2D(12, 1)(x)
    x = tf.keras.layers.Conv2D(6, 3, padding="same", activation="relu")(x)
    x = tf.keras.layers.Flatten()(x)
    return tf.keras.Model(inp, tf.keras.layers.Dense(10)(x))


@pytest.mark.qemu
def test_dsp_first_layers_match_tflm_on_cortex_m4(tmp_path: Path) -> None:
    from codegen.ops import dsp_pack
    from support.variants import dsp_params

    tflite = convert_with(Case("dsp_first_layers", _first_layers, ((33, 27, 3),)), "int8")
    dw = dsp_params(tflite, "mf_depthwise_conv2d_s8")
    assert {(p["dsp_path"], dict(p["geo"].fields)["stride_h"]) for p in dw} == {(dsp_pack.DW_PLANAR, 1),
                                                                                 (dsp_pack.DW_PLANAR, 2)}
    assert dsp_pack.RQ_FAST in {p["dsp_requant"] for p in dw}
    model = tmp_path / "dsp_first_layers.tflite"
    model.write_bytes(tflite)
    _check(*built("mps2-an386", model, root=tmp_path), samples=4)


@pytest.mark.qemu
def test_micro_speech_dsp_kernels_match_tflm(tmp_path: Path) -> None:
    """micro_speech: its 4000->4 FULLY_CONNECTED sums row pairs in chunks (rows whose sum |W| reaches
    2^16), a first convolution of one input channel."""
    _check(*built("mps2-an386", SHARED_MODELS / "tflite_micro_speech.tflite", root=tmp_path))


@pytest.mark.qemu
@pytest.mark.parametrize("name", ["audio_example1", "tflite_micro_magic_wand"])
def test_narrow_inputs_dsp_kernels_match_tflm(name: str, tmp_path: Path) -> None:
    """audio_example1: a depthwise 7x7 of one input channel (x8) run as a CONV_2D; magic_wand: a
    convolution over a 3-pixel-wide, one-channel input in bands (every window row crosses the border
    as one run of bytes, assembled as a word), output pixels odd per band."""
    _check(*built("mps2-an386", SHARED_MODELS / f"{name}.tflite", root=tmp_path))


@pytest.mark.qemu
def test_reference_kernels_on_a_dsp_core_match_tflm(tmp_path: Path) -> None:
    """`kernels=reference` on a DSP core: the generator then writes the plain params (and the
    reference kernels are what the firmware links)."""
    project, fw = built("mps2-an386", SHARED_MODELS / "anomaly_detection.tflite", kernels="reference", root=tmp_path)
    assert not any("kernels/dsp/" in str(s) for s in project.sources)
    assert compare_on_device(project, fw, samples=2).mismatches == 0


def _planar_tails(tf):
    """The planar depthwise kernel's last strips the other models leave out on ARM: 3 outputs at
    stride 1 (FAST), 2 at stride 2 (one shift), 3 at stride 2 (FAST)."""
    inp = tf.keras.Input((27, 27, 8), batch_size=1)
    x = tf.keras.layers.DepthwiseConv2D(3, padding="same")(inp)
    x = tf.keras.layers.DepthwiseConv2D(3, strides=2, padding="same", activation="relu")(x)
    x = tf.keras.layers.DepthwiseConv2D(3, strides=2, padding="same")(x)
    x = tf.keras.layers.Flatten()(x)
    return tf.keras.Model(inp, tf.keras.layers.Dense(10)(x))


@pytest.mark.qemu
def test_dsp_planar_tails_match_tflm_on_cortex_m4(tmp_path: Path) -> None:
    from codegen.ops import dsp_pack
    from support.variants import dsp_params

    tflite = convert_with(Case("dsp_planar_tails", _planar_tails, ((27, 27, 8),)), "int8")
    tails = set()
    for p in dsp_params(tflite, "mf_depthwise_conv2d_s8"):
        g = dict(p["geo"].fields)
        assert p["dsp_path"] == dsp_pack.DW_PLANAR
        tails.add((g["stride_h"], (g["out_h"] if p["dsp_transposed"] else g["out_w"]) % 4))
    assert tails == {(1, 3), (2, 2), (2, 3)}
    model = tmp_path / "dsp_planar_tails.tflite"
    model.write_bytes(tflite)
    _check(*built("mps2-an386", model, root=tmp_path), samples=4)
