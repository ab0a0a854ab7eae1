"""The distillation loss, numerically: alpha * CE(labels) + (1 - alpha) * T^2 * KL(teacher_T || student_T),
against a computation by hand and against the numpy reference on random logits; the logits read before
a model's softmax; a teacher whose outputs do not match the student's refused."""

from __future__ import annotations

import math

import numpy as np
import pytest

from codegen.errors import McuforgeError
from codegen.tune.distill import distillation_loss, load_teacher, logits_model, loss_function, pack_targets, reference_loss


def by_hand() -> float:
    """One sample, label 0, student logits (2, 0), teacher logits (1, 1), T = 2, alpha = 0.25."""
    ce = -math.log(math.exp(2) / (math.exp(2) + math.exp(0)))            # -log softmax(s)[label]
    pt = [0.5, 0.5]                                                       # softmax((1, 1) / 2)
    z = math.exp(1.0) + math.exp(0.0)
    ps = [math.exp(1.0) / z, math.exp(0.0) / z]                          # softmax((2, 0) / 2)
    kl = sum(p * math.log(p / q) for p, q in zip(pt, ps))
    return 0.25 * ce + 0.75 * 2 ** 2 * kl


def test_the_loss_against_a_hand_computation():
    want = by_hand()
    assert want == pytest.approx(0.3920755, abs=1e-6)   # 0.25 * 0.126928 + 3 * 0.120115
    s, t, y = np.array([[2.0, 0.0]]), np.array([[1.0, 1.0]]), np.array([0])
    assert reference_loss(y, s, t, 2.0, 0.25) == pytest.approx(want, rel=1e-12)
    got = distillation_loss(pack_targets(y, t), np.asarray(s, np.float32), 2.0, 0.25)
    assert float(np.asarray(got)[0]) == pytest.approx(want, rel=1e-6)


def test_the_keras_loss_matches_the_reference_on_random_logits():
    rng = np.random.default_rng(0)
    s = rng.normal(0, 3, (16, 10)).astype(np.float32)
    t = rng.normal(0, 3, (16, 10)).astype(np.float32)
    y = rng.integers(0, 10, 16)
    for temperature, alpha in ((1.0, 0.5), (4.0, 0.1), (8.0, 0.9), (3.0, 1.0), (3.0, 0.0)):
        loss = loss_function(temperature, alpha)
        got = float(np.asarray(loss(pack_targets(y, t), s)))
        assert got == pytest.approx(reference_loss(y, s, t, temperature, alpha), rel=1e-5)
    # alpha = 1 is the plain cross-entropy; a student equal to its teacher has no KL term
    ce = reference_loss(y, s, s, 2.0, 1.0)
    assert reference_loss(y, s, s, 2.0, 0.3) == pytest.approx(0.3 * ce, rel=1e-9)


def _keras():
    from codegen.prep.source import tensorflow
    tensorflow()
    import keras
    return keras


def test_logits_are_read_before_the_softmax():
    keras = _keras()
    keras.utils.set_random_seed(0)
    inp = keras.Input((4,))
    h = keras.layers.Dense(3)(inp)
    a = keras.Model(inp, keras.layers.Softmax()(h))
    b = keras.Model(inp, keras.layers.Dense(3, activation="softmax")(inp))
    x = np.random.default_rng(1).random((5, 4), np.float32)
    for m in (a, b):
        z = np.asarray(logits_model(m).predict(x, verbose=0))
        p = np.asarray(m.predict(x, verbose=0))
        e = np.exp(z - z.max(axis=1, keepdims=True))
        assert np.allclose(e / e.sum(axis=1, keepdims=True), p, atol=1e-6)
    assert logits_model(keras.Model(inp, h)) is None


def test_a_teacher_with_other_outputs_is_refused(tmp_path):
    keras = _keras()
    inp = keras.Input((8, 8, 1))
    h = keras.layers.Dense(12)(keras.layers.Flatten()(inp))
    keras.Model(inp, keras.layers.Softmax()(h)).save(tmp_path / "t12.keras")
    x = np.zeros((4, 8, 8, 1), np.float32)
    with pytest.raises(McuforgeError) as e:
        load_teacher(tmp_path / "t12.keras", x, x, np.zeros(4, np.int64), classes=10)
    assert "outputs (None, 12), but the student outputs (None, 10)" in e.value.message
    inp = keras.Input((6, 6, 1))
    h = keras.layers.Dense(10)(keras.layers.Flatten()(inp))
    keras.Model(inp, keras.layers.Softmax()(h)).save(tmp_path / "t66.keras")
    with pytest.raises(McuforgeError, match=r"takes inputs of shape \(6, 6, 1\), the data's samples have shape \(8, 8, 1\)"):
        load_teacher(tmp_path / "t66.keras", x, x, np.zeros(4, np.int64), classes=10)
    # the right teacher: its logits on the training set and its accuracy on the validation set
    inp = keras.Input((8, 8))
    h = keras.layers.Dense(10)(keras.layers.Flatten()(inp))
    keras.Model(inp, keras.layers.Softmax()(h)).save(tmp_path / "ok.keras")
    t = load_teacher(tmp_path / "ok.keras", x, x, np.zeros(4, np.int64), classes=10)   # 8x8x1 data, 8x8 teacher
    assert t.logits.shape == (4, 10) and 0.0 <= t.accuracy <= 1.0
