"""The strategy: built -> flashed -> running -> stopped over a driver, always ending stopped; with a
recording fake driver (every path, failures) and with QEMU (a real power cycle)."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import pytest

from codegen.boards import load_board
from codegen.errors import McuforgeError
from codegen.hil.records import CountUnit, RunRequest, Session, Stopped
from codegen.hil.strategy import State, Strategy, path, running


@dataclass
class FakeDevice:
    exited: bool = False


@dataclass
class FakeDriver:
    name: str = "fake"
    calls: list[str] = field(default_factory=list)
    fail_on: str = ""

    def applies(self, board, request) -> bool:
        return True

    def _call(self, what: str) -> None:
        self.calls.append(what)
        if what == self.fail_on:
            raise McuforgeError(f"{what} failed")

    def flash(self, board, firmware, request) -> str:
        self._call("flash")
        return "flashed"

    def start(self, board, firmware, request) -> Session:
        self._call("start")
        return Session(device=FakeDevice(), driver=self, unit=CountUnit("cycles", 1.0, 1, ""),  # type: ignore[arg-type]
                       description="fake target")

    def stop(self, session, clean: bool) -> Stopped:
        self.calls.append("stop clean" if clean else "stop kill")
        return Stopped(how="exited" if clean else "killed", exit_code=0 if clean else -9)


BOARD = load_board("mps2-an386")


def test_shortest_paths():
    assert path(State.BUILT, State.RUNNING) == [State.FLASHED, State.RUNNING]
    assert path(State.RUNNING, State.STOPPED) == [State.STOPPED]
    assert path(State.STOPPED, State.RUNNING) == [State.RUNNING]  # restart: no second flash
    assert path(State.RUNNING, State.RUNNING) == []
    with pytest.raises(McuforgeError):
        path(State.FLASHED, State.BUILT)


def test_walks_built_to_stopped_and_records_it():
    d = FakeDriver()
    with Strategy(BOARD, Path("fw.elf"), RunRequest(), driver=d) as s:
        session = s.transition(State.RUNNING)
        assert s.state == State.RUNNING and session.description == "fake target"
    assert s.state == State.STOPPED and d.calls == ["flash", "start", "stop clean"]
    assert [(t.source, t.target) for t in s.history] == [
        (State.BUILT, State.FLASHED), (State.FLASHED, State.RUNNING), (State.RUNNING, State.STOPPED)]
    assert s.stopped.how == "exited"


def test_an_error_in_the_block_kills_the_target():
    d = FakeDriver()
    with pytest.raises(RuntimeError):
        with Strategy(BOARD, Path("fw.elf"), driver=d) as s:
            s.transition(State.RUNNING)
            raise RuntimeError("the test failed")
    assert d.calls == ["flash", "start", "stop kill"] and s.state == State.STOPPED


def test_a_failing_step_stops_and_reraises():
    d = FakeDriver(fail_on="flash")
    with pytest.raises(McuforgeError, match="flash failed"):
        with Strategy(BOARD, Path("fw.elf"), driver=d) as s:
            s.transition(State.RUNNING)
    assert d.calls == ["flash"] and s.session is None
    assert s.history[-1].note.startswith("failed: flash failed")


def test_restart_is_a_clean_stop_and_a_fresh_start():
    d = FakeDriver()
    with Strategy(BOARD, Path("fw.elf"), driver=d) as s:
        s.transition(State.RUNNING)
        s.restart()
        assert s.state == State.RUNNING
    assert d.calls == ["flash", "start", "stop clean", "start", "stop clean"]


def test_qemu_power_cycle(an386_fw):
    """Real drivers: the registry picks QEMU for an emulated board; a restart is a new QEMU."""
    _, fw = an386_fw
    with Strategy(BOARD, fw, RunRequest(timeout=5)) as s:
        assert s.driver.name == "qemu"
        first = s.transition(State.RUNNING)
        first_qemu = first.process
        assert first.device.info().board == "mps2-an386"
        second = s.restart()
        assert second.process is not first_qemu and first_qemu.poll() == 0  # exited through semihosting
        assert second.device.echo("again") == "again"
    assert s.state == State.STOPPED and second.process.poll() == 0


def test_running_context_always_reaps_qemu(an386_fw):
    _, fw = an386_fw
    with pytest.raises(ZeroDivisionError):
        with running(BOARD, fw, RunRequest(timeout=5)) as session:
            qemu = session.process
            1 / 0
    assert qemu.poll() is not None  # killed, not left behind


@dataclass
class HoldingDriver(FakeDriver):
    """A driver that holds something for the run (as labgrid's holds a place): `hold` gives the bound driver."""

    held: list[str] = field(default_factory=list)

    def hold(self, board, request):
        import contextlib

        @contextlib.contextmanager
        def cm():
            self.held.append("acquire")
            try:
                yield self
            finally:
                self.held.append("release")
        return cm()


@pytest.mark.parametrize("fail_on, raised", [("", None), ("start", McuforgeError), ("flash", McuforgeError),
                                             ("body", KeyboardInterrupt)])
def test_what_a_driver_holds_is_released_after_the_target_stopped(fail_on, raised):
    d = HoldingDriver(fail_on=fail_on)
    with pytest.raises(raised) if raised else contextlib_null():
        with Strategy(BOARD, Path("fw.elf"), RunRequest(), driver=d) as s:
            s.transition(State.RUNNING)
            if fail_on == "body":
                raise KeyboardInterrupt  # Ctrl-C while the target runs
    assert d.held == ["acquire", "release"]
    if fail_on in ("", "body"):
        assert d.calls[-1] == ("stop clean" if fail_on == "" else "stop kill")  # stopped before the release


def contextlib_null():
    import contextlib
    return contextlib.nullcontext()
