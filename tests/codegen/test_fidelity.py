"""The metrics against the float model (ST Edge AI's validate metrics), checked by hand-worked values."""

from __future__ import annotations

import math

import numpy as np
import pytest

from codegen.fidelity import Accumulator, fidelity


def test_hand_worked_values():
    got = np.array([[1.0, 2.0, 3.0, 4.0]])
    ref = np.array([[1.0, 2.0, 3.0, 2.0]])          # one error of 2 in four values
    f = fidelity(got, ref)
    assert f.samples == 1 and f.elements == 4
    assert f.rmse == pytest.approx(1.0)              # sqrt(4 / 4)
    assert f.mae == pytest.approx(0.5)
    assert f.max_abs_error == 2.0
    assert f.l2_relative_error == pytest.approx(2 / math.sqrt(18))
    assert f.cosine == pytest.approx(22 / (math.sqrt(30) * math.sqrt(18)))   # 1+4+9+8


def test_streaming_equals_whole_set_and_order_does_not_matter():
    rng = np.random.default_rng(0)
    ref = rng.normal(size=(50, 3, 4))
    got = ref + rng.normal(scale=0.05, size=ref.shape)
    whole = fidelity(got, ref)
    acc = Accumulator()
    for i in reversed(range(50)):
        acc.add(got[i], ref[i])
    streamed = acc.result()
    assert streamed.samples == whole.samples == 50 and streamed.elements == 600
    for k in ("rmse", "mae", "max_abs_error", "cosine", "l2_relative_error"):
        assert getattr(streamed, k) == pytest.approx(getattr(whole, k), rel=1e-12)
    e = (got - ref).ravel()
    assert whole.rmse == pytest.approx(np.sqrt(np.mean(e ** 2))) and whole.mae == pytest.approx(np.mean(np.abs(e)))
    assert whole.l2_relative_error == pytest.approx(np.linalg.norm(e) / np.linalg.norm(ref))


def test_identical_outputs_and_degenerate_references():
    x = np.array([[0.25, -1.0, 3.0]])
    same = fidelity(x, x)
    assert same.rmse == same.mae == same.max_abs_error == 0 and same.cosine == pytest.approx(1.0)
    assert same.l2_relative_error == 0
    zeros = np.zeros((2, 3))
    both = fidelity(zeros, zeros)
    assert both.cosine == 1.0 and both.l2_relative_error == 0.0
    off = fidelity(np.ones((2, 3)), zeros)          # the reference is all zero, the output is not
    assert off.cosine == 0.0 and off.l2_relative_error is None and off.max_abs_error == 1.0
    neg = fidelity(-x, x)
    assert neg.cosine == pytest.approx(-1.0)


def test_sizes_must_agree():
    with pytest.raises(ValueError, match="4 values against a reference of 3"):
        Accumulator().add(np.zeros(4), np.zeros(3))
    with pytest.raises(ValueError, match="2 outputs against 3 references"):
        fidelity(np.zeros((2, 3)), np.zeros((3, 3)))
