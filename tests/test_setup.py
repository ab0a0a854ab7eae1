"""setup.sh is idempotent: on a machine that has everything, a second run finishes in seconds,
installs nothing and touches no registry (it only checks)."""

from __future__ import annotations

import subprocess
import time

from support.paths import ROOT


def test_second_setup_run_changes_nothing():
    t0 = time.monotonic()
    res = subprocess.run(["bash", str(ROOT / "setup.sh")], capture_output=True, text=True, timeout=300)
    elapsed = time.monotonic() - t0
    assert res.returncode == 0, res.stdout + res.stderr
    out = res.stdout + res.stderr
    assert "installing" not in out and "apt-get update" not in out and "creating .venv" not in out
    assert "up to date" in out and "ready:" in out
    assert elapsed < 60, f"a no-op setup took {elapsed:.0f} s"
