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
