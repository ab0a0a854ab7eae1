"""A labgrid board farm on loopback, made of the real parts: labgrid's coordinator and exporter
(PyPI labgrid), one mcuforge agent per emulated place (QEMU behind ser2net), and the places created
with labgrid-client, exactly as docs/HIL.md ("Board farms") tells a user. Every process it starts is
stopped and reaped when the block ends; `Farm.started` lists them (and the agents' children) so a test
can check none is left."""

from __future__ import annotations

import contextlib
import os
import socket
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterator

from codegen.hil.processes import dying_with_parent, free_port, reap

BIN = Path(sys.executable).parent
EXPORTER_NAME = "mcuforge-ci"


@dataclass
class Farm:
    coordinator: str                      # 127.0.0.1:PORT
    places: dict[str, str]                # place -> board
    root: Path
    started: list[subprocess.Popen] = field(default_factory=list)
    descendants: set[int] = field(default_factory=set)  # the agents' QEMU and ser2net, seen while running

    def env(self, **extra: str) -> dict[str, str]:
        """The environment of a client of this farm (labgrid's own variables)."""
        return {**os.environ, "LG_COORDINATOR": self.coordinator, **extra}

    def client(self, *args: str, user: str | None = None, check: bool = True) -> subprocess.CompletedProcess:
        """`labgrid-client ARGS` against this farm (as `user`: another client's lock)."""
        env = self.env(**({"LG_USERNAME": user} if user else {}))
        res = subprocess.run([str(BIN / "labgrid-client"), *args], capture_output=True, text=True, timeout=60, env=env)
        if check and res.returncode != 0:
            raise AssertionError(f"labgrid-client {' '.join(args)} failed: {res.stdout}{res.stderr}")
        return res

    def holder(self, place: str) -> str | None:
        out = self.client("-p", place, "show").stdout
        line = next(x for x in out.splitlines() if x.strip().startswith("acquired:"))
        value = line.split(":", 1)[1].strip()
        return None if value == "None" else value


def _wait_port(port: int, proc: subprocess.Popen, log: Path, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise AssertionError(f"{proc.args[0]} exited ({proc.returncode}): {log.read_text()[-2000:]}")
        with socket.socket() as s:
            if s.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.05)
    raise AssertionError(f"nothing listens on {port} after {timeout} s: {log.read_text()[-2000:]}")


def _spawn(argv: list[str], log: Path, cwd: Path) -> subprocess.Popen:
    return subprocess.Popen(dying_with_parent(argv), cwd=cwd, stdin=subprocess.DEVNULL, stdout=log.open("wb"),
                            stderr=subprocess.STDOUT)


# the commands docs/HIL.md ("Board farms") shows, made here: a test checks the page shows these

def coordinator_command(listen: str) -> list[str]:
    return ["labgrid-coordinator", "--listen", listen]


def agent_command(board: str, listen: str, serial: str) -> list[str]:
    return ["python", "-m", "codegen.hil.farm.agent", "--board", board, "--listen", listen, "--serial", serial]


def exporter_command(coordinator: str, name: str, hostname: str, config: str) -> list[str]:
    return ["labgrid-exporter", "--coordinator", coordinator, "--name", name, "--hostname", hostname, config]


def place_commands(place: str, board: str, exporter: str, group: str) -> list[list[str]]:
    return [["labgrid-client", "-p", place, "create"],
            ["labgrid-client", "-p", place, "add-match", f"{exporter}/{group}/*"],
            ["labgrid-client", "-p", place, "set-tags", f"board={board}"]]


def _local(argv: list[str]) -> list[str]:
    """A documented command as this test runs it: labgrid's programs and python from this venv."""
    if argv[0] == "python":
        return [sys.executable, *argv[1:]]
    return [str(BIN / argv[0]), *argv[1:]]


def exporter_config(groups: dict[str, tuple[int, int, int]]) -> str:
    """The exporter's resources: per place group, the console (ser2net, RFC 2217) and the agent."""
    out = []
    for group, (serial, agent, speed) in groups.items():
        out += [f"{group}:", "  NetworkSerialPort:", "    host: 127.0.0.1", f"    port: {serial}",
                f"    speed: {speed}", "    protocol: rfc2217", "  MCUForgeAgent:", "    host: 127.0.0.1",
                f"    port: {agent}"]
    return "\n".join(out) + "\n"


@contextlib.contextmanager
def farm(root: Path, places: dict[str, str]) -> Iterator[Farm]:
    """Coordinator, exporter and one agent per place (place -> board), the places created and tagged."""
    import psutil
    root.mkdir(parents=True, exist_ok=True)
    port = free_port()
    f = Farm(coordinator=f"127.0.0.1:{port}", places=dict(places), root=root)
    try:
        coord = _spawn(_local(coordinator_command(f.coordinator)), root / "coordinator.log", root)
        f.started.append(coord)
        _wait_port(port, coord, root / "coordinator.log")
        groups = {}
        for place, board in places.items():
            serial, agent = free_port(), free_port()
            log = root / f"agent-{place}.log"
            a = _spawn(_local(agent_command(board, f"127.0.0.1:{agent}", f"127.0.0.1:{serial}"))
                       + ["--workdir", str(root / place)], log, Path(__file__).resolve().parents[2])
            f.started.append(a)
            _wait_port(agent, a, log)
            groups[f"mf-{place}"] = (serial, agent, 115200)
        (root / "exporter.yaml").write_text(exporter_config(groups))
        exp = _spawn(_local(exporter_command(f.coordinator, EXPORTER_NAME, "127.0.0.1", "exporter.yaml")),
                     root / "exporter.log", root)
        f.started.append(exp)
        deadline = time.monotonic() + 60
        while True:  # the exporter has registered every group with the coordinator
            listed = f.client("resources", check=False).stdout
            if all(f"{EXPORTER_NAME}/{g}/MCUForgeAgent" in listed for g in groups):
                break
            if exp.poll() is not None or time.monotonic() > deadline:
                raise AssertionError(f"the exporter did not register: {(root / 'exporter.log').read_text()[-2000:]}")
            time.sleep(0.2)
        for place, board in places.items():
            for argv in place_commands(place, board, EXPORTER_NAME, f"mf-{place}"):
                f.client(*argv[1:])
        yield f
    finally:
        for p in f.started:
            with contextlib.suppress(psutil.Error):
                f.descendants |= {c.pid for c in psutil.Process(p.pid).children(recursive=True)}
        for p in reversed(f.started):  # exporter, agents (they stop QEMU and ser2net), coordinator
            if p.poll() is None:
                p.terminate()
            reap(p, grace=10)
