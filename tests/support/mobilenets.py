"""MobileNets from ``keras.applications`` (random weights: ``weights=None``), fixed batch 1, int8 I/O:
the models issue 15's patch-based inference is measured on. Converted once and cached like every
TensorFlow-built test model (support.tfmodels)."""

from __future__ import annotations

from typing import Any

from support.tfmodels import Case, convert

SHAPE = (96, 96, 3)
CLASSES = 2  # the Visual Wake Words head: a person or not; logits (with random weights they span so
# little that a SOFTMAX's input scale is out of TFLM's range: mcuforge refuses such a model)


def _batch1(tf: Any, net: Any) -> Any:
    x = tf.keras.Input(SHAPE, batch_size=1)
    return tf.keras.Model(x, net(x))


MOBILENET_V2_035 = Case(
    "mobilenet_v2_a035_96",
    lambda tf: _batch1(tf, tf.keras.applications.MobileNetV2(input_shape=SHAPE, alpha=0.35, weights=None,
                                                             classes=CLASSES, classifier_activation=None)),
    inputs=(SHAPE,), version=2)

MOBILENET_V1_025 = Case(
    "mobilenet_v1_a025_96",
    lambda tf: _batch1(tf, tf.keras.applications.MobileNet(input_shape=SHAPE, alpha=0.25, weights=None,
                                                           classes=CLASSES, classifier_activation=None)),
    inputs=(SHAPE,), version=2)


def mobilenet_v2() -> bytes:
    """MobileNetV2, alpha 0.35, 96x96x3, int8 (cached .tflite bytes)."""
    return convert(MOBILENET_V2_035, "int8")


def mobilenet_v1() -> bytes:
    """MobileNetV1, alpha 0.25, 96x96x3, int8 (cached .tflite bytes)."""
    return convert(MOBILENET_V1_025, "int8")
