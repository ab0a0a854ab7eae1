"""Tests whose models need operators another engineer is still adding (issue 13).

``skip_if_pending(model)`` skips when the model uses an operator x type that codegen/ops/tflm_ops.toml
lists under [pending]. The support-table test fails as soon as a pending entry is generated (the
entry must then go), so such a skip cannot outlive the missing operator."""

from __future__ import annotations

import pytest

from codegen.ir.graph import NO_TENSOR
from codegen.support_table import Cell, support_table
from codegen.tflite import read_model_bytes


def pending_in(model: bytes) -> list[str]:
    t = support_table()
    rows = {r.op.registry_name: r for r in t.builtins + t.customs}
    out = []
    for sg in read_model_bytes(model).subgraphs:
        for op in sg.operators:
            row = rows.get(op.opcode)
            ins = [sg.tensors[i] for i in op.inputs if i != NO_TENSOR]
            if row is None or not ins:
                continue
            ty = ins[0].dtype.name.lower()
            if ty in t.columns and row.cells[t.columns.index(ty)] == Cell.PENDING:
                out.append(f"{op.opcode} {ty}")
    return sorted(set(out))


def skip_if_pending(model: bytes) -> None:
    missing = pending_in(model)
    if missing:
        pytest.skip("needs " + ", ".join(missing) + " (pending in codegen/ops/tflm_ops.toml: issue 13)")
