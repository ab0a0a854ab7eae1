"""A real OpenSSH server on loopback for the Linux-board tests: Debian's sshd, run in the foreground on
a free high port with its own host key, client key and authorized_keys in a temporary directory, no
PAM, no passwords. The tests reach "the board" through it exactly as a user reaches a Raspberry Pi,
so the deploy path (ssh, the tar copy, the supervised program) is the real one.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import socket
import subprocess
import time
from pathlib import Path
from typing import Iterator

import pytest

from codegen.hil.processes import dying_with_parent, free_port, reap
from codegen.hil.remote import SshTarget

SSHD = Path("/usr/sbin/sshd")
START_TIMEOUT_S = 30.0


def _user() -> str:
    import pwd
    return pwd.getpwuid(os.getuid()).pw_name


def _keygen(path: Path) -> None:
    subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", str(path)], check=True, timeout=60)


def require_sshd() -> None:
    if not SSHD.is_file() or shutil.which("ssh") is None:
        pytest.skip("openssh-server / openssh-client are not installed (./setup.sh installs them)")


@contextlib.contextmanager
def loopback_sshd(workdir: Path) -> Iterator[SshTarget]:
    """An sshd on 127.0.0.1:<free port> for the duration of the block; the target logs in as this user."""
    require_sshd()
    d = workdir / "sshd"
    d.mkdir(parents=True)
    _keygen(d / "host_key")
    _keygen(d / "client_key")
    shutil.copy(d / "client_key.pub", d / "authorized_keys")
    port = free_port()
    (d / "sshd_config").write_text("\n".join([
        "ListenAddress 127.0.0.1", f"Port {port}", f"HostKey {d / 'host_key'}",
        f"AuthorizedKeysFile {d / 'authorized_keys'}", "PasswordAuthentication no",
        "KbdInteractiveAuthentication no", "UsePAM no", "StrictModes no", "PermitRootLogin prohibit-password",
        "PidFile none", "LogLevel ERROR", f"SetEnv PATH={os.environ.get('PATH', '/usr/bin:/bin')}", ""]))
    if os.geteuid() == 0:
        Path("/run/sshd").mkdir(mode=0o755, exist_ok=True)  # privilege separation (the ssh service makes it)
    log = (d / "sshd.log").open("wb")
    proc = subprocess.Popen(dying_with_parent([str(SSHD), "-D", "-e", "-f", str(d / "sshd_config")]),
                            stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + START_TIMEOUT_S
        while True:
            if proc.poll() is not None:
                raise RuntimeError(f"sshd exited ({proc.returncode}): {(d / 'sshd.log').read_text()[-2000:]}")
            with socket.socket() as s:
                s.settimeout(1.0)
                if s.connect_ex(("127.0.0.1", port)) == 0:
                    break
            if time.monotonic() > deadline:
                raise RuntimeError(f"sshd did not listen on port {port} within {START_TIMEOUT_S:g} s")
            time.sleep(0.1)
        yield SshTarget(destination=f"{_user()}@127.0.0.1", port=port, key=d / "client_key",
                        known_hosts=d / "known_hosts", directory=str(d / "home"))  # not this user's ~/.cache
    finally:
        proc.terminate()
        reap(proc, grace=5)
        log.close()


def refused_target(workdir: Path) -> SshTarget:
    """A loopback port nothing listens on: ssh gets "connection refused"."""
    return SshTarget(destination=f"{_user()}@127.0.0.1", port=free_port(), known_hosts=workdir / "known_hosts",
                     connect_timeout=5)


def hardware_map(path: Path, entries: dict[str, SshTarget], python: str | None = None) -> Path:
    """A hardware map pointing each board at its SSH target (the `hwmap=` the tests pass)."""
    lines = []
    for board, t in entries.items():
        lines += ["[[target]]", f'board = "{board}"', f'ssh = "{t.destination}"']
        if t.port:
            lines.append(f"ssh_port = {t.port}")
        if t.key:
            lines.append(f'ssh_key = "{t.key}"')
        if t.known_hosts:
            lines.append(f'ssh_known_hosts = "{t.known_hosts}"')
        if t.directory != SshTarget.directory:
            lines.append(f'ssh_dir = "{t.directory}"')
        if python:
            lines.append(f'python = "{python}"')
        lines.append("")
    path.write_text("\n".join(lines))
    return path
