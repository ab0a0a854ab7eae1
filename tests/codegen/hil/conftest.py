"""Firmware the HIL tests share: the default model built for the host board and for the emulated
Cortex-M4 (mps2-an386), once per test session, in a private build root (other people's builds of the
same project in build/ may be relinking, or running, those very files)."""

from __future__ import annotations

import pytest

from support.firmware import built
from support.paths import DEFAULT_MODEL


@pytest.fixture(scope="session")
def hil_build_root(tmp_path_factory):
    return tmp_path_factory.mktemp("hil-build")


@pytest.fixture(scope="session")
def host_fw(hil_build_root):
    return built("host", DEFAULT_MODEL, root=hil_build_root)


@pytest.fixture(scope="session")
def an386_fw(hil_build_root):
    return built("mps2-an386", DEFAULT_MODEL, root=hil_build_root)
