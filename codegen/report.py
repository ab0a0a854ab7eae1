"""`report.json`: what a build produced and how it sits in the board's budget."""

from __future__ import annotations

import json
from pathlib import Path

from codegen.elfsize import elf_sizes
from codegen.pio.project import Project, kernel_variant
from codegen.version import __version__


def build_report(project: Project, elf: Path) -> dict:
    sizes = elf_sizes(elf)
    board, m = project.board, project.compiled
    flash_budget = board.flash.size if board.flash else None
    ram_budget = board.ram_total or None
    stack = project.options.stack_size if not board.native else 0
    ram_used = sizes.ram_bytes + stack  # the stack is reserved at the top of the main RAM
    regions = {}
    if board.ram is not None:
        regions[board.ram.name] = {"used": sizes.ram_in(board.ram.origin, board.ram.size) + stack,
                                   "size": board.ram.size}
        for r in board.extra_ram:
            regions[r.name] = {"used": sizes.ram_in(r.origin, r.size), "size": r.size}
    report = {
        "mcuforge": __version__,
        "board": board.name,
        "model": str(project.model_path),
        "model_sha256": m.sha256,
        "prefix": m.prefix,
        "kernel_variant": kernel_variant(board, project.options).value,
        "int8_io": project.options.int8_io,
        "flash_bytes": sizes.flash_bytes,
        "ram_bytes": ram_used,
        "arena_bytes": m.arena_bytes,
        # code = everything in flash but the model's own constant data: the weights and biases
        # (weights_bytes) and the quantisation data derived from the model (params_bytes: per-channel
        # multipliers/shifts, requantisation records, lookup tables) -- what TFLM keeps in its flatbuffer
        "code_bytes": sizes.flash_bytes - m.weights_bytes - m.params_bytes,
        "weights_bytes": m.weights_bytes,
        "params_bytes": m.params_bytes,
        "model_data_bytes": m.weights_bytes + m.params_bytes,
        "stack_bytes": project.options.stack_size if not board.native else None,
        "macs": m.macs,
        "ops": list(m.ops_used),
        "n_ops": len(m.steps),
        "kernels": list(m.kernels),
        "flash_budget": flash_budget,
        "ram_budget": ram_budget,
        "flash_headroom": None if flash_budget is None else flash_budget - sizes.flash_bytes,
        "ram_headroom": None if ram_budget is None else ram_budget - ram_used,
        "ram_regions": regions,
        "placement": {"arena": project.fit.placement.arena or (board.ram.name if board.ram else None),
                      "input_staging": project.fit.placement.staging or (board.ram.name if board.ram else None)},
        "sections": {s.name: s.size for s in sizes.sections},
        "inputs": [{"name": t.name, "dtype": t.dtype.name.lower(), "shape": list(t.shape),
                    "scale": t.scale, "zero_point": t.zero_point} for t in m.inputs],
        "outputs": [{"name": t.name, "dtype": t.dtype.name.lower(), "shape": list(t.shape),
                     "scale": t.scale, "zero_point": t.zero_point} for t in m.outputs],
    }
    return report


def write_report(project: Project, elf: Path) -> dict:
    rep = build_report(project, elf)
    (project.dir / "report.json").write_text(json.dumps(rep, indent=2) + "\n")
    return rep
