"""Train and quantise mcuforge's default model: a small int8 CNN on scikit-learn's bundled digits.

Offline and deterministic enough to re-run: the 8x8 handwritten digits ship inside scikit-learn.
Writes models/digits_cnn.tflite (int8 input and output) and models/digits_cnn.samples.npz (held-out test
images as int8 model inputs `x`, labels `y`, and the float images `x_float`).

    .venv/bin/python scripts/make_default_model.py
"""

from __future__ import annotations

import os
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import numpy as np  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
OUT_MODEL = ROOT / "models" / "digits_cnn.tflite"
OUT_SAMPLES = ROOT / "models" / "digits_cnn.samples.npz"
SEED = 1234


def load_digits() -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    from sklearn.datasets import load_digits as sk_digits
    d = sk_digits()
    x = (d.images.astype(np.float32) / 16.0)[..., None]  # N x 8 x 8 x 1 in [0, 1]
    y = d.target.astype(np.int64)
    rng = np.random.default_rng(SEED)
    order = rng.permutation(len(x))
    x, y = x[order], y[order]
    n_test = 297
    return x[n_test:], y[n_test:], x[:n_test], y[:n_test]


def build_model():
    import tensorflow as tf
    inp = tf.keras.Input(shape=(8, 8, 1), batch_size=1, name="image")
    h = tf.keras.layers.Conv2D(8, 3, padding="same", activation="relu")(inp)
    h = tf.keras.layers.MaxPooling2D(2)(h)
    h = tf.keras.layers.Conv2D(16, 3, padding="same", activation="relu")(h)
    h = tf.keras.layers.MaxPooling2D(2)(h)
    h = tf.keras.layers.Flatten()(h)
    h = tf.keras.layers.Dense(10)(h)
    out = tf.keras.layers.Softmax(name="probabilities")(h)
    return tf.keras.Model(inp, out)


def main() -> None:
    import tensorflow as tf
    tf.keras.utils.set_random_seed(SEED)
    x_train, y_train, x_test, y_test = load_digits()
    train = build_model()
    # train with a free batch size, then copy the weights into the batch-1 model that is exported
    train_model = tf.keras.models.clone_model(train, input_tensors=tf.keras.Input(shape=(8, 8, 1)))
    train_model.compile(optimizer=tf.keras.optimizers.Adam(3e-3),
                        loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    train_model.fit(x_train, y_train, epochs=30, batch_size=32, verbose=0)
    train.set_weights(train_model.get_weights())
    _, acc = train_model.evaluate(x_test, y_test, verbose=0)
    print(f"float accuracy on {len(x_test)} held-out digits: {acc:.3f}")

    def representative():
        for i in range(200):
            yield [x_train[i:i + 1]]

    conv = tf.lite.TFLiteConverter.from_keras_model(train)
    conv.optimizations = [tf.lite.Optimize.DEFAULT]
    conv.representative_dataset = representative
    conv.target_spec.supported_ops = [tf.lite.OpsSet.TFLITE_BUILTINS_INT8]
    conv.inference_input_type = tf.int8
    conv.inference_output_type = tf.int8
    tflite = conv.convert()
    OUT_MODEL.parent.mkdir(parents=True, exist_ok=True)
    OUT_MODEL.write_bytes(tflite)

    from tflite_micro.python.tflite_micro import runtime
    it = runtime.Interpreter.from_bytes(tflite, arena_size=64 * 1024)
    q = it.get_input_details(0)["quantization_parameters"]
    scale, zp = float(q["scales"][0]), int(q["zero_points"][0])
    xq = np.clip(np.round(x_test / scale) + zp, -128, 127).astype(np.int8)
    correct = 0
    for i in range(len(xq)):
        it.set_input(xq[i:i + 1], 0)
        it.invoke()
        correct += int(np.argmax(it.get_output(0)) == y_test[i])
    print(f"int8 accuracy (TFLM reference): {correct / len(xq):.3f}; wrote {OUT_MODEL} ({len(tflite)} bytes)")
    np.savez_compressed(OUT_SAMPLES, x=xq, y=y_test, x_float=x_test)
    print(f"wrote {OUT_SAMPLES}")


if __name__ == "__main__":
    main()
