"""``conv1d``: a 1-D convolutional net for time series (accelerometer windows, audio frames),
searched along its width, depth and kernel size.

Layout: `depth` blocks of Conv1D(f_i) + BN + ReLU + MaxPool1D(2) (while the sequence is at least 4
long) -> global average pooling -> [Dropout] -> Dense(classes) -> Softmax, with f_i = round(filters x
width x 2^i), at least 4 and a multiple of 4. A (T,) input is read as T steps of one channel.
Converted, Conv1D becomes CONV_2D between RESHAPEs (TFLite has no 1-D convolution).
"""

from __future__ import annotations

from typing import Any, Mapping

from codegen.tune.families import Family, FamilyParam, Scalar, ValueKind, register
from codegen.tune.families.dscnn import bn_relu, scaled


def build(params: Mapping[str, Scalar], input_shape: tuple[int, ...], classes: int) -> Any:
    import keras
    from keras import layers
    width, depth, kernel = float(params["width"]), int(params["depth"]), int(params["kernel"])
    filters, dropout = int(params["filters"]), float(params["dropout"])
    inp = keras.Input(shape=input_shape, name="input")
    x = inp if len(input_shape) == 2 else layers.Reshape((input_shape[0], 1))(inp)
    steps = input_shape[0]
    for i in range(depth):
        x = layers.Conv1D(scaled(filters * 2 ** i, width), kernel, padding="same", use_bias=False)(x)
        x = bn_relu(layers, x)
        if steps >= 4:
            x = layers.MaxPooling1D(2)(x)
            steps //= 2
    x = layers.GlobalAveragePooling1D()(x)
    if dropout > 0:
        x = layers.Dropout(dropout)(x)
    x = layers.Dense(classes, name="logits")(x)
    return keras.Model(inp, layers.Softmax(name="probabilities")(x), name="conv1d")


FAMILY = register(Family(
    name="conv1d", summary="1-D conv net for time series",
    params=(
        FamilyParam("width", ValueKind.FLOAT, 1.0, "width multiplier of every layer's filters", low=0.0, high=8.0,
                    low_open=True),
        FamilyParam("depth", ValueKind.INT, 2, "convolution blocks", low=1, high=8),
        FamilyParam("kernel", ValueKind.INT, 5, "kernel length", low=1, high=64),
        FamilyParam("filters", ValueKind.INT, 16, "filters of the first block at width 1 (doubling per block)",
                    low=1, high=1024),
        FamilyParam("dropout", ValueKind.FLOAT, 0.0, "dropout before the classifier", low=0.0, high=0.9),
    ),
    build=build, input_ranks=(1, 2)))
