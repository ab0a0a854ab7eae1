"""``mlp``: a multi-layer perceptron on the flattened input (features, small images), searched along
its hidden units and depth.

Layout: [Flatten] -> `depth` x (Dense(units) + ReLU) -> [Dropout] -> Dense(classes) -> Softmax;
converted: FULLY_CONNECTED layers and SOFTMAX.
"""

from __future__ import annotations

from typing import Any, Mapping

from codegen.tune.families import Family, FamilyParam, Scalar, ValueKind, register


def build(params: Mapping[str, Scalar], input_shape: tuple[int, ...], classes: int) -> Any:
    import keras
    from keras import layers
    units, depth, dropout = int(params["units"]), int(params["depth"]), float(params["dropout"])
    inp = keras.Input(shape=input_shape, name="input")
    x = layers.Flatten()(inp) if len(input_shape) > 1 else inp
    for _ in range(depth):
        x = layers.Dense(units, activation="relu")(x)
    if dropout > 0:
        x = layers.Dropout(dropout)(x)
    x = layers.Dense(classes, name="logits")(x)
    return keras.Model(inp, layers.Softmax(name="probabilities")(x), name="mlp")


FAMILY = register(Family(
    name="mlp", summary="multi-layer perceptron",
    params=(
        FamilyParam("units", ValueKind.INT, 64, "units of each hidden layer", low=1, high=8192),
        FamilyParam("depth", ValueKind.INT, 1, "hidden layers", low=0, high=8),
        FamilyParam("dropout", ValueKind.FLOAT, 0.0, "dropout before the classifier", low=0.0, high=0.9),
    ),
    build=build, input_ranks=(1, 2, 3)))
