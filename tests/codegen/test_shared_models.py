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


def test_per_tensor_fc_multiplier_matches_tflm_on_wide_inputs():
    """anomaly_detection's per-tensor FULLY_CONNECTED multipliers: TFLM takes double(in)*double(w);
    the float32 product (older TFLM) is one LSB off on some of these 300 inputs spanning 120% of the
    input range. Probes the generated code in-process."""
    import numpy as np

    from codegen.generate import GenerateOptions, compile_model
    from codegen.host import HostModel
    from codegen.reference import TflmReference, float_input_ranges, random_inputs
    path = SHARED_MODELS / "anomaly_detection.tflite"
    m = compile_model(path, options=GenerateOptions(prefix="ad"))
    host, ref = HostModel(m), TflmReference(path)
    rng = np.random.default_rng(0)
    ranges = {k: (1.2 * lo, 1.2 * hi) for k, (lo, hi) in float_input_ranges(m.graph).items()}
    bad = 0
    for _ in range(300):
        xs = random_inputs(m.inputs, rng, ranges)
        bad += int(not np.array_equal(host.run(xs)[0], np.asarray(ref.run(xs)[0]).reshape(m.outputs[0].shape)))
    host.close()
    assert bad == 0
