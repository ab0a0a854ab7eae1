"""TFLM's interpreter in its worker process: the same outputs as before, workers reused across models,
and every way it can fail (an error, a crash, a hang, too little memory) a TflmError naming the
model, with this process unharmed."""

from __future__ import annotations

import os
import signal

import numpy as np
import pytest

import codegen.reference as reference
from codegen.debug import debug_model
from codegen.generate import compile_model
from codegen.reference import DEFAULT_ARENA, TflmError, TflmReference, arena_for, random_inputs
from codegen.tflite import read_model_bytes
from support.paths import DEFAULT_MODEL
from support.tflite_build import Spec, single_op


@pytest.fixture(scope="module")
def digits():
    return compile_model(DEFAULT_MODEL)


def test_outputs_and_reset(digits):
    xs = random_inputs(digits.inputs, np.random.default_rng(1))
    with TflmReference(DEFAULT_MODEL) as ref:
        first = ref.run(xs)
        ref.reset()
        assert [a.tolist() for a in ref.run(xs)] == [a.tolist() for a in first]
        assert first[0].dtype == np.int8 and first[0].shape == (1, 10)


def test_a_dropped_reference_gives_its_worker_to_the_next_model():
    ref = TflmReference(DEFAULT_MODEL)
    pid = ref._worker.proc.pid
    del ref  # the finalizer returns the worker to the idle pool
    again = TflmReference(DEFAULT_MODEL)
    assert again._worker.proc.pid == pid
    again.close()


def test_a_crash_is_an_error_naming_the_model(digits):
    ref = TflmReference(DEFAULT_MODEL)
    os.kill(ref._worker.proc.pid, signal.SIGSEGV)
    with pytest.raises(TflmError, match=r"crashed \(killed by SIGSEGV\) running digits_cnn.tflite"):
        ref.run(random_inputs(digits.inputs, np.random.default_rng(0)))
    with pytest.raises(TflmError, match="closed"):
        ref.run([])


def test_a_hang_is_bounded(digits):
    ref = TflmReference(DEFAULT_MODEL, invoke_timeout=1.0)
    worker = ref._worker.proc
    os.kill(worker.pid, signal.SIGSTOP)  # a worker that never answers
    try:
        with pytest.raises(TflmError, match="did not finish running digits_cnn.tflite within 1 s"):
            ref.run(random_inputs(digits.inputs, np.random.default_rng(0)))
    finally:
        if worker.poll() is None:
            os.kill(worker.pid, signal.SIGCONT)
    assert worker.poll() is not None  # killed and reaped, not left stopped


def test_an_arena_tflm_rejects_is_an_error_not_a_dead_process():
    """TFLM may raise or segfault on a too-small arena: either way a TflmError, and we carry on."""
    with pytest.raises(TflmError, match="digits_cnn.tflite"):
        TflmReference(DEFAULT_MODEL, arena_size=256)
    assert TflmReference(DEFAULT_MODEL).run([np.zeros((1, 8, 8, 1), np.int8)])[0].shape == (1, 10)


def test_too_little_memory_is_an_error(monkeypatch):
    monkeypatch.setattr(reference, "BASE_MEMORY", 64 << 20)  # below what Python and TFLM need
    monkeypatch.setattr(reference, "_IDLE", [])
    with pytest.raises(TflmError, match="digits_cnn.tflite"):
        TflmReference(DEFAULT_MODEL, arena_size=DEFAULT_ARENA)


def _big_add() -> bytes:
    """ADD of two float32 [1, 512, 512, 8] tensors: 24 MiB of activations, three times the 8 MiB
    arena mcuforge used to give TFLM."""
    s = Spec((1, 512, 512, 8), "float32")
    return single_op("ADD", [s, s], [s], "AddOptions")


def test_the_arena_follows_the_model():
    graph = read_model_bytes(_big_add(), source="big_add.tflite")
    assert arena_for(graph) >= 2 * 3 * 512 * 512 * 8 * 4
    assert arena_for(read_model_bytes(DEFAULT_MODEL.read_bytes())) == DEFAULT_ARENA


def test_debug_runs_a_model_larger_than_the_old_fixed_arena():
    """`python -m codegen debug` on a model whose tensors need more than 8 MiB with every tensor
    kept: TFLM's arena is sized to the model, and every intermediate tensor matches."""
    rep = debug_model(_big_add(), samples=1, name="big_add")
    assert rep.ok and rep.compared == 1
    with pytest.raises(TflmError, match="big_add.tflite"):  # the old fixed arena: refused, cleanly
        TflmReference(_big_add(), arena_size=DEFAULT_ARENA, preserve_all=True, name="big_add.tflite")
