"""The training and validation sets are checked against each other before anything trains."""

from __future__ import annotations

import numpy as np
import pytest

from codegen.errors import McuforgeError
from codegen.tune.data import load_data


def npz(path, **arrays):
    np.savez(path, **arrays)
    return path


def sets(tmp_path, n=20, shape=(8, 8), classes=3):
    rng = np.random.default_rng(0)
    t = npz(tmp_path / "train.npz", x=rng.random((n, *shape), np.float32), y=np.arange(n) % classes)
    v = npz(tmp_path / "val.npz", x=rng.random((6, *shape), np.float32), y=np.arange(6) % classes)
    return t, v


def test_good_sets_load_with_their_classes(tmp_path):
    d = load_data(*sets(tmp_path))
    assert d.classes == 3 and d.input_shape == (8, 8) and len(d.train) == 20 and len(d.val) == 6
    assert d.train.x.dtype == np.float32 and d.val.y.dtype == np.int64 and len(d.sha256) == 64


@pytest.mark.parametrize("bad, says", [
    (dict(x=np.zeros((0, 8, 8), np.float32), y=np.zeros(0, np.int64)), "no samples"),
    (dict(x=np.zeros((4, 8, 8), np.float32)), "no labels (y)"),
    (dict(x=np.zeros((4, 8, 8), np.float32), y=np.zeros(3, np.int64)), "4 inputs in x but 3 labels in y"),
    (dict(x=np.zeros((4, 8, 8), np.float32), y=np.eye(4)), "y is one-hot"),
    (dict(x=np.zeros((4, 8, 8), np.float32), y=np.array([0.5, 1, 2, 0])), "not class indices"),
    (dict(x=np.zeros((4, 8, 8), np.float32), y=np.array([-1, 1, 2, 0])), "negative label -1"),
    (dict(x=np.full((4, 8, 8), np.nan, np.float32), y=np.zeros(4, np.int64)), "NaN"),
])
def test_a_bad_training_set_is_refused(tmp_path, bad, says):
    _, v = sets(tmp_path)
    with pytest.raises(McuforgeError) as e:
        load_data(npz(tmp_path / "bad.npz", **bad), v)
    assert says in e.value.message and e.value.hint


def test_mismatched_sets_are_refused(tmp_path):
    t, _ = sets(tmp_path)
    v = npz(tmp_path / "v2.npz", x=np.zeros((3, 8, 7), np.float32), y=np.zeros(3, np.int64))
    with pytest.raises(McuforgeError, match=r"samples of shape \(8, 7\), but the training samples .* \(8, 8\)"):
        load_data(t, v)
    # a class the validation set has and training never saw
    v = npz(tmp_path / "v3.npz", x=np.zeros((3, 8, 8), np.float32), y=np.array([0, 1, 5]))
    with pytest.raises(McuforgeError, match=r"no training sample of classes 3, 4, 5 \(the validation set has them\)"):
        load_data(t, v)
