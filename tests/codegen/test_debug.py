"""Debug mode: every intermediate tensor compared with TFLM, and the first diverging op named."""

from __future__ import annotations

from dataclasses import replace

import pytest

import codegen.ops.registry as registry
from codegen.debug import debug_model
from support.paths import DEFAULT_MODEL, SHARED_MODELS


def test_clean_model_has_no_divergence():
    rep = debug_model(DEFAULT_MODEL, samples=2)
    assert rep.ok and rep.compared == 7


def test_float_model_intermediates_match():
    rep = debug_model(SHARED_MODELS / "autoencoder_example.float32.tflite", samples=2)
    assert rep.ok and rep.compared > 5


@pytest.fixture
def broken_second_conv(monkeypatch):
    """Sabotage the lowering of the second CONV_2D (op 2): its output zero point is off by 3."""
    h = registry.handler("CONV_2D")
    original = h.lower

    def lower(ctx):
        low = original(ctx)
        if ctx.op.index != 2:
            return low
        call = low.calls[0]
        params = tuple((k, v + 3 if k == "output_offset" else v) for k, v in call.params)
        return replace(low, calls=(replace(call, params=params),))

    monkeypatch.setitem(registry._HANDLERS, "CONV_2D", replace(h, lower=lower))


def test_first_divergence_is_named(broken_second_conv):
    rep = debug_model(DEFAULT_MODEL, samples=2)
    assert not rep.ok
    assert rep.first.op_index == 2 and rep.first.opcode == "CONV_2D"
    assert rep.first.max_abs_diff >= 1
