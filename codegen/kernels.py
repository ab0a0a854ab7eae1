"""Kernel variants: which kernel files a build compiles, in one place for every build path.

`firmware/kernels/<variant>/mf_<op>_<type>.c` holds a variant's version of a kernel; a variant need
not have every kernel. A build of variant V compiles, for each kernel the model calls, the first file
that exists along V's fallback chain (``mve -> dsp -> reference``). The variant follows the core: the
most specialised one whose layout features (``LAYOUTS``) the core's data (codegen/boards/cores.py:
``dsp``, ``mve``) all has, unless the user chooses one (``kernels=``).

Some variants read parameters laid out at build time for them (the dsp kernels' paired weights and
requantisation records): the generator writes those layouts only for a target whose feature flag is
on, so :func:`generator_target` switches off the layout features a variant does not read. A model's
parameters then suit exactly the variants whose ``LAYOUTS`` equal its target's layout features
(:func:`readers`): the dsp kernels find their records NULL in the reference layout (ADD's tables),
the reference kernels find NULL weights in the dsp layout.

That match is checked by the compiler, never at run time: every build defines ``MF_KERNELS_<VARIANT>``
(:func:`define`: on the command line, or in an exported library's ``mcuforge/variant.h``); the
generated model source stops with an ``#error`` naming its layout and the build's variant when they
differ (templates/model.c.j2, from :func:`readers`), and each kernel file that reads one variant's
layout refuses a build of a variant with another layout of that kernel.

A build of a variant whose kernels have selectable code paths (dsp: MF_DSP_SELECT, nn.h) compiles only
the paths the model's calls take: :func:`path_macros` names the macros it defines (on the command
line, or in an exported library's ``mcuforge/variant.h``). A kernel's assembly loops
(:func:`kernel_assembly`) are compiled by every build, on every target: each .S file assembles to
nothing where its instructions do not exist, and the C beside each call runs there instead.

Used by codegen/pio/project.py (firmware builds), codegen/host.py (host builds), codegen/report.py
and codegen/export/ (libraries).
"""

from __future__ import annotations

import enum
from dataclasses import replace
from pathlib import Path

from codegen.errors import McuforgeError
from codegen.lowering import CompiledModel
from codegen.ops.base import Target
from codegen.resources import FIRMWARE_DIR

KERNELS_DIR = FIRMWARE_DIR / "kernels"


class KernelVariant(enum.StrEnum):
    """A directory of firmware/kernels/ (a str enum: ``KernelVariant.DSP == "dsp"``)."""

    REFERENCE = "reference"  # portable C99, every kernel
    DSP = "dsp"              # Cortex-M DSP extension (SMLAD, SXTB16): the hot int8 kernels
    MVE = "mve"              # Helium (M-profile vector extension, Cortex-M55): its kernels, else dsp's


# the variant whose file a kernel uses when this variant has none (the reference has every kernel)
FALLBACK: dict[KernelVariant, KernelVariant | None] = {
    KernelVariant.MVE: KernelVariant.DSP,
    KernelVariant.DSP: KernelVariant.REFERENCE,
    KernelVariant.REFERENCE: None,
}

# the Target feature flags whose build-time layouts a variant's kernels read (and which it needs on a core)
LAYOUTS: dict[KernelVariant, frozenset[str]] = {
    KernelVariant.REFERENCE: frozenset(),
    KernelVariant.DSP: frozenset({"dsp"}),
    # the dsp kernels it falls back to read the dsp layouts; "mve": the layouts of its own kernels
    KernelVariant.MVE: frozenset({"dsp", "mve"}),
}
LAYOUT_FEATURES = frozenset().union(*LAYOUTS.values())

AUTO = "auto"  # the user's word for "the variant the core gets"


def kernel_choice(text: str) -> KernelVariant | None:
    """The user's `kernels=` value: a variant, or None for `auto` (per core). Anything else is an error."""
    if text == AUTO:
        return None
    try:
        return KernelVariant(text)
    except ValueError:
        raise McuforgeError(f"unknown kernel variant {text!r}",
                            hint="use kernels=" + "|".join([AUTO, *(v.value for v in KernelVariant)])) from None


def chain(variant: KernelVariant) -> tuple[KernelVariant, ...]:
    """`variant` and the variants it falls back to, most specialised first."""
    out: list[KernelVariant] = []
    v: KernelVariant | None = variant
    while v is not None:
        out.append(v)
        v = FALLBACK[v]
    return tuple(out)


def _supports(core: Target, variant: KernelVariant) -> bool:
    return all(getattr(core, feature) for feature in LAYOUTS[variant])


def default_variant(core: Target) -> KernelVariant:
    """The most specialised variant a core runs (the one with the longest fallback chain)."""
    return max((v for v in KernelVariant if _supports(core, v)), key=lambda v: len(chain(v)))


def variant_for(core: Target, choice: KernelVariant | None) -> KernelVariant:
    """The variant a build for `core` compiles: the user's `choice`, or the core's default (None).
    A variant whose layouts the core lacks is refused (its kernels would find no parameters laid out
    for them)."""
    if choice is None:
        return default_variant(core)
    if not _supports(core, choice):
        missing = ", ".join(sorted(f for f in LAYOUTS[choice] if not getattr(core, f)))
        raise McuforgeError(f"the {choice.value} kernels need a core with {missing}: {core.name} has none",
                            hint=f"use kernels={AUTO} (here: {default_variant(core).value}) or a board whose core has "
                                 f"{missing}")
    return choice


def generator_target(variant: KernelVariant, core: Target) -> Target:
    """The target the generator lays parameters out for when `variant`'s kernels are built for `core`:
    the layout features the variant reads stay as the core has them, the others are switched off (the
    weights are then stored once, in the layout the kernels read)."""
    return replace(core, **{f: getattr(core, f) and f in LAYOUTS[variant] for f in LAYOUT_FEATURES})


def layout(target: Target) -> frozenset[str]:
    """The layout features the generator writes for `target` (those of ``LAYOUT_FEATURES`` it has on)."""
    return frozenset(f for f in LAYOUT_FEATURES if getattr(target, f))


def reads_layouts(variant: KernelVariant, target: Target) -> bool:
    """Whether `variant`'s kernels can run a model generated for `target`: they read exactly its layouts."""
    return LAYOUTS[variant] == layout(target)


def readers(target: Target) -> tuple[KernelVariant, ...]:
    """The variants whose kernels run a model generated for `target` (never empty for a target that
    :func:`generator_target` made)."""
    return tuple(v for v in KernelVariant if reads_layouts(v, target))


def define(variant: KernelVariant) -> str:
    """The macro a build of `variant`'s kernels defines, which the generated model and the kernels check."""
    return f"MF_KERNELS_{variant.value.upper()}"


# the variants whose kernels compile only the paths a build selects (nn.h: MF_DSP_SELECT, MF_DSP_WITH_<path>)
# (the mve variant compiles the dsp kernels it falls back to: their paths are selected the same way)
PATH_SELECT: dict[KernelVariant, str] = {KernelVariant.DSP: "MF_DSP", KernelVariant.MVE: "MF_DSP"}


def path_macros(compiled: CompiledModel, variant: KernelVariant) -> tuple[str, ...]:
    """The macros (each defined to 1) with which a build of `variant`'s kernels compiles only the code
    paths `compiled`'s calls take (``CompiledModel.dsp_paths``); none for a variant without selectable
    paths, whose build then compiles every path."""
    prefix = PATH_SELECT.get(variant)
    if prefix is None:
        return ()
    return (f"{prefix}_SELECT", *(f"{prefix}_WITH_{p}" for p in compiled.dsp_paths))


def kernel_file(name: str, variant: KernelVariant) -> Path:
    """The source file of kernel `name` in a build of `variant`: its own, else along the fallback chain."""
    for v in chain(variant):
        path = KERNELS_DIR / v.value / f"{name}.c"
        if path.is_file():
            return path
    raise McuforgeError(f"no kernel source for {name} (looked in {', '.join(v.value for v in chain(variant))})",
                        hint="code-generator bug: a kernel file is missing")


def kernel_sources(compiled: CompiledModel, variant: KernelVariant | None = None) -> list[Path]:
    """The kernel files a build of `compiled` compiles: exactly the kernels it calls, in `variant`
    (default: the variant whose layouts the model was generated with), each with its assembly loops."""
    chosen = default_variant(compiled.target) if variant is None else variant
    files = [kernel_file(name, chosen) for name in compiled.kernels]
    return [path for f in files for path in (f, *kernel_assembly(f))]


def kernel_assembly(kernel: Path) -> list[Path]:
    """The assembly loops a kernel file comes with: ``<variant>/<kernel>_<loop>.S`` beside it
    (firmware/kernels/dsp/mf_dsp_asm.h declares them; on other targets they assemble to nothing)."""
    return sorted(kernel.parent.glob(f"{kernel.stem}_*.S"))
