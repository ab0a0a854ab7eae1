"""The `host` board: the firmware is a native program speaking the protocol on stdin/stdout."""

from __future__ import annotations

from pathlib import Path

from codegen.boards import Board
from codegen.hil.dut import Device
from codegen.hil.processes import kill, reap, stream_tail
from codegen.hil.records import RunRequest, Session, Stopped, TargetKind
from codegen.hil.registry import register
from codegen.hil.remote import RSS_LINE
from codegen.hil.transport import ProcessTransport
from codegen.hil.units import unit_for


class HostDriver:
    name = "host"
    priority = 10

    def applies(self, board: Board, request: RunRequest) -> bool:
        return board.native and request.target in (TargetKind.AUTO, TargetKind.HOST)

    def flash(self, board: Board, firmware: Path, request: RunRequest) -> str:
        return "nothing to flash: a native program"

    def start(self, board: Board, firmware: Path, request: RunRequest) -> Session:
        t = ProcessTransport([str(firmware)])
        try:
            dev = Device(t, timeout=request.timeout, record=request.record)
            dev.wait_boot(request.boot_timeout)
            info = dev.info()
        except BaseException:
            kill(t.proc)
            t.close()
            raise
        return Session(device=dev, driver=self, description="native process on this machine",
                       unit=unit_for(board, info, emulated=False), transport=t, process=t.proc)

    def stop(self, session: Session, clean: bool) -> Stopped:
        assert isinstance(session.transport, ProcessTransport)
        proc = session.transport.proc
        if clean and not session.device.exited:
            session.device.exit(0, timeout=3)
        code = reap(proc, grace=3) if clean else kill(proc)
        how = "killed" if code is not None and code < 0 else "exited"  # by a signal, or on its own
        log = stream_tail(proc.stderr)
        session.transport.close()
        rss = RSS_LINE.findall(log)  # firmware/bsp/host reports its peak resident set at exit
        return Stopped(how=how, exit_code=code, log=log, peak_rss_bytes=int(rss[-1]) * 1024 if rss else None)


register(HostDriver())
