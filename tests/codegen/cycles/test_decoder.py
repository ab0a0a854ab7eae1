"""The plugin's instruction decoder (tools/qemu-plugin/decode.c) against an independent classifier of
objdump's mnemonics (tests/support/thumb_oracle.py): every encoding of a hand-written file covering
each class, and every instruction of real firmware for the Cortex-M4 and the Cortex-M55 (DSP kernels,
newlib, FPU code, GCC's Helium auto-vectorisation and low-overhead loops)."""

from __future__ import annotations

import subprocess
from collections import Counter
from pathlib import Path

import pytest

from codegen.cycles.events import CLASSES, EVENTS
from codegen.cycles.plugin import decoder_tool
from support.paths import DEFAULT_MODEL, ROOT
from support.thumb_oracle import Instr, Oracle, parse_objdump

ENCODINGS = ROOT / "tests" / "fixtures" / "cycles" / "thumb_encodings.S"


def _disassemble(path: Path, helium: bool) -> list[Instr | None]:
    arch = ["-m", "armv8.1-m.main"] if helium else []
    text = subprocess.run(["arm-none-eabi-objdump", "-d", *arch, str(path)], capture_output=True, text=True,
                          check=True, timeout=120).stdout
    return parse_objdump(text)


def _mismatches(items: list[Instr | None], tmp_path: Path) -> tuple[int, list[str]]:
    oracle, expected, lines = Oracle(), [], []
    for it in items:
        if it is None:
            oracle.reset()
            lines.append("-")
            continue
        lines.append(it.halfwords)
        expected.append((it, oracle.classify(it)))
    got = subprocess.run([str(decoder_tool(tmp_path))], input="\n".join(lines) + "\n", capture_output=True,
                         text=True, check=True, timeout=60).stdout.splitlines()
    assert len(got) == len(expected)
    bad = [f"{it.address:#x} {it.halfwords} {it.mnemonic} {it.operands}: decoder {g!r}, oracle {e!r}"
           for (it, e), g in zip(expected, got) if e != g]
    return len(expected), bad


def test_event_names_match_the_c_list(tmp_path):
    lines = subprocess.run([str(decoder_tool(tmp_path)), "--events"], capture_output=True, text=True,
                           check=True, timeout=60).stdout.splitlines()
    assert [line.split()[0] for line in lines] == [e.value for e in EVENTS]
    assert {line.split()[0] for line in lines if not line.endswith(" event")} == {e.value for e in CLASSES}


def test_every_hand_written_encoding_is_classified_like_its_mnemonic(tmp_path):
    obj = tmp_path / "enc.o"
    subprocess.run(["arm-none-eabi-as", "-mthumb", "-march=armv8.1-m.main+mve.fp+fp.dp", "-o", str(obj),
                    str(ENCODINGS)], check=True, capture_output=True, timeout=60)
    n, bad = _mismatches(_disassemble(obj, helium=True), tmp_path)
    assert n > 400 and not bad, "\n".join(bad)


def test_every_class_occurs_in_the_hand_written_file(tmp_path):
    obj = tmp_path / "enc.o"
    subprocess.run(["arm-none-eabi-as", "-mthumb", "-march=armv8.1-m.main+mve.fp+fp.dp", "-o", str(obj),
                    str(ENCODINGS)], check=True, capture_output=True, timeout=60)
    oracle, seen = Oracle(), Counter()
    for it in _disassemble(obj, helium=True):
        if it is not None:
            words = oracle.classify(it).split()
            seen.update(w.split("=")[0] for w in words)
    # unknown never occurs; cond_taken is counted at run time for the instructions marked cond_pc
    assert {e.value for e in EVENTS} - {"unknown", "cond_taken"} | {"cond_pc"} <= set(seen)


@pytest.mark.parametrize("board", ["stm32l475", "mps3-an547"])
def test_real_firmware_decodes_like_its_disassembly(board, tmp_path):
    from support.firmware import built
    _, elf = built(board, DEFAULT_MODEL)
    n, bad = _mismatches(_disassemble(elf, helium=board == "mps3-an547"), tmp_path)
    assert n > 3000 and not bad, "\n".join(bad[:40])


def test_decoder_refuses_a_truncated_line(tmp_path):
    proc = subprocess.run([str(decoder_tool(tmp_path))], input="f8d1\n", capture_output=True, text=True,
                          timeout=60)
    assert proc.returncode == 1 and "bad line" in proc.stderr
