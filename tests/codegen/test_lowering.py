"""The arena plan keeps every tensor aligned for its type. An output that overlaps its dying input
may start anywhere the kernel's access order allows, but a float32 or int16 tensor sharing a group
with byte-offset tensors once landed on an odd address: a misaligned float load (undefined in C,
found by UndefinedBehaviorSanitizer; a UsageFault for VLDR on Cortex-M)."""

from __future__ import annotations

import pytest

from codegen.generate import compile_model
from codegen.host import VARIANTS, variant_target
from codegen.lowering import CompiledModel, tensor_of
from codegen.tflite import read_model_bytes
from support.paths import DEFAULT_MODEL
from support.tfmodels import Case, convert_float_io


def misaligned(m: CompiledModel) -> list[str]:
    out = []
    for key, st in m.storage.items():
        t = tensor_of(m, key)
        if st.kind == "arena" and st.offset % min(t.dtype.size, 8):
            out.append(f"{t.name} {t.dtype.name} at arena offset {st.offset}")
    return out


def test_shared_models_tensors_are_aligned(shared_models):
    for p in [*sorted(shared_models.glob("*.tflite")), DEFAULT_MODEL]:
        for v in VARIANTS:
            assert not misaligned(compile_model(p, target=variant_target(v))), (p.name, v)


def _float_io_case() -> Case:
    def build(tf):
        k = tf.keras.ops
        a = tf.keras.Input((4, 6, 5), batch_size=1)
        b = tf.keras.Input((6, 5), batch_size=1)
        return tf.keras.Model([a, b], [a + b, k.sigmoid(a * 4.0)])
    return Case("quantize_float_io_add_logistic", build, ((4, 6, 5), (6, 5)), low=-0.5, high=0.5)


@pytest.mark.parametrize("variant", VARIANTS)
def test_float_input_beside_int16_chain_is_aligned(variant):
    """The case UBSan found: int16x8 with float I/O; the float input shared a group whose int16
    members sat at 2 (mod 4). Same arena size as before the fix (960 bytes)."""
    m = compile_model(read_model_bytes(convert_float_io(_float_io_case(), "int16x8"), source="float_io.tflite"),
                      target=variant_target(variant))
    assert not misaligned(m)
    assert m.arena_bytes == 960
