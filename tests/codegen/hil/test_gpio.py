"""The timing pin: edges to pulses, QEMU's GPIO trace events per board family, pulses matched to
the requests that made them; and on QEMU itself, the pulse count and order of a real run."""

from __future__ import annotations

from pathlib import Path

import pytest

from codegen.boards import load_board
from codegen.hil.records import RunRequest
from codegen.hil.dut import Exchange
from codegen.hil.gpio import Edge, Pulse, pulses, pulses_per_exchange, read_qemu_trace, trace_format_for
from codegen.run import default_inputs, expected_pulses, layers_of, run_firmware
from support.firmware import built
from support.paths import DEFAULT_MODEL


def test_pulses_pair_rising_with_falling_edges():
    edges = [Edge(0.0, 0), Edge(1.0, 1), Edge(1.5, 1), Edge(3.0, 0), Edge(4.0, 1), Edge(4.25, 0)]
    assert pulses(edges) == (Pulse(1.0, 2.0), Pulse(4.0, 0.25))


def test_partial_pulses_at_the_ends_are_dropped():
    # a capture that starts while the pin is high, and one that ends while it is high
    assert pulses([Edge(0.0, 1), Edge(2.0, 0), Edge(3.0, 1), Edge(3.5, 0), Edge(9.0, 1)]) == (Pulse(3.0, 0.5),)
    assert pulses([]) == ()


STM32_LOG = """\
2365@1795241072.359667:stm32l4x5_gpio_update_idr GPIOA from: 0x0 to: 0xa000
2365@1795241072.400000:stm32l4x5_gpio_update_idr GPIOB from: 0x10 to: 0x30
2365@1795241072.500000:stm32l4x5_gpio_update_idr GPIOA from: 0xa000 to: 0xa020
2365@1795241072.500100:stm32l4x5_gpio_update_idr GPIOA from: 0xa020 to: 0xa020
2365@1795241072.501000:stm32l4x5_gpio_update_idr GPIOA from: 0xa020 to: 0xa000
2365@1795241072.600000:stm32l4x5_gpio_read GPIOA addr: 0x10
"""

MPS2_LOG = """\
27036@1795241527.254750:mps2_fpgaio_write MPS2 FPGAIO write: offset 0x0 data 0x0 size 4
27036@1795241527.882446:mps2_fpgaio_write MPS2 FPGAIO write: offset 0x0 data 0x1 size 4
27036@1795241527.882500:mps2_fpgaio_write MPS2 FPGAIO write: offset 0x4 data 0x1 size 4
27036@1795241527.883890:mps2_fpgaio_write MPS2 FPGAIO write: offset 0x0 data 0x0 size 4
"""


@pytest.mark.parametrize("board,log,pulse", [
    ("stm32l475", STM32_LOG, (1795241072.5, 0.001)),     # PA5: bit 5 of GPIOA; GPIOB and reads ignored
    ("mps2-an386", MPS2_LOG, (1795241527.882446, 0.001444)),  # LED0 bit 0 at offset 0; offset 4 ignored
])
def test_trace_formats_read_the_boards_timing_pin(board, log, pulse):
    b = load_board(board)
    found = pulses(read_qemu_trace(b, log.splitlines()))
    assert len(found) == 1
    assert found[0].start == pytest.approx(pulse[0]) and found[0].width == pytest.approx(pulse[1], abs=1e-6)
    assert trace_format_for(b).events[0] in log


def test_pulses_are_matched_to_their_requests():
    ex = [Exchange("infer", "infer 2 1", 10.0, 11.0, "ok"), Exchange("results", "results 0 0 10", 11.0, 11.1, "ok"),
          Exchange("profile", "profile 0", 11.1, 12.0, "ok")]
    ps = [Pulse(10.1, 0.1), Pulse(10.3, 0.1), Pulse(10.5, 0.1), Pulse(11.2, 0.01), Pulse(12.5, 0.1)]
    groups, stray = pulses_per_exchange(ps, ex)
    assert [len(p) for _, p in groups] == [3, 0, 1] and stray == (Pulse(12.5, 0.1),)


def test_which_requests_pulse():
    assert expected_pulses("infer 10 1", 7) == 11 and expected_pulses("infer 64 0", 7) == 64
    assert expected_pulses("profile 32", 40) == 40  # every operator runs, whatever the start
    assert expected_pulses("results 0 0 10", 7) is None and expected_pulses("load 0 0 00", 7) is None


@pytest.mark.parametrize("board", ["mps2-an386", "stm32l475"])
def test_qemu_trace_proves_pulse_count_and_order(board, tmp_path, hil_build_root):
    """A real run with -trace: one pulse per inference (warm-up included) inside the infer request, one
    per operator inside the profile request, none anywhere else."""
    project, fw = built(board, DEFAULT_MODEL, root=hil_build_root)
    m = project.compiled
    log = tmp_path / "gpio.log"
    res = run_firmware(project.board, fw, m.sha256, m.inputs, m.outputs, default_inputs(DEFAULT_MODEL, m.inputs),
                       n=5, macs=m.macs, request=RunRequest(target="emulator", gpio_trace=log, timeout=10),
                       layers=layers_of(m))
    pin = res.pin
    assert pin is not None and pin.source.startswith("QEMU trace")
    assert pin.expected == (5 + 1) + len(m.steps) and pin.observed == pin.expected and pin.order_ok
    assert not pin.widths_us  # host timestamps: no widths claimed
    raw = pulses(read_qemu_trace(project.board, log.read_text().splitlines()))
    assert len(raw) == pin.expected


def test_a_missing_trace_is_reported(tmp_path):
    from codegen.errors import McuforgeError
    from codegen.hil.gpio import trace_timing
    with pytest.raises(McuforgeError, match="no trace log"):
        trace_timing(load_board("mps2-an386"), Path(tmp_path / "none.log"), [], {})
