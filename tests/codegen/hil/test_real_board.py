"""On a real board (skipped without one): `pytest -m hardware --mcuforge-board stm32l475 --mcuforge-port /dev/ttyACM0`
(or with the board detected on USB). Flashes the default model through the board's upload tool,
then checks the cycle counter and bit-exactness against TFLM over the serial console."""

from __future__ import annotations

import numpy as np
import pytest

from codegen.reference import TflmReference
from support.paths import DEFAULT_MODEL


@pytest.mark.hardware
def test_real_board_counts_cycles_and_matches_tflm(mcuforge_device, mcuforge_firmware):
    dev = mcuforge_device.device
    info = dev.info()
    assert info.sha256 == mcuforge_firmware.sha256
    assert info.counter == "dwt" and mcuforge_device.unit.name == "cycles"
    ref = TflmReference(mcuforge_firmware.model)
    samples = np.load(DEFAULT_MODEL.with_suffix(".samples.npz"))["x"][:10]
    for x in samples:
        dev.load(0, x.tobytes())
        counts = dev.infer(3)
        assert len(set(counts)) <= 2 and min(counts) > 0  # cycles: same work, near-same count
        got = np.frombuffer(dev.results(0, info.outputs[0].nbytes), np.int8)
        assert np.array_equal(got, np.asarray(ref.run([x[None]])[0]).reshape(-1))
    used, size = dev.stack()
    assert 0 < used < size
