"""Input data checked against a model's input before anything runs: wrong dtype, values outside the
input type's range (never wrapped), wrong shape, NaN/inf, empty, missing keys, unpaired labels:
refused with the expected and the given forms; good data converted exactly as before."""

from __future__ import annotations

import numpy as np
import pytest

from codegen.errors import McuforgeError
from codegen.inputs import fit, read_data, sample_rows
from codegen.ir import DType
from codegen.lowering import IOTensor

INT8 = IOTensor(name="image", tensor=0, dtype=DType.INT8, shape=(1, 4, 4, 1), nbytes=16, scale=0.5,
                zero_point=-10, offset=0)
F32 = IOTensor(name="image", tensor=0, dtype=DType.FLOAT32, shape=(1, 4, 4, 1), nbytes=64, scale=0.0,
               zero_point=0, offset=0)


def _data(tmp_path, name="d.npz", **arrays):
    p = tmp_path / name
    if p.suffix == ".npy":
        np.save(p, arrays["x"])
    else:
        np.savez(p, **arrays)
    return read_data(p, "data=")


def test_int8_data_in_range_and_float_data_quantised(tmp_path):
    x = np.arange(-8, 8, dtype=np.int32).reshape(1, 4, 4, 1).repeat(3, axis=0)
    got = fit(_data(tmp_path, x=x, y=np.arange(3)), INT8, "data=")
    assert got.dtype == np.int8 and got.shape == (3, 1, 4, 4, 1) and np.array_equal(got.reshape(3, -1), x.reshape(3, -1))
    f = np.linspace(-100.0, 100.0, 32, dtype=np.float32).reshape(2, 4, 4)
    got = fit(_data(tmp_path, x=f), INT8, "data=")
    assert np.array_equal(got.reshape(-1), np.clip(np.round(f / 0.5) - 10, -128, 127).astype(np.int8).reshape(-1))


def test_values_outside_the_input_type_are_refused_not_wrapped(tmp_path):
    """int32 values of 1000 for an int8 input: refused (they used to wrap and be reported bit-exact)."""
    with pytest.raises(McuforgeError) as e:
        fit(_data(tmp_path, x=np.full((5, 4, 4, 1), 1000, np.int32)), INT8, "data=")
    assert "x is int32[5x4x4x1], values 1000..1000, outside the range" in e.value.message
    assert "int8[1x4x4x1] (-128..127)" in e.value.message and "scale 0.5, zero point -10" in e.value.hint


@pytest.mark.parametrize("x, match", [
    (np.zeros((3, 5), np.int8), r"x is int8\[3x5\], values 0..0, which does not split into inputs of shape \(1, 4, 4, 1\)"),
    (np.full((2, 16), np.nan, np.float32), "32 values of x are NaN or infinite"),
    (np.full((2, 16), np.inf, np.float64), "NaN or infinite"),
])
def test_wrong_shape_and_non_finite_values_are_refused(tmp_path, x, match):
    with pytest.raises(McuforgeError, match=match):
        fit(_data(tmp_path, x=x), INT8, "data=")


def test_integer_data_for_a_float_input_is_refused_unless_x_float_is_there(tmp_path):
    x = np.zeros((2, 4, 4, 1), np.int8)
    with pytest.raises(McuforgeError, match=r"x is int8\[2x4x4x1\].*float32\[1x4x4x1\]") as e:
        fit(_data(tmp_path, x=x), F32, "data=")
    assert "x_float" in e.value.hint
    ok = fit(_data(tmp_path, x=x, x_float=np.ones((2, 4, 4, 1), np.float64)), F32, "data=")
    assert ok.dtype == np.float32 and float(ok.sum()) == 32.0
    with pytest.raises(McuforgeError, match="overflow float32"):
        fit(_data(tmp_path, x=np.full((1, 16), 1e300)), F32, "data=")


def test_bad_files_are_refused_with_what_they_hold(tmp_path):
    with pytest.raises(McuforgeError, match="no array named 'x' \\(it has a, b\\)"):
        _data(tmp_path, a=np.zeros(3), b=np.zeros(3))
    with pytest.raises(McuforgeError, match="no samples"):
        _data(tmp_path, x=np.zeros((0, 16), np.int8))
    with pytest.raises(McuforgeError, match="3 inputs in x but 2 labels in y"):
        _data(tmp_path, x=np.zeros((3, 16), np.int8), y=np.arange(2))
    with pytest.raises(McuforgeError, match="labels y are float64"):
        _data(tmp_path, x=np.zeros((3, 16), np.int8), y=np.ones((3, 10)))
    with pytest.raises(McuforgeError, match="x holds <U1 values, not numbers"):
        _data(tmp_path, x=np.array([["a"] * 16]))
    with pytest.raises(McuforgeError, match="data file not found"):
        read_data(tmp_path / "nope.npz", "data=")
    (tmp_path / "junk.npz").write_bytes(b"not numpy")
    with pytest.raises(McuforgeError, match="not a numpy .npy/.npz file"):
        read_data(tmp_path / "junk.npz", "data=")
    np.save(tmp_path / "s.npy", np.zeros((7, 16), np.int8))
    assert sample_rows(tmp_path / "s.npy", "data=") == 7
