"""CPU cores a board file may name: compiler flags and the capabilities the generator may use.

This is toolchain knowledge, not board data: a board picks one of these by name in its `core` field.
"""

from __future__ import annotations

from dataclasses import dataclass

from codegen.kernels import KernelVariant, default_variant
from codegen.ops.base import Target


@dataclass(frozen=True)
class Core:
    name: str
    toolchain: str                   # "arm-none-eabi" or "host"
    cflags: tuple[str, ...]          # also used for linking
    dsp: bool = False                # SMLAD/SXTB16: the dsp kernel variants apply
    mve: bool = False                # Helium
    fpu: bool = False
    description: str = ""
    timing: str | None = None        # boards/timing/<timing>.toml: instruction timings for estimated cycles

    @property
    def target(self) -> Target:
        return Target(dsp=self.dsp, mve=self.mve, fpu=self.fpu, name=self.name)

    @property
    def kernel_variant(self) -> KernelVariant:
        """The kernel variant builds for this core get unless the user chooses one (codegen.kernels)."""
        return default_variant(self.target)


def _arm(*flags: str) -> tuple[str, ...]:
    return ("-mthumb", *flags)


CORES: dict[str, Core] = {c.name: c for c in (
    Core("cortex-m0plus", "arm-none-eabi", _arm("-mcpu=cortex-m0plus", "-mfloat-abi=soft"),
         description="ARMv6-M"),
    Core("cortex-m3", "arm-none-eabi", _arm("-mcpu=cortex-m3", "-mfloat-abi=soft"), description="ARMv7-M"),
    Core("cortex-m4", "arm-none-eabi", _arm("-mcpu=cortex-m4", "-mfloat-abi=soft"), dsp=True,
         description="ARMv7E-M, DSP, no FPU", timing="cortex-m4"),
    Core("cortex-m4f", "arm-none-eabi", _arm("-mcpu=cortex-m4", "-mfloat-abi=hard", "-mfpu=fpv4-sp-d16"),
         dsp=True, fpu=True, description="ARMv7E-M, DSP, single-precision FPU", timing="cortex-m4"),
    Core("cortex-m7f", "arm-none-eabi", _arm("-mcpu=cortex-m7", "-mfloat-abi=hard", "-mfpu=fpv5-sp-d16"),
         dsp=True, fpu=True, description="ARMv7E-M, DSP, FPU, dual issue", timing="cortex-m7"),
    Core("cortex-m33f", "arm-none-eabi", _arm("-mcpu=cortex-m33", "-mfloat-abi=hard", "-mfpu=fpv5-sp-d16"),
         dsp=True, fpu=True, description="ARMv8-M Mainline, DSP, FPU", timing="cortex-m33"),
    Core("cortex-m55", "arm-none-eabi", _arm("-mcpu=cortex-m55", "-mfloat-abi=hard"),
         dsp=True, mve=True, fpu=True, description="ARMv8.1-M, Helium (MVE), FPU", timing="cortex-m55"),
    Core("host", "host", (), description="the build machine"),
)}
