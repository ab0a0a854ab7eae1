"""Every listed board builds the default model with PlatformIO, offline, warning-free; nothing
contacts PlatformIO's registry; the fit check stops a model that is too big before compiling."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from elftools.elf.elffile import ELFFile

from codegen.boards import list_boards, load_board
from codegen.fit import DoesNotFitError
from codegen.pio.project import BuildOptions, kernel_variant, write_project
from codegen.pio.runner import build, pio_executable
from codegen.report import write_report
from support.netguard import offline_environ
from support.paths import DEFAULT_MODEL, SHARED_MODELS


@pytest.mark.parametrize("board", list_boards())
def test_every_board_builds(board, tmp_path):
    b = load_board(board)
    project = write_project(b, DEFAULT_MODEL, tmp_path / board)
    art = build(project)
    rep = write_report(project, art.elf).to_json()
    assert art.elf.is_file() and art.map.is_file()
    if b.linux is not None:      # a static program for the board's architecture (ELF e_machine)
        machine = {"aarch64": 183, "armv7l": 40, "x86_64": 62}[b.linux.arch.name]
        assert int.from_bytes(art.elf.read_bytes()[18:20], "little") == machine and art.bin is None
    elif not b.native:
        assert art.bin.stat().st_size > 1000 and art.hex.is_file()
        assert 0 < rep["flash_bytes"] <= rep["flash_budget"] and rep["flash_headroom"] > 0
        assert rep["ram_bytes"] <= rep["ram_budget"]
    for key in ("board", "model", "flash_bytes", "ram_bytes", "arena_bytes", "code_bytes", "weights_bytes",
                "macs", "ops", "flash_budget", "ram_budget", "flash_headroom", "ram_headroom"):
        assert key in rep
    # the dsp kernels carry the (input-offset folded) biases in their requantisation records (params);
    # the mve variant lays FULLY_CONNECTED and CONV_2D out for Helium (rows in fours, whole 16-byte
    # blocks: the 3x3x1 windows' 9 weights take 16 bytes)
    weights = {"dsp": 1888, "mve": 2184}.get(kernel_variant(b, project.options).value, 2000)
    assert rep["arena_bytes"] == project.compiled.arena_bytes <= 640 and rep["macs"] == 23680
    assert rep["weights_bytes"] == weights
    assert json.loads((tmp_path / board / "report.json").read_text())["board"] == board


def test_only_needed_kernels_are_compiled(tmp_path):
    project = write_project(load_board("mps2-an386"), DEFAULT_MODEL, tmp_path / "p")
    kernels = sorted(p.name for p in project.sources if "kernels" in p.parts)
    # each dsp kernel with the assembly loops beside it (<kernel>_<loop>.S)
    assert kernels == ["mf_conv2d_s8.c", "mf_conv2d_s8_pairs.S", "mf_fully_connected_s8.c",
                       "mf_fully_connected_s8_rows.S", "mf_maxpool2d_s8.c", "mf_softmax_s8.c"]


def _symbols(elf: Path) -> set[str]:
    with open(elf, "rb") as f:
        return {s.name for s in ELFFile(f).get_section_by_name(".symtab").iter_symbols()}


def test_dsp_kernels_compile_only_the_paths_the_model_takes(tmp_path):
    """keyword_spotting's depthwise layers all take the planar path at stride 1 with one shift for
    every channel and a last strip of one output (25 = 6 x 4 + 1), and its convolutions FAST
    requantisation over whole tiles: the build defines those paths alone, and the other paths' code
    (the four-lane depthwise path, the stride-2 planar loops, CONV_2D's C tiles) is not in the
    firmware."""
    board, kws = load_board("mps2-an386"), SHARED_MODELS / "keyword_spotting.tflite"
    project = write_project(board, kws, tmp_path / "dsp")
    assert project.compiled.dsp_paths == ("DW_PLANAR", "DW_RQ_SHIFT", "DW_TAIL1", "FC_ROWS")
    ini = (tmp_path / "dsp" / "platformio.ini").read_text()
    assert "-DMF_DSP_SELECT" in ini and "-DMF_DSP_WITH_DW_PLANAR=1" in ini and "DW_LANES" not in ini
    assert "DW_RQ_FAST" not in ini and "DW_TAIL2" not in ini
    symbols = _symbols(build(project).elf)
    assert {"mf_depthwise_conv2d_s8", "mf_depthwise_conv2d_s8_strip"} <= symbols
    assert not {"dw_pixel_3x3", "dw_lanes", "mf_depthwise_conv2d_s8_strip2", "x2p2w"} & symbols
    write_project(board, kws, tmp_path / "ref", BuildOptions(kernels="reference"))
    assert "MF_DSP_SELECT" not in (tmp_path / "ref" / "platformio.ini").read_text()


def test_dsp_paths_leave_out_what_visual_wake_words_never_runs(tmp_path):
    """visual_wake_words' 2-row FULLY_CONNECTED head runs the C tiles alone (no FC_ROWS: the 8-row
    tile assembly is not linked) and its four-lane depthwise layers are all 3x3 with FAST_FLOOR
    requantisation: neither the any-window pixel (DW_LANES_ANY) nor the out-of-line requantisation
    (DW_LANES_EXACT) is compiled (2.2 KB of code flash: 29,180 B before, 26,940 B after)."""
    board, vww = load_board("mps2-an386"), SHARED_MODELS / "visual_wake_words.tflite"
    project = write_project(board, vww, tmp_path / "dsp")
    assert project.compiled.dsp_paths == ("DW_LANES", "DW_LANES_FLOOR", "DW_PLANAR", "DW_PLANAR2", "DW_RQ_FAST",
                                          "DW_RQ_SHIFT", "DW_TAIL2")
    symbols = _symbols(build(project).elf)
    assert {"mf_fully_connected_s8", "dw_pixel_3x3", "dw_pixel_3x3_border"} <= symbols
    assert not {"mf_fully_connected_s8_rows", "dw_store4_any"} & symbols


def test_nothing_contacts_the_registry(tmp_path):
    """A clean `pio run` (fresh project, fresh build dir) with every name lookup and outbound
    connection of the pio process and its SCons child recorded and refused."""
    env, log = offline_environ(tmp_path / "guard")
    project = write_project(load_board("stm32l475"), DEFAULT_MODEL, tmp_path / "p")
    res = subprocess.run([pio_executable(), "run", "-d", str(project.dir), "-e", "stm32l475"], env=env,
                         capture_output=True, text=True, timeout=600)
    assert res.returncode == 0, res.stdout[-2000:] + res.stderr[-2000:]
    assert not log.exists() or log.read_text() == "", f"network use: {log.read_text()}"
    # the guard really is active in pio's interpreter
    probe = subprocess.run([str(Path(pio_executable()).with_name("python")), "-c",
                            "import socket; socket.getaddrinfo('registry.platformio.org', 443)"],
                           env=env, capture_output=True, text=True, timeout=60)
    assert probe.returncode != 0 and "registry.platformio.org" in log.read_text()
    _ = sys


def _big_activation_model() -> bytes:
    """A 1x1 convolution over 128x128x8: its int8 input and output alone need 256 KB of RAM."""
    from support.tfmodels import Case, convert
    case = Case(name="too_big_for_96k", inputs=((128, 128, 8),),
                build=lambda tf: tf.keras.Sequential([tf.keras.Input((128, 128, 8), batch_size=1),
                                                      tf.keras.layers.Conv2D(8, 1)]))
    return convert(case, "int8")


def test_too_big_model_stops_before_compiling(tmp_path):
    model = tmp_path / "too_big.tflite"
    model.write_bytes(_big_activation_model())
    with pytest.raises(DoesNotFitError) as e:
        write_project(load_board("stm32l475"), model, tmp_path / "p")
    msg = str(e.value)
    assert "does not fit stm32l475" in msg and "RAM" in msg and "96 KB" in msg
    assert "nucleo_l4r5zi" in e.value.hint  # a board it would fit
    assert not (tmp_path / "p" / "platformio.ini").exists()  # stopped before writing the project
    # the same model fits a board with more RAM
    write_project(load_board("nucleo_l4r5zi"), model, tmp_path / "q", BuildOptions())
