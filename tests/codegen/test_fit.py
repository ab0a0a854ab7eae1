"""The fit check counts the model's peak RAM (codegen/peakram.py) plus the harness's buffers, and says
which is which when a model does not fit."""

from __future__ import annotations

import pytest

from codegen.boards import load_board
from codegen.fit import RUNTIME_RAM_BYTES, DoesNotFitError, check_fit, estimate_fit
from codegen.generate import compile_model
from codegen.peakram import StackSource, model_ram
from codegen.term import kb
from support.paths import SHARED_MODELS


def _compiled(name: str, board: str):
    path = SHARED_MODELS / f"{name}.tflite"
    return path, compile_model(path, target=load_board(board).core.target)


def test_fit_uses_the_peak_ram():
    board = load_board("stm32l475")
    _, m = _compiled("image_classification", "stm32l475")   # with static kernel scratch
    fit = estimate_fit(board, m, 2048)
    assert fit.peak == model_ram(m).peak(2048, StackSource.RESERVED) and fit.peak.scratch_bytes > 0
    assert fit.harness_bytes == fit.staging_bytes + RUNTIME_RAM_BYTES
    # all in the main RAM: the model's peak RAM and the harness's, nothing else
    assert fit.placement.arena is None and fit.placement.staging is None
    assert fit.ram_needed == fit.peak.total + fit.harness_bytes and fit.fits
    # a bigger stack reservation costs exactly its bytes
    assert estimate_fit(board, m, 4096).ram_needed == fit.ram_needed + 2048


def test_does_not_fit_names_the_peak_ram_and_the_harness_apart():
    board = load_board("stm32l475")
    path, m = _compiled("visual_wake_words", "stm32l475")
    fit = estimate_fit(board, m, 4096)
    assert not fit.fits
    with pytest.raises(DoesNotFitError) as e:
        check_fit(board, m, fit, path)
    msg = str(e.value)
    assert f"the model's peak RAM {kb(fit.peak.total)} ({fit.peak.describe()})" in msg
    assert f"the harness's {kb(fit.harness_bytes)} (input staging {kb(fit.staging_bytes)}" in msg
    assert "stack 4 KB (reserved)" in msg and "stm32l475 has 96 KB" in msg
