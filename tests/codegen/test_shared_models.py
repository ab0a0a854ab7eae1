"""Every real model in ../shared/models, generated and built for `board=host` (the same generated
code and runtime as on a microcontroller, compiled natively), on 20 random inputs through the device
protocol, against the TFLM interpreter: int8/int16 outputs identical, float32 within 1e-5 relative
(see codegen/validate.py); and the MLPerf Tiny models on the emulated STM32L475, proving the ARM
build agrees."""

from __future__ import annotations

import pytest

from support.device_compare import compare_on_device
from support.firmware import built
from support.paths import SHARED_MODELS

MODELS = sorted(p.stem for p in SHARED_MODELS.glob("*.tflite"))
MLPERF_TINY = ("keyword_spotting", "image_classification", "anomaly_detection", "visual_wake_words")


def test_all_shared_models_are_listed():
    assert len(MODELS) >= 11 and set(MLPERF_TINY) <= set(MODELS)


@pytest.mark.parametrize("name", MODELS)
def test_shared_model_on_host(name, tmp_path):
    project, fw = built("host", SHARED_MODELS / f"{name}.tflite", root=tmp_path)
    res = compare_on_device(project, fw, samples=20)
    assert res.mismatches == 0, f"{name}: {res}"


@pytest.mark.qemu
@pytest.mark.parametrize("name", MLPERF_TINY)
def test_mlperf_tiny_on_emulated_stm32l475(name, tmp_path):
    # visual_wake_words needs int8 model I/O to fit the STM32L475's RAM (its float input is 108 KB)
    project, fw = built("stm32l475", SHARED_MODELS / f"{name}.tflite", int8_io=name == "visual_wake_words",
                        root=tmp_path)
    res = compare_on_device(project, fw, samples=3)
    assert res.mismatches == 0, f"{name}: {res}"
    assert res.instructions and res.instructions > 0
