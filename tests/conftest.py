"""Test-suite configuration: paths to the shared models and the repository."""

from __future__ import annotations

import os
from pathlib import Path
import pytest

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

from support.paths import SHARED_MODELS


@pytest.fixture(scope="session")
def shared_models() -> Path:
    if not SHARED_MODELS.is_dir():
        pytest.fail(f"{SHARED_MODELS} is missing: CI must check ../shared out beside the project")
    return SHARED_MODELS


@pytest.fixture(scope="session", autouse=True)
def _kernel_params_match_nn_h():
    """Every model any test compiles has each kernel call's params checked against its struct in
    nn.h (support.nn_header): a field Python forgets fails the test that compiled it."""
    import codegen.generate as generate
    from support.nn_header import model_problems

    compile_graph = generate.compile_graph

    def checked(*args, **kwargs):
        compiled = compile_graph(*args, **kwargs)
        problems = model_problems(compiled)
        if problems:
            raise AssertionError("kernel params differ from nn.h:\n  " + "\n  ".join(problems[:20]))
        return compiled

    generate.compile_graph = checked
    yield
    generate.compile_graph = compile_graph
