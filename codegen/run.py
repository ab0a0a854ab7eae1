"""`run`: put a built firmware on its target, feed it an input, and bring back outputs, timing and
memory use (`run.json` beside the build)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from codegen.boards import Board
from codegen.errors import McuforgeError
from codegen.hil.drivers import CountUnit, RunRequest, Session, select_driver
from codegen.hil.dut import Device
from codegen.hil.protocol import DeviceInfo
from codegen.lowering import IOTensor
from codegen.reference import random_inputs


@dataclass(frozen=True)
class InputSource:
    arrays: tuple[np.ndarray, ...]
    description: str
    label: int | None = None


def samples_file(model: Path) -> Path:
    """The conventional sample data beside a model: `kws.tflite` -> `kws.samples.npz`."""
    return model.with_suffix(".samples.npz")


def default_inputs(model: Path, inputs: tuple[IOTensor, ...], index: int = 0, seed: int = 0) -> InputSource:
    f = samples_file(model)
    if f.is_file() and len(inputs) == 1:
        with np.load(f) as d:
            if "x" in d and len(d["x"]) > index:
                x = d["x"][index]
                label = int(d["y"][index]) if "y" in d else None
                return InputSource((x.reshape(inputs[0].shape).astype(inputs[0].dtype.np),),
                                   f"{f.name} sample #{index}", label)
    rng = np.random.default_rng(seed)
    return InputSource(tuple(random_inputs(inputs, rng)), f"random input (seed {seed})")


def percentiles(values: list[float]) -> dict:
    a = np.asarray(values, dtype=np.float64)
    return {"p50": float(np.percentile(a, 50)), "p90": float(np.percentile(a, 90)),
            "p99": float(np.percentile(a, 99)), "max": float(a.max()), "min": float(a.min()),
            "mean": float(a.mean())}


def to_units(counts: list[int], unit: CountUnit) -> list[float]:
    return [c * unit.per_tick for c in counts]


def latency_us(counts: list[int], unit: CountUnit) -> dict | None:
    if unit.name == "ns":
        return percentiles([c / 1000.0 for c in counts])
    if not unit.clock_hz:
        return None
    return percentiles([c * unit.per_tick / unit.clock_hz * 1e6 for c in counts])


def load_inputs(dev: Device, xs: tuple[np.ndarray, ...]) -> None:
    for k, x in enumerate(xs):
        dev.load(k, np.ascontiguousarray(x).tobytes())


def read_outputs(dev: Device, info: DeviceInfo, outputs: tuple[IOTensor, ...]) -> list[np.ndarray]:
    out = []
    for k, t in enumerate(outputs):
        raw = dev.results(k, t.nbytes)
        out.append(np.frombuffer(raw, dtype=t.dtype.np).reshape(t.shape).copy())
    _ = info
    return out


def infer_timeout(macs: int, n: int, base: float) -> float:
    # generous: reference kernels under QEMU, ~30 instructions per MAC at >= 20 M instructions/s
    return base + (n + 1) * macs * 30 / 20e6


def dequantize(x: np.ndarray, t: IOTensor) -> np.ndarray:
    if t.dtype.name in ("INT8", "INT16", "UINT8") and t.scale:
        return (x.astype(np.float64) - t.zero_point) * t.scale
    return x.astype(np.float64)


def check_identity(info: DeviceInfo, board: Board, sha256: str) -> None:
    if info.sha256 != sha256:
        raise McuforgeError(f"the device runs model {info.sha256[:16]}, this build is {sha256[:16]}",
                            hint="flash the firmware again (flash=1), or check port= points at the right board")
    if info.board != board.name:
        raise McuforgeError(f"the device reports board {info.board!r}, expected {board.name!r}",
                            hint="check port= and board=")


def execute(session: Session, board: Board, sha256: str, inputs: tuple[IOTensor, ...],
            outputs: tuple[IOTensor, ...], source: InputSource, n: int, macs: int, profile: bool,
            timeout: float) -> dict:
    dev = session.device
    info = dev.info()
    check_identity(info, board, sha256)
    load_inputs(dev, source.arrays)
    counts = dev.infer(n, warmup=True, timeout=infer_timeout(macs, n, timeout))
    outs = read_outputs(dev, info, outputs)
    prof = dev.profile(timeout=infer_timeout(macs, 1, timeout)) if profile else None
    stack_used, stack_size = dev.stack()
    unit = session.unit
    per_inf = to_units(counts, unit)
    result = {
        "board": board.name,
        "target": session.description,
        "device": {"firmware": info.firmware, "counter": info.counter, "counter_hz": info.counter_hz,
                   "cpu_hz": info.cpu_hz, "arena": info.arena, "model": info.model, "sha256": info.sha256},
        "input": source.description,
        "label": source.label,
        "n": n,
        "counts": counts,
        "unit": unit.name,
        "latency_basis": unit.basis,
        "outputs": [o.tolist() for o in outs],
        "outputs_dequantized": [dequantize(o, t).tolist() for o, t in zip(outs, outputs)],
        "latency_us": latency_us(counts, unit),
        "stack_used_bytes": stack_used or None,
        "stack_size_bytes": stack_size or None,
        "link": {"frames_sent": dev.stats.frames_sent, "retries": dev.stats.retries,
                 "bad_frames": dev.stats.bad_frames},
    }
    key = {"instructions": "instructions_per_inference", "cycles": "cycles_per_inference",
           "ns": "ns_per_inference"}[unit.name]
    result[key] = percentiles(per_inf)
    if prof is not None:
        result["profile"] = to_units(prof, unit)
    return result


def run_firmware(board: Board, firmware: Path, sha256: str, inputs: tuple[IOTensor, ...],
                 outputs: tuple[IOTensor, ...], source: InputSource, n: int = 10, macs: int = 0,
                 request: RunRequest = RunRequest(), profile: bool = True) -> dict:
    driver = select_driver(board, request)
    with driver.session(board, firmware, request) as session:
        result = execute(session, board, sha256, inputs, outputs, source, n, macs, profile, request.timeout)
        session.device.exit(0, semihost=session.semihost)
    return result


def write_run(result: dict, path: Path) -> None:
    path.write_text(json.dumps(result, indent=2) + "\n")
