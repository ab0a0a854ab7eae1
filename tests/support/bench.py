"""What the committed BENCHMARKS.md states, for tests that measure the same thing afresh."""

from __future__ import annotations

import re

from support.paths import ROOT


def committed_counts(model: str, board: str) -> tuple[int, int]:
    """The instructions and estimated cycles BENCHMARKS.md states for a model on a board (its first
    per-core table row)."""
    text = (ROOT / "BENCHMARKS.md").read_text()
    m = re.search(rf"^\| {re.escape(model)} \| {re.escape(board)} \| - \| [\d,]+ \| ([\d,]+) \| ([\d,]+) \|", text,
                  flags=re.M)
    assert m, f"BENCHMARKS.md has no row for {model} on {board}: regenerate it with `scons bench`"
    return int(m.group(1).replace(",", "")), int(m.group(2).replace(",", ""))


def committed_instructions(model: str, board: str) -> int:
    """The instructions alone (the column after MACs, with or without the estimated cycles beside it)."""
    text = (ROOT / "BENCHMARKS.md").read_text()
    m = re.search(rf"^\| {re.escape(model)} \| {re.escape(board)} \| - \| [\d,]+ \| ([\d,]+) \|", text, flags=re.M)
    assert m, f"BENCHMARKS.md has no row for {model} on {board}: regenerate it with `scons bench`"
    return int(m.group(1).replace(",", ""))
