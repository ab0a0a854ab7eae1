"""The emitted C itself: stamped with the tool version and the model's sha256, weights as 16-byte
aligned const arrays that land in read-only data, no dynamic allocation, every global symbol under
the model's prefix, so two models link into one program and both stay bit-exact with TFLM; and the
generated C compiles with -std=c99 -Wall -Wextra -Werror for Cortex-M (the host build's flags are the
same, in codegen/host.py)."""

from __future__ import annotations

import ctypes
import hashlib
import re
import shutil
import subprocess
from pathlib import Path

import numpy as np
import pytest

from codegen.boards.cores import CORES
from codegen.emit import cgen
from codegen.emit.model import emit_model
from codegen.generate import GenerateOptions, compile_model
from codegen.host import CFLAGS, FIRMWARE, kernel_sources
from codegen.kernels import KernelVariant, define
from codegen.lowering import CompiledModel
from codegen.reference import TflmReference, random_inputs
from codegen.version import __version__
from support.paths import DEFAULT_MODEL, SHARED_MODELS

ARM_GCC = "arm-none-eabi-gcc"
SECOND_MODEL = SHARED_MODELS / "anomaly_detection.tflite"
STRICT = ("-std=c99", "-Wall", "-Wextra", "-Werror")
ALLOCATORS = {"malloc", "calloc", "realloc", "free", "_malloc_r", "_calloc_r", "_realloc_r", "_free_r"}

needs_arm = pytest.mark.skipif(shutil.which(ARM_GCC) is None, reason="arm-none-eabi-gcc missing (run ./setup.sh)")


@pytest.fixture(scope="module")
def digits() -> CompiledModel:
    return compile_model(DEFAULT_MODEL, options=GenerateOptions(prefix="digits"))


def test_every_file_is_stamped_with_version_and_model_sha256(digits, tmp_path):
    files = emit_model(digits, tmp_path)
    sha = hashlib.sha256(DEFAULT_MODEL.read_bytes()).hexdigest()
    assert digits.sha256 == sha
    for f in files.all:
        first = f.read_text().splitlines()[0]
        assert f"mcuforge {__version__}" in first and sha in first, f"{f.name}: {first}"
    assert f'#define DIGITS_SHA256 "{sha}"' in files.header.read_text()


def test_weights_are_aligned_const_arrays(digits, tmp_path):
    text = emit_model(digits, tmp_path).weights.read_text()
    arrays = re.findall(r"^(.*)\[\d+\]\s*(.*)=\s*\{$", text, flags=re.M)
    assert len(arrays) >= 5  # two convolutions and one fully connected layer: weights, biases, params
    for decl, attrs in arrays:
        # C99 has no alignas: GCC's aligned attribute is the same guarantee
        assert decl.startswith("const ") and "__attribute__((aligned(16)))" in attrs, decl


def test_the_header_states_shapes_and_types_as_macros(tmp_path):
    """Every input and output: bytes, mf_type, C type, rank, shape (initializer and per dimension),
    element count, scale and zero point, checked against the model by the compiler and a run."""
    model = compile_model(SHARED_MODELS / "keyword_spotting.tflite", options=GenerateOptions(prefix="kws"))
    emit_model(model, tmp_path)
    static, run, shapes = [], [], ""
    for which, tensors in (("INPUT", model.inputs), ("OUTPUT", model.outputs)):
        for k, t in enumerate(tensors):
            m = f"KWS_{which}{k}"
            shapes += f"static const int {m.lower()}_shape[] = {m}_SHAPE;\n"
            static += [f"{m}_BYTES == {t.nbytes}", f"{m}_TYPE == {t.dtype.mf_enum}", f"{m}_RANK == {len(t.shape)}",
                       f"sizeof({m}_CTYPE) == {t.dtype.size}", f"{m}_ELEMENTS == {int(np.prod(t.shape))}",
                       f"{m}_ZERO_POINT == {t.zero_point}", f"{m}_SCALE == {cgen.c_float(t.scale)}",
                       f"sizeof {m.lower()}_shape == {len(t.shape)} * sizeof(int)",
                       *(f"{m}_DIM{d} == {n}" for d, n in enumerate(t.shape))]
            run += [f"{m.lower()}_shape[{d}] == {n}" for d, n in enumerate(t.shape)]
    src = tmp_path / "macros.c"
    src.write_text('#include "kws_model.h"\n' + shapes + "".join(f'_Static_assert({c}, "{c}");\n' for c in static) +
                   "int main(void) { return !(" + " && ".join(run) + "); }\n")
    exe = tmp_path / "macros"
    res = subprocess.run(["gcc", "-std=c11", *STRICT, f"-I{FIRMWARE / 'include'}", f"-I{tmp_path}", str(src),
                          "-o", str(exe)], capture_output=True, text=True, timeout=60)
    assert res.returncode == 0, res.stderr
    assert subprocess.run([str(exe)], timeout=60).returncode == 0


def _nm(obj: Path, *flags: str, tool: str = "nm") -> list[tuple[str, str]]:
    out = subprocess.run([tool, *flags, str(obj)], capture_output=True, text=True, timeout=60, check=True).stdout
    rows = []
    for line in out.splitlines():
        parts = line.split()
        if len(parts) >= 2:
            rows.append((parts[-2], parts[-1]))
    return rows


def _arm_compile(model: CompiledModel, out: Path, core: str = "cortex-m4f") -> list[Path]:
    """Generated sources and the kernels the model needs, compiled for a Cortex-M core as firmware is."""
    files = emit_model(model, out)
    variant = CORES[core].kernel_variant
    objs = []
    for src in [files.source, files.weights, *kernel_sources(model, variant)]:
        obj = out / f"{src.parent.name}_{src.stem}.o"
        res = subprocess.run([ARM_GCC, *CORES[core].cflags, *STRICT, "-O2", f"-D{define(variant)}", "-ffunction-sections",
                              "-fdata-sections", f"-I{FIRMWARE / 'include'}", f"-I{out}", "-c", str(src),
                              "-o", str(obj)], capture_output=True, text=True, timeout=300)
        assert res.returncode == 0, f"{src.name} does not compile warning-free for {core}:\n{res.stderr}"
        objs.append(obj)
    return objs


@needs_arm
def test_cortex_m_objects_are_warning_free_prefixed_and_never_allocate(tmp_path):
    model = compile_model(DEFAULT_MODEL, CORES["cortex-m4f"].target, GenerateOptions(prefix="digits"))
    objs = _arm_compile(model, tmp_path)
    nm = "arm-none-eabi-nm"
    generated = [o for o in objs if o.name.startswith(f"{tmp_path.name}_digits_")]
    assert len(generated) == 2
    for obj in generated:
        defined = [name for kind, name in _nm(obj, "-g", "--defined-only", tool=nm)]
        assert defined and all(n.startswith("digits_") for n in defined), f"{obj.name}: {defined}"
    weights = next(o for o in generated if o.stem.endswith("_weights"))
    kinds = {kind for kind, _ in _nm(weights, "-g", "--defined-only", tool=nm)}
    assert kinds == {"R"}, f"weights must be read-only data (flash), got symbol kinds {kinds}"
    for obj in objs:
        undefined = {name for _, name in _nm(obj, "-u", tool=nm)}
        assert not undefined & ALLOCATORS, f"{obj.name} calls {undefined & ALLOCATORS}"


def test_two_models_link_into_one_program_and_both_stay_bit_exact(digits, tmp_path):
    anomaly = compile_model(SECOND_MODEL, options=GenerateOptions(prefix="ad"))
    models = (digits, anomaly)
    sources: list[Path] = []
    for m in models:
        files = emit_model(m, tmp_path)
        sources += [files.source, files.weights]
    kernels = {p: None for m in models for p in kernel_sources(m)}  # shared kernels: compiled once
    lib = tmp_path / "libtwo.so"
    res = subprocess.run(["gcc", *CFLAGS, f"-D{define(KernelVariant.REFERENCE)}", f"-I{FIRMWARE / 'include'}",
                          f"-I{tmp_path}", "-o", str(lib),
                          *map(str, sources), *map(str, kernels), "-lm"], capture_output=True, text=True, timeout=300)
    assert res.returncode == 0, res.stderr
    so = ctypes.CDLL(str(lib))
    rng = np.random.default_rng(7)
    for m in models:
        assert getattr(so, f"{m.prefix}_init")() == 0
    for _ in range(3):
        # interleave the two models: neither may touch the other's arena or state
        batch = [(m, path, random_inputs(m.inputs, rng)) for m, path in ((digits, DEFAULT_MODEL), (anomaly, SECOND_MODEL))]
        for m, _, xs in batch:
            for k, (t, x) in enumerate(zip(m.inputs, xs)):
                fn = getattr(so, f"{m.prefix}_input{k}")
                fn.restype = ctypes.c_void_p
                a = np.ascontiguousarray(x, dtype=t.dtype.np)
                ctypes.memmove(fn(), a.ctypes.data, a.nbytes)
        for m, _, _ in batch:
            assert getattr(so, f"{m.prefix}_invoke")() == 0
        for m, path, xs in batch:
            ref = TflmReference(path).run(xs)
            for k, t in enumerate(m.outputs):
                fn = getattr(so, f"{m.prefix}_output{k}")
                fn.restype = ctypes.c_void_p
                got = np.frombuffer(bytes((ctypes.c_char * t.nbytes).from_address(fn())), dtype=t.dtype.np)
                np.testing.assert_array_equal(got, np.asarray(ref[k]).reshape(-1), err_msg=f"{m.prefix} output {k}")


def test_generated_code_and_kernels_never_allocate_in_source():
    """Belt and braces for the object check: no allocator named anywhere in the C runtime's kernels."""
    pattern = re.compile(r"\b(malloc|calloc|realloc|free)\s*\(")
    offenders = [p for p in (FIRMWARE / "kernels").rglob("*.[ch]") if pattern.search(p.read_text())]
    assert not offenders
