"""Will the model fit the board? Estimated before compiling, so a model that cannot fit stops early
with the numbers and what would make it fit."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from codegen.boards import Board, list_boards, load_board
from codegen.errors import McuforgeError
from codegen.lowering import CompiledModel
from codegen.term import kb as _kb

# Measured on the default model's firmware (runtime, BSP, startup, newlib-nano pieces): generous
# upper bounds, so an estimate that passes is not contradicted by the linker.
RUNTIME_CODE_BYTES = 12 * 1024
KERNEL_CODE_BYTES = 2 * 1024
RUNTIME_RAM_BYTES = 4 * 1024  # protocol buffers, counters, .data/.bss of the runtime


@dataclass(frozen=True)
class FitEstimate:
    flash_needed: int
    flash_budget: int
    ram_needed: int
    ram_budget: int
    arena_bytes: int
    staging_bytes: int
    stack_bytes: int
    weights_bytes: int

    @property
    def fits(self) -> bool:
        return (self.flash_budget == 0 or self.flash_needed <= self.flash_budget) and \
               (self.ram_budget == 0 or self.ram_needed <= self.ram_budget)


class DoesNotFitError(McuforgeError):
    pass


def estimate_fit(board: Board, model: CompiledModel, stack_size: int) -> FitEstimate:
    staging = sum((t.nbytes + 15) // 16 * 16 for t in model.inputs)
    variables = sum(v.nbytes for v in model.variables)
    code = RUNTIME_CODE_BYTES + KERNEL_CODE_BYTES * len(model.kernels) + 64 * len(model.steps)
    return FitEstimate(
        flash_needed=model.weights_bytes + model.params_bytes + code,
        flash_budget=board.flash.size if board.flash else 0,
        ram_needed=model.arena_bytes + staging + variables + stack_size + RUNTIME_RAM_BYTES,
        ram_budget=board.ram.size if board.ram else 0,
        arena_bytes=model.arena_bytes, staging_bytes=staging, stack_bytes=stack_size,
        weights_bytes=model.weights_bytes)


def check_fit(board: Board, model: CompiledModel, fit: FitEstimate, model_path: Path) -> None:
    if fit.fits:
        return
    lines = []
    if fit.flash_budget and fit.flash_needed > fit.flash_budget:
        lines.append(f"flash: needs ~{_kb(fit.flash_needed)} (weights {_kb(fit.weights_bytes)}), "
                     f"{board.name} has {_kb(fit.flash_budget)}")
    if fit.ram_budget and fit.ram_needed > fit.ram_budget:
        lines.append(f"RAM: needs ~{_kb(fit.ram_needed)} (arena {_kb(fit.arena_bytes)} + input staging "
                     f"{_kb(fit.staging_bytes)} + stack {_kb(fit.stack_bytes)} + runtime "
                     f"{_kb(RUNTIME_RAM_BYTES)}), {board.name} has {_kb(fit.ram_budget)}")
    fixes = []
    if any(t.dtype.name == "FLOAT32" for t in (*model.inputs, *model.outputs)):
        fixes.append("int8 model I/O (`int8_io=1`) drops the float input/output buffers and their QUANTIZE/"
                     "DEQUANTIZE")
    bigger = []
    for name in list_boards():
        if name == board.name:
            continue
        other = load_board(name)
        if other.native or not other.flash or not other.ram:
            continue
        if other.flash.size >= fit.flash_needed and other.ram.size >= fit.ram_needed:
            bigger.append(f"{name} ({_kb(other.flash.size)} flash, {_kb(other.ram.size)} RAM)")
    if bigger:
        fixes.append("a board it fits: " + ", ".join(bigger))
    fixes.append("a smaller model (fewer channels, pruning), or full int8 quantisation if it is float32")
    raise DoesNotFitError(f"{model_path.name} does not fit {board.name}:\n  " + "\n  ".join(lines),
                          hint="; or ".join(fixes))
