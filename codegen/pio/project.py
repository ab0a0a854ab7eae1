"""Write a PlatformIO project for (board, model): generated sources, board config, linker script,
board manifest and platformio.ini, all under ``build/<board>/<model-stem>/``."""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import asdict, dataclass, replace
from pathlib import Path

from codegen.boards import Board
from codegen.boards.schema import config_defines
from codegen.emit import cgen
from codegen.emit.model import emit_model
from codegen.emit.render import render, stamp, write_if_changed
from codegen.fit import FitEstimate, check_fit, estimate_fit, model_ram_budget
from codegen.generate import GenerateOptions, compile_model
from codegen.lowering import CompiledModel, prefix_from
from codegen.hil.flash import FlashFiles, upload_command
from codegen.kernels import KernelVariant, define, generator_target, kernel_sources, path_macros, variant_for
from codegen.options import BuildOptions, MemoryMode
from codegen.pio.core import core, require_compiler
from codegen.resources import FIRMWARE_DIR, PIO_PLATFORM_DIR, build_root
from codegen.version import __version__

FIRMWARE = FIRMWARE_DIR
BUILD_ROOT = build_root()
COMMON_CFLAGS = ("-std=c99", "-Wall", "-Wextra", "-Werror", "-ffunction-sections", "-fdata-sections")


@dataclass(frozen=True)
class Project:
    dir: Path
    board: Board
    model_path: Path
    compiled: CompiledModel
    sources: tuple[Path, ...]
    fit: FitEstimate
    options: BuildOptions

    @property
    def firmware_elf(self) -> Path:
        return self.dir / ("firmware.elf" if not self.board.hosted else "firmware")


_SAFE_STEM = re.compile(r"[A-Za-z0-9_][A-Za-z0-9._+-]*\Z")


def safe_stem(stem: str) -> str:
    """A model file's stem as a directory name the toolchain cannot misread: kept when it is letters,
    digits and `._+-` (not leading with `.` or `-`); otherwise those characters only, plus a hash
    of the real stem so two odd names never share a directory. Paths in platformio.ini, compiler
    and linker flags are built from it: a newline, comma, `;` or `..` in a model's name stays out."""
    if _SAFE_STEM.match(stem):
        return stem
    cleaned = re.sub(r"[^A-Za-z0-9._+-]", "_", stem).lstrip(".-") or "model"
    return f"{cleaned}-{hashlib.sha256(stem.encode('utf-8', 'surrogateescape')).hexdigest()[:8]}"


def project_dir(board: str, model: Path, options: BuildOptions = BuildOptions(), root: Path = BUILD_ROOT) -> Path:
    return root / board / (safe_stem(Path(model).stem) + options.variant_suffix())


def kernel_variant(board: Board, options: BuildOptions) -> KernelVariant:
    """The kernel variant this build compiles (codegen.kernels: the user's choice, else the core's)."""
    return variant_for(board.core.target, options.kernels)


def firmware_sources(board: Board, compiled: CompiledModel, options: BuildOptions) -> list[Path]:
    """Runtime, board support, and only the kernels this model calls, in the build's kernel variant."""
    srcs = sorted((FIRMWARE / "runtime").glob("*.c")) + sorted((FIRMWARE / "bsp" / board.family).glob("*.c"))
    if not board.hosted:
        srcs += sorted((FIRMWARE / "cortexm").glob("*.c"))
    return srcs + kernel_sources(compiled, kernel_variant(board, options))


def dsp_defines(board: Board, compiled: CompiledModel, options: BuildOptions) -> list[str]:
    """The dsp kernels compile only the paths this model's calls take (nn.h, MF_DSP_SELECT)."""
    return [f"-D{m}=1" for m in path_macros(compiled, kernel_variant(board, options))]


def _flags(board: Board, project: Path, compiled: CompiledModel,
           options: BuildOptions) -> tuple[list[str], list[str], list[str], list[str]]:
    includes = [str(project / "src"), str(FIRMWARE / "include")]
    cflags = [*board.core.cflags, *COMMON_CFLAGS, options.opt, f"-D{define(kernel_variant(board, options))}",
              *dsp_defines(board, compiled, options)]
    libs = ["m"]
    if board.hosted:
        ldflags = [*board.core.cflags, "-Xlinker", f"-Map={project / 'firmware.map'}", "-Wl,--gc-sections"]
        if board.linux is not None:  # one file that runs on whatever C library the board has
            ldflags.append("-static")
    else:
        cflags += ["-fno-common"]
        ldflags = [*board.core.cflags, "-nostartfiles", "--specs=nano.specs", "--specs=nosys.specs",
                   f"-T{project / 'linker.ld'}", "-Wl,--gc-sections", "-Xlinker", f"-Map={project / 'firmware.map'}"]
        libs = ["m", "c_nano", "gcc", "nosys"]
    return cflags, ldflags, libs, includes


def write_project(board: Board, model_path: Path, out_dir: Path | None = None,
                  options: BuildOptions = BuildOptions()) -> Project:
    model_path = Path(model_path)
    out = Path(out_dir) if out_dir else project_dir(board.name, model_path, options)
    prefix = options.prefix or prefix_from(model_path.stem)
    # the kernel params follow the kernels built: dsp kernels read build-time layouts that the generator
    # writes only for a DSP target (the weights are then not stored a second time for the reference)
    target = generator_target(kernel_variant(board, options), board.core.target)
    generate = GenerateOptions(prefix=prefix, int8_io=options.int8_io, memory=options.memory)
    compiled = compile_model(model_path, target=target, options=generate)
    fit = estimate_fit(board, compiled, options.stack_size)
    if not fit.fits and options.memory == MemoryMode.BALANCED:  # patch-based inference, as far as needed
        budget = model_ram_budget(board, compiled, options.stack_size)
        compiled = compile_model(model_path, target=target, options=replace(generate, ram_budget=budget))
        fit = estimate_fit(board, compiled, options.stack_size)
    check_fit(board, compiled, fit, model_path, options.memory)
    src = out / "src"
    emit_model(compiled, src, arena_section=_section(fit.placement.arena))
    name = model_path.name
    write_if_changed(src / "mf_app.h", render(
        "mf_app.h.j2", stamp=stamp(name, compiled.sha256), prefix=prefix, version=__version__,
        input_bytes=sum((t.nbytes + 15) // 16 * 16 for t in compiled.inputs),
        staging_section=_section(fit.placement.staging)))
    write_if_changed(src / "mf_board_config.h", render(
        "mf_board_config.h.j2", stamp=stamp(board.path.name), defines=config_defines(board)))
    if not board.hosted:
        assert board.flash and board.ram
        write_if_changed(out / "linker.ld", render(
            "linker.ld.j2", stamp=stamp(board.path.name), flash_origin=board.flash.origin,
            flash_size=board.flash.size, ram_origin=board.ram.origin, ram_size=board.ram.size,
            stack_size=options.stack_size,
            extra_ram=[{"name": r.name, "origin": r.origin, "size": r.size} for r in board.extra_ram]))
    sources = firmware_sources(board, compiled, options) + [src / f.name for f in sorted(src.glob("*.c"))]
    cflags, ldflags, libs, includes = _flags(board, out, compiled, options)
    pio = core()
    require_compiler(board)
    write_if_changed(out / "boards" / f"{board.name}.json", render(
        "pio_board.json.j2", board=board, toolchain=board.core.toolchain, hosted=board.hosted,
        flash_size=board.flash.size if board.flash else 0, ram_size=board.ram_total,
        upload_protocol=board.upload.protocol if board.upload else ""))
    write_if_changed(out / "platformio.ini", render(
        "platformio.ini.j2", stamp=stamp(f"{name} for {board.name}", compiled.sha256), env=board.name,
        platform_dir=PIO_PLATFORM_DIR, toolchain_dir=pio.toolchain_dir, hosted=board.hosted,
        sources=[str(s) for s in sources], cflags=cflags, ldflags=ldflags, libs=libs, includes=includes,
        upload_protocol=board.upload.protocol if board.upload else "", upload_command=_upload_command(board)))
    plan = {
        "mcuforge": __version__, "board": board.name, "model": str(model_path), "sha256": compiled.sha256,
        "prefix": prefix, "options": asdict(options), "kernel_variant": kernel_variant(board, options),
        "arena_bytes": compiled.arena_bytes, "weights_bytes": compiled.weights_bytes,
        "params_bytes": compiled.params_bytes, "macs": compiled.macs, "ops": list(compiled.ops_used),
        "n_ops": len(compiled.steps), "kernels": list(compiled.kernels),
        "inputs": [_io(t) for t in compiled.inputs], "outputs": [_io(t) for t in compiled.outputs],
        "fit": asdict(fit),
    }
    write_if_changed(out / "plan.json", json.dumps(plan, indent=2) + "\n")
    return Project(dir=out, board=board, model_path=model_path, compiled=compiled, sources=tuple(sources),
                   fit=fit, options=options)


def _upload_command(board: Board) -> str:
    """`pio run -t upload`'s command for the board's default protocol ("" for a board without one)."""
    if board.upload is None or board.flash is None:
        return ""
    protocol = board.upload.protocol
    return upload_command(protocol, board.upload.settings[protocol], FlashFiles.built(board.flash.origin))


def _section(region: str | None) -> str:
    """The attribute placing a buffer in an extra RAM region's NOLOAD section (templates/linker.ld.j2)."""
    return cgen.c_section_attribute(region) if region else ""


def _io(t) -> dict:
    return {"name": t.name, "dtype": t.dtype.name.lower(), "shape": list(t.shape), "bytes": t.nbytes,
            "scale": t.scale, "zero_point": t.zero_point}
