"""Names an attacker (or a careless exporter) controls cannot inject code: tensor, signature and
metadata names, the model's description and its file name hold comment terminators, CR, LF, NUL,
trigraphs, `#error`, backslashes, quotes and non-ASCII text. The generated C compiles with -Werror
for the host and for Cortex-M, defines no injected symbol or macro, runs no injected directive, and
keeps each name's bytes exactly; platformio.ini gets no injected setting; the build links from a
directory whose path holds a comma; SCons never evaluates a `${...}` in a model's path."""

from __future__ import annotations

import configparser
import os
import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from codegen.boards import load_board
from codegen.boards.cores import CORES
from codegen.generate import generate
from codegen.kernels import KernelVariant, define
from codegen.pio.project import safe_stem, write_project
from codegen.pio.runner import build
from codegen.tflite.schema import fb
from support.mutants import edit
from support.paths import DEFAULT_MODEL, ROOT

ARM_GCC = "arm-none-eabi-gcc"
# (the generated code is laid out for the reference kernels: model.c's guard asks the build to say so)
STRICT = ("-std=c99", "-Wall", "-Wextra", "-Werror", "-pedantic", f"-D{define(KernelVariant.REFERENCE)}")

EVIL = [
    "in*/ int injected_by_name = 42; /*",
    "cr\r#error injected_by_cr",
    "lf\n#define injected_by_lf 1\nint injected_by_lf_var;",
    "tri??/\nint injected_by_trigraph; ??= define injected_by_trigraph_macro",
    "back\\\nint injected_by_backslash;",
    '"; int injected_by_quote; static const char *s = "',
    "#error injected_by_hash",
    "nul\0int injected_after_nul;",
    "non-ascii: \u00e9\u20ac \u2028 \U0001f600 \x7f\x1b[0m",
]
INPUT_NAME = EVIL[0] + EVIL[1] + EVIL[8]
OUTPUT_NAME = EVIL[2] + EVIL[3] + EVIL[4] + EVIL[5] + EVIL[7]
# names of things mcuforge does not emit: each carries a marker that must appear nowhere
UNEMITTED = {"signature key": "sig_key_marker", "signature input": "sig_in_marker",
             "signature output": "sig_out_marker", "metadata": "metadata_marker", "description": "desc_marker",
             "subgraph": "subgraph_marker", "intermediate tensor": "intermediate_marker"}
# a file name cannot hold '/' or NUL; everything else goes
FILE_NAME = "evil \r\n#error from_the_file_name ??= ??( *; ,$x \u00e9 [env:x]\nextra_scripts = pre:evil.py.tflite"


def _evil(marker: str, k: int = 0) -> bytes:
    return (EVIL[k % len(EVIL)] + " " + marker + " */ #error " + marker + "\r\n#define " + marker).encode("utf-8")


def _crafted(m: Any) -> None:
    sg = m.subgraphs[0]
    for k, t in enumerate(sg.tensors):
        t.name = _evil(UNEMITTED["intermediate tensor"], k)
    sg.tensors[sg.inputs[0]].name = INPUT_NAME.encode("utf-8")
    sg.tensors[sg.outputs[0]].name = OUTPUT_NAME.encode("utf-8")
    sg.name = _evil(UNEMITTED["subgraph"])
    m.description = _evil(UNEMITTED["description"])
    sig = fb.SignatureDefT()
    sig.signatureKey = _evil(UNEMITTED["signature key"])
    sig.subgraphIndex = 0
    tin, tout = fb.TensorMapT(), fb.TensorMapT()
    tin.name, tin.tensorIndex = _evil(UNEMITTED["signature input"]), int(sg.inputs[0])
    tout.name, tout.tensorIndex = _evil(UNEMITTED["signature output"]), int(sg.outputs[0])
    sig.inputs, sig.outputs = [tin], [tout]
    m.signatureDefs = [sig]
    meta = fb.MetadataT()
    meta.name, meta.buffer = _evil(UNEMITTED["metadata"]), 0
    m.metadata = [meta]


@pytest.fixture(scope="module")
def crafted(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("crafted") / FILE_NAME
    path.write_bytes(edit(DEFAULT_MODEL.read_bytes(), _crafted))
    return path


@pytest.fixture(scope="module")
def generated(crafted, tmp_path_factory) -> tuple[Any, Path]:
    out = tmp_path_factory.mktemp("gen")
    compiled, files = generate(crafted, out)
    return compiled, out


_STRING = re.compile(r'"(?:[^"\\\n]|\\.)*"')


def _code_outside_strings(preprocessed: str) -> str:
    return _STRING.sub('""', "\n".join(l for l in preprocessed.splitlines() if not l.startswith("#")))


def _check_object(cc: list[str], src: Path, include: Path, obj: Path, prefix: str) -> None:
    res = subprocess.run([*cc, *STRICT, "-O2", f"-I{include}", f"-I{ROOT / 'firmware' / 'include'}", "-c",
                          str(src), "-o", str(obj)], capture_output=True, text=True, timeout=300)
    assert res.returncode == 0, res.stderr[-4000:]
    nm = cc[0].replace("gcc", "nm")
    syms = [line.split()[-1] for line in
            subprocess.run([nm, str(obj)], capture_output=True, text=True, timeout=60).stdout.splitlines()]
    assert syms and all(s.startswith((f"{prefix}_", "mf_")) for s in syms), syms  # nothing else defined
    pre = subprocess.run([*cc, *STRICT, "-E", "-dD", f"-I{include}", f"-I{ROOT / 'firmware' / 'include'}",
                          str(src)], capture_output=True, text=True, timeout=60).stdout
    assert "inject" not in _code_outside_strings(pre)  # no macro, no declaration: only text in literals
    assert not re.search(r"^#\s*(define|undef|error|include|pragma)\b.*inject", pre, re.M)


@pytest.mark.parametrize("cc", [["gcc"], [ARM_GCC, *CORES["cortex-m4f"].cflags]], ids=["host", "cortex-m4f"])
def test_generated_code_compiles_clean_and_injects_nothing(generated, cc):
    if shutil.which(cc[0]) is None:
        pytest.skip(f"{cc[0]} missing (run ./setup.sh)")
    compiled, out = generated
    for src in sorted(out.glob("*.c")):
        _check_object(cc, src, out, out / f"{src.stem}.{cc[0]}.o", compiled.prefix)
    text = "".join(p.read_text(encoding="ascii") for p in out.iterdir() if p.suffix in (".c", ".h"))
    assert "\r" not in text and "??" not in text  # ASCII only (read_text would fail), no trigraph
    header = (out / f"{compiled.prefix}_model.h").read_text()
    assert "/* input 0: " in header and "*\\x2f int injected_by_name" in header


def test_names_keep_their_bytes(generated, tmp_path):
    """Escaping is exact: the firmware's descriptor holds each I/O name's UTF-8 bytes (up to a NUL)."""
    compiled, out = generated
    main = tmp_path / "main.c"
    main.write_text(f'#include <stdio.h>\n#include "{compiled.prefix}_model.h"\n'
                    "static void hex(const char *s) { while (*s) printf(\"%02x\", (unsigned char)*s++); "
                    "printf(\"\\n\"); }\n"
                    f"int main(void) {{ hex({compiled.prefix}_model.inputs[0].name); "
                    f"hex({compiled.prefix}_model.outputs[0].name); return 0; }}\n")
    exe = tmp_path / "names"
    kernels = [ROOT / "firmware" / "kernels" / "reference" / f"{k}.c" for k in compiled.kernels]
    res = subprocess.run(["gcc", *STRICT, "-O1", f"-I{out}", f"-I{ROOT / 'firmware' / 'include'}", "-o", str(exe),
                          str(main), *map(str, sorted(out.glob("*.c"))), *map(str, kernels), "-lm"],
                         capture_output=True, text=True, timeout=300)
    assert res.returncode == 0, res.stderr[-4000:]
    lines = subprocess.run([str(exe)], capture_output=True, text=True, timeout=60).stdout.split()
    assert lines == [INPUT_NAME.encode().hex(), OUTPUT_NAME.encode().split(b"\0")[0].hex()]


def test_file_name_reaches_no_file_raw(crafted, generated):
    compiled, out = generated
    assert re.fullmatch(r"[a-z0-9_]+", compiled.prefix)
    for p in [*out.glob("*.c"), *out.glob("*.h")]:
        first = p.read_text().splitlines()[0]
        assert first.startswith("/* Generated by mcuforge") and first.endswith("Do not edit. */")
        assert "#error" not in first and "??" not in first and "*;" not in first and "from_the_file_name" in first


def test_platformio_ini_gets_no_injected_setting(crafted, tmp_path):
    project = write_project(load_board("host"), crafted, tmp_path / "proj")
    ini = (tmp_path / "proj" / "platformio.ini").read_text()
    parser = configparser.ConfigParser(inline_comment_prefixes=(";", "#"), interpolation=None)
    parser.read_string(ini)
    assert parser.sections() == ["platformio", "env:host"]
    assert not any("extra_scripts" in parser[s] for s in parser.sections())
    assert "\r" not in ini and "evil.py" not in ini.split("\n", 1)[1]
    assert project.dir == tmp_path / "proj"
    assert safe_stem(crafted.stem) != crafted.stem and re.fullmatch(r"[A-Za-z0-9_][A-Za-z0-9._+-]*",
                                                                        safe_stem(crafted.stem))


def test_safe_stem_keeps_plain_names_and_separates_odd_ones():
    assert safe_stem("digits_cnn") == "digits_cnn" and safe_stem("kws-v2.1+int8") == "kws-v2.1+int8"
    assert safe_stem("..") != ".." and not safe_stem("..").startswith(".")
    assert safe_stem("a b") != safe_stem("a_b") and safe_stem("a b") != safe_stem("a,b")


def test_build_links_from_a_path_with_a_comma_and_spaces(tmp_path):
    """`-Wl,-Map=<path>` split at a comma in the path; the map file is passed whole now, and the
    model's own odd name becomes a safe directory name."""
    model = tmp_path / "my model, v2; final.tflite"
    shutil.copy(DEFAULT_MODEL, model)
    root = tmp_path / "build, with comma"
    project = write_project(load_board("host"), model, root / "host" / safe_stem(model.stem))
    art = build(project)
    assert art.elf.is_file() and art.map.is_file() and "," in str(art.map)


def test_scons_never_evaluates_a_model_path(tmp_path):
    """SCons substitutes `$VAR` and evaluates `${python}` in target, source and action strings."""
    marker = tmp_path / "PWNED"
    model = tmp_path / "${__import__('os').mkdir(__import__('os').environ['MF_PWNED'])}.tflite"
    shutil.copy(DEFAULT_MODEL, model)
    res = subprocess.run([str(ROOT / ".venv" / "bin" / "scons"), "-Q", "board=host", f"model={model}",
                          f"build_dir={tmp_path / 'build'}", "inspect"], cwd=ROOT, capture_output=True,
                         text=True, timeout=600, env={**os.environ, "MF_PWNED": str(marker)})
    assert not marker.exists()
    assert res.returncode == 0, res.stderr[-3000:]
    assert "CONV_2D" in res.stdout


def test_signature_metadata_and_other_names_reach_no_generated_file(crafted, generated, tmp_path):
    """Signature keys and tensor names, metadata names, the description, the subgraph's name and
    intermediate tensors' names are read but never emitted (here or in the PlatformIO project)."""
    _, out = generated
    write_project(load_board("host"), crafted, tmp_path / "proj")
    texts = [p.read_text() for p in [*out.glob("*.c"), *out.glob("*.h")]] + [p.read_text() for p in (tmp_path / "proj").rglob("*")
                                                        if p.is_file() and p.suffix in (".c", ".h", ".ini", ".json")]
    for what, marker in UNEMITTED.items():
        assert not any(marker in t for t in texts), what


def test_crafted_model_is_still_numerically_the_default_model(crafted):
    """The names changed nothing else: the crafted model generates the same arena and MACs."""
    from codegen.generate import compile_model
    a, b = compile_model(crafted), compile_model(DEFAULT_MODEL)
    assert (a.arena_bytes, a.macs, a.weights_bytes) == (b.arena_bytes, b.macs, b.weights_bytes)
    assert np.array_equal(a.arrays[0].values, b.arrays[0].values)
