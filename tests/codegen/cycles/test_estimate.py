"""Windows to estimates: per span, per function, and the check against the firmware's counter."""

from __future__ import annotations

from pathlib import Path

import pytest

from codegen.cycles.costs import cost_table
from codegen.cycles.counts import EventCounts, Window
from codegen.cycles.estimate import CycleModel, check_against_counter, functions, spans
from codegen.cycles.events import Event as E
from codegen.cycles.plugin import PluginError, Probe
from codegen.hil.symbols import Symbol

KERNEL = EventCounts.of({E.MUL: 100, E.LOAD: 10, E.LOAD_PIPELINED: 30, E.BRANCH_COND: 10, E.COND_TAKEN: 9})
GLUE = EventCounts.of({E.ALU: 5, E.BRANCH: 1, E.UNCOND_TAKEN: 1})
PROBE = Probe(Path("lib.so"), Path("out"), Path("ranges"), 0x100,
              (Symbol("mf_conv", 0x200, 0x40), Symbol("invoke", 0x300, 0x20)))


def test_spans_estimate_each_window():
    t = cost_table("cortex-m4")
    [s] = spans([Window(0, ((0, KERNEL), (1, GLUE)))], t)
    # MUL 100 x 1 + LDR 10 x 2 + pipelined LDR 30 x 1 + B<cond> 10 x 1 + 9 taken x 2 = 178; glue 5 + 1 + 2 = 8
    assert s.instructions == 100 + 10 + 30 + 10 + 5 + 1 and s.cycles == 178 + 8
    assert s.classes == KERNEL + GLUE


def test_functions_are_named_and_ordered_by_estimated_cycles():
    t = cost_table("cortex-m4")
    rows = functions(Window(3, ((1, GLUE), (0, KERNEL), (2, GLUE))), PROBE, t)
    assert [(f.name, f.instructions, f.estimated_cycles) for f in rows] == [
        ("mf_conv", 150, 178), ("(outside any function)", 6, 8), ("invoke", 6, 8)]


def test_counter_agreement_within_one_tick():
    w = [Window(0, ((0, KERNEL),)), Window(1, ((0, KERNEL),))]
    check_against_counter(w, [150.0, 162.5], per_tick=12.5, what="inference")
    with pytest.raises(PluginError, match="inference 1: the cycle plugin counted 150"):
        check_against_counter(w, [150.0, 175.0], per_tick=12.5, what="inference")
    with pytest.raises(PluginError, match="saw 2 operator"):
        check_against_counter(w, [150.0], per_tick=12.5, what="operator")


def test_cycle_model_names_its_table_and_what_it_ignores():
    j = CycleModel.of(cost_table("cortex-m55")).to_json()
    assert j["label"] == "estimate" and j["file"] == "boards/timing/cortex-m55.toml"
    assert any("beat overlap" in s for s in j["ignores"])
