"""Train a small float Keras CNN on scikit-learn's bundled 8x8 digits (offline) and write what the rest
of the example needs:

    OUT/digits.keras   the float model (Keras 3), the input of `python -m codegen quantize`
    OUT/calib.npz      x: 300 training images (float), the representative dataset
    OUT/train.npz      x, y: the training split (the pruning fine-tune)
    OUT/test.npz       x, y: 297 held-out images (float) and labels, the evaluation data of `compare`

    .venv/bin/python examples/digits/train.py --out build/examples/digits [--epochs 40]
"""

from __future__ import annotations

import argparse
import os
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import numpy as np  # noqa: E402

SEED = 1234


def load_digits() -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """The 1,797 digits as 8x8x1 images in [0, 1]: 1,500 to train on, 297 held out (same split as
    scripts/make_default_model.py)."""
    from sklearn.datasets import load_digits as sk_digits
    d = sk_digits()
    x = (d.images.astype(np.float32) / 16.0)[..., None]
    y = d.target.astype(np.int64)
    order = np.random.default_rng(SEED).permutation(len(x))
    x, y = x[order], y[order]
    return x[297:], y[297:], x[:297], y[:297]


def build_model(width: int = 16):
    """conv(width) - pool - conv(2 width) - pool - dense(64) - dense(10) - softmax."""
    import keras
    inp = keras.Input(shape=(8, 8, 1), name="image")
    h = keras.layers.Conv2D(width, 3, padding="same", activation="relu")(inp)
    h = keras.layers.MaxPooling2D(2)(h)
    h = keras.layers.Conv2D(2 * width, 3, padding="same", activation="relu")(h)
    h = keras.layers.MaxPooling2D(2)(h)
    h = keras.layers.Flatten()(h)
    h = keras.layers.Dense(64, activation="relu")(h)
    h = keras.layers.Dense(10)(h)
    out = keras.layers.Softmax(name="probabilities")(h)
    return keras.Model(inp, out, name="digits")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--out", type=Path, required=True)
    ap.add_argument("--epochs", type=int, default=40)
    ap.add_argument("--width", type=int, default=16, help="filters of the first convolution")
    a = ap.parse_args()
    import keras
    keras.utils.set_random_seed(SEED)
    x_train, y_train, x_test, y_test = load_digits()
    model = build_model(a.width)
    model.compile(optimizer=keras.optimizers.Adam(3e-3), loss="sparse_categorical_crossentropy",
                  metrics=["accuracy"])
    model.fit(x_train, y_train, epochs=a.epochs, batch_size=32, verbose=0)
    _, acc = model.evaluate(x_test, y_test, verbose=0)
    a.out.mkdir(parents=True, exist_ok=True)
    model.save(a.out / "digits.keras")
    np.savez(a.out / "calib.npz", x=x_train[:300])
    np.savez(a.out / "train.npz", x=x_train, y=y_train)
    np.savez(a.out / "test.npz", x=x_test, y=y_test)
    print(f"float Keras model: {model.count_params():,} parameters, accuracy {acc:.3f} on {len(x_test)} held-out "
          f"digits; wrote {a.out}/digits.keras, calib.npz, train.npz, test.npz")


if __name__ == "__main__":
    main()
