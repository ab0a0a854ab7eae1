"""`pio` offline, proven: an environment in which every name lookup and outbound connection of a
Python process (pio and its SCons child) is recorded and refused."""

from __future__ import annotations

import os
import textwrap
from pathlib import Path

from codegen.pio.core import core

_GUARD = textwrap.dedent('''
    import os, socket
    _log = os.environ["MCUFORGE_NET_LOG"]
    def _record(what):
        with open(_log, "a") as f:
            f.write(what + "\\n")
    _orig_getaddrinfo = socket.getaddrinfo
    def _getaddrinfo(host, *a, **k):
        if host not in ("localhost", "127.0.0.1", "::1", None):
            _record(f"getaddrinfo {host}")
            raise OSError("network disabled by mcuforge's registry guard")
        return _orig_getaddrinfo(host, *a, **k)
    socket.getaddrinfo = _getaddrinfo
    _orig_connect = socket.socket.connect
    def _connect(self, addr):
        if isinstance(addr, tuple) and addr[0] not in ("127.0.0.1", "localhost", "::1"):
            _record(f"connect {addr}")
            raise OSError("network disabled by mcuforge's registry guard")
        return _orig_connect(self, addr)
    socket.socket.connect = _connect
''')


def offline_environ(folder: Path) -> tuple[dict[str, str], Path]:
    """The offline core's environment with the guard loaded into every Python it starts, and the log
    file where refused network use is recorded (it stays absent or empty when there was none)."""
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "sitecustomize.py").write_text(_GUARD)
    log = folder / "net.log"
    env = core().environ()
    env["PYTHONPATH"] = str(folder) + os.pathsep + env.get("PYTHONPATH", "")
    env["MCUFORGE_NET_LOG"] = str(log)
    return env, log
