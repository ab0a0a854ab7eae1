"""labgrid's client, driven from a thread of its own: connect to a coordinator, read its places,
acquire (lock) and release one. Every call is bounded; every failure is an McuforgeError that says
what to do (coordinator unreachable, place unknown, locked by someone else, ...).

labgrid's :class:`~labgrid.remote.client.ClientSession` is asyncio code; its event loop runs here in
a daemon thread for the whole session, so gRPC keeps the stream to the coordinator alive while a run
goes on, and a Ctrl-C in the main thread still reaches the code that releases the place.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import contextlib
import logging
import os
import threading
from typing import Any, Awaitable, Callable, Iterator, TypeVar

from codegen.errors import McuforgeError
from codegen.hil.farm.places import (AGENT_CLASS, SERIAL_CLASS, Lock, PlaceInfo, agent_of, board_of, check_board,
                                     require_serial, serial_of, untagged_error)

ENV_COORDINATOR = "LG_COORDINATOR"   # labgrid's own variables
ENV_PLACE = "LG_PLACE"
DEFAULT_COORDINATOR = "127.0.0.1:20408"
DEFAULT_PORT = 20408
CONNECT_TIMEOUT = 15.0
T = TypeVar("T")
# labgrid's own keep-alive settings for its client channel (labgrid.remote.client.ClientSession)
CHANNEL_OPTIONS = [("grpc.keepalive_time_ms", 7500), ("grpc.keepalive_timeout_ms", 10000),
                   ("grpc.http2.ping_timeout_ms", 10000), ("grpc.http2.max_pings_without_data", 0)]


def coordinator_address(given: str | None = None) -> str:
    """`coordinator=`, else $LG_COORDINATOR, else labgrid's default 127.0.0.1:20408 (as labgrid-client)."""
    return given or os.environ.get(ENV_COORDINATOR) or DEFAULT_COORDINATOR


def _quiet_root_logger() -> None:
    """labgrid reports a lost coordinator through the root logger; mcuforge says it itself (once, with
    the fix), so without a logging set-up those lines are not printed twice."""
    root = logging.getLogger()
    if not root.handlers:
        root.addHandler(logging.NullHandler())


class FarmClient:
    """One session with a labgrid coordinator."""

    def __init__(self, address: str, timeout: float = CONNECT_TIMEOUT) -> None:
        self.address = address
        self.timeout = timeout
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, name="mcuforge-labgrid", daemon=True)
        self._thread.start()
        self._session: Any = None
        _quiet_root_logger()
        try:
            self._session = self._run(self._start, timeout, "connecting")
        except BaseException:
            self.close()
            raise

    # --- plumbing ---------------------------------------------------------------------------------
    def _unreachable(self, why: str) -> McuforgeError:
        return McuforgeError(
            f"cannot reach the labgrid coordinator at {self.address}: {why}",
            hint="start it (labgrid-coordinator --listen HOST:PORT) or give its address: coordinator=HOST:PORT "
                 f"(scons), --mcuforge-coordinator (pytest) or ${ENV_COORDINATOR}")

    def _run(self, fn: Callable[[], Awaitable[T]], timeout: float, doing: str) -> T:
        """Run a coroutine on the session's loop and wait for it, at most `timeout` seconds. Interrupted
        (Ctrl-C), it still lets the coroutine finish (briefly) so the caller knows the coordinator's state."""
        fut = asyncio.run_coroutine_threadsafe(fn(), self._loop)
        try:
            return fut.result(timeout)
        except concurrent.futures.TimeoutError:
            fut.cancel()
            if doing == "connecting":
                raise self._unreachable(f"no answer within {timeout:g} s") from None
            raise McuforgeError(f"the labgrid coordinator at {self.address} did not answer within {timeout:g} s "
                                f"while {doing}", hint="check the coordinator (labgrid-client who) and retry") from None
        except BaseException:
            concurrent.futures.wait([fut], timeout=5)
            raise

    async def _start(self) -> Any:
        from labgrid.remote.client import ClientSession, ServerError
        from labgrid.util.proxy import proxymanager
        import grpc
        from labgrid.remote.generated.labgrid_coordinator_pb2_grpc import CoordinatorStub
        address = proxymanager.get_grpc_address(self.address, default_port=DEFAULT_PORT)
        session = ClientSession(address, self._loop)
        # the coordinator tells clients apart by their TCP peer, and gRPC shares one connection between
        # the channels of a process: a second session (a test holding another place) needs its own
        await session.channel.close()
        session.channel = grpc.aio.insecure_channel(address, options=[*CHANNEL_OPTIONS,
                                                                      ("grpc.use_local_subchannel_pool", 1)])
        session.stub = CoordinatorStub(session.channel)
        try:
            await session.start()
        except ServerError as exc:
            await session.close()
            raise self._unreachable(str(exc).removeprefix("Error: ")) from None
        return session

    async def _sync(self) -> None:
        if not await self._session.sync_with_coordinator():
            raise self._unreachable("the connection was lost")

    @property
    def me(self) -> str:
        """This client as labgrid names lock holders: `host/user` ($LG_HOSTNAME, $LG_USERNAME)."""
        return f"{self._session.gethostname()}/{self._session.getuser()}"

    # --- places -----------------------------------------------------------------------------------
    def place_names(self) -> list[str]:
        self._run(self._sync, self.timeout, "listing places")
        return sorted(self._session.places)

    def _lookup(self, name: str) -> Any:
        places = self._session.places
        if name in places:
            return places[name]
        by_alias = [p for p in places.values() if name in p.aliases]
        if len(by_alias) == 1:
            return by_alias[0]
        known = ", ".join(sorted(places)) or "none"
        raise McuforgeError(f"the labgrid coordinator at {self.address} has no place {name!r} (its places: {known})",
                            hint="pick one of those with place=NAME, or create it: labgrid-client -p NAME create; "
                                 "labgrid-client -p NAME add-match EXPORTER/GROUP/*")

    def place(self, name: str) -> PlaceInfo:
        """The place named `name` (or with that alias), as the coordinator has it now."""
        self._run(self._sync, self.timeout, f"reading place {name}")
        p = self._lookup(name)
        paths = []
        serial = agent = None
        for exporter, groups in sorted(self._session.resources.items()):
            for group_name, group in sorted(groups.items()):
                for resource_name, entry in sorted(group.items()):
                    cls = entry.data.get("cls")
                    if cls is None or not p.hasmatch((exporter, group_name, cls, resource_name)):
                        continue
                    where = f"resource {exporter}/{group_name}/{cls}/{resource_name}"
                    paths.append(f"{exporter}/{group_name}/{cls}/{resource_name}")
                    params = dict(entry.params)
                    if cls == SERIAL_CLASS and serial is None:
                        serial = serial_of(params, where)
                    elif cls == AGENT_CLASS and agent is None:
                        agent = agent_of(params, where)
        lock = Lock(holder=p.acquired, since=float(p.changed)) if p.acquired else None
        return PlaceInfo(name=p.name, tags=tuple(sorted(p.tags.items())), comment=p.comment, lock=lock,
                         serial=serial, agent=agent, resources=tuple(paths))

    def acquire(self, name: str) -> None:
        from labgrid.remote.generated import labgrid_coordinator_pb2 as pb2
        import grpc

        async def go() -> None:
            try:
                await self._session.stub.AcquirePlace(pb2.AcquirePlaceRequest(placename=name))
            except grpc.aio.AioRpcError as exc:
                raise _RpcFailed(exc.details() or str(exc.code())) from None
            await self._sync()
        try:
            self._run(go, self.timeout, f"acquiring place {name}")
        except _RpcFailed as exc:
            now = self.place(name)
            if now.lock is not None:  # someone was faster
                raise locked_error(now, self.me) from None
            raise McuforgeError(f"labgrid refused to acquire place {name}: {exc}",
                                hint=f"labgrid-client -p {name} show (a resource it matches may be held by "
                                     "another place)") from None

    def release(self, name: str) -> None:
        from labgrid.remote.generated import labgrid_coordinator_pb2 as pb2
        import grpc

        async def go() -> None:
            try:
                await self._session.stub.ReleasePlace(pb2.ReleasePlaceRequest(placename=name))
            except grpc.aio.AioRpcError as exc:
                raise _RpcFailed(exc.details() or str(exc.code())) from None
            await self._sync()
        try:
            self._run(go, self.timeout, f"releasing place {name}")
        except _RpcFailed as exc:
            raise McuforgeError(f"labgrid refused to release place {name}: {exc}",
                                hint=f"labgrid-client -p {name} release") from None

    def close(self) -> None:
        async def stop() -> None:
            if self._session is not None:
                if not self._session.stopping.is_set():
                    await self._session.stop()
                await self._session.close()
        try:
            if self._loop.is_running():
                asyncio.run_coroutine_threadsafe(stop(), self._loop).result(5)
        except BaseException:  # noqa: BLE001 - closing must not mask what ended the session
            pass
        finally:
            self._loop.call_soon_threadsafe(self._loop.stop)
            self._thread.join(5)
            if not self._thread.is_alive():
                self._loop.close()


class _RpcFailed(Exception):
    pass


def locked_error(place: PlaceInfo, me: str) -> McuforgeError:
    assert place.lock is not None
    if place.lock.holder == me:
        return McuforgeError(
            f"place {place.name} is already acquired by you ({place.lock.describe()}): another run of yours, or "
            "labgrid-client acquire, holds it", hint=f"when nothing of yours uses it: labgrid-client -p {place.name} "
                                                     "release (mcuforge acquires the place itself, for each run)")
    return McuforgeError(
        f"place {place.name} is locked by {place.lock.describe()}",
        hint=f"wait until it is released, pick another place, or ask {place.lock.user} to run "
             f"`labgrid-client -p {place.name} release` (labgrid-client who lists the holders)")


def place_board(address: str, name: str, hwmap_board: str | None = None, timeout: float = CONNECT_TIMEOUT) -> str:
    """The board place `name` holds (its board tag, else the hardware map's), read without acquiring it."""
    client = FarmClient(address, timeout)
    try:
        place = client.place(name)
    finally:
        client.close()
    held, _ = board_of(place, hwmap_board)
    if held is None:
        raise untagged_error(place)
    return held


@contextlib.contextmanager
def held_place(address: str, name: str, board: str, hwmap_board: str | None = None,
               timeout: float = CONNECT_TIMEOUT) -> Iterator[PlaceInfo]:
    """The place, checked (its board, a serial port, nobody's lock) and acquired for the block;
    released afterwards, also on an error or Ctrl-C. A place someone holds, this user included (another
    run, `labgrid-client acquire`), is refused with who holds it and since when: two runs never share
    a place."""
    client = FarmClient(address, timeout)
    ours: str | None = None  # the name of the place this block acquired
    try:
        place = client.place(name)
        check_board(place, board, hwmap_board)
        require_serial(place)
        if place.lock is not None:
            raise locked_error(place, client.me)
        try:
            client.acquire(place.name)
        finally:
            try:  # also when interrupted half-way: did the coordinator give it to us?
                held = client.place(place.name).lock
                ours = place.name if held is not None and held.holder == client.me else None
            except McuforgeError:
                ours = place.name
        yield client.place(place.name)
    finally:
        try:
            if ours is not None:
                client.release(ours)
        finally:
            client.close()
