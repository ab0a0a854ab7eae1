"""The agent an exporter host runs beside each place: it puts firmware on the place and keeps the
place's console behind ser2net (the place's ``NetworkSerialPort``), so a client that holds the place
flashes and talks to it from anywhere.

```
python -m codegen.hil.farm.agent --board stm32l475 --listen 127.0.0.1:4712 --serial 127.0.0.1:4711
```

Two backends, chosen by ``--backend`` (default: ``emulator`` for a board QEMU can run):

* ``emulator``: every firmware a client sends starts QEMU afresh with it (the board's machine,
  ``-icount``), its console on a pseudo-terminal; stopped when the client lets go of the place.
* ``device``: a real board: the board's flash tool (``[upload]`` in its board file) writes the
  firmware; then the agent waits, bounded, for the board's USB serial port to come back (found by
  VID/PID and the serial number in the hardware map, never by its old path).

Either way ser2net serves ``telnet(rfc2217)`` on ``--serial`` in front of ``WORKDIR/console``, a link
the agent points at the current console (QEMU's pty, the board's tty); ser2net opens it per client.

HTTP, one request at a time: ``GET /`` (what the agent serves), ``PUT /firmware?board=NAME`` (the ELF
as the body; answers once the firmware runs), ``POST /stop`` (stop the emulator).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from dataclasses import asdict, dataclass
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path
from typing import IO, Protocol
from urllib.parse import parse_qs, urlsplit

from codegen.boards import Board, load_board
from codegen.errors import McuforgeError, handle
from codegen.hil.farm.places import AgentEndpoint
from codegen.hil.processes import dying_with_parent, kill, reap, tail

MAX_FIRMWARE = 64 << 20
QEMU_PTY = re.compile(r"char device redirected to (/dev/pts/\d+)")
BOOT_SECONDS = 30.0
REQUEST_SECONDS = 240.0  # a client's wait for a flash: a real flash tool can take a minute


@dataclass(frozen=True)
class AgentStatus:
    """What `GET /` answers and every flash returns."""

    board: str
    backend: str              # emulator | device
    emulated: bool            # the console is QEMU's: counts are instructions, ser2net is in front of a pty
    running: bool             # a firmware runs (the emulator is up, or the board was flashed)
    firmware_sha256: str = ""
    done: str = ""            # what the last request did
    exit_code: int | None = None  # the emulator's, when it was stopped
    log: str = ""             # the tail of the emulator's output, when it was stopped


class Backend(Protocol):
    name: str
    emulated: bool

    def load(self, elf: Path) -> str:
        """Put `elf` on the place and point the console link at its console; returns what was done."""
        ...

    def stop(self) -> tuple[int | None, str]:
        """Stop what runs (exit code, log tail); a board keeps running."""
        ...


def _link(console: Path, target: str) -> None:
    tmp = console.with_name(console.name + ".new")
    tmp.unlink(missing_ok=True)
    os.symlink(target, tmp)
    os.replace(tmp, console)


class EmulatorBackend:
    name = "emulator"
    emulated = True

    def __init__(self, board: Board, console: Path) -> None:
        if not board.emulated:
            raise McuforgeError(f"{board.name} cannot be emulated (no [emulator] in its board file)",
                                hint="--backend device for a real board")
        self.board, self.console = board, console
        self.proc: subprocess.Popen | None = None
        self.log: IO[bytes] | None = None

    def load(self, elf: Path) -> str:
        from codegen.hil.drivers.qemu import QemuDriver
        from codegen.hil.records import RunRequest
        self.stop()
        q = QemuDriver()
        self.proc, self.log = q.launch(q.command(self.board, elf, 0, RunRequest(), serial=["-serial", "pty"]))
        deadline = time.monotonic() + BOOT_SECONDS
        while True:
            m = QEMU_PTY.search(tail(self.log, 100_000))
            if m:
                _link(self.console, m.group(1))
                return f"QEMU {self.board.emulator.machine if self.board.emulator else ''} runs {elf.name}"
            if self.proc.poll() is not None or time.monotonic() > deadline:
                code, log = self.stop()
                raise McuforgeError(f"QEMU did not start ({'exit code ' + str(code) if code is not None else 'no pty'}):"
                                    f" {log}", hint="check the board's [emulator] machine and the ELF")
            time.sleep(0.02)

    def stop(self) -> tuple[int | None, str]:
        if self.proc is None:
            return None, ""
        code = kill(self.proc)
        log = tail(self.log)
        if self.log is not None:
            self.log.close()
        self.proc = self.log = None
        self.console.unlink(missing_ok=True)
        return code, log


class DeviceBackend:
    name = "device"
    emulated = False

    def __init__(self, board: Board, console: Path, hwmap: Path | None = None, wait: float = 20.0) -> None:
        from codegen.hil.hwmap import load_hardware_map
        if not board.real or board.upload is None or board.flash is None:
            raise McuforgeError(f"{board.name} has no [upload] table: there is no tool to flash it",
                                hint="--backend emulator for a board QEMU runs")
        entry = load_hardware_map(hwmap).entry(board.name)
        self.board, self.console, self.wait = board, console, wait
        self.usb_serial = entry.usb_serial if entry else None
        self.probe = entry.probe if entry else None
        self.fixed_port = entry.port if entry else None
        if self.usb_serial is None and self.fixed_port is None:
            raise McuforgeError(f"the hardware map names no port and no usb_serial for {board.name}",
                                hint="add usb_serial = \"...\" (the board's USB serial number, "
                                     "`python -m serial.tools.list_ports -v`) to its [[target]] (docs/HIL.md)")

    def load(self, elf: Path) -> str:
        from codegen.hil.flash import FlashFiles, flash_tool
        from codegen.hil.usb import wait_for_port
        assert self.board.upload is not None and self.board.flash is not None
        protocol = self.board.upload.protocol
        tool = flash_tool(protocol)
        if shutil.which(tool.program) is None:
            raise McuforgeError(f"`{tool.program}` is not installed on the agent's host", hint=tool.install_hint)
        files = FlashFiles(elf=str(elf), bin=str(elf.with_suffix(".bin")), hex=str(elf.with_suffix(".hex")),
                           flash_origin=self.board.flash.origin)
        for fmt, out in (("binary", files.bin), ("ihex", files.hex)):
            subprocess.run(["arm-none-eabi-objcopy", "-O", fmt, str(elf), out], check=True, timeout=60,
                           capture_output=True)
        res = subprocess.run(tool.command(self.board.upload.settings[protocol], files, self.probe), capture_output=True,
                             text=True, timeout=180)
        if res.returncode != 0:
            raise McuforgeError(f"flashing {self.board.name} with {protocol} failed: "
                                + "\n".join((res.stdout + res.stderr).splitlines()[-10:]),
                                hint="check the probe on the agent's host (udev permissions, cable)")
        port = wait_for_port(self.board, self.usb_serial, self.wait) if self.usb_serial else self.fixed_port
        assert port is not None
        _link(self.console, port)
        return f"flashed with {protocol}; console {port}"

    def stop(self) -> tuple[int | None, str]:
        return None, ""


BACKENDS = {"emulator": EmulatorBackend, "device": DeviceBackend}


class Agent:
    def __init__(self, board: Board, backend: Backend, serial_host: str, serial_port: int, workdir: Path) -> None:
        self.board, self.backend, self.workdir = board, backend, workdir
        self.sha256 = ""
        self.ser2net = self._ser2net(serial_host, serial_port)

    def _ser2net(self, host: str, port: int) -> subprocess.Popen:
        if shutil.which("ser2net") is None:
            raise McuforgeError("ser2net is not installed", hint="apt-get install ser2net (setup.sh does)")
        baud = int(self.board.console.get("baud", 115200))
        cfg = self.workdir / "ser2net.yaml"
        cfg.write_text(f"""%YAML 1.1
---
connection: &mcuforge_console
  accepter: telnet(rfc2217),tcp,{host},{port}
  connector: serialdev(nouucplock=true),{self.workdir / 'console'},{baud}n81,local
  options:
    kickolduser: true
""")
        log = open(self.workdir / "ser2net.log", "wb")
        return subprocess.Popen(dying_with_parent(["ser2net", "-n", "-u", "-c", str(cfg),
                                                   "-P", str(self.workdir / "ser2net.pid")]),
                                stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT)

    def status(self, done: str = "", exit_code: int | None = None, log: str = "") -> AgentStatus:
        running = self.backend.emulated and getattr(self.backend, "proc", None) is not None or (
            not self.backend.emulated and bool(self.sha256))
        return AgentStatus(board=self.board.name, backend=self.backend.name, emulated=self.backend.emulated,
                           running=running, firmware_sha256=self.sha256, done=done, exit_code=exit_code, log=log)

    def load(self, data: bytes, board: str) -> AgentStatus:
        if board != self.board.name:
            raise McuforgeError(f"this agent serves a {self.board.name}, not a {board}",
                                hint="check the place's board tag and the agent's --board")
        if not data.startswith(b"\x7fELF"):
            raise McuforgeError("the firmware is not an ELF file", hint="send the build's firmware.elf")
        elf = self.workdir / "firmware.elf"
        elf.write_bytes(data)
        done = self.backend.load(elf)
        self.sha256 = hashlib.sha256(data).hexdigest()
        return self.status(done)

    def stop(self) -> AgentStatus:
        code, log = self.backend.stop()
        self.sha256 = "" if self.backend.emulated else self.sha256
        return self.status("stopped" if code is not None else "nothing to stop", code, log)

    def close(self) -> None:
        self.backend.stop()
        self.ser2net.terminate()
        reap(self.ser2net, grace=3)


def _handler(agent: Agent) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, fmt: str, *args: object) -> None:  # one line per request, to stderr
            sys.stderr.write(f"agent: {self.command} {self.path} -> {args[1] if len(args) > 1 else ''}\n")

        def _answer(self, code: int, body: dict) -> None:
            data = json.dumps(body).encode()
            self.send_response(code)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def _guard(self, fn) -> None:
            try:
                self._answer(200, asdict(fn()))
            except McuforgeError as exc:
                self._answer(409, {"error": exc.message, "hint": exc.hint})
            except Exception as exc:  # noqa: BLE001 - the agent keeps serving; the client reports it
                self._answer(500, {"error": f"{type(exc).__name__}: {exc}", "hint": "see the agent's log"})

        def do_GET(self) -> None:
            self._guard(agent.status)

        def do_PUT(self) -> None:
            url = urlsplit(self.path)
            if url.path != "/firmware":
                return self._answer(404, {"error": f"no {url.path}", "hint": "PUT /firmware?board=NAME"})
            n = int(self.headers.get("Content-Length") or 0)
            if not 0 < n <= MAX_FIRMWARE:
                return self._answer(413, {"error": f"firmware of {n} bytes", "hint": "send the ELF as the body"})
            data = self.rfile.read(n)
            board = parse_qs(url.query).get("board", [agent.board.name])[0]
            self._guard(lambda: agent.load(data, board))

        def do_POST(self) -> None:
            if urlsplit(self.path).path != "/stop":
                return self._answer(404, {"error": f"no {self.path}", "hint": "POST /stop"})
            self._guard(agent.stop)
    return Handler


# --- the client side ---------------------------------------------------------------------------------

def _request(agent: AgentEndpoint, method: str, path: str, body: bytes | None, timeout: float) -> AgentStatus:
    req = urllib.request.Request(agent.url + path, data=body, method=method)
    try:
        with urllib.request.urlopen(req, timeout=timeout) as r:
            return AgentStatus(**json.loads(r.read()))
    except urllib.error.HTTPError as exc:
        try:
            err = json.loads(exc.read())
        except ValueError:
            err = {"error": str(exc), "hint": ""}
        raise McuforgeError(f"the place's agent at {agent.url}: {err.get('error')}", hint=err.get("hint", "")) from None
    except (urllib.error.URLError, OSError) as exc:
        raise McuforgeError(f"the place's agent at {agent.url} does not answer: {getattr(exc, 'reason', exc)}",
                            hint="start it on the exporter host: python -m codegen.hil.farm.agent --board B "
                                 "--listen HOST:PORT --serial HOST:PORT (docs/HIL.md)") from None


def agent_status(agent: AgentEndpoint, timeout: float = 10.0) -> AgentStatus:
    return _request(agent, "GET", "/", None, timeout)


def agent_load(agent: AgentEndpoint, board: str, elf: Path, timeout: float = REQUEST_SECONDS) -> AgentStatus:
    return _request(agent, "PUT", f"/firmware?board={board}", Path(elf).read_bytes(), timeout)


def agent_stop(agent: AgentEndpoint, timeout: float = 10.0) -> AgentStatus:
    return _request(agent, "POST", "/stop", b"", timeout)


# --- the front door ----------------------------------------------------------------------------------

def _host_port(text: str) -> tuple[str, int]:
    host, sep, port = text.rpartition(":")
    if not sep or not port.isdigit() or not 0 < int(port) < 65536:
        raise argparse.ArgumentTypeError(f"{text!r} is not HOST:PORT")
    return host or "127.0.0.1", int(port)


def _interrupt(signum: int, frame: object) -> None:
    raise KeyboardInterrupt


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m codegen.hil.farm.agent", description=__doc__.split("\n\n")[0])
    p.add_argument("--board", required=True, help="the board this place holds (boards/NAME.toml)")
    p.add_argument("--listen", type=_host_port, required=True, help="HOST:PORT of the agent (MCUForgeAgent)")
    p.add_argument("--serial", type=_host_port, required=True, help="HOST:PORT ser2net serves the console on "
                                                                     "(the place's NetworkSerialPort)")
    p.add_argument("--backend", choices=sorted(BACKENDS), default=None,
                   help="emulator (QEMU) or device (flash tool); default: emulator when QEMU runs the board")
    p.add_argument("--hwmap", type=Path, default=None, help="hardware map (device: the board's usb_serial/port)")
    p.add_argument("--workdir", type=Path, default=None, help="where the firmware, the console link and logs go")
    args = p.parse_args(argv)
    server = agent = None
    tmp = None
    try:
        board = load_board(args.board)
        kind = args.backend or ("emulator" if board.emulated else "device")
        if args.workdir is None:
            tmp = tempfile.TemporaryDirectory(prefix=f"mcuforge-agent-{board.name}-")
            args.workdir = Path(tmp.name)
        args.workdir.mkdir(parents=True, exist_ok=True)
        console = args.workdir / "console"
        backend = EmulatorBackend(board, console) if kind == "emulator" else DeviceBackend(board, console, args.hwmap)
        agent = Agent(board, backend, *args.serial, args.workdir)
        server = HTTPServer(args.listen, _handler(agent))
        signal.signal(signal.SIGTERM, _interrupt)  # stopped like Ctrl-C: QEMU and ser2net reaped
        print(f"agent: {board.name} ({kind}) on http://{args.listen[0]}:{server.server_port}, console "
              f"rfc2217://{args.serial[0]}:{args.serial[1]}", flush=True)
        server.serve_forever()
        return 0
    except KeyboardInterrupt:
        return 0
    except BaseException as exc:  # noqa: BLE001 - the front door
        return handle(exc, "the farm agent", log_dir=args.workdir)
    finally:
        if server is not None:
            server.server_close()
        if agent is not None:
            agent.close()
        if tmp is not None:
            tmp.cleanup()


if __name__ == "__main__":
    sys.exit(main())
