"""The kernel variants every per-op bit-exactness test runs against (codegen.host.VARIANTS): the
reference kernels, and the dsp kernels with the params the generator writes for a DSP target.

Use the ``kernel_variant`` fixture (import it into the test module) and pass it to
``compare_bytes(..., variant=kernel_variant)``; model conversions are cached, so the second variant
costs one more host build and comparison per case."""

from __future__ import annotations

import pytest

from codegen.host import VARIANTS


@pytest.fixture(params=VARIANTS)
def kernel_variant(request: pytest.FixtureRequest) -> str:
    return str(request.param)


def dsp_params(model: bytes, function: str) -> list[dict]:
    """The params of every `function` call the generator writes for a DSP target (which dsp path and
    requantisation each call takes), so tests can check their cases reach every path."""
    from codegen.generate import GenerateOptions, compile_model
    from codegen.host import variant_target
    from codegen.tflite import read_model_bytes

    compiled = compile_model(read_model_bytes(model, source="probe.tflite"), target=variant_target("dsp"),
                             options=GenerateOptions(prefix="m"))
    return [dict(c.params) for s in compiled.steps for c in s.calls if c.function == function]
