"""README.md's export example (keyword_spotting for the STM32L475 as a CMake package: the command's
output, the CMake lines, the ten lines of C) is scripts/readme_export.py's rendering of a real export:
this fails when they drift (`.venv/bin/python scripts/readme_export.py --write` renews it)."""

from __future__ import annotations

import importlib.util

from support.paths import ROOT


def test_readme_export_example_is_current():
    spec = importlib.util.spec_from_file_location("readme_export", ROOT / "scripts" / "readme_export.py")
    assert spec and spec.loader
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    rendered = mod.render()
    assert mod.block((ROOT / "README.md").read_text()) == rendered, \
        "README.md's export example is stale: run .venv/bin/python scripts/readme_export.py --write"
    assert "mcuforge::keyword_spotting" in rendered and "keyword_spotting_invoke()" in rendered
