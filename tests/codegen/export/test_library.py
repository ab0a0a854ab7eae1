"""What an export holds and how it is written: exactly the kernels the model calls in the variant its
weights are laid out for, every header they need and nothing else; the library's own variant.h
switches the compile-time guard on without any compiler flag (an Arduino library has none), so a
kernel file swapped in or a conflicting definition stops the compiler; a destination is never
overwritten unless it holds only an earlier export; the zip is the same bytes every time."""

from __future__ import annotations

import json
import shutil
import subprocess
import zipfile
from pathlib import Path

import pytest

from codegen.boards import load_board
from codegen.errors import McuforgeError
from codegen.export.formats import FORMATS, ExportFormat
from codegen.export.library import plan_library
from codegen.export.writer import export_library
from codegen.options import BuildOptions
from codegen.export.library import library_path
from codegen.kernels import KERNELS_DIR, KernelVariant, kernel_sources, readers
from support.paths import DEFAULT_MODEL, SHARED_MODELS

STRICT = ("-std=c99", "-Wall", "-Wextra", "-Werror")


@pytest.fixture(scope="module")
def stm32():
    return plan_library(DEFAULT_MODEL, load_board("stm32l475"))


def test_the_library_holds_the_kernels_of_the_variant_its_weights_are_laid_out_for(stm32):
    assert stm32.variant == KernelVariant.DSP and readers(stm32.compiled.target) == (KernelVariant.DSP,)
    assert list(stm32.kernels) == kernel_sources(stm32.compiled, KernelVariant.DSP)
    assert [str(library_path(k)) for k in stm32.kernels] == [  # the dsp kernels with their assembly loops
        "kernels/dsp/mf_conv2d_s8.c", "kernels/dsp/mf_conv2d_s8_pairs.S", "kernels/dsp/mf_fully_connected_s8.c",
        "kernels/dsp/mf_fully_connected_s8_rows.S", "kernels/reference/mf_maxpool2d_s8.c",
        "kernels/reference/mf_softmax_s8.c"]
    assert stm32.kernel_names(KernelVariant.DSP) == ("mf_conv2d_s8", "mf_fully_connected_s8")
    # the FULLY_CONNECTED (64 -> 10) takes the assembly's 8-row tiles; no other path
    assert stm32.assembly and stm32.path_macros == ("MF_DSP_SELECT", "MF_DSP_WITH_FC_ROWS")
    ref = plan_library(DEFAULT_MODEL, load_board("stm32l475"), BuildOptions(kernels=KernelVariant.REFERENCE))
    assert readers(ref.compiled.target) == (KernelVariant.REFERENCE,)
    assert all(k.parent.name == "reference" for k in ref.kernels)
    assert not ref.assembly and ref.path_macros == ()


@pytest.mark.parametrize("fmt", list(ExportFormat))
def test_every_format_holds_exactly_the_model_its_kernels_and_their_headers(stm32, fmt, tmp_path):
    exp = export_library(stm32, fmt, tmp_path / "out")
    spec = FORMATS[fmt]
    sources = {str(f) for f in exp.files if f.suffix in (".c", ".S")}
    assert sources == {f"{spec.source_dir}/digits_cnn_model.c", f"{spec.source_dir}/digits_cnn_weights.c",
                       *(f"{spec.source_dir}/{library_path(k)}" for k in stm32.kernels)}
    headers = {str(f) for f in exp.files if f.suffix == ".h"}
    assert f"{spec.include_dir}/digits_cnn_model.h" in headers and f"{spec.include_dir}/mcuforge/variant.h" in headers
    assert f"{spec.include_dir}/mcuforge/board.h" not in headers  # the firmware runtime's, not the model's
    assert {f"{spec.source_dir}/kernels/dsp/{h}" for h in ("mf_gemm_s8.h", "mf_dsp_asm.h", "mf_dsp_asm_macros.h")} \
        <= headers  # the private headers of the C kernels and of their assembly loops
    root = tmp_path / "x" if spec.archive else exp.root
    if spec.archive:
        with zipfile.ZipFile(exp.archive) as z:
            z.extractall(root)
        root = root / "digits_cnn"
    manifest = json.loads((root / "mcuforge-export.json").read_text())
    assert manifest["files"] == sorted(str(f) for f in exp.files)
    assert manifest["kernel_variant"] == "dsp" and manifest["board"] == "stm32l475"
    assert all((root / f).is_file() for f in exp.files)
    for template, path in spec.files:  # every file rendered, no template text left
        text = (root / path.format(name="digits_cnn")).read_text()
        assert "{{" not in text and "{%" not in text, path


def _compile_tree(root: Path, *flags: str) -> subprocess.CompletedProcess:
    sources = sorted(str(p) for p in (root / "src").rglob("*.c"))
    return subprocess.run(["gcc", *STRICT, "-fsyntax-only", f"-I{root / 'include'}", *flags, *sources],
                          capture_output=True, text=True, timeout=300)


def test_the_exported_guard_needs_no_flag_and_stops_mixed_builds(stm32, tmp_path):
    root = export_library(stm32, ExportFormat.CMAKE, tmp_path / "lib").root
    assert _compile_tree(root).returncode == 0
    res = _compile_tree(root, "-DMF_KERNELS_REFERENCE")
    assert res.returncode != 0
    assert "this library holds the dsp kernels (MF_KERNELS_DSP), but the build defines MF_KERNELS_REFERENCE" in res.stderr
    # the reference convolution swapped in for the dsp one: its guard sees the library's variant
    (root / "src" / "kernels" / "dsp" / "mf_conv2d_s8.c").write_text(
        (KERNELS_DIR / "reference" / "mf_conv2d_s8.c").read_text())
    res = _compile_tree(root)
    assert res.returncode != 0 and "reads the reference parameter layout" in res.stderr and "MF_KERNELS_DSP" in res.stderr


def _defined(path: Path, include: Path) -> set[str]:
    """The MF_DSP_WITH_* macros defined after preprocessing `path` for the Cortex-M4 with the DSP extension."""
    res = subprocess.run(["arm-none-eabi-gcc", "-mcpu=cortex-m4", "-mthumb", "-O2", f"-I{include}", "-dM", "-E",
                          str(path)], capture_output=True, text=True, timeout=120)
    assert res.returncode == 0, res.stderr
    return {line.split()[1] for line in res.stdout.splitlines() if line.startswith("#define MF_DSP_WITH_")}


@pytest.mark.skipif(shutil.which("arm-none-eabi-gcc") is None, reason="arm-none-eabi-gcc missing (run ./setup.sh)")
def test_the_library_compiles_only_the_dsp_paths_its_model_takes_without_any_flag(tmp_path):
    """keyword_spotting takes the planar depthwise path with one requantisation shift and a last strip
    of one output: its library's variant.h selects those (MF_DSP_SELECT), and both the C kernel and
    its assembly loops see them, where a build without the selection compiles every path."""
    lib = plan_library(SHARED_MODELS / "keyword_spotting.tflite", load_board("stm32l475"))
    assert lib.path_macros == ("MF_DSP_SELECT", "MF_DSP_WITH_DW_PLANAR", "MF_DSP_WITH_DW_RQ_SHIFT",
                               "MF_DSP_WITH_DW_TAIL1", "MF_DSP_WITH_FC_ROWS")
    root = export_library(lib, ExportFormat.CMAKE, tmp_path / "lib").root
    variant_h = (root / "include" / "mcuforge" / "variant.h").read_text()
    assert all(f"#define {m} 1" in variant_h for m in lib.path_macros)
    dw = root / "src" / "kernels" / "dsp"
    selected = set(lib.path_macros[1:])
    assert _defined(dw / "mf_depthwise_conv2d_s8.c", root / "include") == selected
    assert _defined(dw / "mf_depthwise_conv2d_s8_strip.S", root / "include") == selected
    # mcuforge's own variant.h selects nothing: every path (the selection reached the files through the library's)
    every = _defined(KERNELS_DIR / "dsp" / "mf_depthwise_conv2d_s8_strip.S", KERNELS_DIR.parent / "include")
    assert {"MF_DSP_WITH_DW_TAIL2", "MF_DSP_WITH_DW_RQ_FAST"} <= every - selected


def test_a_destination_is_never_overwritten_unless_it_holds_only_an_earlier_export(stm32, tmp_path):
    out = tmp_path / "lib"
    out.mkdir()
    (out / "notes.txt").write_text("mine")
    with pytest.raises(McuforgeError) as e:
        export_library(stm32, ExportFormat.CMAKE, out)
    assert "is not empty" in e.value.message and "--force" in e.value.hint
    with pytest.raises(McuforgeError) as e:
        export_library(stm32, ExportFormat.CMAKE, out, force=True)
    assert "files mcuforge did not write (notes.txt" in e.value.message
    assert (out / "notes.txt").read_text() == "mine"
    (out / "notes.txt").unlink()
    first = export_library(stm32, ExportFormat.ARDUINO, out)
    with pytest.raises(McuforgeError):
        export_library(stm32, ExportFormat.CMAKE, out)
    second = export_library(stm32, ExportFormat.CMAKE, out, force=True)  # replaces the earlier export whole
    assert not (out / "library.properties").exists() and (out / "CMakeLists.txt").is_file()
    assert sorted(p.relative_to(out).as_posix() for p in out.rglob("*") if p.is_file()) == \
        [str(f) for f in second.files] and first.files != second.files
    (out / "src" / "mine.c").write_text("int x;\n")
    with pytest.raises(McuforgeError) as e:
        export_library(stm32, ExportFormat.CMAKE, out, force=True)
    assert "src/mine.c" in e.value.message
    afile = tmp_path / "file"
    afile.write_text("")
    with pytest.raises(McuforgeError) as e:
        export_library(stm32, ExportFormat.CMAKE, afile)
    assert "is a file" in e.value.message


def test_the_zip_is_the_same_bytes_every_time(stm32, tmp_path):
    a = export_library(stm32, ExportFormat.ZIP, tmp_path / "a").archive
    b = export_library(stm32, ExportFormat.ZIP, tmp_path / "b").archive
    assert a and b and a.read_bytes() == b.read_bytes()
    export_library(stm32, ExportFormat.ZIP, tmp_path / "a", force=True)  # an earlier zip export is replaced


def test_mistakes_are_named():
    with pytest.raises(McuforgeError) as e:
        plan_library(DEFAULT_MODEL, load_board("host"), BuildOptions(prefix="2fast"))
    assert "not a C identifier" in e.value.message
    with pytest.raises(McuforgeError) as e:
        plan_library(DEFAULT_MODEL, load_board("host"), BuildOptions(kernels=KernelVariant.DSP))
    assert "need a core with dsp" in e.value.message


def test_keyword_spotting_for_the_stm32l475():
    """The README's example library: every kernel of the model, float I/O with its QUANTIZE/DEQUANTIZE."""
    lib = plan_library(SHARED_MODELS / "keyword_spotting.tflite", load_board("stm32l475"))
    assert lib.kernel_names(KernelVariant.DSP) == ("mf_avgpool2d_s8", "mf_conv2d_s8", "mf_depthwise_conv2d_s8",
                                                   "mf_fully_connected_s8", "mf_quantize_s8")
    assert lib.kernel_names(KernelVariant.REFERENCE) == ("mf_dequantize_s8", "mf_softmax_s8")
    assert [(t.dtype, t.shape) for t in lib.inputs + lib.outputs] == [("float32", (1, 50, 10, 1)), ("float32", (1, 12))]
