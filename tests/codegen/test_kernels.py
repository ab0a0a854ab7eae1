"""The kernel-variant rule (codegen/kernels.py) and the compile-time guard built on it: a model's
parameters suit exactly the variants whose layouts they were written in; a build names its variant
(MF_KERNELS_<VARIANT>); the generated model source and the kernel files that read one variant's
layout stop the compiler, naming both, when they do not match. The issue's crash (weights laid out
for the dsp kernels, compiled against the reference kernels) is a compile error now."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from codegen.boards import load_board
from codegen.emit.model import emit_model
from codegen.errors import McuforgeError
from codegen.generate import GenerateOptions, compile_model
from codegen.host import FIRMWARE, variant_target
from codegen.kernels import (KERNELS_DIR, KernelVariant, define, kernel_file, kernel_sources, path_macros,
                             reads_layouts, readers, variant_for)
from codegen.ops.base import Target
from support.paths import DEFAULT_MODEL

STRICT = ("-std=c99", "-Wall", "-Wextra", "-Werror")
# the kernel files that read one variant's parameter layout (nn.h "DSP variant"): the dsp files read
# the dsp_* arrays; the reference files of the kernels whose weights the dsp layout stores only there
LAYOUT_READERS = {
    KernelVariant.DSP: ("mf_conv2d_s8", "mf_depthwise_conv2d_s8", "mf_fully_connected_s8", "mf_add_s8"),
    KernelVariant.REFERENCE: ("mf_conv2d_s8", "mf_depthwise_conv2d_s8", "mf_fully_connected_s8"),
    KernelVariant.MVE: ("mf_fully_connected_s8", "mf_conv2d_s8"),
}


def _compile(sources: list[Path], *flags: str, include: Path | None = None) -> subprocess.CompletedProcess:
    inc = [f"-I{FIRMWARE / 'include'}"] + ([f"-I{include}"] if include else [])
    return subprocess.run(["gcc", *STRICT, "-fsyntax-only", *flags, *inc, *map(str, sources)],
                          capture_output=True, text=True, timeout=300)


@pytest.fixture(scope="module")
def generated(tmp_path_factory) -> dict[KernelVariant, Path]:
    """digits_cnn generated for each variant's layout: its model.c."""
    out = {}
    for v in KernelVariant:
        d = tmp_path_factory.mktemp(v.value)
        m = compile_model(DEFAULT_MODEL, variant_target(v), GenerateOptions(prefix="digits"))
        out[v] = emit_model(m, d).source
    return out


def test_a_model_suits_exactly_the_variant_it_was_generated_for():
    for v in KernelVariant:
        assert readers(variant_target(v)) == (v,)
        assert [w for w in KernelVariant if reads_layouts(w, variant_target(v))] == [v]


@pytest.mark.parametrize("built", list(KernelVariant))
def test_the_model_source_compiles_only_in_a_build_of_its_variant(generated, built):
    for laid_out, source in generated.items():
        res = _compile([source], f"-D{define(built)}", include=source.parent)
        if laid_out == built:
            assert res.returncode == 0, res.stderr
        else:
            assert res.returncode != 0
            assert (f"laid out for the {laid_out.value} kernels, but this build compiles the {built.value} kernels "
                    f"({define(built)})") in res.stderr, res.stderr


def test_a_build_that_names_no_variant_is_told_which_to_name(generated):
    for laid_out, source in generated.items():
        res = _compile([source], include=source.parent)
        assert res.returncode != 0
        assert f"names no kernel variant: compile the {laid_out.value} kernels with -D{define(laid_out)}" in res.stderr


@pytest.mark.parametrize("built", list(KernelVariant))
def test_layout_reading_kernels_refuse_a_build_of_another_variant(built):
    """Every kernel file a build of `built` picks compiles in it; a file that reads another variant's
    layout of the same kernel stops the compiler, naming itself and the build's variant."""
    for reader, names in LAYOUT_READERS.items():
        for name in names:
            picked = kernel_file(name, built)
            assert _compile([picked], f"-D{define(built)}").returncode == 0
            path = KERNELS_DIR / reader.value / f"{name}.c"
            if path == picked:
                continue
            res = _compile([path], f"-D{define(built)}")
            assert res.returncode != 0, f"{path} compiled in a build of the {built.value} kernels"
            assert f"kernels/{reader.value}/{name}.c reads" in res.stderr and f"({define(built)})" in res.stderr


def test_generate_for_the_stm32l475_then_the_reference_kernels_is_a_compile_error(tmp_path):
    """The issue's path: `generate --board stm32l475` lays the weights out for the dsp kernels; the
    reference kernels beside it used to link and segfault. Now neither way of mixing compiles."""
    model = compile_model(DEFAULT_MODEL, load_board("stm32l475").core.target, GenerateOptions(prefix="digits"))
    files = emit_model(model, tmp_path)
    sources = [files.source, files.weights, *kernel_sources(model, KernelVariant.REFERENCE)]
    res = _compile(sources, f"-D{define(KernelVariant.REFERENCE)}", include=tmp_path)
    assert res.returncode != 0
    assert ("digits_model.c: kernel parameters laid out for the dsp kernels, but this build compiles the "
            "reference kernels (MF_KERNELS_REFERENCE)") in res.stderr, res.stderr
    # naming the dsp variant does not help while the reference convolution is compiled
    res = _compile(sources, f"-D{define(KernelVariant.DSP)}", include=tmp_path)
    assert res.returncode != 0
    assert "kernels/reference/mf_conv2d_s8.c reads the reference parameter layout, but this build compiles the " \
           "dsp kernels (MF_KERNELS_DSP)" in res.stderr, res.stderr
    # the right kernels compile
    good = [files.source, files.weights, *kernel_sources(model, KernelVariant.DSP)]
    assert _compile(good, f"-D{define(KernelVariant.DSP)}", include=tmp_path).returncode == 0


def test_a_variant_the_core_cannot_run_is_refused():
    with pytest.raises(McuforgeError) as e:
        variant_for(Target(name="cortex-m0plus"), KernelVariant.DSP)
    assert "dsp kernels need a core with dsp" in e.value.message and "kernels=auto" in e.value.hint
    assert variant_for(Target(name="cortex-m0plus"), None) == KernelVariant.REFERENCE
    assert variant_for(Target(dsp=True), KernelVariant.REFERENCE) == KernelVariant.REFERENCE


def test_the_variant_follows_the_core_data_along_mve_dsp_reference():
    """The rule reads the cores' feature flags (codegen/boards/cores.py), not their names: Helium
    cores get the mve kernels, DSP cores the dsp ones, the others the reference; the mve variant
    falls back to dsp's file, then the reference's."""
    from codegen.boards.cores import CORES
    from codegen.kernels import chain, generator_target, layout
    assert chain(KernelVariant.MVE) == (KernelVariant.MVE, KernelVariant.DSP, KernelVariant.REFERENCE)
    for core in CORES.values():
        want = (KernelVariant.MVE if core.mve and core.dsp else KernelVariant.DSP if core.dsp
                else KernelVariant.REFERENCE)
        assert core.kernel_variant == want == variant_for(core.target, None), core.name
    assert CORES["cortex-m55"].kernel_variant == KernelVariant.MVE
    assert CORES["cortex-m4"].kernel_variant == KernelVariant.DSP
    assert variant_for(Target(dsp=True, mve=True, name="x"), None) == KernelVariant.MVE
    with pytest.raises(McuforgeError) as e:
        variant_for(Target(dsp=True, name="cortex-m4"), KernelVariant.MVE)
    assert "mve kernels need a core with mve" in e.value.message
    m55 = CORES["cortex-m55"].target
    # the m55 may still build the dsp or reference kernels; each gets its own layout
    assert layout(generator_target(KernelVariant.DSP, m55)) == {"dsp"}
    assert layout(generator_target(KernelVariant.REFERENCE, m55)) == frozenset()
    assert layout(generator_target(KernelVariant.MVE, m55)) == {"dsp", "mve"}
    # the files: mve's own FULLY_CONNECTED and convolution, dsp's depthwise, the reference's SOFTMAX
    assert kernel_file("mf_fully_connected_s8", KernelVariant.MVE).parent.name == "mve"
    assert kernel_file("mf_conv2d_s8", KernelVariant.MVE).parent.name == "mve"
    assert kernel_file("mf_depthwise_conv2d_s8", KernelVariant.MVE).parent.name == "dsp"
    assert kernel_file("mf_softmax_s8", KernelVariant.MVE).parent.name == "reference"


def test_a_build_selects_the_dsp_paths_its_model_takes_and_ships_the_assembly_loops():
    """One rule for every build path (firmware, host, export): the dsp kernels with the .S files beside
    them and MF_DSP_SELECT plus the model's paths; the reference kernels with neither."""
    dsp = compile_model(DEFAULT_MODEL, variant_target(KernelVariant.DSP), GenerateOptions(prefix="digits"))
    # the FULLY_CONNECTED (64 -> 10) takes the 8-row tile assembly (FC_ROWS)
    assert dsp.dsp_paths == ("FC_ROWS",)
    assert path_macros(dsp, KernelVariant.DSP) == ("MF_DSP_SELECT", "MF_DSP_WITH_FC_ROWS")
    assert [p.name for p in kernel_sources(dsp) if p.suffix == ".S"] == ["mf_conv2d_s8_pairs.S",
                                                                        "mf_fully_connected_s8_rows.S"]
    ref = compile_model(DEFAULT_MODEL, variant_target(KernelVariant.REFERENCE), GenerateOptions(prefix="digits"))
    assert path_macros(ref, KernelVariant.REFERENCE) == ()
    assert all(p.suffix == ".c" for p in kernel_sources(ref))


def test_generate_says_which_kernels_and_define_its_output_needs(tmp_path, capsys):
    from codegen.cli import main
    assert main(["generate", str(DEFAULT_MODEL), "--board", "stm32l475", "-o", str(tmp_path / "a")]) == 0
    assert ("compile it with the dsp kernels (firmware/kernels/dsp/, else firmware/kernels/reference/) and "
            "-DMF_KERNELS_DSP") in capsys.readouterr().out
    assert main(["generate", str(DEFAULT_MODEL), "--board", "stm32l475", "--kernels", "reference",
                 "-o", str(tmp_path / "b")]) == 0
    assert "-DMF_KERNELS_REFERENCE" in capsys.readouterr().out
    res = _compile([tmp_path / "b" / "digits_cnn_model.c"], "-DMF_KERNELS_REFERENCE", include=tmp_path / "b")
    assert res.returncode == 0, res.stderr
