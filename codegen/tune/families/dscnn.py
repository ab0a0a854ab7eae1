"""``dscnn``: a depthwise-separable CNN for images and spectrograms (MobileNet's blocks, as in the
keyword-spotting DS-CNN), searched along its width multiplier, depth, kernel size and input resolution.

Layout: [Resizing to the resolution] -> Conv2D(c) + BN + ReLU -> `depth` blocks of DepthwiseConv2D +
BN + ReLU + 1x1 Conv2D + BN + ReLU -> global average pooling -> [Dropout] -> Dense(classes) -> Softmax.
c = round(channels x width), at least 4 and a multiple of 4. The first convolution has stride 2 when
the (resized) input is at least 32 pixels on its short side; every even-numbered block (0, 2, ...)
halves the resolution while the short side stays at least 2 and doubles the channels. BatchNorm folds
into the convolutions when converted, so the deployed model holds CONV_2D, DEPTHWISE_CONV_2D, MEAN,
FULLY_CONNECTED and SOFTMAX (and RESIZE_BILINEAR below a resolution of 1).
"""

from __future__ import annotations

from typing import Any, Mapping

from codegen.tune.families import Family, FamilyParam, Scalar, ValueKind, register


def scaled(channels: int, width: float) -> int:
    """Channels at a width multiplier: a multiple of 4, at least 4."""
    return max(4, int(round(channels * width / 4)) * 4)


def resized(shape: tuple[int, ...], resolution: float) -> tuple[int, int]:
    h, w = shape[0], shape[1]
    return max(1, round(h * resolution)), max(1, round(w * resolution))


def bn_relu(layers: Any, x: Any) -> Any:
    """BatchNormalization (folded into the convolution before it when converted) and ReLU. Momentum 0.9:
    a brief training run has few steps, and Keras' default 0.99 leaves the moving statistics far from
    the data's."""
    return layers.ReLU()(layers.BatchNormalization(momentum=0.9)(x))


def build(params: Mapping[str, Scalar], input_shape: tuple[int, ...], classes: int) -> Any:
    import keras
    from keras import layers
    width, depth, kernel = float(params["width"]), int(params["depth"]), int(params["kernel"])
    resolution, channels, dropout = float(params["resolution"]), int(params["channels"]), float(params["dropout"])
    inp = keras.Input(shape=input_shape, name="input")
    x = inp if len(input_shape) == 3 else layers.Reshape((*input_shape, 1))(inp)
    h, w = resized(tuple(input_shape), resolution)
    if (h, w) != tuple(input_shape[:2]):
        x = layers.Resizing(h, w, interpolation="bilinear")(x)
    c = scaled(channels, width)
    stride = 2 if min(h, w) >= 32 else 1
    x = layers.Conv2D(c, kernel, strides=stride, padding="same", use_bias=False)(x)
    x = bn_relu(layers, x)
    side = -(-min(h, w) // stride)
    for i in range(depth):
        s = 2 if i % 2 == 0 and side >= 4 else 1
        if s == 2:
            c, side = c * 2, -(-side // 2)
        x = layers.DepthwiseConv2D(kernel, strides=s, padding="same", use_bias=False)(x)
        x = bn_relu(layers, x)
        x = layers.Conv2D(c, 1, use_bias=False)(x)
        x = bn_relu(layers, x)
    x = layers.GlobalAveragePooling2D()(x)
    if dropout > 0:
        x = layers.Dropout(dropout)(x)
    x = layers.Dense(classes, name="logits")(x)
    return keras.Model(inp, layers.Softmax(name="probabilities")(x), name="dscnn")


FAMILY = register(Family(
    name="dscnn", summary="depthwise-separable CNN for images and spectrograms",
    params=(
        FamilyParam("width", ValueKind.FLOAT, 0.5, "width multiplier of every layer's channels", low=0.0,
                    high=8.0, low_open=True),
        FamilyParam("depth", ValueKind.INT, 2, "depthwise-separable blocks", low=0, high=12),
        FamilyParam("kernel", ValueKind.CHOICE, 3, "kernel size of the first and the depthwise convolutions",
                    choices=(1, 3, 5, 7)),
        FamilyParam("resolution", ValueKind.FLOAT, 1.0, "input resolution as a fraction of the data's "
                    "(the model resizes its input)", low=0.0, high=1.0, low_open=True),
        FamilyParam("channels", ValueKind.INT, 32, "channels of the first convolution at width 1", low=1, high=1024),
        FamilyParam("dropout", ValueKind.FLOAT, 0.0, "dropout before the classifier", low=0.0, high=0.9),
    ),
    build=build, input_ranks=(2, 3)))
