"""mcuforge's pytest plugin (entry point `pytest11`): write hardware-in-the-loop tests in pytest.

Options: ``--board`` (default stm32l475), ``--model`` (default: the bundled digits model),
``--port`` (a real board's serial port or URL: /dev/ttyACM0, rfc2217://host:port; without it
emulated boards run in QEMU), ``--target`` (auto, emulator, device, host, attach), ``--hwmap`` (the
user's hardware map: port and logic analyzer per board), ``--int8-io``, ``--mcuforge-build-dir``.

Fixtures:

* ``mcuforge_board``: the board data (:class:`codegen.boards.Board`), session-scoped;
* ``mcuforge_firmware``: the firmware built for (board, model) (:class:`BuiltFirmware`), session-scoped;
* ``mcuforge_target``: the target's :class:`codegen.hil.strategy.Strategy`, running, started once per
  test module and always stopped (``.restart()`` power-cycles it);
* ``mcuforge_device``: the running target's :class:`codegen.hil.records.Session`; ``.device`` speaks
  the protocol (``info()``, ``load()``, ``infer()``, ``results()``, ``profile()``, ``request()``).

Tests marked ``@pytest.mark.hardware`` need a real board and are skipped unless ``--port`` is given,
the hardware map names a port for the board, or a board of that kind is detected on USB.
See docs/HIL.md.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Iterator

import pytest

from codegen.boards import Board


def pytest_addoption(parser: pytest.Parser) -> None:
    g = parser.getgroup("mcuforge", "mcuforge hardware-in-the-loop")
    g.addoption("--board", default="stm32l475", help="board name (boards/<name>.toml)")
    g.addoption("--model", default=None, help=".tflite model (default: models/digits_cnn.tflite)")
    g.addoption("--port", default=None, help="serial port or URL of a real board (/dev/ttyACM0, rfc2217://...)")
    g.addoption("--target", default="auto", choices=("auto", "emulator", "device", "host", "attach"),
                help="how to reach the board (default: a real board if one is connected, else QEMU)")
    g.addoption("--hwmap", default=None, help="hardware map file (default: $MCUFORGE_HWMAP or "
                                              "~/.config/mcuforge/hardware-map.toml)")
    g.addoption("--int8-io", action="store_true", default=False, help="build with int8 model I/O")
    g.addoption("--mcuforge-build-dir", default=None, help="build root (default: the project's build/)")


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "hardware: needs a real board (--port, the hardware map, or one on USB)")


def pytest_report_header(config: pytest.Config) -> str:
    model = config.getoption("--model") or "models/digits_cnn.tflite"
    port = config.getoption("--port")
    return f"mcuforge: board {config.getoption('--board')}, model {model}" + (f", port {port}" if port else "")


def _port(config: pytest.Config) -> str | None:
    port = config.getoption("--port")
    if port:
        return port
    from codegen.hil.hwmap import load_hardware_map
    try:
        entry = load_hardware_map(config.getoption("--hwmap")).entry(config.getoption("--board"))
    except Exception:  # noqa: BLE001 - a broken map is reported by the fixtures
        return None
    return entry.port if entry else None


def _hardware_available(config: pytest.Config) -> bool:
    if _port(config):
        return True
    from codegen.boards import load_board
    from codegen.hil.usb import detect_ports
    try:
        return bool(detect_ports(load_board(config.getoption("--board"))))
    except Exception:  # noqa: BLE001 - a bad --board is reported by the fixtures, not here
        return False


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if any("hardware" in item.keywords for item in items) and not _hardware_available(config):
        skip = pytest.mark.skip(reason=f"needs a real {config.getoption('--board')}: give --port=... "
                                       "(or a port in the hardware map), or connect one")
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
    from codegen.pio.project import BuildOptions, project_dir, write_project
    from codegen.pio.runner import build
    from codegen.scons import DEFAULT_MODEL
    model = Path(request.config.getoption("--model") or DEFAULT_MODEL).resolve()
    opts = BuildOptions(int8_io=request.config.getoption("--int8-io"))
    root = request.config.getoption("--mcuforge-build-dir")
    out = project_dir(mcuforge_board.name, model, opts, Path(root).resolve()) if root else None
    project = write_project(mcuforge_board, model, out, options=opts)
    art = build(project)
    return BuiltFirmware(board=mcuforge_board, model=model, project_dir=project.dir, elf=art.elf,
                         sha256=project.compiled.sha256, compiled=project.compiled)


@pytest.fixture(scope="module")
def mcuforge_target(request: pytest.FixtureRequest, mcuforge_firmware: BuiltFirmware) -> Iterator:
    from codegen.hil.records import RunRequest
    from codegen.hil.strategy import State, Strategy
    req = RunRequest(target=request.config.getoption("--target"), port=_port(request.config))
    with Strategy(mcuforge_firmware.board, mcuforge_firmware.elf, req) as strategy:
        strategy.transition(State.RUNNING)
        yield strategy


@pytest.fixture(scope="module")
def mcuforge_device(mcuforge_target):
    """The running target's session (``.device``, ``.unit``, ``.description``)."""
    return mcuforge_target.session
