"""The host kernels of every shared model and the default model, both variants (reference and the
dsp kernels' host build), run clean under AddressSanitizer and UndefinedBehaviorSanitizer
(-fno-sanitize-recover: the first finding aborts), and still match TFLM on random and extreme inputs.

The sanitized builds run in a child process started with libasan preloaded; TFLM runs here."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from codegen.debug import FLOAT_RTOL
from codegen.generate import compile_model
from codegen.host import VARIANTS, variant_target
from codegen.ir import DType
from codegen.reference import TflmReference, float_input_ranges, random_inputs
from support.paths import DEFAULT_MODEL, ROOT

RANDOM_INPUTS = 2


def _inputs(model: Path, rng: np.random.Generator) -> list[list[np.ndarray]]:
    """Random inputs, then every input at its type's minimum and at its maximum."""
    compiled = compile_model(model)
    ranges = float_input_ranges(compiled.graph)
    sets = [random_inputs(compiled.inputs, rng, ranges) for _ in range(RANDOM_INPUTS)]
    for pick in (0, 1):
        xs = []
        for t in compiled.inputs:
            if t.dtype == DType.FLOAT32:
                bound = ranges.get(t.tensor, (-1.0, 1.0))[pick]
            else:
                info = np.iinfo(t.dtype.np)
                bound = (info.min, info.max)[pick]
            xs.append(np.full(t.shape, bound, dtype=t.dtype.np))
        sets.append(xs)
    return sets


def _runtime(name: str) -> str:
    return subprocess.run(["gcc", f"-print-file-name={name}"], capture_output=True, text=True, check=True,
                          timeout=60).stdout.strip()


@pytest.mark.timeout(3600)
def test_host_kernels_run_clean_under_asan_and_ubsan(shared_models, tmp_path):
    models = [*sorted(shared_models.glob("*.tflite")), DEFAULT_MODEL]
    rng = np.random.default_rng(2024)
    jobs, expected = [], {}
    for model in models:
        sets = _inputs(model, rng)
        inputs = tmp_path / f"{model.stem}.in.npz"
        np.savez(inputs, **{f"s{s}_{i}": x for s, xs in enumerate(sets) for i, x in enumerate(xs)})
        ref = TflmReference(model)
        expected[model.stem] = [ref.run(xs) for xs in sets]
        for variant in VARIANTS:
            jobs.append({"model": str(model), "variant": variant, "inputs": str(inputs),
                         "outputs": str(tmp_path / f"{model.stem}.{variant}.out.npz")})
    job = tmp_path / "job.json"
    job.write_text(json.dumps(jobs))
    libasan = _runtime("libasan.so")
    assert Path(libasan).is_file(), "gcc's AddressSanitizer runtime is missing (Debian: libasan8)"
    env = {**os.environ, "LD_PRELOAD": libasan,
           "ASAN_OPTIONS": "detect_leaks=0:abort_on_error=1:detect_odr_violation=0",
           "UBSAN_OPTIONS": "halt_on_error=1:print_stacktrace=1"}
    res = subprocess.run([sys.executable, str(ROOT / "tests" / "support" / "sanitized_host.py"), str(job)],
                         capture_output=True, text=True, env=env, timeout=3000)
    assert res.returncode == 0, f"sanitizer finding (exit {res.returncode}):\n{res.stdout[-2000:]}\n{res.stderr[-6000:]}"
    assert res.stdout.count("clean") == len(jobs)
    for j in jobs:
        got = np.load(j["outputs"])
        for s, ys in enumerate(expected[Path(j["model"]).stem]):
            for i, y in enumerate(ys):
                g = got[f"s{s}_{i}"]
                where = f"{Path(j['model']).name} {j['variant']} input set {s} output {i}"
                if y.dtype == np.float32:
                    np.testing.assert_allclose(g, y, rtol=FLOAT_RTOL, atol=1e-6, err_msg=where)
                else:
                    assert np.array_equal(g, y), where


@pytest.mark.slow
@pytest.mark.timeout(3600)
def test_accepted_mutants_run_clean_under_asan_and_ubsan(shared_models, tmp_path):
    """The fuzzer's mutants that the validator accepts (edited options, quantisation, types, bytes)
    run clean too: a model mcuforge generates never makes a kernel compute outside C's defined
    behaviour. (A wider sweep of this kind found the dilation overflow the WINDOW rule now refuses.)"""
    from codegen.errors import McuforgeError
    from codegen.tflite import read_model_bytes
    from support.mutants import mutants

    rng = np.random.default_rng(77)
    jobs = []
    for seed_model in (DEFAULT_MODEL, shared_models / "keyword_spotting.tflite",
                       shared_models / "tflite_micro_speech.tflite"):
        kept = 0
        for k, mutant in enumerate(mutants(seed_model.read_bytes(), rng, 80)):
            if mutant.kind not in ("quant_edit", "option_edit", "type_edit", "byte_flip") or kept >= 8:
                continue
            try:
                compiled = compile_model(read_model_bytes(mutant.data))
            except McuforgeError:
                continue
            kept += 1
            path = tmp_path / f"{seed_model.stem}_m{k}.tflite"
            path.write_bytes(mutant.data)
            inputs = tmp_path / f"{path.stem}.in.npz"
            ranges = float_input_ranges(compiled.graph)
            np.savez(inputs, **{f"s{s}_{i}": x for s in range(2)
                                for i, x in enumerate(random_inputs(compiled.inputs, rng, ranges))})
            for variant in VARIANTS:
                jobs.append({"model": str(path), "variant": variant, "inputs": str(inputs),
                             "outputs": str(tmp_path / f"{path.stem}.{variant}.out.npz"), "what": str(mutant)})
    assert len(jobs) >= 20
    job = tmp_path / "job.json"
    job.write_text(json.dumps(jobs))
    env = {**os.environ, "LD_PRELOAD": _runtime("libasan.so"),
           "ASAN_OPTIONS": "detect_leaks=0:abort_on_error=1:detect_odr_violation=0",
           "UBSAN_OPTIONS": "halt_on_error=1:print_stacktrace=1"}
    res = subprocess.run([sys.executable, str(ROOT / "tests" / "support" / "sanitized_host.py"), str(job)],
                         capture_output=True, text=True, env=env, timeout=3000)
    done = res.stdout.count("clean")
    assert res.returncode == 0, f"finding in {jobs[done]['what']}:\n{res.stderr[-6000:]}"
