"""The teacher and the data of the tune example, offline: scikit-learn's bundled 8x8 digits (1,500 to
train on, 297 held out: the split of examples/digits and scripts/make_default_model.py) and a float
Keras CNN trained on them (examples/digits' architecture, twice as wide):

    OUT/train.npz      x (1500x8x8x1 float, in [0, 1]), y
    OUT/val.npz        x, y: the 297 held-out digits (every trial runs them on the board)
    OUT/calib.npz      x: 300 training images (the teacher's representative dataset)
    OUT/teacher.keras  the teacher

    .venv/bin/python examples/tune-digits/teacher.py --out build/examples/tune-digits
"""

from __future__ import annotations

import argparse
import os
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import numpy as np  # noqa: E402

SEED = 1234


def load_digits() -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    from sklearn.datasets import load_digits as sk_digits
    d = sk_digits()
    x = (d.images.astype(np.float32) / 16.0)[..., None]
    y = d.target.astype(np.int64)
    order = np.random.default_rng(SEED).permutation(len(x))
    x, y = x[order], y[order]
    return x[297:], y[297:], x[:297], y[:297]


def teacher_model(width: int = 32):
    import keras
    inp = keras.Input(shape=(8, 8, 1), name="image")
    h = keras.layers.Conv2D(width, 3, padding="same", activation="relu")(inp)
    h = keras.layers.MaxPooling2D(2)(h)
    h = keras.layers.Conv2D(2 * width, 3, padding="same", activation="relu")(h)
    h = keras.layers.MaxPooling2D(2)(h)
    h = keras.layers.Flatten()(h)
    h = keras.layers.Dense(128, activation="relu")(h)
    h = keras.layers.Dense(10)(h)
    return keras.Model(inp, keras.layers.Softmax(name="probabilities")(h), name="teacher")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--out", type=Path, required=True)
    ap.add_argument("--epochs", type=int, default=40)
    a = ap.parse_args()
    import keras
    keras.utils.set_random_seed(SEED)
    x_train, y_train, x_val, y_val = load_digits()
    model = teacher_model()
    model.compile(optimizer=keras.optimizers.Adam(2e-3), loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    model.fit(x_train, y_train, epochs=a.epochs, batch_size=32, verbose=0)
    _, acc = model.evaluate(x_val, y_val, verbose=0)
    a.out.mkdir(parents=True, exist_ok=True)
    model.save(a.out / "teacher.keras")
    np.savez(a.out / "train.npz", x=x_train, y=y_train)
    np.savez(a.out / "val.npz", x=x_val, y=y_val)
    np.savez(a.out / "calib.npz", x=x_train[:300])
    print(f"teacher: {model.count_params():,} parameters, float accuracy {acc:.3f} on {len(x_val)} held-out digits; "
          f"wrote {a.out}/teacher.keras, train.npz, val.npz, calib.npz")


if __name__ == "__main__":
    main()
