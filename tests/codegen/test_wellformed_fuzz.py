"""A bounded, seeded fuzzer over the shared models, the default model and the operator tests' group
models (every operator of ops-a/b/c, support.opgroups): every mutant (byte flips and
object-API edits: operator deletion, rewiring, quantisation, shapes, options, types, buffers) is either
generated (C text included) or refused with a McuforgeError; never a traceback, never a hang, and no
accepted model has broken data flow."""

from __future__ import annotations

import collections
import signal
from pathlib import Path

import numpy as np
import pytest

from codegen.emit.model import emit_model
from codegen.errors import McuforgeError
from codegen.generate import compile_model
from codegen.host import variant_target
from codegen.ir import Graph
from codegen.ir.graph import NO_TENSOR
from codegen.tflite import read_model_bytes
from codegen.wellformed import MalformedModelError
from support.mutants import MUTATIONS, mutants
from support.opgroups import write_groups
from support.paths import DEFAULT_MODEL, SHARED_MODELS

PER_MODEL = 40  # 12 seed models and 5 group models: 680 mutants, 85 of each kind
MUTANT_BOUND_S = 120  # per mutant; a typical one takes a few milliseconds


class MutantHung(Exception):
    pass


def _alarm(signum, frame):  # noqa: ARG001
    raise MutantHung()


def broken_flow(g: Graph) -> list[str]:
    """An independent oracle (not codegen.wellformed): what reads unwritten data in the main subgraph."""
    main = g.main
    out = []
    if not main.operators or not main.inputs or not main.outputs:
        out.append("no operators, inputs or outputs")
    ready = set(main.inputs) | {t.index for t in main.tensors if t.is_const or t.is_variable}
    for op in main.operators:
        out += [f"op {op.index} reads tensor {i} before anything writes it"
                for i in op.inputs if i != NO_TENSOR and i not in ready]
        ready |= set(op.outputs)
    out += [f"output {o} is never written" for o in main.outputs if o not in ready]
    return out


def _seeds(directory: Path) -> list[Path]:
    return sorted(SHARED_MODELS.glob("*.tflite")) + [DEFAULT_MODEL] + list(write_groups(directory).values())


@pytest.mark.timeout(1800)
def test_fuzz_mutants_generate_or_fail_cleanly(shared_models, tmp_path):  # noqa: ARG001
    outcomes: collections.Counter = collections.Counter()
    failures: list[str] = []
    previous = signal.signal(signal.SIGALRM, _alarm)
    try:
        for seed, path in enumerate(_seeds(tmp_path / "groups")):
            rng = np.random.default_rng(1000 + seed)
            for k, mutant in enumerate(mutants(path.read_bytes(), rng, PER_MODEL)):
                variant = ("reference", "dsp")[k % 2]
                signal.alarm(MUTANT_BOUND_S)
                try:
                    g = read_model_bytes(mutant.data, source=f"{path.stem}-mutant{k}.tflite")
                    compiled = compile_model(g, target=variant_target(variant))
                    emit_model(compiled, tmp_path / "out")
                    outcome = "generated"
                    failures += [f"{path.name} [{mutant}]: accepted with {b}" for b in broken_flow(g)]
                except MutantHung:
                    outcome = "hung"
                    failures.append(f"{path.name} [{mutant}]: still running after {MUTANT_BOUND_S} s")
                except MalformedModelError:
                    outcome = "malformed"
                except McuforgeError as exc:
                    outcome = type(exc).__name__
                except Exception as exc:  # the very thing this test hunts
                    outcome = "traceback"
                    failures.append(f"{path.name} [{mutant}]: {type(exc).__name__}: {exc}")
                finally:
                    signal.alarm(0)
                outcomes[(mutant.kind, outcome)] += 1
    finally:
        signal.signal(signal.SIGALRM, previous)
    table = "\n".join(f"  {kind:12s} {outcome:22s} {n}" for (kind, outcome), n in sorted(outcomes.items()))
    print(f"\nmutants by kind and outcome:\n{table}")
    assert not failures, "\n".join(failures[:30])
    kinds = {kind for kind, _ in outcomes}
    assert kinds == set(MUTATIONS)
    # the fuzzer must exercise both paths: models refused by the validator, models generated
    assert sum(n for (_, o), n in outcomes.items() if o == "malformed") >= 100, outcomes
    assert sum(n for (_, o), n in outcomes.items() if o == "generated") >= 30, outcomes
