"""The QEMU plugin itself: it builds warning-free against the API QEMU exports, and on hand-written
instruction sequences run by QEMU its windows hold exactly the classes the sequences contain."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from codegen.cycles.counts import EventCounts
from codegen.cycles.events import Event as E
from codegen.cycles.plugin import (PLUGIN_FLAGS, PLUGIN_SOURCES, PluginError, WindowReader, compile_c,
                                   plugin_library, probe_for)
from support.paths import ROOT

FIXTURES = ROOT / "tests" / "fixtures" / "cycles"
QEMU = shutil.which("qemu-system-arm")


def test_plugin_builds_without_a_warning(tmp_path):
    assert compile_c(tmp_path / "libmfcycles.so", PLUGIN_SOURCES, PLUGIN_FLAGS) == ""
    assert "-Werror" in PLUGIN_FLAGS and "-Wall" in PLUGIN_FLAGS and "-Wextra" in PLUGIN_FLAGS


def test_plugin_is_rebuilt_when_a_source_changes(tmp_path, monkeypatch):
    import codegen.cycles.plugin as plugin
    src = tmp_path / "src"
    shutil.copytree(plugin.SOURCE_DIR, src)
    monkeypatch.setattr(plugin, "SOURCE_DIR", src)
    first = plugin_library(tmp_path / "cache")
    assert plugin_library(tmp_path / "cache") == first       # built once
    (src / "decode.c").write_text((src / "decode.c").read_text() + "\n/* changed */\n")
    second = plugin_library(tmp_path / "cache")
    assert second != first and second.is_file()


def _dynamic_symbols(path: str, undefined: bool) -> set[str]:
    out = subprocess.run(["nm", "-D", *(["--undefined-only"] if undefined else ["--defined-only"]), path],
                         capture_output=True, text=True, check=True, timeout=60).stdout
    return {line.split()[-1] for line in out.splitlines() if "qemu_plugin" in line}


@pytest.mark.skipif(QEMU is None, reason="qemu-system-arm is not installed")
def test_every_api_function_the_plugin_uses_is_exported_by_qemu(tmp_path):
    lib = plugin_library(tmp_path)
    used = _dynamic_symbols(str(lib), undefined=True)
    assert used and used <= _dynamic_symbols(QEMU, undefined=False)
    assert _dynamic_symbols(str(lib), undefined=False) == {"qemu_plugin_install", "qemu_plugin_version"}


def _run(tmp_path: Path, source: str, cpu: list[str], machine: str, text_at: int, *extra: str) -> WindowReader:
    elf = tmp_path / "counts.elf"
    subprocess.run(["arm-none-eabi-gcc", "-mthumb", *cpu, "-nostdlib", "-nostartfiles", f"-Wl,-Ttext={text_at:#x}",
                    "-o", str(elf), str(FIXTURES / source)], check=True, capture_output=True, timeout=60)
    nm = subprocess.run(["arm-none-eabi-nm", str(elf)], capture_output=True, text=True, check=True).stdout
    mark = next(int(line.split()[0], 16) for line in nm.splitlines() if line.endswith(" mark"))
    out = tmp_path / "windows.txt"
    proc = subprocess.run([QEMU, "-M", machine, "-kernel", str(elf), "-nographic", "-monitor", "none", "-serial",
                           "null", "-semihosting-config", "enable=on,target=native",
                           "-icount", "shift=0,align=off,sleep=off",
                           "-plugin", f"{plugin_library()},out={out},mark={mark:#x}", *extra],
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    return WindowReader(out)


@pytest.mark.qemu
def test_cortex_m4_sequence_counts_exactly(tmp_path):
    [window] = _run(tmp_path, "counts_m4.S", ["-mcpu=cortex-m4", "-mfloat-abi=hard", "-mfpu=fpv4-sp-d16"],
                    "mps2-an386", 0).take(1, timeout=5)
    per_iteration = {E.ALU: 5, E.LOAD: 1, E.LOAD_PIPELINED: 1, E.STORE_PIPELINED: 1, E.LOAD_DUAL: 1,
                     E.STORE_DUAL: 1, E.LOAD_MULTIPLE: 2, E.STORE_MULTIPLE: 1, E.MUL: 2, E.MUL_LONG: 1, E.DIV: 1,
                     E.FP_MOVE: 1, E.FP: 1, E.FP_MAC: 1, E.FP_DIV: 1, E.FP_LOAD: 2, E.FP_STORE: 2,
                     E.BRANCH_COND: 2, E.BRANCH: 2, E.LDM_REGS: 5, E.STM_REGS: 2, E.FP_LOAD_WORDS: 5,
                     E.FP_STORE_WORDS: 5, E.UNCOND_TAKEN: 2}
    expected = {e: 10 * n for e, n in per_iteration.items()}
    expected[E.BRANCH] += 2          # mark's BX LR opening the window, the BL to mark closing it
    expected[E.UNCOND_TAKEN] += 2
    expected[E.COND_TAKEN] = 9       # BNE taken 9 times of 10, CBZ never
    assert window.rows == ((0, EventCounts.of(expected)),)     # no ranges given: everything in row 0
    assert window.instructions == 292


@pytest.mark.qemu
def test_cortex_m55_helium_sequence_counts_exactly(tmp_path):
    [window] = _run(tmp_path, "counts_m55.S", ["-mcpu=cortex-m55", "-mfloat-abi=hard"], "mps3-an547",
                    0x10000000).take(1, timeout=5)
    expected = {E.ALU: 1, E.LOOP: 5, E.MVE_LOAD: 8, E.MVE: 7, E.MVE_STORE: 1, E.MVE_BEATS: 64, E.BRANCH: 2,
                E.UNCOND_TAKEN: 2}
    assert window.total == EventCounts.of(expected)


@pytest.mark.qemu
def test_counts_are_attributed_to_the_ranges_given(tmp_path):
    elf_dir = tmp_path / "m4"
    elf_dir.mkdir()
    reader = _run(elf_dir, "counts_m4.S", ["-mcpu=cortex-m4", "-mfloat-abi=hard", "-mfpu=fpv4-sp-d16"],
                  "mps2-an386", 0)
    [whole] = reader.take(1, timeout=5)
    nm = subprocess.run(["arm-none-eabi-nm", str(elf_dir / "counts.elf")], capture_output=True, text=True,
                        check=True).stdout
    sym = {line.split()[-1]: int(line.split()[0], 16) for line in nm.splitlines()}
    ranges = tmp_path / "ranges"
    ranges.write_text(f"{sym['leaf']:x} {sym['leaf'] + 2:x} leaf\n{sym['mark']:x} {sym['mark'] + 2:x} mark\n")
    out = tmp_path / "w.txt"
    subprocess.run([QEMU, "-M", "mps2-an386", "-kernel", str(elf_dir / "counts.elf"), "-nographic", "-monitor",
                    "none", "-serial", "null", "-semihosting-config", "enable=on,target=native", "-icount", "shift=0",
                    "-plugin", f"{plugin_library()},out={out},mark={sym['mark']:#x},ranges={ranges}"],
                   check=True, capture_output=True, timeout=120)
    [split] = WindowReader(out).take(1, timeout=5)
    rows = dict(split.rows)
    assert rows[0] == EventCounts.of({E.BRANCH: 10, E.UNCOND_TAKEN: 10})     # leaf: BX LR, 10 calls
    assert rows[1] == EventCounts.of({E.BRANCH: 1, E.UNCOND_TAKEN: 1})      # mark: once inside the window
    assert split.total == whole.total and set(rows) == {0, 1, 2}


@pytest.mark.qemu
@pytest.mark.parametrize("args, message", [
    ("", "needs out=FILE and mark=ADDR"),
    (",mark=0x8a,colour=blue", "unknown argument colour=blue"),
    (",mark=zero", "bad mark address"),
])
def test_plugin_refuses_bad_arguments(tmp_path, args, message):
    proc = subprocess.run([QEMU, "-M", "mps2-an386", "-nographic", "-monitor", "none", "-serial", "null",
                           "-plugin", f"{plugin_library()},out={tmp_path / 'o'}{args}"],
                          capture_output=True, text=True, timeout=60)
    assert proc.returncode != 0 and message in proc.stdout + proc.stderr


def test_reader_returns_whole_windows_only_and_waits_bounded(tmp_path):
    out = tmp_path / "w"
    names = ",".join(e.value for e in E)
    zeros = " ".join(["0"] * (len(E) - 1))
    out.write_text(f"mfcycles 1 ranges=0 events={names}\nw 0\nr 0 3 {zeros}\ne 0\nw 1\nr 0 5 ")
    reader = WindowReader(out)
    [first] = reader.take(1, timeout=1)
    assert first.instructions == 3 and first.seq == 0
    with pytest.raises(PluginError, match="wrote 0 of 1 windows"):
        reader.take(1, timeout=0.2)
    with open(out, "a") as f:
        f.write(f"{zeros}\ne 1\n")
    assert reader.take(1, timeout=1)[0].instructions == 5


def test_reader_refuses_output_of_another_plugin(tmp_path):
    out = tmp_path / "w"
    out.write_text("mfcycles 1 ranges=0 events=alu,teleport\n")
    with pytest.raises(PluginError, match="teleport"):
        WindowReader(out).take(1, timeout=1)


def test_probe_needs_the_counter_read(tmp_path):
    elf = tmp_path / "counts.elf"
    subprocess.run(["arm-none-eabi-gcc", "-mthumb", "-mcpu=cortex-m4", "-mfpu=fpv4-sp-d16", "-mfloat-abi=hard",
                    "-nostdlib", "-nostartfiles",
                    "-Wl,-Ttext=0", "-o", str(elf), str(FIXTURES / "counts_m4.S")], check=True, capture_output=True,
                   timeout=60)
    with pytest.raises(PluginError, match="mf_counter_now"):
        probe_for(elf, tmp_path / "probe")


def test_drain_returns_every_window_after_the_wait(tmp_path):
    out = tmp_path / "w"
    names = ",".join(e.value for e in E)
    zeros = " ".join(["0"] * (len(E) - 1))
    out.write_text(f"mfcycles 1 ranges=0 events={names}\n"
                   + "".join(f"w {k}\nr 0 {k + 1} {zeros}\ne {k}\n" for k in range(3)))
    reader = WindowReader(out)
    assert [w.instructions for w in reader.drain(2, timeout=1)] == [1, 2, 3]
    with pytest.raises(PluginError, match="wrote 0 of 1"):
        reader.drain(1, timeout=0.1)
