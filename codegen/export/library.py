"""What an exported library holds, computed once for every format: the model generated for the board's
kernel variant, exactly the kernel files it calls (codegen.kernels), every header they include, and
the facts its README and build glue state (typed records; templates only lay them out)."""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from codegen.boards import Board
from codegen.emit import cgen
from codegen.errors import McuforgeError
from codegen.generate import GenerateOptions, compile_model
from codegen.kernels import (KernelVariant, chain, define, generator_target, kernel_sources, path_macros,
                             variant_for)
from codegen.lowering import CompiledModel, IOTensor, prefix_from
from codegen.options import BuildOptions
from codegen.resources import FIRMWARE_DIR

PUBLIC_HEADERS = FIRMWARE_DIR / "include"
KERNELS = FIRMWARE_DIR / "kernels"
VARIANT_HEADER = PurePosixPath("mcuforge/variant.h")  # each library writes its own (templates/export/variant.h.j2)
_INCLUDE = re.compile(r'^[ \t]*#[ \t]*include[ \t]*"([^"]+)"', re.M)


@dataclass(frozen=True)
class TensorInfo:
    """A model input or output as the library's user sees it (the header's macros)."""

    index: int
    name: str
    macro: str          # KWS_INPUT0: _BYTES, _TYPE, _CTYPE, _RANK, _SHAPE, _DIMk, _ELEMENTS, _SCALE, _ZERO_POINT
    accessor: str       # kws_input0
    ctype: str          # float, int8_t, ...
    dtype: str          # float32, int8, ...
    shape: tuple[int, ...]
    elements: int
    nbytes: int
    scale: float
    zero_point: int

    @property
    def shape_text(self) -> str:
        return "x".join(map(str, self.shape)) or "scalar"

    @property
    def quantised(self) -> bool:
        return self.scale != 0.0


@dataclass(frozen=True)
class Library:
    """One model ready to be laid out as a library, whatever the format."""

    name: str                       # = the model's C prefix; the library's and build target's name
    model_path: Path
    board: Board
    variant: KernelVariant
    compiled: CompiledModel
    kernels: tuple[Path, ...]       # the kernel files the model calls, in the variant's fallback chain: each
                                    # .c with its assembly loops (.S, which assemble to nothing off ARM)
    headers: tuple[Path, ...]       # every firmware header those and the model include (but variant.h)
    inputs: tuple[TensorInfo, ...]
    outputs: tuple[TensorInfo, ...]

    @property
    def macro(self) -> str:
        """The variant's macro, which the library's mcuforge/variant.h defines."""
        return define(self.variant)

    @property
    def assembly(self) -> bool:
        """Whether the kernels come with assembly loops (.S): the build must assemble them (with the C
        compiler, which preprocesses them), on every target."""
        return any(p.suffix == ".S" for p in self.kernels)

    @property
    def path_macros(self) -> tuple[str, ...]:
        """The macros with which the kernels compile only the code paths this model takes (MF_DSP_SELECT,
        MF_DSP_WITH_<path>; none for the reference kernels), which the library's mcuforge/variant.h defines."""
        return path_macros(self.compiled, self.variant)

    @property
    def other_macros(self) -> tuple[str, ...]:
        return tuple(define(v) for v in KernelVariant if v != self.variant)

    @property
    def header(self) -> str:
        return f"{self.name}_model.h"

    @property
    def core_flags(self) -> tuple[str, ...]:
        return self.board.core.cflags

    @property
    def tool_prefix(self) -> str:
        """The board's compiler prefix ("arm-none-eabi-"; "" for the build machine's own)."""
        return "" if self.board.native else f"{self.board.core.toolchain}-"

    @property
    def variant_chain(self) -> tuple[KernelVariant, ...]:
        """The variant and those its missing kernels come from."""
        return chain(self.variant)

    def kernel_names(self, variant: KernelVariant) -> tuple[str, ...]:
        """The kernels whose file comes from `variant`'s directory (their C files; not the assembly loops)."""
        return tuple(p.stem for p in self.kernels if p.parent.name == variant.value and p.suffix == ".c")


def _tensor(prefix: str, which: str, k: int, t: IOTensor) -> TensorInfo:
    return TensorInfo(index=k, name=t.name, macro=f"{prefix.upper()}_{which.upper()}{k}", accessor=f"{prefix}_{which}{k}",
                      ctype=t.dtype.c_type, dtype=t.dtype.name.lower(), shape=tuple(t.shape),
                      elements=math.prod(t.shape), nbytes=t.nbytes, scale=float(t.scale), zero_point=t.zero_point)


def include_closure(sources: list[Path]) -> tuple[Path, ...]:
    """Every firmware header that `sources` (firmware files) include, transitively: each
    `#include "..."` resolved as the compiler does, beside the including file, then in
    firmware/include/ (whatever the preprocessor conditions around it: a superset is harmless)."""
    found: dict[Path, None] = {}
    todo = list(sources)
    while todo:
        src = todo.pop()
        for name in _INCLUDE.findall(src.read_text()):
            hit = next((c.resolve() for c in (src.parent / name, PUBLIC_HEADERS / name) if c.is_file()), None)
            if hit is None:
                raise McuforgeError(f"{src} includes {name!r}, which is not in the firmware tree",
                                    hint="reinstall mcuforge: its firmware/ directory is incomplete")
            if hit not in found:
                found[hit] = None
                todo.append(hit)
    return tuple(sorted(found))


def plan_library(model_path: Path, board: Board, options: BuildOptions = BuildOptions()) -> Library:
    """Generate the model for `board`'s kernel variant (or the one `options` chose; its int8 I/O and
    symbol prefix too) and collect what the library needs."""
    variant = variant_for(board.core.target, options.kernels)
    prefix = options.prefix or prefix_from(Path(model_path).stem)
    try:
        cgen.ident(prefix)
    except ValueError:
        raise McuforgeError(f"symbol prefix {prefix!r} is not a C identifier",
                            hint="pass a prefix of letters, digits and _ that starts with a letter") from None
    compiled = compile_model(model_path, generator_target(variant, board.core.target),
                             GenerateOptions(prefix=prefix, int8_io=options.int8_io, memory=options.memory))
    kernels = tuple(kernel_sources(compiled, variant))
    model_includes = [(PUBLIC_HEADERS / "mcuforge" / h).resolve() for h in ("model.h", "nn.h")]  # model.c's
    headers = sorted({*include_closure([*kernels, *model_includes]), *model_includes})
    return Library(name=prefix, model_path=Path(model_path), board=board, variant=variant, compiled=compiled,
                   kernels=kernels, headers=tuple(h for h in headers if library_path(h) != VARIANT_HEADER),
                   inputs=tuple(_tensor(prefix, "input", k, t) for k, t in enumerate(compiled.inputs)),
                   outputs=tuple(_tensor(prefix, "output", k, t) for k, t in enumerate(compiled.outputs)))


def public_header(path: Path) -> bool:
    """Whether a firmware file is a public header (firmware/include/) rather than part of the kernels."""
    return PUBLIC_HEADERS.resolve() in path.resolve().parents


def library_path(path: Path) -> PurePosixPath:
    """Where a firmware file goes in a library: a public header relative to the format's include
    directory (mcuforge/nn.h), a kernel file or private header relative to its source directory
    (kernels/dsp/mf_conv2d_s8.c, kernels/common/...: they include each other by relative path)."""
    path = path.resolve()
    if public_header(path):
        return PurePosixPath(path.relative_to(PUBLIC_HEADERS.resolve()).as_posix())
    return PurePosixPath("kernels") / path.relative_to(KERNELS.resolve()).as_posix()
