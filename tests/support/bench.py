"""What the committed BENCHMARKS.md states, for tests that measure the same thing afresh."""

from __future__ import annotations

import re

from support.paths import ROOT


def committed_instructions(model: str, board: str) -> int:
    """The instructions alone (the column after MACs, with or without the estimated cycles beside it)."""
    text = (ROOT / "BENCHMARKS.md").read_text()
    m = re.search(rf"^\| {re.escape(model)} \| {re.escape(board)} \| - \| [\d,]+ \| ([\d,]+) \|", text, flags=re.M)
    assert m, f"BENCHMARKS.md has no row for {model} on {board}: regenerate it with `scons bench`"
    return int(m.group(1).replace(",", ""))
