"""The operator support table: TFLM's operator list x element types beside the registry.

It is generated (codegen/support_table.py from codegen/ops/tflm_ops.toml and the handlers' `types`);
README.md's operator section must be exactly its Markdown, every type TFLM's kernel accepts must be
generated or listed as pending (issue 13's engineers at work), every pending entry must still be
pending, and nothing may be generated that TFLM does not list.
"""

from __future__ import annotations

import subprocess
import sys
import tomllib

from codegen.support_table import DATA, Cell, render_markdown, support_table
from support.paths import ROOT

BEGIN, END = "<!-- ops-table:begin -->\n", "<!-- ops-table:end -->"


def _readme_table() -> str:
    text = (ROOT / "README.md").read_text()
    return text[text.index(BEGIN) + len(BEGIN):text.index(END)]


def test_readme_operator_section_is_the_generated_table() -> None:
    want = "\n".join(render_markdown(support_table())) + "\n"
    assert _readme_table() == want, "README.md's operator table is stale: paste `python -m codegen ops --markdown`"


def test_every_type_tflm_runs_is_generated_or_pending() -> None:
    t = support_table()
    assert t.gaps() == [], f"TFLM runs these and nothing says why mcuforge does not: {t.gaps()}"
    assert t.extra == (), f"generated but not in TFLM's operator list: {t.extra}"


def test_pending_entries_are_still_pending() -> None:
    pending = tomllib.loads(DATA.read_text()).get("pending", {})
    t = support_table()
    rows = {r.op.name: r for r in t.builtins + t.customs}
    for op, types in pending.items():
        assert op in rows, f"[pending] names {op}, which is not a TFLM operator"
        for ty in types:
            cell = rows[op].cells[t.columns.index(ty)]
            assert cell == Cell.PENDING, f"{op} {ty} is {cell.name} now: remove it from [pending] in {DATA.name}"


def test_tflm_rejections_carry_their_reason() -> None:
    t = support_table()
    for r in t.builtins:
        if Cell.REJECTED in r.cells:
            assert "TFLM" in r.notes, r.op.name
    abs_row = next(r for r in t.builtins if r.op.name == "ABS")
    assert "elementwise.cc takes float32, int8, int16 only" in abs_row.notes


def test_the_cli_prints_the_table() -> None:
    out = subprocess.run([sys.executable, "-m", "codegen", "ops", "--markdown"], capture_output=True, text=True,
                         timeout=120, cwd=ROOT, check=True).stdout
    assert out == "\n".join(render_markdown(support_table())) + "\n"
    text = subprocess.run([sys.executable, "-m", "codegen", "ops"], capture_output=True, text=True, timeout=120,
                          cwd=ROOT, check=True).stdout
    assert "UNIDIRECTIONAL_SEQUENCE_LSTM" in text and "TFLM builtins generated in every type" in text
