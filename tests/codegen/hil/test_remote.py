"""Machines that run a Linux board's program: a kill by process id only hits the program while it
still runs where it was started (pids are reused: an ended program's pid may be another process's)."""

from __future__ import annotations

import subprocess

import pytest

from codegen.hil.remote import LocalMachine, kill_if_still_there


@pytest.fixture
def sleeper(tmp_path):
    (tmp_path / "deploy").mkdir()
    (tmp_path / "elsewhere").mkdir()
    p = subprocess.Popen(["sleep", "600"], cwd=tmp_path / "elsewhere")
    yield p
    p.kill()
    p.wait(timeout=30)


def test_a_pid_running_elsewhere_is_left_alone_then_killed_where_it_runs(tmp_path, sleeper):
    machine = LocalMachine(tmp_path)
    machine.kill(sleeper.pid, "deploy")  # not the program started in deploy/: someone else's process
    assert sleeper.poll() is None
    machine.kill(sleeper.pid, "elsewhere")
    assert sleeper.wait(timeout=30) == -9


def test_the_remote_command_checks_the_directory_too(tmp_path, sleeper):
    """The shell command SshMachine runs on the board, run here by sh."""
    run = LocalMachine(tmp_path).run
    assert run(kill_if_still_there(sleeper.pid, str(tmp_path / "deploy"))).returncode == 0
    assert sleeper.poll() is None
    assert run(kill_if_still_there(sleeper.pid, str(tmp_path / "elsewhere"))).returncode == 0
    assert sleeper.wait(timeout=30) == -9


def test_a_pid_that_is_gone_is_not_an_error(tmp_path):
    p = subprocess.Popen(["true"], cwd=tmp_path)
    p.wait(timeout=30)
    LocalMachine(tmp_path).kill(p.pid, ".")
    assert LocalMachine(tmp_path).run(kill_if_still_there(p.pid, str(tmp_path))).returncode == 0
