"""Every emulated board runs the default model in QEMU and returns exactly what the host build
returns (on several inputs), with deterministic instruction counts."""

from __future__ import annotations

import numpy as np
import pytest

from codegen.boards import list_boards, load_board
from codegen.hil.records import RunRequest
from codegen.hil.strategy import running
from support.firmware import built
from support.paths import DEFAULT_MODEL

EMULATED = [b for b in list_boards() if load_board(b).emulated]
SAMPLES = np.load(DEFAULT_MODEL.with_suffix(".samples.npz"))["x"][:4]


def _outputs(board: str, tmp_path) -> tuple[list[bytes], list[list[int]], str]:
    project, fw = built(board, DEFAULT_MODEL, root=tmp_path)
    request = RunRequest(timeout=30)
    outs, counts = [], []
    with running(project.board, fw, request) as s:
        dev = s.device
        for x in SAMPLES:
            dev.load(0, x.tobytes())
            counts.append(dev.infer(2, warmup=True))
            outs.append(dev.results(0, 10))
        unit = s.unit.name
        dev.exit(0, semihost=s.semihost)
    return outs, counts, unit


@pytest.fixture(scope="module")
def host_outputs(tmp_path_factory):
    return _outputs("host", tmp_path_factory.mktemp("host"))[0]


def test_emulated_boards_listed():
    assert {"stm32l475", "mps2-an386", "mps2-an500", "mps2-an505", "mps3-an547", "netduinoplus2"} <= set(EMULATED)


@pytest.mark.qemu
@pytest.mark.parametrize("board", EMULATED)
def test_emulated_board_matches_host(board, host_outputs, tmp_path):
    outs, counts, unit = _outputs(board, tmp_path)
    assert unit == "instructions"
    assert outs == host_outputs, f"{board} disagrees with the host build"
    # -icount + a tick grid restarted before each measurement (mf_counter_align): the same input costs
    # exactly the same number of ticks; inputs differ a little (data-dependent branches in
    # max-pooling and softmax)
    for pair in counts:
        assert min(pair) > 0 and max(pair) == min(pair), counts
