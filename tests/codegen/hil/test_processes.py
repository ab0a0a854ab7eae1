"""Children of the run layer die with mcuforge, and are started without running Python between fork
and exec (a forked copy of a process with gRPC's or TensorFlow's threads can die before it execs)."""

from __future__ import annotations

import os
import subprocess
import sys
import time

from codegen.hil.processes import dying_with_parent

PARENT = """
import subprocess, sys
from codegen.hil.processes import dying_with_parent
child = subprocess.Popen(dying_with_parent(["sleep", "600"]))
print(child.pid, flush=True)
sys.stdin.readline()  # live until told to go, then exit without reaping the child
"""


def _alive(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().split(")")[-1].split()[0] != "Z"
    except FileNotFoundError:
        return False


def test_a_child_dies_with_its_parent():
    root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))
    parent = subprocess.Popen([sys.executable, "-c", PARENT], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
                              cwd=root)
    assert parent.stdout is not None and parent.stdin is not None
    pid = int(parent.stdout.readline())
    assert _alive(pid)
    parent.stdin.write("go\n")
    parent.stdin.flush()
    parent.wait(timeout=60)
    deadline = time.monotonic() + 60  # bounded; the kernel sends SIGKILL at once
    while _alive(pid) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not _alive(pid)


def test_the_program_keeps_its_own_pid_and_status():
    """setpriv execs the program: the Popen's pid is the program's, its exit status comes back as is."""
    p = subprocess.Popen(dying_with_parent(["sh", "-c", "echo $$; exit 7"]), stdout=subprocess.PIPE, text=True)
    out, _ = p.communicate(timeout=60)
    assert int(out) == p.pid and p.returncode == 7
