"""What the model-preparation tests share: one tiny float Keras CNN trained on scikit-learn's digits
(a few seconds, once per session), saved as .keras, .h5 and a SavedModel, with its data.

The default suite keeps the TensorFlow work to this one small model and a handful of conversions;
the end-to-end example is marked ``slow`` (``-m slow``).
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pytest


@dataclass(frozen=True)
class TinyModel:
    keras_path: Path
    h5_path: Path
    saved_model: Path
    calib: Path        # .npz, x (float)
    train: Path        # .npz, x, y
    test: Path         # .npz, x, y (held out)
    float_accuracy: float


def digits(seed: int = 1234) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    from sklearn.datasets import load_digits
    d = load_digits()
    x = (d.images.astype(np.float32) / 16.0)[..., None]
    y = d.target.astype(np.int64)
    order = np.random.default_rng(seed).permutation(len(x))
    x, y = x[order], y[order]
    return x[297:], y[297:], x[:297], y[:297]


def tiny_cnn(keras, width: int = 4):
    inp = keras.Input(shape=(8, 8, 1), name="image")
    h = keras.layers.Conv2D(width, 3, padding="same", activation="relu")(inp)
    h = keras.layers.MaxPooling2D(2)(h)
    h = keras.layers.Conv2D(2 * width, 3, padding="same", activation="relu")(h)
    h = keras.layers.MaxPooling2D(2)(h)
    h = keras.layers.Flatten()(h)
    h = keras.layers.Dense(10)(h)
    return keras.Model(inp, keras.layers.Softmax()(h), name="tiny")


@pytest.fixture(scope="session")
def tiny(tmp_path_factory) -> TinyModel:
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    from codegen.prep.source import quiet_native, tensorflow
    tensorflow()
    import keras
    out = tmp_path_factory.mktemp("prep-tiny")
    x_train, y_train, x_test, y_test = digits()
    keras.utils.set_random_seed(0)
    model = tiny_cnn(keras)
    model.compile(optimizer=keras.optimizers.Adam(1e-2), loss="sparse_categorical_crossentropy",
                  metrics=["accuracy"])
    model.fit(x_train, y_train, epochs=3, batch_size=64, verbose=0)
    _, acc = model.evaluate(x_test, y_test, verbose=0)
    model.save(out / "tiny.keras")
    model.save(out / "tiny.h5")
    with quiet_native():
        model.export(str(out / "tiny_savedmodel"))
    np.savez(out / "calib.npz", x=x_train[:100])
    np.savez(out / "train.npz", x=x_train[:600], y=y_train[:600])
    np.savez(out / "test.npz", x=x_test, y=y_test)
    return TinyModel(out / "tiny.keras", out / "tiny.h5", out / "tiny_savedmodel", out / "calib.npz",
                     out / "train.npz", out / "test.npz", float(acc))
