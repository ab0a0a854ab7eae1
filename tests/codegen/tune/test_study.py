"""The study on the emulated STM32L475 (QEMU), through the command line, bounded: a tiny space, three
trials of one epoch each, a small validation set.

* the search: trials measured on the board (accuracy on device, bit-exact with TFLM, instructions,
  flash, peak RAM), the Pareto front, tune.json, the Markdown/HTML report and its plot, --export;
* resume: the study's process is killed (SIGKILL, its whole process group) while a trial runs; run
  again, it keeps the finished trial as it was, runs the interrupted one again and ends with three;
* budget rejection: a model that cannot fit the board and one over the RAM budget are rejected
  without a build, and a budget nothing meets is an error saying so.
"""

from __future__ import annotations

import json
import os
import select
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

from support.paths import ROOT

pytestmark = pytest.mark.qemu
TIMEOUT = 900


def digits(out: Path, n_train: int = 600, n_val: int = 40) -> tuple[Path, Path]:
    from sklearn.datasets import load_digits
    d = load_digits()
    x = (d.images.astype(np.float32) / 16.0)[..., None]
    order = np.random.default_rng(1234).permutation(len(x))
    x, y = x[order], d.target[order]
    np.savez(out / "train.npz", x=x[n_val:n_val + n_train], y=y[n_val:n_val + n_train])
    np.savez(out / "val.npz", x=x[:n_val], y=y[:n_val])
    return out / "train.npz", out / "val.npz"


def tune_cmd(space: Path, train: Path, val: Path, study: Path, *extra: str) -> list[str]:
    return [sys.executable, "-m", "codegen", "tune", "--space", str(space), "--data", str(train), "--val", str(val),
            "--study", str(study), *extra]


def env() -> dict[str, str]:
    return {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3", "PYTHONUNBUFFERED": "1"}


def study_trials(study: Path, name: str):
    import optuna
    optuna.logging.set_verbosity(optuna.logging.WARNING)
    return optuna.load_study(study_name=name, storage=f"sqlite:///{study / 'study.db'}").get_trials()


def run_until(cmd: list[str], marker: str, deadline_s: float) -> tuple[subprocess.Popen, str]:
    """Start `cmd` in its own process group and read its output until a line contains `marker`."""
    p = subprocess.Popen(cmd, cwd=ROOT, env=env(), stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                         start_new_session=True)
    seen = []
    end = time.monotonic() + deadline_s
    assert p.stdout is not None
    while time.monotonic() < end:
        ready, _, _ = select.select([p.stdout], [], [], 5.0)
        if not ready:
            continue
        line = p.stdout.readline()
        if not line:
            break
        seen.append(line)
        if marker in line:
            return p, "".join(seen)
    os.killpg(p.pid, signal.SIGKILL)
    p.wait(timeout=60)
    raise AssertionError(f"{marker!r} not seen within {deadline_s:.0f} s:\n" + "".join(seen)[-4000:])


def test_search_interrupted_and_resumed_then_reported_and_exported(tmp_path):
    train, val = digits(tmp_path)
    space = tmp_path / "mlp.toml"
    space.write_text('family = "mlp"\n[params]\nunits = { choices = [8, 16] }\nlearning_rate = 0.01\n'
                     '[train]\nepochs = 1\npatience = 1\n')
    study = tmp_path / "study"
    cmd = tune_cmd(space, train, val, study, "--trials", "3")
    # the first run: kill its process group (SIGKILL: no handler runs) as soon as trial 1 has started
    p, out = run_until(cmd, "trial 1:", TIMEOUT)
    os.killpg(p.pid, signal.SIGKILL)
    p.wait(timeout=60)
    assert "1/3 trial 0 (" in out, out
    import optuna
    before = {t.number: t for t in study_trials(study, "mlp")}
    assert before[0].state == optuna.trial.TrialState.COMPLETE
    assert before[1].state == optuna.trial.TrialState.RUNNING
    record0 = before[0].user_attrs["mcuforge.record"]

    res = subprocess.run(cmd, cwd=ROOT, env=env(), capture_output=True, text=True, timeout=TIMEOUT)
    assert res.returncode == 0, res.stdout[-4000:] + res.stderr[-4000:]
    assert "1 finished trial in sqlite:///" in res.stdout and "resuming" in res.stdout
    assert "trial 1 was interrupted" in res.stdout and "running it again" in res.stdout
    after = {t.number: t for t in study_trials(study, "mlp")}
    assert after[0].user_attrs["mcuforge.record"] == record0           # the finished trial, untouched
    # the budgets reach the sampler as named constraints (value - limit, <= 0 within)
    assert set(after[0].constraints) == {"0:ram_kb", "1:flash_kb"} and max(after[0].constraints.values()) < 0
    assert after[1].state == optuna.trial.TrialState.FAIL and after[1].user_attrs["mcuforge.interrupted"]
    retry = [t for t in after.values() if t.user_attrs.get("mcuforge.retry_of") == 1]
    assert len(retry) == 1 and retry[0].params == before[1].params       # run again with the same values

    d = json.loads((study / "tune.json").read_text())
    measured = [t for t in d["trials"] if t["state"] == "measured"]
    assert len(measured) == 3 and d["requested"] == 3
    for t in measured:
        assert t["bit_exact"] and t["unit"] == "instructions" and t["samples"] == 40
        assert 0.0 <= t["accuracy"] <= 1.0 and t["latency"] > 0 and t["latency_ms"] > 0
        assert t["flash_bytes"] > 10_000 and t["ram_bytes"] > 1_000 and t["params"]["units"] in (8, 16)
        assert set(t["stages"]) == {"train", "quantise", "generate", "build", "run"}
    assert [t["state"] for t in d["trials"] if t["number"] == 1] == ["failed"]
    front = d["pareto_front"]
    assert front and set(front) <= {t["number"] for t in measured}
    assert d["budget"] == [{"objective": "ram_kb", "value": 128.0, "source": "board stm32l475"},
                           {"objective": "flash_kb", "value": 1024.0, "source": "board stm32l475"}]

    md = (study / "tune.md").read_text()
    assert "## Pareto front" in md and "| trial | parameters | flash | peak RAM | latency | accuracy on device | " \
                                         "float accuracy |" in md
    assert all(f"| {n} | units=" in md for n in front) and "![accuracy against latency and peak RAM](tune.png)" in md
    page = (study / "tune.html").read_text()
    assert 'id="pareto"' in page and 'id="trials"' in page and 'src="data:image/png;base64,' in page
    assert "http://" not in page and "https://" not in page and "<script" not in page
    assert (study / "tune.png").stat().st_size > 10_000

    # --export from the study alone
    res = subprocess.run([sys.executable, "-m", "codegen", "tune", "--study", str(study), "--export", "best"],
                         cwd=ROOT, env=env(), capture_output=True, text=True, timeout=300)
    assert res.returncode == 0, res.stdout + res.stderr
    from codegen.origin import VariantKind, read_origin
    from codegen.tune.progress import best_of
    from codegen.tune.records import read_result
    best = best_of(read_result(study / "tune.json").trials)
    exported = study / "export" / f"trial{best.number}_int8.tflite"
    assert read_origin(exported).kind == VariantKind.QUANTISED
    assert read_origin(exported.with_name(f"trial{best.number}_f32.tflite")).kind == VariantKind.ORIGINAL
    assert (study / "export" / f"trial{best.number}.keras").is_file()
    with np.load(exported.with_suffix(".samples.npz")) as s:
        assert s["x"].shape == (40, 8, 8, 1) and len(s["y"]) == 40
    assert f"model={exported} run" in res.stdout


def test_models_that_cannot_fit_are_rejected_without_a_build(tmp_path):
    rng = np.random.default_rng(0)
    np.savez(tmp_path / "train.npz", x=rng.random((16, 48, 48), np.float32), y=np.arange(16) % 2)
    np.savez(tmp_path / "val.npz", x=rng.random((4, 48, 48), np.float32), y=np.arange(4) % 2)
    space = tmp_path / "wide.toml"
    space.write_text('family = "mlp"\n[params]\nunits = { choices = [8, 2048] }\n[train]\nepochs = 1\nholdout = 0.0\n')
    study = tmp_path / "study"
    study.mkdir()
    import optuna
    optuna.logging.set_verbosity(optuna.logging.WARNING)
    # the two models, queued (as a user may queue points to try first): 2304 x 2048 int8 weights (4.5 MB) cannot
    # fit the board's 1 MB of flash; 8 units would, but not a 5 KB RAM budget (its peak RAM: the 48x48 input in
    # the arena and the stack)
    s = optuna.create_study(study_name="wide", storage=f"sqlite:///{study / 'study.db'}",
                            directions=["maximize", "minimize", "minimize", "minimize"])
    s.enqueue_trial({"units": 2048})
    s.enqueue_trial({"units": 8})
    res = subprocess.run(tune_cmd(space, tmp_path / "train.npz", tmp_path / "val.npz", study, "--trials", "2",
                                  "--budget", "ram_kb=5"),
                         cwd=ROOT, env=env(), capture_output=True, text=True, timeout=TIMEOUT)
    assert res.returncode == 2, res.stdout[-3000:] + res.stderr[-3000:]
    assert "error: no trial meets the budget" in res.stderr and "Traceback" not in res.stderr
    assert "all 2 trials were rejected before their build" in res.stderr
    d = json.loads((study / "tune.json").read_text())
    by = {t["params"]["units"]: t for t in d["trials"]}
    assert by[2048]["state"] == "rejected" and "does not fit stm32l475" in by[2048]["reason"]
    assert "flash: needs" in by[2048]["reason"]
    assert by[8]["state"] == "rejected" and "RAM: its peak RAM is" in by[8]["reason"]
    assert "over ram_kb=5 (--budget)" in by[8]["reason"]
    assert all(t["flash_bytes"] is None and "build" not in t["stages"] for t in d["trials"])
    slot = study / "build" / "slot-0"
    assert not (slot / ".pio").exists() and not (slot / "firmware.elf").exists()   # nothing was compiled
    assert "No trial within budget." in (study / "tune.md").read_text()
