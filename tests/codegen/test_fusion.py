"""Band fusion (codegen/fusion.py): a convolution feeding a non-overlapping pooling runs in bands,
its full output never exists, the arena shrinks, and results stay bit-exact (both kernel variants,
host and the emulated Cortex-M4)."""

from __future__ import annotations

import pytest

from codegen.generate import GenerateOptions, compile_model
from support.compare import compare_bytes
from support.device_compare import compare_on_device
from support.firmware import built
from support.paths import SHARED_MODELS

MODEL = SHARED_MODELS / "image_example1.tflite"


def test_conv_pool_pair_is_fused_and_the_arena_shrinks():
    fused = compile_model(MODEL)
    plain = compile_model(MODEL, options=GenerateOptions(reuse_arena=False))
    fused.plan.check()
    conv, pool = fused.steps[1], fused.steps[2]
    assert conv.opcode == "CONV_2D" and pool.opcode == "AVERAGE_POOL_2D"
    assert "24 bands" in conv.summary and len(conv.calls) == 48 and pool.calls == ()
    # the 48x48x24 convolution output (55,296 B) is never whole: the float input is now the peak
    assert fused.arena_bytes == 96 * 96 * 4 < 55_296
    assert all(s.calls or "bands" in s.summary or s.opcode == "RESHAPE" for s in plain.steps)


@pytest.mark.parametrize("variant", ["reference", "dsp"])
@pytest.mark.parametrize("name", ["image_example1", "image_example1.float32", "tflite_micro_magic_wand"])
def test_fused_models_bit_exact_on_host(name, variant):
    res = compare_bytes((SHARED_MODELS / f"{name}.tflite").read_bytes(), name.replace(".", "_"), samples=5,
                        variant=variant, float_tol=1e-5)
    assert res.mismatches == 0, res


@pytest.mark.qemu
def test_fused_model_bit_exact_on_emulated_stm32l475(tmp_path):
    project, fw = built("stm32l475", MODEL, root=tmp_path)
    assert any("bands" in s.summary for s in project.compiled.steps)
    res = compare_on_device(project, fw, samples=3)
    assert res.mismatches == 0, res
