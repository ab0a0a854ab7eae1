"""The strategy: move one target through its states on top of a registered driver.

```
built --flash--> flashed --start--> running --stop--> stopped
                    ^                                    |
                    +--------------flash / start---------+
```

``Strategy.transition(State.RUNNING)`` walks the shortest path from the current state through the
edges in ``EDGES`` (each one a driver call: ``flash``, ``start``, ``stop``); a failing step stops the
target for sure (killed, never left running) and re-raises. Used as a context manager it always ends
in ``stopped``: cleanly (the target is asked to exit) when the block succeeded, killed when it raised
(a hung or faulted target gets no second chance to hang the run). ``history`` records every
transition with its duration, for reports.

The strategy picks the driver from the registry (:mod:`codegen.hil.registry`) unless given one;
drivers know nothing of the strategy. A driver with ``hold`` (labgrid: the place) is entered before the
first step, and what it holds is let go when the strategy ends, after the target stopped. :func:`running` is the short form: a running target for the
duration of a ``with`` block.
"""

from __future__ import annotations

import contextlib
import enum
import signal
import time
from collections import deque
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator

from codegen.boards import Board
from codegen.errors import McuforgeError
from codegen.hil.records import Driver, RunRequest, Session, Stopped
from codegen.hil.registry import select_driver


class State(enum.Enum):
    BUILT = "built"
    FLASHED = "flashed"
    RUNNING = "running"
    STOPPED = "stopped"


# (from, to) -> the Strategy method that performs the step
EDGES: dict[tuple[State, State], str] = {
    (State.BUILT, State.FLASHED): "_flash",
    (State.FLASHED, State.RUNNING): "_start",
    (State.RUNNING, State.STOPPED): "_stop",
    (State.STOPPED, State.FLASHED): "_flash",
    (State.STOPPED, State.RUNNING): "_start",
}


@dataclass(frozen=True)
class Transition:
    source: State
    target: State
    seconds: float
    note: str


def ended(stopped: Stopped) -> str:
    """How a target ended, in words: "exited with status 0", "killed by SIGKILL", "closed" (an attached
    target: left running)."""
    code = stopped.exit_code
    if code is None:
        return stopped.how
    if code < 0:
        try:
            return f"killed by {signal.Signals(-code).name}"
        except ValueError:
            return f"killed by signal {-code}"
    return f"exited with status {code}"


def path(source: State, target: State) -> list[State]:
    """The states after `source` on the shortest way to `target` (empty if already there)."""
    prev: dict[State, State] = {}
    todo = deque([source])
    while todo:
        s = todo.popleft()
        if s == target:
            out = []
            while s != source:
                out.append(s)
                s = prev[s]
            return out[::-1]
        for (a, b) in EDGES:
            if a == s and b not in prev and b != source:
                prev[b] = a
                todo.append(b)
    raise McuforgeError(f"no transition from {source.value} to {target.value}", hint="a bug in the caller")


class Strategy:
    def __init__(self, board: Board, firmware: Path, request: RunRequest = RunRequest(),
                 driver: Driver | None = None) -> None:
        self.board, self.firmware, self.request = board, Path(firmware), request
        self.driver = driver or select_driver(board, request)
        self.state = State.BUILT
        self.session: Session | None = None
        self.stopped: Stopped | None = None
        self.history: list[Transition] = []
        self._clean = True
        self._held = contextlib.ExitStack()
        self._holding = False

    def _hold(self) -> None:
        """Enter the driver's hold (once): from then on the strategy drives the driver bound to it."""
        hold = getattr(self.driver, "hold", None)
        if hold is None or self._holding:
            return
        self._holding = True
        self.driver = self._held.enter_context(hold(self.board, self.request))

    def release(self) -> None:
        """Let go of what the driver holds (a farm place), after the target stopped."""
        self._held.close()

    # --- steps (values of EDGES) -------------------------------------------------------------------
    def _flash(self) -> str:
        return self.driver.flash(self.board, self.firmware, self.request)

    def _start(self) -> str:
        self.session = self.driver.start(self.board, self.firmware, self.request)
        self.stopped = None
        return self.session.description

    def _stop(self) -> str:
        assert self.session is not None
        self.stopped = self.driver.stop(self.session, clean=self._clean)
        return ended(self.stopped)

    # --- public ----------------------------------------------------------------------------------
    def transition(self, target: State) -> Session | None:
        self._hold()
        for nxt in path(self.state, target):
            step = getattr(self, EDGES[(self.state, nxt)])
            t0 = time.monotonic()
            try:
                note = step()
            except BaseException as exc:
                self.history.append(Transition(self.state, nxt, time.monotonic() - t0, f"failed: {exc}"[:200]))
                self.fail()
                raise
            self.history.append(Transition(self.state, nxt, time.monotonic() - t0, note))
            self.state = nxt
        return self.session

    def fail(self) -> None:
        """Stop now, by force: the target hung, faulted or misbehaved."""
        self._clean = False
        if self.state == State.RUNNING and self.session is not None:
            t0 = time.monotonic()
            try:
                note = self._stop()
            finally:
                self.state = State.STOPPED
            self.history.append(Transition(State.RUNNING, State.STOPPED, time.monotonic() - t0, note))

    def restart(self) -> Session | None:
        """Power-cycle: stop (cleanly) and start again."""
        self.transition(State.STOPPED)
        self._clean = True
        return self.transition(State.RUNNING)

    def __enter__(self) -> "Strategy":
        return self

    def __exit__(self, exc_type, exc, tb) -> None:
        try:
            if exc_type is not None:
                self.fail()
            elif self.state == State.RUNNING:
                self.transition(State.STOPPED)
        finally:
            self.release()


@contextlib.contextmanager
def running(board: Board, firmware: Path, request: RunRequest = RunRequest(),
            driver: Driver | None = None) -> Iterator[Session]:
    """A running target for the duration of the block, always stopped afterwards."""
    with Strategy(board, firmware, request, driver) as s:
        session = s.transition(State.RUNNING)
        assert session is not None
        yield session
