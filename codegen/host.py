"""Run generated code natively: compile a model's C and its kernels into a shared library and
call it through ctypes. Used by the bit-exactness tests and the per-tensor debug mode.

The `host` board (a full firmware speaking the device protocol over stdio) is built by PlatformIO
like every other board; this module is the fast in-process path.
"""

from __future__ import annotations

import ctypes
import hashlib
import subprocess
import tempfile
from pathlib import Path

import numpy as np

from codegen.emit.model import emit_model
from codegen.errors import McuforgeError
from codegen.kernels import KernelVariant, define, generator_target, kernel_sources, reads_layouts
from codegen.lowering import CompiledModel, tensor_of
from codegen.ops.base import Target
from codegen.resources import FIRMWARE_DIR

FIRMWARE = FIRMWARE_DIR
CFLAGS = ("-std=c99", "-O2", "-Wall", "-Wextra", "-Werror", "-fPIC", "-shared")

VARIANTS = tuple(KernelVariant)
# the build machine runs every variant's portable C (the mve kernels' C beside their vector code): any layout the generator writes
HOST_TARGET = Target(dsp=True, mve=True)
INVOKE_STOPPED = 1  # MF_INVOKE_STOPPED (model.h): a streaming operator ended the invoke early


def variant_target(variant: KernelVariant | str) -> Target:
    """The generator target whose kernel params a host build of `variant` kernels needs: dsp kernels
    get their build-time layouts (the generator then stores the weights only in those)."""
    return generator_target(KernelVariant(variant), HOST_TARGET)


class HostModel:
    """A compiled model loaded into this process."""

    def __init__(self, model: CompiledModel, workdir: Path | None = None, cc: str = "gcc",
                 extra_cflags: tuple[str, ...] = (), variant: KernelVariant | str = KernelVariant.REFERENCE) -> None:
        variant = KernelVariant(variant)
        if not reads_layouts(variant, model.target):
            raise McuforgeError(f"{model.prefix} was not generated for the {variant.value} kernels' parameter layout",
                                hint="generate it for codegen.host.variant_target(variant)")
        self.model = model
        self.variant = variant
        self._tmp = None
        if workdir is None:
            self._tmp = tempfile.TemporaryDirectory(prefix="mcuforge-host-")
            workdir = Path(self._tmp.name)
        self.dir = Path(workdir)
        files = emit_model(model, self.dir)
        sources = [files.source, files.weights, *kernel_sources(model, variant)]
        headers = sorted((FIRMWARE / "include").rglob("*.h")) + sorted((FIRMWARE / "kernels").rglob("*.h"))
        flags = (*CFLAGS, f"-D{define(variant)}", *extra_cflags)  # the variant the generated code checks
        digest = hashlib.sha256(b"".join(p.read_bytes() for p in [*sources, *headers]) + " ".join(flags).encode())
        lib = self.dir / f"lib{model.prefix}_{digest.hexdigest()[:12]}.so"
        if not lib.is_file():
            cmd = [cc, *flags, f"-I{FIRMWARE / 'include'}", f"-I{self.dir}",
                   "-o", str(lib), *map(str, sources), "-lm"]
            res = subprocess.run(cmd, capture_output=True, text=True, timeout=300)
            if res.returncode != 0:
                raise McuforgeError(f"host compile of {model.prefix} failed:\n{res.stderr[-4000:]}",
                                    hint="code-generator bug: the generated C must compile warning-free")
        self.lib = ctypes.CDLL(str(lib))
        p = model.prefix
        self._invoke = getattr(self.lib, f"{p}_invoke")
        self.last_status = 0
        self._run_op = getattr(self.lib, f"{p}_run_op")
        self._run_op.argtypes = [ctypes.c_uint32]
        getattr(self.lib, f"{p}_init")()
        self._inputs = []
        for k, t in enumerate(model.inputs):
            fn = getattr(self.lib, f"{p}_input{k}")
            fn.restype = ctypes.c_void_p
            self._inputs.append((fn(), t))
        self._outputs = []
        for k, t in enumerate(model.outputs):
            fn = getattr(self.lib, f"{p}_output{k}")
            fn.restype = ctypes.c_void_p
            self._outputs.append((fn(), t))
        desc = ctypes.c_void_p.in_dll(self.lib, f"{p}_model")
        _ = desc
        first_in = self._inputs[0][0] if self._inputs else None
        self.arena_base = (first_in - model.inputs[0].offset) if first_in is not None else None

    def close(self) -> None:
        if self._tmp is not None:
            self._tmp.cleanup()

    def set_inputs(self, inputs: list[np.ndarray]) -> None:
        if len(inputs) != len(self._inputs):
            raise ValueError(f"{len(inputs)} inputs given, the model takes {len(self._inputs)}")
        for (addr, t), x in zip(self._inputs, inputs):
            a = np.ascontiguousarray(x, dtype=t.dtype.np)
            if a.nbytes != t.nbytes:
                raise ValueError(f"input {t.name}: {a.nbytes} bytes given, {t.nbytes} expected")
            ctypes.memmove(addr, a.ctypes.data, a.nbytes)

    def outputs(self) -> list[np.ndarray]:
        out = []
        for addr, t in self._outputs:
            buf = (ctypes.c_char * t.nbytes).from_address(addr)
            out.append(np.frombuffer(bytes(buf), dtype=t.dtype.np).reshape(t.shape).copy())
        return out

    def run(self, inputs: list[np.ndarray]) -> list[np.ndarray]:
        self.set_inputs(inputs)
        self.last_status = self._invoke()
        if self.last_status not in (0, INVOKE_STOPPED):
            raise McuforgeError("invoke failed", hint="")
        return self.outputs()

    def reset(self) -> None:
        getattr(self.lib, f"{self.model.prefix}_reset")()

    def run_op(self, i: int) -> None:
        if self._run_op(i) != 0:
            raise IndexError(i)

    def read_tensor(self, key: tuple[int, int]) -> np.ndarray:
        """A tensor's current contents (arena tensors only)."""
        st = self.model.storage[key]
        t = tensor_of(self.model, key)
        if st.kind != "arena" or self.arena_base is None:
            raise ValueError(f"tensor {key} is not in the arena")
        buf = (ctypes.c_char * t.nbytes).from_address(self.arena_base + st.offset)
        return np.frombuffer(bytes(buf), dtype=t.dtype.np).reshape(t.shape).copy()

