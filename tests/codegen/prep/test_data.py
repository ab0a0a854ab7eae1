"""Sample sets: the accepted files, shaping against a model input, and every refusal naming the fix
(no TensorFlow)."""

from __future__ import annotations

import numpy as np
import pytest

from codegen.errors import McuforgeError
from codegen.prep.data import Samples, fit_samples, load_samples


def test_npz_with_labels_and_npy(tmp_path):
    x = np.random.default_rng(0).random((5, 8, 8, 1), np.float32)
    np.savez(tmp_path / "d.npz", x=x, y=np.arange(5))
    s = load_samples(tmp_path / "d.npz")
    assert s.x.shape == (5, 8, 8, 1) and list(s.y) == [0, 1, 2, 3, 4] and len(s) == 5
    np.save(tmp_path / "d.npy", x)
    assert load_samples(tmp_path / "d.npy").y is None


def test_integer_x_with_x_float_prefers_the_float_images(tmp_path):
    np.savez(tmp_path / "s.npz", x=np.zeros((3, 4), np.int8), x_float=np.ones((3, 4), np.float32), y=np.arange(3))
    assert load_samples(tmp_path / "s.npz").x.dtype == np.float32


def test_directory_of_samples_in_name_order(tmp_path):
    for i in range(3):
        np.save(tmp_path / f"s{i}.npy", np.full((8, 8), i, np.float32))
    s = load_samples(tmp_path)
    assert s.x.shape == (3, 8, 8) and float(s.x[2, 0, 0]) == 2.0 and "3 files" in s.source
    # 8x8 samples fit an 8x8x1 input
    assert fit_samples(s, (8, 8, 1)).shape == (3, 8, 8, 1)


def test_directory_with_mixed_shapes_names_both_files(tmp_path):
    np.save(tmp_path / "a.npy", np.zeros((8, 8), np.float32))
    np.save(tmp_path / "b.npy", np.zeros((8, 9), np.float32))
    with pytest.raises(McuforgeError, match=r"differ in shape \(a.npy: \(8, 8\), b.npy: \(8, 9\)\)"):
        load_samples(tmp_path)


@pytest.mark.parametrize("shape,want,got", [
    ((4, 8, 8, 1), (8, 8, 1), (4, 8, 8, 1)),      # exact
    ((4, 1, 8, 8, 1), (8, 8, 1), (4, 8, 8, 1)),   # batch-1 samples saved with their batch axis
    ((8, 8, 1), (8, 8, 1), (1, 8, 8, 1)),         # one sample without a batch axis
    ((4, 49, 40), (None, 40), (4, 49, 40)),       # a dynamic dimension takes any size
])
def test_fit_samples_shapes(shape, want, got):
    assert fit_samples(Samples(np.zeros(shape, np.float64), None, "d"), want).shape == got


def test_fit_samples_casts_to_float32_and_limits():
    out = fit_samples(Samples(np.zeros((10, 3), np.uint8), None, "d"), (3,), limit=4)
    assert out.dtype == np.float32 and out.shape == (4, 3)


@pytest.mark.parametrize("x,match,fix", [
    (np.zeros((0, 8), np.float32), "no samples", "at least one sample"),
    (np.zeros((5, 8, 8, 3), np.float32), r"samples of shape \(8, 8, 3\) do not fit the model input 'image' of shape "
                                         r"\(8, 8, 1\)", r"\(N, 8, 8, 1\)"),
    (np.zeros((5, 8, 8, 1), np.int8), "already quantised", "float inputs"),
    (np.array([[1.0, np.nan]], np.float32), "1 values are NaN or infinite", "nan_to_num"),
    (np.array([["a", "b"]]), "not numbers", "float array"),
])
def test_fit_samples_refusals(x, match, fix):
    want = (8, 8, 1) if x.ndim == 4 else (2,)
    with pytest.raises(McuforgeError, match=match) as e:
        fit_samples(Samples(x, None, "d.npz"), want if x.size else (8,), "image")
    assert e.value.hint and __import__("re").search(fix, e.value.hint)


def test_bad_files(tmp_path):
    with pytest.raises(McuforgeError, match="no such file"):
        load_samples(tmp_path / "missing.npz")
    (tmp_path / "t.txt").write_text("1 2 3")
    with pytest.raises(McuforgeError, match="expected a .npz or .npy"):
        load_samples(tmp_path / "t.txt")
    (tmp_path / "bad.npz").write_bytes(b"not a zip")
    with pytest.raises(McuforgeError, match="not a numpy .npy/.npz file"):
        load_samples(tmp_path / "bad.npz")
    np.savez(tmp_path / "two.npz", a=np.zeros(3), b=np.zeros(3))
    with pytest.raises(McuforgeError, match="no array named 'x' \\(it has a, b\\)"):
        load_samples(tmp_path / "two.npz")
    np.savez(tmp_path / "pairs.npz", x=np.zeros((3, 2)), y=np.zeros(2))
    with pytest.raises(McuforgeError, match="3 inputs in x but 2 labels"):
        load_samples(tmp_path / "pairs.npz")
    np.save(tmp_path / "obj.npy", np.array([{"a": 1}], dtype=object), allow_pickle=True)
    with pytest.raises(McuforgeError, match="pickled"):
        load_samples(tmp_path / "obj.npy")
