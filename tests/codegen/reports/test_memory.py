"""Flash and RAM by component from the linker map: a small map by hand, and a real build's map whose
components add up to the ELF's totals; the memory map of that build: every block at its address in
its region, the model's weights, params and arena to the byte, the harness's stack at the top of RAM."""

from __future__ import annotations

import json

from codegen.reports.memory import Owner, breakdown, component_of, memory_map, parse_map
from support.firmware import built
from support.paths import DEFAULT_MODEL

MAP = """\
Discarded input sections

 .text          0x00000000        0x0 .pio/build/b/mcuforge/runtime/main.o

Linker script and memory map

LOAD .pio/build/b/mcuforge/runtime/main.o

.text           0x00000040     0x300
 *(.text .text.*)
 .text.cmd_info
                0x00000040       0x80 .pio/build/b/mcuforge/runtime/main.o
 .text.mf_conv2d_s8
                0x000000c0      0x100 .pio/build/b/mcuforge/reference/mf_conv2d_s8.o
                0x000000c0                mf_conv2d_s8
 *fill*         0x000001c0        0x4
 .text.memcpy   0x000001c4       0x20 /usr/lib/arm-none-eabi/lib/thumb/v7e-m+fp/hard/libc_nano.a(libc_a-memcpy.o)

.rodata         0x00000400     0x200
 .rodata.m_sg0_op0_filter
                0x00000400      0x180 .pio/build/b/mcuforge/src/m_weights.o

.bss            0x20000000     0x300 load address 0x00000600
 .bss.m_arena   0x20000000      0x280 .pio/build/b/mcuforge/src/m_model.o
 .bss.g_rx      0x20000280       0x80 .pio/build/b/mcuforge/runtime/main.o
"""


def test_map_sections_and_components():
    placed = parse_map(MAP)
    got = [(p.section, p.output, p.size, p.component) for p in placed]
    assert [p.address for p in placed] == [0x40, 0xC0, 0x1C4, 0x400, 0x2000_0000, 0x2000_0280]
    assert got == [
        (".text.cmd_info", ".text", 0x80, "runtime"),
        (".text.mf_conv2d_s8", ".text", 0x100, "kernels"),
        (".text.memcpy", ".text", 0x20, "C library"),
        (".rodata.m_sg0_op0_filter", ".rodata", 0x180, "weights"),
        (".bss.m_arena", ".bss", 0x280, "arena"),
        (".bss.g_rx", ".bss", 0x80, "runtime"),
    ]


def test_components():
    assert component_of(".text.x", "a/cortexm/startup.o") == "startup & faults"
    assert component_of(".text.mf_board_init", "a/mcuforge/cmsdk/board.o") == "board support"
    assert component_of(".rodata.k", "a/mcuforge/src/kws_model.o") == "model"
    assert component_of(".text.x", "something/else.o") == "other"


def test_real_build_adds_up_to_the_elf(tmp_path):
    project, fw = built("mps2-an386", DEFAULT_MODEL, root=tmp_path)  # a fresh link: a fresh map
    from codegen.report import write_report
    rep = write_report(project, fw).to_json()
    b = breakdown(project.dir / "firmware.map", fw, stack_bytes=4096)
    assert b.flash_total == rep["flash_bytes"]
    assert b.ram_total == rep["ram_bytes"]  # report.json counts the reserved stack too
    flash, ram = dict(b.flash), dict(b.ram)
    m = project.compiled  # the weights file: weight and parameter arrays, 16-byte aligned
    assert m.weights_bytes <= flash["weights"] <= m.weights_bytes + m.params_bytes + 16 * len(m.arrays)
    assert ram["arena"] == project.compiled.arena_bytes and ram["stack"] == 4096
    assert flash["kernels"] > 0 and flash["runtime"] > 0
    assert b.largest[0].size >= b.largest[-1].size
    assert json.loads((project.dir / "report.json").read_text())["flash_bytes"] == b.flash_total

    mm = memory_map(project.dir / "firmware.map", fw, write_report(project, fw))
    board = project.board
    assert [(r.name, r.origin, r.size) for r in mm.regions] == \
        [("flash", board.flash.origin, board.flash.size), (board.ram.name, board.ram.origin, board.ram.size)] + \
        [(r.name, r.origin, r.size) for r in board.extra_ram]
    for r in mm.regions:
        assert all(r.origin <= b.start and b.end <= r.origin + r.size for b in r.blocks)
        assert all(a.end <= b.start for a, b in zip(r.blocks, r.blocks[1:]))      # in order, never overlapping
    flash, ram = mm.kinds("flash"), mm.kinds(board.ram.name)
    assert flash["weights"] == m.weights_bytes and flash["params"] == m.params_bytes   # to the byte
    assert ram["arena"] == m.arena_bytes and ram["stack"] == 4096
    assert ram["input staging"] >= sum(t.nbytes for t in m.inputs) and ram["protocol buffers"] > 0
    top = mm.regions[1].blocks[-1]
    assert (top.group, top.end) == ("stack", board.ram.origin + board.ram.size)
    assert mm.regions[0].used <= rep["flash_bytes"] + 64 * len(mm.regions[0].blocks)  # sections and their fill
    assert mm.regions[0].owned(Owner.MODEL) >= m.weights_bytes + m.params_bytes and mm.regions[0].owned(Owner.HARNESS)
