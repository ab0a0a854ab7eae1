"""`report.json`: what a build produced and how it sits in the board's budget.

:class:`BuildReport` is the only writer and the only reader of the file: :func:`write_report` after
a build, :func:`read_report` wherever a build's numbers are needed (the run's memory, the run report,
comparisons, benchmarks).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from codegen.elfsize import elf_sizes
from codegen.emit.cgen import prefixed
from codegen.errors import McuforgeError
from codegen.files import write_text_atomic
from codegen.ops.base import ArrayKind
from codegen.peakram import ModelRam, PeakRam, StackSource, TimelinePoint, memory_timeline, model_ram
from codegen.pio.project import Project, kernel_variant
from codegen.version import __version__

if TYPE_CHECKING:
    from codegen.run import Memory

FILE = "report.json"


@dataclass(frozen=True)
class RegionUse:
    """One RAM region: bytes used (the main region counts the reserved stack), its size and address."""

    name: str
    used: int
    size: int
    origin: int = 0


@dataclass(frozen=True)
class Placement:
    """The RAM region the arena and the input staging buffer live in."""

    arena: str | None = None
    input_staging: str | None = None


@dataclass(frozen=True)
class TensorInfo:
    """A model input or output."""

    name: str
    dtype: str                       # int8, float32, ...
    shape: tuple[int, ...]
    scale: float = 0.0
    zero_point: int = 0


@dataclass(frozen=True)
class BuildReport:
    board: str
    model: str                       # the model's path
    model_sha256: str = ""
    mcuforge: str = __version__
    prefix: str = ""
    kernel_variant: str = ""         # reference | dsp | mve
    int8_io: bool = False
    flash_bytes: int = 0
    ram_bytes: int = 0               # static RAM + the reserved stack
    arena_bytes: int = 0
    # code = everything in flash but the model's own constant data: the weights and biases
    # (weights_bytes) and the quantisation data derived from the model (params_bytes: per-channel
    # multipliers/shifts, requantisation records, lookup tables) -- what TFLM keeps in its flatbuffer
    code_bytes: int = 0
    weights_bytes: int = 0
    params_bytes: int = 0
    stack_bytes: int | None = None   # None on the host board
    macs: int = 0
    ops: tuple[str, ...] = ()
    n_ops: int = 0
    kernels: tuple[str, ...] = ()
    flash_budget: int | None = None
    flash_origin: int | None = None
    ram_budget: int | None = None
    ram_regions: tuple[RegionUse, ...] = ()
    params_symbols: tuple[str, ...] = ()   # the C symbols of the params arrays (the rest of weights.c: weights)
    placement: Placement = Placement()
    sections: tuple[tuple[str, int], ...] = ()
    inputs: tuple[TensorInfo, ...] = ()
    outputs: tuple[TensorInfo, ...] = ()
    memory_option: str = "balanced"  # the `memory=` option the model was generated with
    patches: tuple[str, ...] = ()    # stages run patch by patch (codegen/planner/patches.py), described
    recomputed_macs: int = 0         # MACs the patches compute twice (their halos), on top of `macs`
    # peak RAM (codegen/peakram.py): the kernel scratch in static storage, the model's runtime state,
    # and the arena's bytes alive at each operator (the run report's memory-over-time plot)
    scratch_bytes: int = 0
    state_bytes: int = 0
    timeline: tuple[TimelinePoint, ...] = ()
    peak_step: int = 0

    @property
    def model_ram(self) -> ModelRam:
        return ModelRam(self.arena_bytes, self.scratch_bytes, self.state_bytes)

    def peak_ram(self, stack_used: int | None = None) -> PeakRam:
        """What the model costs in RAM: with the stack a run measured (`stack_used`), else with the
        reservation (labelled so); a hosted build's stack is the OS's and is not counted."""
        if self.stack_bytes is None:
            return self.model_ram.peak(None, StackSource.NOT_COUNTED)
        if stack_used:
            return self.model_ram.peak(stack_used, StackSource.MEASURED)
        return self.model_ram.peak(self.stack_bytes, StackSource.RESERVED)

    @property
    def harness_ram_bytes(self) -> int:
        """The static RAM that is not the model's: input staging, protocol buffers, console, C library
        data (ram_bytes without the stack reservation and the model's arena, scratch and state)."""
        return max(0, self.ram_bytes - (self.stack_bytes or 0) - self.arena_bytes - self.scratch_bytes
                   - self.state_bytes)

    @property
    def model_data_bytes(self) -> int:
        return self.weights_bytes + self.params_bytes

    @property
    def flash_headroom(self) -> int | None:
        return None if self.flash_budget is None else self.flash_budget - self.flash_bytes

    @property
    def ram_headroom(self) -> int | None:
        return None if self.ram_budget is None else self.ram_budget - self.ram_bytes

    @property
    def model_name(self) -> str:
        return Path(self.model).name

    def memory(self) -> "Memory":
        """The sizes a run carries beside its numbers (run.json's `memory`)."""
        from codegen.run import Memory
        return Memory(flash_bytes=self.flash_bytes, ram_bytes=self.ram_bytes, arena_bytes=self.arena_bytes,
                      code_bytes=self.code_bytes, weights_bytes=self.weights_bytes, flash_budget=self.flash_budget,
                      ram_budget=self.ram_budget, scratch_bytes=self.scratch_bytes, state_bytes=self.state_bytes,
                      harness_ram_bytes=self.harness_ram_bytes)

    def to_json(self) -> dict[str, Any]:
        return {
            "mcuforge": self.mcuforge, "board": self.board, "model": self.model, "model_sha256": self.model_sha256,
            "prefix": self.prefix, "kernel_variant": self.kernel_variant, "int8_io": self.int8_io,
            "flash_bytes": self.flash_bytes, "ram_bytes": self.ram_bytes, "arena_bytes": self.arena_bytes,
            "code_bytes": self.code_bytes, "weights_bytes": self.weights_bytes, "params_bytes": self.params_bytes,
            "model_data_bytes": self.model_data_bytes, "stack_bytes": self.stack_bytes, "macs": self.macs,
            "ops": list(self.ops), "n_ops": self.n_ops, "kernels": list(self.kernels),
            "flash_budget": self.flash_budget, "flash_origin": self.flash_origin, "ram_budget": self.ram_budget,
            "flash_headroom": self.flash_headroom, "ram_headroom": self.ram_headroom,
            "ram_regions": {r.name: {"used": r.used, "size": r.size, "origin": r.origin} for r in self.ram_regions},
            "params_symbols": list(self.params_symbols),
            "placement": {"arena": self.placement.arena, "input_staging": self.placement.input_staging},
            "sections": dict(self.sections),
            "inputs": [_tensor_json(t) for t in self.inputs], "outputs": [_tensor_json(t) for t in self.outputs],
            "scratch_bytes": self.scratch_bytes, "state_bytes": self.state_bytes,
            "peak_ram_bytes": self.peak_ram().total, "peak_ram": self.peak_ram().to_json(),
            "harness_ram_bytes": self.harness_ram_bytes,
            "timeline": [[p.label, p.op, p.alive_bytes, p.extent] for p in self.timeline], "peak_step": self.peak_step,
            "memory_option": self.memory_option, "patches": list(self.patches), "recomputed_macs": self.recomputed_macs,
        }

    @staticmethod
    def from_json(d: dict[str, Any], source: str = FILE) -> "BuildReport":
        try:
            return BuildReport(
                mcuforge=str(d["mcuforge"]), board=str(d["board"]), model=str(d["model"]),
                model_sha256=str(d["model_sha256"]), prefix=str(d["prefix"]),
                kernel_variant=str(d["kernel_variant"]), int8_io=bool(d["int8_io"]),
                flash_bytes=int(d["flash_bytes"]), ram_bytes=int(d["ram_bytes"]), arena_bytes=int(d["arena_bytes"]),
                code_bytes=int(d["code_bytes"]), weights_bytes=int(d["weights_bytes"]),
                params_bytes=int(d["params_bytes"]), stack_bytes=_opt_int(d["stack_bytes"]), macs=int(d["macs"]),
                ops=tuple(d["ops"]), n_ops=int(d["n_ops"]), kernels=tuple(d["kernels"]),
                flash_budget=_opt_int(d["flash_budget"]), flash_origin=_opt_int(d.get("flash_origin")),
                ram_budget=_opt_int(d["ram_budget"]),
                ram_regions=tuple(RegionUse(k, int(v["used"]), int(v["size"]), int(v.get("origin", 0)))
                                  for k, v in d["ram_regions"].items()),
                params_symbols=tuple(str(x) for x in d.get("params_symbols", ())),
                placement=Placement(arena=d["placement"]["arena"], input_staging=d["placement"]["input_staging"]),
                sections=tuple((str(k), int(v)) for k, v in d["sections"].items()),
                inputs=tuple(_tensor_from(t) for t in d["inputs"]),
                outputs=tuple(_tensor_from(t) for t in d["outputs"]),
                scratch_bytes=int(d.get("scratch_bytes", 0)), state_bytes=int(d.get("state_bytes", 0)),
                timeline=tuple(TimelinePoint(str(a), str(b), int(c), int(e)) for a, b, c, e in d.get("timeline", ())),
                peak_step=int(d.get("peak_step", 0)),
                memory_option=str(d.get("memory_option", "balanced")),
                patches=tuple(str(x) for x in d.get("patches", ())), recomputed_macs=int(d.get("recomputed_macs", 0)))
        except (KeyError, TypeError, ValueError, AttributeError) as exc:
            raise McuforgeError(f"{source}: not a report.json of this mcuforge ({type(exc).__name__}: {exc})",
                                hint="build again (scons board=... model=...) to rewrite it") from None


def _opt_int(v: Any) -> int | None:
    return None if v is None else int(v)


def _tensor_json(t: TensorInfo) -> dict[str, Any]:
    return {"name": t.name, "dtype": t.dtype, "shape": list(t.shape), "scale": t.scale, "zero_point": t.zero_point}


def _tensor_from(d: dict[str, Any]) -> TensorInfo:
    return TensorInfo(name=str(d["name"]), dtype=str(d["dtype"]), shape=tuple(int(x) for x in d["shape"]),
                      scale=float(d["scale"]), zero_point=int(d["zero_point"]))


def build_report(project: Project, elf: Path) -> BuildReport:
    sizes = elf_sizes(elf)
    board, m = project.board, project.compiled
    stack = project.options.stack_size if not board.hosted else 0
    ram_used = sizes.ram_bytes + stack  # the stack is reserved at the top of the main RAM
    regions: list[RegionUse] = []
    if board.ram is not None:
        regions.append(RegionUse(board.ram.name, sizes.ram_in(board.ram.origin, board.ram.size) + stack,
                                 board.ram.size, board.ram.origin))
        regions += [RegionUse(r.name, sizes.ram_in(r.origin, r.size), r.size, r.origin) for r in board.extra_ram]
    main_ram = board.ram.name if board.ram else None
    own = model_ram(m)
    timeline = memory_timeline(m)
    return BuildReport(
        board=board.name, model=str(project.model_path), model_sha256=m.sha256, prefix=m.prefix,
        kernel_variant=str(kernel_variant(board, project.options)), int8_io=project.options.int8_io,
        flash_bytes=sizes.flash_bytes, ram_bytes=ram_used, arena_bytes=m.arena_bytes,
        code_bytes=sizes.flash_bytes - m.weights_bytes - m.params_bytes, weights_bytes=m.weights_bytes,
        params_bytes=m.params_bytes, stack_bytes=project.options.stack_size if not board.hosted else None,
        macs=m.macs, ops=tuple(m.ops_used), n_ops=len(m.steps), kernels=tuple(m.kernels),
        flash_budget=board.flash.size if board.flash else None,
        flash_origin=board.flash.origin if board.flash else None, ram_budget=board.ram_total or None,
        ram_regions=tuple(regions),
        params_symbols=tuple(prefixed(m.prefix, a.name) for a in m.arrays if a.kind != ArrayKind.WEIGHTS),
        placement=Placement(arena=project.fit.placement.arena or main_ram,
                            input_staging=project.fit.placement.staging or main_ram),
        sections=tuple((s.name, s.size) for s in sizes.sections),
        inputs=tuple(TensorInfo(t.name, t.dtype.name.lower(), tuple(t.shape), t.scale, t.zero_point)
                     for t in m.inputs),
        outputs=tuple(TensorInfo(t.name, t.dtype.name.lower(), tuple(t.shape), t.scale, t.zero_point)
                      for t in m.outputs),
        scratch_bytes=own.scratch_bytes, state_bytes=own.state_bytes, timeline=timeline.points(),
        peak_step=timeline.peak_step,
        memory_option=str(project.options.memory), patches=tuple(p.describe() for p in m.patches),
        recomputed_macs=m.recomputed_macs)


def write_report(project: Project, elf: Path) -> BuildReport:
    rep = build_report(project, elf)
    write_text_atomic(project.dir / FILE, json.dumps(rep.to_json(), indent=2) + "\n")
    return rep


def read_report(project_dir: Path) -> BuildReport | None:
    """The build's report.json, or None when it has none (not built yet)."""
    path = Path(project_dir) / FILE
    if not path.is_file():
        return None
    try:
        data = json.loads(path.read_text())
    except (OSError, ValueError) as exc:
        raise McuforgeError(f"{path}: unreadable ({exc})", hint="build again to rewrite it") from None
    return BuildReport.from_json(data, source=str(path))
