"""mcuforge's pytest plugin (entry point `pytest11`): write hardware-in-the-loop tests in pytest.

Options (all prefixed, so the plugin coexists with pytest-embedded, which registers ``--port``,
``--target``, ``--baud`` and ``--build-dir``): ``--mcuforge-board`` (default stm32l475),
``--mcuforge-model`` (default: the bundled digits model), ``--mcuforge-port`` (a real board's serial
port or URL: /dev/ttyACM0, rfc2217://host:port; without it emulated boards run in QEMU),
``--mcuforge-target`` (auto, emulator, device, host, attach), ``--mcuforge-baud``,
``--mcuforge-no-flash``, ``--mcuforge-timeout``, ``--mcuforge-hwmap`` (the user's hardware map: port
and logic analyzer per board), ``--mcuforge-int8-io``, ``--mcuforge-kernels``,
``--mcuforge-build-dir``. They are parsed once, when pytest starts, into :class:`PluginOptions`
(the same typed records as the ``scons`` command line); a bad value stops pytest with the fix.

Fixtures:

* ``mcuforge_options``: the :class:`PluginOptions`, session-scoped;
* ``mcuforge_board``: the board data (:class:`codegen.boards.Board`), session-scoped;
* ``mcuforge_firmware``: the firmware built for (board, model) (:class:`BuiltFirmware`), session-scoped;
* ``mcuforge_target``: the target's :class:`codegen.hil.strategy.Strategy`, running, started once per
  test module and always stopped (``.restart()`` power-cycles it);
* ``mcuforge_device``: the running target's :class:`codegen.hil.records.Session`; ``.device`` speaks
  the protocol (``info()``, ``load()``, ``infer()``, ``results()``, ``profile()``, ``request()``).

Tests marked ``@pytest.mark.hardware`` need a real board and are skipped unless ``--mcuforge-port``
is given, the hardware map names a port for the board, or a board of that kind is detected on USB.
See docs/HIL.md.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Iterator

import pytest

from codegen.boards import Board
from codegen.errors import McuforgeError
from codegen.options import BuildOptions, TargetKind, TargetOptions
from codegen.options.arguments import table_arg
from codegen.options.command_line import DEFAULT_BOARD

PREFIX = "--mcuforge-"


@dataclass(frozen=True)
class PluginOptions:
    """The plugin's command line, parsed once."""

    board: str = DEFAULT_BOARD
    model: Path | None = None          # None: the bundled digits model
    build: BuildOptions = BuildOptions()
    target: TargetOptions = TargetOptions()
    build_dir: Path | None = None      # None: the project's build/


OPTIONS_KEY = pytest.StashKey[PluginOptions]()


def pytest_addoption(parser: pytest.Parser) -> None:
    g = parser.getgroup("mcuforge", "mcuforge hardware-in-the-loop")
    g.addoption(f"{PREFIX}board", default=DEFAULT_BOARD, help="board name (boards/<name>.toml)")
    g.addoption(f"{PREFIX}model", default=None, type=table_arg("model"),
                help=".tflite model (default: models/digits_cnn.tflite)")
    g.addoption(f"{PREFIX}port", default=None, help="serial port or URL of a real board (/dev/ttyACM0, rfc2217://...)")
    g.addoption(f"{PREFIX}target", default=TargetKind.AUTO, type=table_arg("target"), metavar="|".join(TargetKind),
                help="how to reach the board (default: a real board if one is connected, else QEMU)")
    g.addoption(f"{PREFIX}baud", default=None, type=table_arg("baud"), help="serial baud rate (default: the board's)")
    g.addoption(f"{PREFIX}no-flash", action="store_true", default=False,
                help="do not flash a real board (it already runs this build)")
    g.addoption(f"{PREFIX}timeout", default=20.0, type=table_arg("timeout"), help="seconds per request (20)")
    g.addoption(f"{PREFIX}hwmap", default=None, type=table_arg("hwmap"),
                help="hardware map file (default: $MCUFORGE_HWMAP or ~/.config/mcuforge/hardware-map.toml)")
    g.addoption(f"{PREFIX}int8-io", action="store_true", default=False, help="build with int8 model I/O")
    g.addoption(f"{PREFIX}kernels", default=None, type=table_arg("kernels"), metavar="auto|reference|dsp",
                help="kernel variant (default: the core's)")
    g.addoption(f"{PREFIX}build-dir", default=None, help="build root (default: the project's build/)")


def _opt(config: pytest.Config, name: str):
    return config.getoption(PREFIX + name)


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "hardware: needs a real board (--mcuforge-port, the hardware map, or one on USB)")
    root = _opt(config, "build-dir")
    from codegen.boards import load_board
    try:
        load_board(_opt(config, "board"))
    except McuforgeError as exc:
        raise pytest.UsageError(f"--mcuforge-board: {exc.message}\n  fix: {exc.hint}") from None
    config.stash[OPTIONS_KEY] = PluginOptions(
        board=_opt(config, "board"), model=_opt(config, "model"),
        build=BuildOptions(int8_io=_opt(config, "int8-io"), kernels=_opt(config, "kernels")),
        target=TargetOptions(target=_opt(config, "target"), port=_opt(config, "port"), baud=_opt(config, "baud"),
                             flash=not _opt(config, "no-flash"), timeout=_opt(config, "timeout"),
                             hwmap=_opt(config, "hwmap")),
        build_dir=Path(root).resolve() if root else None)


def options_of(config: pytest.Config) -> PluginOptions:
    return config.stash[OPTIONS_KEY]


def pytest_report_header(config: pytest.Config) -> str:
    o = options_of(config)
    port = o.target.port
    return f"mcuforge: board {o.board}, model {o.model or 'models/digits_cnn.tflite'}" + (f", port {port}" if port else "")


def _port(o: PluginOptions) -> str | None:
    if o.target.port:
        return o.target.port
    from codegen.hil.hwmap import load_hardware_map
    try:
        entry = load_hardware_map(o.target.hwmap).entry(o.board)
    except McuforgeError:  # a broken map is reported by the fixtures
        return None
    return entry.port if entry else None


def _ssh(o: PluginOptions) -> bool:
    """A Linux board's SSH entry in the hardware map (it counts as hardware)."""
    from codegen.hil.hwmap import load_hardware_map
    try:
        entry = load_hardware_map(o.target.hwmap).entry(o.board)
    except McuforgeError:  # a broken map is reported by the fixtures
        return False
    return entry is not None and entry.ssh is not None


def _hardware_available(o: PluginOptions) -> bool:
    if _port(o) or _ssh(o):
        return True
    from codegen.boards import load_board
    from codegen.hil.usb import detect_ports
    try:
        return bool(detect_ports(load_board(o.board)))
    except McuforgeError:  # a bad --mcuforge-board is reported by the fixtures, not here
        return False


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    o = options_of(config)
    if any("hardware" in item.keywords for item in items) and not _hardware_available(o):
        skip = pytest.mark.skip(reason=f"needs a real {o.board}: give --mcuforge-port=... "
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
def mcuforge_options(request: pytest.FixtureRequest) -> PluginOptions:
    return options_of(request.config)


@pytest.fixture(scope="session")
def mcuforge_board(mcuforge_options: PluginOptions) -> Board:
    from codegen.boards import load_board
    return load_board(mcuforge_options.board)


@pytest.fixture(scope="session")
def mcuforge_firmware(mcuforge_options: PluginOptions, mcuforge_board: Board) -> BuiltFirmware:
    from codegen.pio.project import project_dir, write_project
    from codegen.pio.runner import build
    from codegen.scons import DEFAULT_MODEL
    o = mcuforge_options
    model = Path(o.model or DEFAULT_MODEL).resolve()
    out = project_dir(mcuforge_board.name, model, o.build, o.build_dir) if o.build_dir else None
    project = write_project(mcuforge_board, model, out, options=o.build)
    art = build(project)
    return BuiltFirmware(board=mcuforge_board, model=model, project_dir=project.dir, elf=art.elf,
                         sha256=project.compiled.sha256, compiled=project.compiled)


@pytest.fixture(scope="module")
def mcuforge_target(mcuforge_options: PluginOptions, mcuforge_firmware: BuiltFirmware) -> Iterator:
    from codegen.hil.strategy import State, Strategy
    from codegen.run import request_for
    req = request_for(mcuforge_options.target, mcuforge_firmware.board)
    with Strategy(mcuforge_firmware.board, mcuforge_firmware.elf, req) as strategy:
        strategy.transition(State.RUNNING)
        yield strategy


@pytest.fixture(scope="module")
def mcuforge_device(mcuforge_target):
    """The running target's session (``.device``, ``.unit``, ``.description``)."""
    return mcuforge_target.session
