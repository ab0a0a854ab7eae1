"""mcuforge's pytest plugin (entry point `pytest11`): write hardware-in-the-loop tests in pytest.

Options: ``--board`` (default stm32l475), ``--model`` (default: the bundled digits model),
``--port`` (a real board's serial port or URL; without it emulated boards run in QEMU),
``--int8-io``. Fixtures:

* ``mcuforge_board``: the board data (:class:`codegen.boards.Board`);
* ``mcuforge_firmware``: the firmware built for (board, model), session-scoped;
* ``mcuforge_device``: a running target (:class:`codegen.hil.drivers.Session`, ``.device`` speaks the
  protocol), started once per test module and always stopped.

Tests marked ``@pytest.mark.hardware`` need a real board and are skipped unless ``--port`` is given
(or a board of the requested kind is detected on USB).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pytest

from codegen.boards import Board


def pytest_addoption(parser: pytest.Parser) -> None:
    g = parser.getgroup("mcuforge", "mcuforge hardware-in-the-loop")
    g.addoption("--board", default="stm32l475", help="board name (boards/<name>.toml)")
    g.addoption("--model", default=None, help=".tflite model (default: models/digits_cnn.tflite)")
    g.addoption("--port", default=None, help="serial port or URL of a real board (socket://, rfc2217://)")
    g.addoption("--int8-io", action="store_true", default=False, help="build with int8 model I/O")


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "hardware: needs a real board (--port or one detected on USB)")


def _hardware_available(config: pytest.Config) -> bool:
    if config.getoption("--port"):
        return True
    from codegen.boards import load_board
    from codegen.hil.drivers import detect_ports
    try:
        return bool(detect_ports(load_board(config.getoption("--board"))))
    except Exception:  # noqa: BLE001 - a bad --board is reported by the fixtures, not here
        return False


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if any("hardware" in item.keywords for item in items) and not _hardware_available(config):
        skip = pytest.mark.skip(reason="needs a real board: give --port=... or connect one")
        for item in items:
            if "hardware" in item.keywords:
                item.add_marker(skip)


@dataclass(frozen=True)
class BuiltFirmware:
    board: Board
    model: Path
    project_dir: Path
    elf: Path
    sha256: str
    compiled: object  # codegen.lowering.CompiledModel


@pytest.fixture(scope="session")
def mcuforge_board(request: pytest.FixtureRequest) -> Board:
    from codegen.boards import load_board
    return load_board(request.config.getoption("--board"))


@pytest.fixture(scope="session")
def mcuforge_firmware(request: pytest.FixtureRequest, mcuforge_board: Board) -> BuiltFirmware:
    from codegen.pio.project import BuildOptions, write_project
    from codegen.pio.runner import build
    from codegen.scons import DEFAULT_MODEL
    model = Path(request.config.getoption("--model") or DEFAULT_MODEL).resolve()
    project = write_project(mcuforge_board, model, options=BuildOptions(int8_io=request.config.getoption("--int8-io")))
    art = build(project)
    return BuiltFirmware(board=mcuforge_board, model=model, project_dir=project.dir, elf=art.elf,
                         sha256=project.compiled.sha256, compiled=project.compiled)


@pytest.fixture(scope="module")
def mcuforge_device(request: pytest.FixtureRequest, mcuforge_firmware: BuiltFirmware):
    from codegen.hil.drivers import RunRequest, select_driver
    req = RunRequest(port=request.config.getoption("--port"))
    driver = select_driver(mcuforge_firmware.board, req)
    with driver.session(mcuforge_firmware.board, mcuforge_firmware.elf, req) as session:
        yield session
        session.device.exit(0, semihost=session.semihost)
