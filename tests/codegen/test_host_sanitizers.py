"""The host kernels of every shared model, the default model and the operator tests' group models
(every operator of ops-a/b/c, support.opgroups), both variants (reference and the dsp kernels' host
build), run clean under AddressSanitizer and UndefinedBehaviorSanitizer (-fno-sanitize-recover: the
first finding aborts), and still match TFLM on their inputs; every input at its type's minimum and at
its maximum must run clean too.

The sanitized builds run in a child process started with libasan preloaded; TFLM runs here."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pytest

from codegen.debug import FLOAT_RTOL
from codegen.generate import compile_model
from codegen.host import VARIANTS
from codegen.ir import DType
from codegen.lowering import CompiledModel
from codegen.reference import TflmReference, float_input_ranges, random_inputs
from support.paths import DEFAULT_MODEL, ROOT
from support.tflite_build import Spec, single_op

RANDOM_INPUTS = 2
GROUP_INPUTS = 3


def extremes(compiled: CompiledModel) -> list[list[np.ndarray]]:
    """Every input at its type's minimum, then every input at its maximum (floats: their range)."""
    ranges = float_input_ranges(compiled.graph)
    sets = []
    for pick in (0, 1):
        xs = []
        for t in compiled.inputs:
            if t.dtype == DType.FLOAT32:
                bound = ranges.get(t.tensor, (-1.0, 1.0))[pick]
            elif t.dtype == DType.BOOL:
                bound = bool(pick)
            else:
                info = np.iinfo(t.dtype.np)
                bound = (info.min, info.max)[pick]
            xs.append(np.full(t.shape, bound, dtype=t.dtype.np))
        sets.append(xs)
    return sets


@dataclass
class Jobs:
    """Models to run sanitized: the input sets of each, and TFLM's outputs for the first `compared`."""

    directory: Path
    jobs: list[dict] = field(default_factory=list)
    expected: dict[str, list[list[np.ndarray]]] = field(default_factory=dict)

    def add(self, model: Path, sets: list[list[np.ndarray]], compared: int, what: str = "",
            variants: tuple[str, ...] = tuple(VARIANTS)) -> None:
        inputs = self.directory / f"{model.stem}.in.npz"
        np.savez(inputs, **{f"s{s}_{i}": x for s, xs in enumerate(sets) for i, x in enumerate(xs)})
        if compared:
            with TflmReference(model) as ref:
                self.expected[model.stem] = [ref.run(xs) for xs in sets[:compared]]
        for variant in variants:
            self.jobs.append({"model": str(model), "variant": variant, "inputs": str(inputs),
                              "outputs": str(self.directory / f"{model.stem}.{variant}.out.npz"),
                              "what": what or model.name})

    def run(self) -> None:
        """All jobs in one sanitized child; then every compared output against TFLM's."""
        job = self.directory / "job.json"
        job.write_text(json.dumps(self.jobs))
        libasan = _runtime("libasan.so")
        assert Path(libasan).is_file(), "gcc's AddressSanitizer runtime is missing (Debian: libasan8)"
        env = {**os.environ, "LD_PRELOAD": libasan,
               "ASAN_OPTIONS": "detect_leaks=0:abort_on_error=1:detect_odr_violation=0",
               "UBSAN_OPTIONS": "halt_on_error=1:print_stacktrace=1"}
        res = subprocess.run([sys.executable, str(ROOT / "tests" / "support" / "sanitized_host.py"), str(job)],
                             capture_output=True, text=True, env=env, timeout=3000)
        done = res.stdout.count("clean")
        where = self.jobs[done]["what"] + " " + self.jobs[done]["variant"] if done < len(self.jobs) else "?"
        assert res.returncode == 0, f"sanitizer finding in {where} (exit {res.returncode}):\n{res.stderr[-6000:]}"
        assert done == len(self.jobs)
        for j in self.jobs:
            got = np.load(j["outputs"])
            for s, ys in enumerate(self.expected.get(Path(j["model"]).stem, [])):
                for i, y in enumerate(ys):
                    g = got[f"s{s}_{i}"]
                    where = f"{Path(j['model']).name} {j['variant']} input set {s} output {i}"
                    if y.dtype == np.float32:
                        np.testing.assert_allclose(g, y, rtol=FLOAT_RTOL, atol=1e-6, err_msg=where)
                    else:
                        assert np.array_equal(g, y), where


def _runtime(name: str) -> str:
    return subprocess.run(["gcc", f"-print-file-name={name}"], capture_output=True, text=True, check=True,
                          timeout=60).stdout.strip()


@pytest.mark.timeout(3600)
def test_host_kernels_run_clean_under_asan_and_ubsan(shared_models, tmp_path):
    rng = np.random.default_rng(2024)
    jobs = Jobs(tmp_path)
    for model in [*sorted(shared_models.glob("*.tflite")), DEFAULT_MODEL]:
        compiled = compile_model(model)
        ranges = float_input_ranges(compiled.graph)
        sets = [random_inputs(compiled.inputs, rng, ranges) for _ in range(RANDOM_INPUTS)] + extremes(compiled)
        jobs.add(model, sets, compared=len(sets))
    jobs.run()


@pytest.mark.timeout(3600)
def test_operator_groups_run_clean_under_asan_and_ubsan(tmp_path):
    """Every operator the operator tests cover (one model per family), on the inputs those tests
    compare with TFLM, then at every input type's extremes (where TFLM's result may be undefined,
    e.g. shapes BROADCAST_ARGS cannot broadcast: only sanitizer-clean is asked of those)."""
    from codegen.tflite import read_model_bytes
    from support.opgroups import GROUPS, write_groups

    rng = np.random.default_rng(7)
    paths = write_groups(tmp_path / "groups")
    jobs = Jobs(tmp_path)
    for g in GROUPS:
        compiled = compile_model(read_model_bytes(paths[g.name].read_bytes(), source=paths[g.name].name))
        own = g.inputs(GROUP_INPUTS) if g.inputs else [random_inputs(compiled.inputs, rng)
                                                       for _ in range(GROUP_INPUTS)]
        own = [[np.asarray(x, dtype=t.dtype.np).reshape(t.shape) for x, t in zip(xs, compiled.inputs)] for xs in own]
        jobs.add(paths[g.name], own + extremes(compiled), compared=len(own) if g.comparable else 0, what=g.name)
    # int8 DIV, every dividend over every divisor: small dividends over large divisors ask TFLM's
    # arithmetic for shifts past 31 bits (UBSan's first finding in the group above); still TFLM's numbers
    values = np.arange(-128, 128, dtype=np.int8)
    divisors = values[values != 5]
    div = tmp_path / "div_every_pair.tflite"
    div.write_bytes(single_op("DIV", [Spec((1, 256, 1), "int8", 0.05, 3), Spec((1, 1, divisors.size), "int8", 0.07, 5)],
                              [Spec((1, 256, divisors.size), "int8", 0.1, -2)], "DivOptions"))
    jobs.add(div, [[values.reshape(1, 256, 1), divisors.reshape(1, 1, -1)]], compared=1)
    jobs.run()


@pytest.mark.slow
@pytest.mark.timeout(3600)
def test_accepted_mutants_run_clean_under_asan_and_ubsan(shared_models, tmp_path):
    """The fuzzer's mutants that the validator accepts (edited options, quantisation, types, bytes)
    run clean too: a model mcuforge generates never makes a kernel compute outside C's defined
    behaviour. (A wider sweep of this kind found the dilation overflow the WINDOW rule now refuses.)"""
    from codegen.errors import McuforgeError
    from codegen.tflite import read_model_bytes
    from support.mutants import mutants
    from support.opgroups import write_groups

    rng = np.random.default_rng(77)
    jobs = Jobs(tmp_path)
    seeds = [DEFAULT_MODEL, shared_models / "keyword_spotting.tflite", shared_models / "tflite_micro_speech.tflite",
             *write_groups(tmp_path / "groups").values()]
    for seed_model in seeds:
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
            ranges = float_input_ranges(compiled.graph)
            jobs.add(path, [random_inputs(compiled.inputs, rng, ranges) for _ in range(2)] + extremes(compiled),
                     compared=0, what=f"{path.name} ({mutant})")
    assert len(jobs.jobs) >= 40
    jobs.run()


@pytest.mark.slow
@pytest.mark.timeout(3600)
def test_cached_operator_models_run_clean_under_asan_and_ubsan(tmp_path):
    """Every per-operator model the operator tests converted with TensorFlow (.cache/testmodels,
    several hundred; run the operator tests first) that mcuforge generates, reference kernels, on a
    random input set and at every input type's extremes."""
    from codegen.errors import McuforgeError
    from support.tfmodels import CACHE

    models = sorted(CACHE.glob("*.tflite"))
    if len(models) < 50:
        pytest.skip(f"{len(models)} models in {CACHE}: run the operator tests (tests/codegen/ops) first")
    rng = np.random.default_rng(3)
    jobs = Jobs(tmp_path)
    for model in models:
        try:
            compiled = compile_model(model)
        except McuforgeError:  # unsupported on purpose (the operator tests' refusal cases)
            continue
        sets = [random_inputs(compiled.inputs, rng, float_input_ranges(compiled.graph))] + extremes(compiled)
        jobs.add(model, sets, compared=0, variants=("reference",))
    assert len(jobs.jobs) >= len(models) // 2
    jobs.run()
