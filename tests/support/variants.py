"""The kernel variants the per-op bit-exactness tests run against: the reference kernels, and the dsp
kernels with the params the generator writes for a DSP target (``kernel_variant``); the tests of an
operator that has an mve kernel run the mve variant too (``every_kernel_variant``, which is every
codegen.host.VARIANTS). Elsewhere a host build of the mve variant compiles the dsp kernels over the
dsp layout, the dsp variant's build again, so those tests leave it out.

Import one of the two fixtures into the test module (both are named ``kernel_variant``) and pass it
to ``compare_bytes(..., variant=kernel_variant)``; model conversions are cached, so each further
variant costs one more host build and comparison per case."""

from __future__ import annotations

import pytest

from codegen.host import VARIANTS
from codegen.kernels import KernelVariant

# the variants whose host builds differ for an operator without an mve kernel
DSP_AND_REFERENCE = tuple(v for v in VARIANTS if v != KernelVariant.MVE)


@pytest.fixture(params=DSP_AND_REFERENCE)
def kernel_variant(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture(params=VARIANTS, name="kernel_variant")
def every_kernel_variant(request: pytest.FixtureRequest) -> str:
    """``kernel_variant`` over every variant: for the operators with an mve kernel (firmware/kernels/mve/)."""
    return str(request.param)


def dsp_params(model: bytes, function: str, variant: str = "dsp") -> list[dict]:
    """The params of every `function` call the generator writes for a DSP target (or `variant`'s:
    which path and requantisation each call takes), so tests can check their cases reach every path."""
    from codegen.generate import GenerateOptions, compile_model
    from codegen.host import variant_target
    from codegen.tflite import read_model_bytes

    compiled = compile_model(read_model_bytes(model, source="probe.tflite"), target=variant_target(variant),
                             options=GenerateOptions(prefix="m"))
    return [dict(c.params) for s in compiled.steps for c in s.calls if c.function == function]
