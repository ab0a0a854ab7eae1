"""Issue 15's acceptance on the emulated STM32L475: MobileNetV2 (alpha 0.35) and MobileNetV1 (alpha
0.25), 96x96x3 int8 from keras.applications, run with patch-based inference, bit-exact with TFLM, and
the RAM the model costs (arena + static kernel scratch + the stack's measured high-water mark) at
most 64 KB and 48 KB. Plain, MobileNetV2's arena alone is 108 KB: it does not fit the board."""

from __future__ import annotations

from pathlib import Path

import pytest

from codegen.fit import DoesNotFitError
from codegen.peakram import StackSource, model_ram
from codegen.options import RunOptions
from codegen.run import run_project
from support.device_compare import compare_on_device
from support.firmware import built
from support.mobilenets import mobilenet_v1, mobilenet_v2

pytestmark = [pytest.mark.slow, pytest.mark.qemu]
KB = 1024


def _model_ram(project, stack_used: int) -> int:
    """Arena + static scratch + the measured stack + state: codegen/peakram.py's peak RAM."""
    return model_ram(project.compiled).peak(stack_used, StackSource.MEASURED).total


def _run(tmp_path: Path, name: str, model: bytes, memory: str, limit: int):
    path = tmp_path / f"{name}.tflite"
    path.write_bytes(model)
    project, fw = built("stm32l475", path, root=tmp_path / "build", memory=memory)
    assert project.compiled.patches, "the model fits only in patches"
    res = compare_on_device(project, fw, samples=2)
    assert res.mismatches == 0, res
    run = run_project(project, RunOptions(n=1))
    assert run.complete and run.stack_used_bytes
    ram = _model_ram(project, run.stack_used_bytes)
    assert ram <= limit, f"{ram} B of RAM"
    return project, ram


@pytest.mark.parametrize("memory", ["ram", "balanced"])
def test_mobilenet_v2_fits_64_kb(tmp_path, memory):
    project, ram = _run(tmp_path, "mobilenet_v2_a035_96", mobilenet_v2(), memory, 64 * KB)
    if memory == "balanced":  # the default patches only because the model would not fit otherwise
        path = tmp_path / "mobilenet_v2_a035_96.tflite"
        with pytest.raises(DoesNotFitError, match="memory=balanced"):
            built("stm32l475", path, root=tmp_path / "speed", memory="speed")


def test_mobilenet_v1_fits_48_kb(tmp_path):
    _run(tmp_path, "mobilenet_v1_a025_96", mobilenet_v1(), "ram", 48 * KB)
