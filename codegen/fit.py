"""Will the model fit the board? Estimated before compiling, so a model that cannot fit stops early
with the numbers and what would make it fit."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from codegen.boards import Board, list_boards, load_board
from codegen.errors import McuforgeError
from codegen.lowering import STATIC_SCRATCH, CompiledModel
from codegen.peakram import PeakRam, StackSource, model_ram
from codegen.planner.patches import MemoryMode
from codegen.term import kb as _kb

# Measured on the default model's firmware (runtime, BSP, startup, newlib-nano pieces): generous
# upper bounds, so an estimate that passes is not contradicted by the linker.
RUNTIME_CODE_BYTES = 12 * 1024
KERNEL_CODE_BYTES = 2 * 1024
RUNTIME_RAM_BYTES = 4 * 1024  # protocol buffers, counters, .data/.bss of the runtime


@dataclass(frozen=True)
class Placement:
    """Which RAM region the two big buffers go to: None = the main RAM (.bss), else the name of one
    of the board's extra RAM regions (e.g. the STM32L4's SRAM2), used only when the main RAM
    would not hold everything."""

    arena: str | None = None
    staging: str | None = None

    def region_bytes(self, arena: int, staging: int) -> dict[str | None, int]:
        out: dict[str | None, int] = {}
        for where, n in ((self.arena, arena), (self.staging, staging)):
            out[where] = out.get(where, 0) + n
        return out


@dataclass(frozen=True)
class FitEstimate:
    flash_needed: int
    flash_budget: int
    ram_needed: int     # main RAM
    ram_budget: int     # main RAM
    arena_bytes: int
    staging_bytes: int
    stack_bytes: int
    weights_bytes: int
    placement: Placement = Placement()
    extra_needed: tuple[tuple[str, int, int], ...] = ()  # (region, needed, size)
    peak: PeakRam = PeakRam(0, 0, 0, 0)   # the model's: arena + scratch + stack (reserved) + state
    harness_bytes: int = 0                 # the harness's: input staging + runtime (protocol buffers)

    @property
    def fits(self) -> bool:
        return (self.flash_budget == 0 or self.flash_needed <= self.flash_budget) and \
               (self.ram_budget == 0 or self.ram_needed <= self.ram_budget) and \
               all(need <= size for _, need, size in self.extra_needed)


class DoesNotFitError(McuforgeError):
    pass


def place(board: Board, arena: int, staging: int, fixed: int) -> Placement:
    """Keep everything in the main RAM when it fits; otherwise move the largest buffers, one at a
    time, to an extra RAM region they fit in (SRAM2 on the STM32L4), until the main RAM fits."""
    if board.ram is None or fixed + arena + staging <= board.ram.size or not board.extra_ram:
        return Placement()
    chosen: dict[str, str] = {}
    free = {r.name: r.size for r in board.extra_ram}
    main = fixed + arena + staging
    for name, n in sorted((("arena", arena), ("staging", staging)), key=lambda x: -x[1]):
        if main <= board.ram.size:
            break
        region = next((r for r, left in free.items() if n <= left), None)
        if region is not None:
            chosen[name] = region
            free[region] -= n
            main -= n
    return Placement(arena=chosen.get("arena"), staging=chosen.get("staging"))


def estimate_fit(board: Board, model: CompiledModel, stack_size: int) -> FitEstimate:
    staging = sum((t.nbytes + 15) // 16 * 16 for t in model.inputs)
    peak = model_ram(model).peak(stack_size, StackSource.RESERVED)
    code = RUNTIME_CODE_BYTES + KERNEL_CODE_BYTES * len(model.kernels) + 64 * len(model.steps)
    # everything but the two movable buffers (the arena, the input staging) stays in the main RAM
    fixed = peak.total - peak.arena_bytes + RUNTIME_RAM_BYTES
    placement = place(board, model.arena_bytes, staging, fixed)
    regions = placement.region_bytes(model.arena_bytes, staging)
    sizes = {r.name: r.size for r in board.extra_ram}
    return FitEstimate(
        flash_needed=model.weights_bytes + model.params_bytes + code,
        flash_budget=board.flash.size if board.flash else 0,
        ram_needed=fixed + regions.get(None, 0),
        ram_budget=board.ram.size if board.ram else 0,
        arena_bytes=model.arena_bytes, staging_bytes=staging, stack_bytes=stack_size,
        weights_bytes=model.weights_bytes, placement=placement,
        extra_needed=tuple((r, n, sizes[r]) for r, n in regions.items() if r is not None),
        peak=peak, harness_bytes=staging + RUNTIME_RAM_BYTES)


def model_ram_budget(board: Board, model: CompiledModel, stack_size: int) -> int | None:
    """The most RAM the model's arena and static kernel scratch may take on `board` (what the
    `balanced` memory option plans patch-based inference for): the main RAM left by everything
    else, or an extra RAM region the arena can move to. None: the board sets no limit."""
    if board.ram is None:
        return None
    staging = sum((t.nbytes + 15) // 16 * 16 for t in model.inputs)
    others = sum(v.nbytes for v in model.variables if v.symbol != STATIC_SCRATCH) + stack_size + RUNTIME_RAM_BYTES
    room = board.ram.size - others - staging
    if others + staging <= board.ram.size:
        room = max([room, *(r.size for r in board.extra_ram)])
    return max(0, room)


def check_fit(board: Board, model: CompiledModel, fit: FitEstimate, model_path: Path,
              memory: MemoryMode = MemoryMode.BALANCED) -> None:
    if fit.fits:
        return
    lines = []
    if fit.flash_budget and fit.flash_needed > fit.flash_budget:
        lines.append(f"flash: needs ~{_kb(fit.flash_needed)} (weights {_kb(fit.weights_bytes)}), "
                     f"{board.name} has {_kb(fit.flash_budget)}")
    if fit.ram_budget and fit.ram_needed > fit.ram_budget:
        lines.append(f"RAM: needs ~{_kb(fit.ram_needed)}: the model's peak RAM {_kb(fit.peak.total)} "
                     f"({fit.peak.describe()}) + the harness's {_kb(fit.harness_bytes)} (input staging "
                     f"{_kb(fit.staging_bytes)} + runtime {_kb(RUNTIME_RAM_BYTES)})"
                     + (" less what moved out of it" if fit.placement.arena or fit.placement.staging else "")
                     + f"; {board.name} has {_kb(fit.ram_budget)}")
    for region, need, size in fit.extra_needed:
        if need > size:
            lines.append(f"{region}: needs {_kb(need)}, {board.name} has {_kb(size)}")
    moved = [f"{what} in {where}" for what, where in (("arena", fit.placement.arena),
                                                      ("input staging", fit.placement.staging)) if where]
    if moved:
        lines.append("(already placed: " + ", ".join(moved) + ")")
    elif board.extra_ram:
        lines.append("(neither the arena nor the input staging buffer fits " +
                     " or ".join(f"{r.name} ({_kb(r.size)})" for r in board.extra_ram) + ")")
    fixes = []
    if fit.ram_budget and fit.ram_needed > fit.ram_budget and memory == MemoryMode.SPEED:
        fixes.append("`memory=balanced` (the default) or `memory=ram` runs the first layers patch by patch: less RAM, "
                     "some MACs computed twice")
    if any(t.dtype.name == "FLOAT32" for t in (*model.inputs, *model.outputs)):
        fixes.append("int8 model I/O (`int8_io=1`) drops the float input/output buffers and their QUANTIZE/"
                     "DEQUANTIZE")
    bigger = []
    for name in list_boards():
        if name == board.name:
            continue
        other = load_board(name)
        if other.hosted or not other.flash or not other.ram:
            continue
        if other.flash.size >= fit.flash_needed and other.ram.size >= fit.ram_needed:
            bigger.append(f"{name} ({_kb(other.flash.size)} flash, {_kb(other.ram.size)} RAM)")
    if bigger:
        fixes.append("a board it fits: " + ", ".join(bigger))
    fixes.append("a smaller model (fewer channels, pruning), or full int8 quantisation if it is float32")
    raise DoesNotFitError(f"{model_path.name} does not fit {board.name}:\n  " + "\n  ".join(lines),
                          hint="; or ".join(fixes))
