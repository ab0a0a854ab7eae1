"""The checks every handler shares (ops/common.py)."""

from __future__ import annotations

from codegen.ir import Operator
from codegen.ops.common import check_arity


def test_check_arity_names_counts_and_expectation():
    op = Operator(index=0, opcode="ADD", inputs=(0, 1, 2), outputs=(3,))
    assert check_arity(op, 3) == []
    assert check_arity(op) == ["3 inputs and 1 outputs (expected 2 and 1)"]
    assert check_arity(op, 3, 2) == ["3 inputs and 1 outputs (expected 3 and 2)"]
