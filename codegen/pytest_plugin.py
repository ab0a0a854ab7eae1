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

Board farms (labgrid): ``--mcuforge-place=NAME`` (repeat it for a matrix: every test runs once per
place, on the board the place holds), or ``--mcuforge-target=labgrid`` with a labgrid environment file
(``--lg-env`` or ``$LG_ENV``: its ``RemotePlace`` names and ``coordinator_address``);
``--mcuforge-coordinator=HOST[:PORT]`` (default ``$LG_COORDINATOR``, else 127.0.0.1:20408);
``--mcuforge-junit-dir=DIR``: one JUnit file per place, ``DIR/junit-<place>.xml``. Each place is
acquired once for the session (``mcuforge_place``) and released at its end. With pytest-xdist,
``-n N`` runs the places in parallel: the plugin's scheduler sends each place's tests to one worker.

Fixtures:

* ``mcuforge_options``: the :class:`PluginOptions`, session-scoped;
* ``mcuforge_place``: the labgrid place held for the session (:class:`codegen.hil.farm.places.PlaceInfo`),
  or None without places;
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

import os
import re
import xml.etree.ElementTree as ET
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, Iterator

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
    board_given: bool = False          # --mcuforge-board was given (with places: checked against theirs)
    places: tuple[str, ...] = ()       # labgrid places: the matrix
    junit_dir: Path | None = None      # one JUnit file per place


OPTIONS_KEY = pytest.StashKey[PluginOptions]()
PLACE_PROPERTY = "mcuforge_place"


def pytest_addoption(parser: pytest.Parser) -> None:
    g = parser.getgroup("mcuforge", "mcuforge hardware-in-the-loop")
    g.addoption(f"{PREFIX}board", default=None, help=f"board name (boards/<name>.toml; default {DEFAULT_BOARD}, "
                                                       "or the board a place holds)")
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
    g.addoption(f"{PREFIX}kernels", default=None, type=table_arg("kernels"), metavar="auto|reference|dsp|mve",
                help="kernel variant (default: the core's)")
    g.addoption(f"{PREFIX}build-dir", default=None, help="build root (default: the project's build/)")
    g.addoption(f"{PREFIX}place", action="append", default=None, type=table_arg("place"), metavar="NAME",
                help="a labgrid place to run on (repeat for a matrix of places: every test runs on each)")
    g.addoption(f"{PREFIX}coordinator", default=None, type=table_arg("coordinator"), metavar="HOST[:PORT]",
                help="labgrid coordinator (default: $LG_COORDINATOR, else 127.0.0.1:20408)")
    g.addoption(f"{PREFIX}junit-dir", default=None, metavar="DIR",
                help="write one JUnit file per labgrid place: DIR/junit-<place>.xml")


def _opt(config: pytest.Config, name: str):
    return config.getoption(PREFIX + name)


def _env_places(config: pytest.Config) -> tuple[tuple[str, ...], str | None]:
    """The RemotePlace names and coordinator of a labgrid environment file (--lg-env or $LG_ENV)."""
    path = config.getoption("lg_env", default=None) or os.environ.get("LG_ENV")
    if not path:
        return (), None
    from labgrid import Environment
    env = Environment(config_file=path)
    places = []
    for role in env.config.get_targets().values():
        remote = (role.get("resources") or {})
        items = remote.items() if isinstance(remote, dict) else [kv for r in remote for kv in r.items()]
        for cls, params in items:
            if cls == "RemotePlace":
                places.append(str((params or {}).get("name")))
    return tuple(places), env.config.get_option("coordinator_address", None)


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "hardware: needs a real board (--mcuforge-port, the hardware map, or one on USB)")
    root = _opt(config, "build-dir")
    junit = _opt(config, "junit-dir")
    from codegen.boards import load_board
    board = _opt(config, "board") or DEFAULT_BOARD
    try:
        load_board(board)
    except McuforgeError as exc:
        raise pytest.UsageError(f"--mcuforge-board: {exc.message}\n  fix: {exc.hint}") from None
    try:
        places, coordinator = tuple(_opt(config, "place") or ()), _opt(config, "coordinator")
        target = _opt(config, "target")
        if not places and target == TargetKind.LABGRID:
            places, env_coordinator = _env_places(config)
            coordinator = coordinator or env_coordinator
            if not places:
                raise McuforgeError("--mcuforge-target=labgrid needs places",
                                    hint="give --mcuforge-place=NAME (repeatable) or a labgrid environment file "
                                         "with RemotePlace resources (--lg-env FILE or $LG_ENV)")
        reach = TargetOptions(target=TargetKind.LABGRID if places else target, port=_opt(config, "port"),
                              baud=_opt(config, "baud"), flash=not _opt(config, "no-flash"),
                              timeout=_opt(config, "timeout"), hwmap=_opt(config, "hwmap"),
                              place=places[0] if places else None, coordinator=coordinator)
    except McuforgeError as exc:
        raise pytest.UsageError(f"mcuforge: {exc.message}\n  fix: {exc.hint}") from None
    config.stash[OPTIONS_KEY] = PluginOptions(
        board=board, model=_opt(config, "model"),
        build=BuildOptions(int8_io=_opt(config, "int8-io"), kernels=_opt(config, "kernels")),
        target=reach, build_dir=Path(root).resolve() if root else None, board_given=_opt(config, "board") is not None,
        places=places, junit_dir=Path(junit).resolve() if junit else None)
    if places and junit and not hasattr(config, "workerinput"):  # xdist: the controller writes the files
        config.pluginmanager.register(PlaceJunit(Path(junit).resolve(), places), "mcuforge-place-junit")


def options_of(config: pytest.Config) -> PluginOptions:
    return config.stash[OPTIONS_KEY]


def pytest_report_header(config: pytest.Config) -> str:
    o = options_of(config)
    port = o.target.port
    if o.places:
        return f"mcuforge: labgrid places {', '.join(o.places)}, model {o.model or 'models/digits_cnn.tflite'}"
    return f"mcuforge: board {o.board}, model {o.model or 'models/digits_cnn.tflite'}" + (f", port {port}" if port else "")


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    """With places, every test that uses a place (directly or through the board, firmware or target
    fixtures) runs once per place."""
    o = options_of(metafunc.config)
    if o.places and "mcuforge_place" in metafunc.fixturenames:
        metafunc.parametrize("mcuforge_place", o.places, indirect=True, scope="session", ids=list(o.places))


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


def _place_of(item: pytest.Item) -> str | None:
    callspec = getattr(item, "callspec", None)
    return callspec.params.get("mcuforge_place") if callspec is not None else None


def place_in(nodeid: str, places: tuple[str, ...]) -> str | None:
    """The place a test id runs on (its parameter id: `test_x[ci-l475]`, `test_x[ci-l475-3]`)."""
    params = nodeid.rpartition("[")[2]
    for place in sorted(places, key=len, reverse=True):
        if re.search(rf"(^|-){re.escape(place)}(-|\]$)", params):
            return place
    return None


@pytest.hookimpl(optionalhook=True)
def pytest_xdist_make_scheduler(config: pytest.Config, log: Any) -> Any:
    """With places and pytest-xdist (-n N): every test of one place goes to one worker (which holds the
    place for its session), the places run in parallel. (xdist's own --dist loadgroup cannot be used:
    with pytest 9.2 it no longer groups, pytest-xdist issue 1386.)"""
    places = options_of(config).places
    if not places:
        return None
    from xdist.scheduler import LoadScopeScheduling

    class PlaceScheduling(LoadScopeScheduling):
        def _split_scope(self, nodeid: str) -> str:
            return place_in(nodeid, places) or super()._split_scope(nodeid)
    return PlaceScheduling(config, log)


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    o = options_of(config)
    for item in items:
        place = _place_of(item)
        if place is not None:  # the per-place JUnit files read it, across xdist workers too
            item.user_properties.append((PLACE_PROPERTY, place))
    if o.places:
        return  # the farm's places hold real or emulated boards: nothing to skip here
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
def mcuforge_place(request: pytest.FixtureRequest, mcuforge_options: PluginOptions) -> Iterator[Any]:
    """The labgrid place of this part of the matrix, acquired for the session (released at its end,
    also when the run is interrupted); None when no place is given."""
    name = getattr(request, "param", None)
    if name is None:
        yield None
        return
    from codegen.hil.farm.client import FarmClient, coordinator_address, held_place
    from codegen.hil.farm.places import board_of
    from codegen.hil.hwmap import load_hardware_map
    o = mcuforge_options
    address = coordinator_address(o.target.coordinator)
    hw_board = load_hardware_map(o.target.hwmap).board_of_place(name)
    if o.board_given:
        board = o.board
    else:
        client = FarmClient(address)
        try:
            board = board_of(client.place(name), hw_board)[0] or o.board
        finally:
            client.close()
    with held_place(address, name, board, hw_board) as place:
        yield place


@pytest.fixture(scope="session")
def mcuforge_board(mcuforge_options: PluginOptions, mcuforge_place: Any) -> Board:
    from codegen.boards import load_board
    from codegen.hil.farm.places import board_of
    from codegen.hil.hwmap import load_hardware_map
    if mcuforge_place is not None:
        o = mcuforge_options
        held = board_of(mcuforge_place, load_hardware_map(o.target.hwmap).board_of_place(mcuforge_place.name))[0]
        return load_board(held or o.board)
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
def mcuforge_target(mcuforge_options: PluginOptions, mcuforge_firmware: BuiltFirmware, mcuforge_place: Any) -> Iterator:
    from codegen.hil.strategy import State, Strategy
    from codegen.run import request_for
    driver = None
    reach = mcuforge_options.target
    if mcuforge_place is not None:  # the session holds the place: the strategy drives it, never releases it
        from codegen.hil.drivers.labgrid import PlaceDriver
        from codegen.hil.farm.client import coordinator_address
        reach = replace(reach, place=mcuforge_place.name)
        driver = PlaceDriver(mcuforge_place, coordinator_address(reach.coordinator))
    req = request_for(reach, mcuforge_firmware.board)
    with Strategy(mcuforge_firmware.board, mcuforge_firmware.elf, req, driver=driver) as strategy:
        strategy.transition(State.RUNNING)
        yield strategy


@pytest.fixture(scope="module")
def mcuforge_device(mcuforge_target):
    """The running target's session (``.device``, ``.unit``, ``.description``)."""
    return mcuforge_target.session


class PlaceJunit:
    """One JUnit file per labgrid place (``--mcuforge-junit-dir``), from the test reports (which carry
    the place as a user property, across xdist workers too)."""

    def __init__(self, out: Path, places: tuple[str, ...]) -> None:
        self.out, self.places = out, places
        self.cases: dict[str, dict[str, dict[str, Any]]] = {p: {} for p in places}

    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        place = dict(report.user_properties).get(PLACE_PROPERTY)
        if place not in self.cases:
            return
        case = self.cases[place].setdefault(report.nodeid.split("@")[0], {"time": 0.0, "outcome": "passed"})
        case["time"] += report.duration
        if report.failed:
            case["outcome"] = "error" if report.when != "call" else "failed"
            case["message"] = str(report.longrepr)[-4000:]
        elif report.skipped and case["outcome"] == "passed":
            case["outcome"] = "skipped"
            case["message"] = str(report.longrepr[-1]) if isinstance(report.longrepr, tuple) else ""

    def pytest_sessionfinish(self, session: pytest.Session) -> None:
        self.out.mkdir(parents=True, exist_ok=True)
        for place, cases in self.cases.items():
            count = {k: sum(c["outcome"] == k for c in cases.values()) for k in ("failed", "error", "skipped")}
            suite = ET.Element("testsuite", name=f"mcuforge.place.{place}", tests=str(len(cases)),
                               failures=str(count["failed"]), errors=str(count["error"]),
                               skipped=str(count["skipped"]), time=f"{sum(c['time'] for c in cases.values()):.3f}")
            props = ET.SubElement(suite, "properties")
            ET.SubElement(props, "property", name="place", value=place)
            for nodeid, c in cases.items():
                path, _, name = nodeid.rpartition("::")
                tc = ET.SubElement(suite, "testcase", classname=path.replace("/", ".").removesuffix(".py"),
                                   name=name, time=f"{c['time']:.3f}")
                if c["outcome"] in ("failed", "error"):
                    ET.SubElement(tc, "failure" if c["outcome"] == "failed" else "error",
                                  message=c["message"].splitlines()[-1][:300] if c["message"] else "").text = c["message"]
                elif c["outcome"] == "skipped":
                    ET.SubElement(tc, "skipped", message=c.get("message", ""))
            from codegen.files import write_text_atomic
            write_text_atomic(self.out / f"junit-{place}.xml", ET.tostring(suite, encoding="unicode", xml_declaration=True))
