"""Budgets, the Pareto front over the four measured objectives, what an unreachable budget misses by,
and tune.json's records round trip."""

from __future__ import annotations

import pytest

from codegen.errors import McuforgeError
from codegen.tune.records import (Limit, Objective, TrialRecord, TrialState, TuneResult, dominates, limits_for,
                                  out_of_reach, pareto_front, parse_budget)


def measured(n, acc, ms, ram_kb, flash_kb, **kw):
    return TrialRecord(n, TrialState.MEASURED, params=(("width", 0.5),), accuracy=acc, latency_ms=ms,
                       ram_bytes=int(ram_kb * 1024), flash_bytes=int(flash_kb * 1024), **kw)


def test_budget_parsing_and_the_boards_defaults():
    given = parse_budget("ram_kb=64, latency_ms=2.5")
    assert given == (Limit(Objective.LATENCY, 2.5, "--budget"), Limit(Objective.RAM, 64.0, "--budget"))
    lim = limits_for("stm32l475", 1024 * 1024, 128 * 1024, given)
    assert {(x.objective, x.value, x.source) for x in lim} == {
        (Objective.LATENCY, 2.5, "--budget"), (Objective.RAM, 64.0, "--budget"),
        (Objective.FLASH, 1024.0, "board stm32l475")}
    # a --budget looser than the board keeps the board's
    assert limits_for("b", 1024, 2048, parse_budget("flash_kb=5"))[1] == Limit(Objective.FLASH, 1.0, "board b")


@pytest.mark.parametrize("text, says", [("ram=64", "'ram=64' is not a budget"), ("ram_kb=-1", "not a number > 0"),
                                        ("accuracy=0.9", "not a budget"), ("ram_kb=1,ram_kb=2", "given twice"),
                                        ("", "empty")])
def test_a_bad_budget_is_refused(text, says):
    with pytest.raises(McuforgeError) as e:
        parse_budget(text)
    assert says in e.value.message and ("latency_ms" in e.value.hint or "each" in e.value.hint or "2.5" in e.value.hint)


def test_pareto_front_keeps_the_trials_no_other_beats_on_all_four():
    a = measured(0, 0.95, 1.0, 8, 30)
    b = measured(1, 0.90, 0.5, 6, 25)      # faster, smaller, less accurate: on the front
    c = measured(2, 0.90, 1.2, 9, 31)      # dominated by a
    d = measured(3, 0.97, 2.0, 12, 40)     # most accurate: on the front
    e = measured(4, 0.99, 0.1, 1, 1, violations=("latency_ms 0.1 > 0.05 (--budget)",))  # over budget: left out
    r = TrialRecord(5, TrialState.REJECTED, reason="does not fit")
    assert dominates(a.values(), c.values()) and not dominates(a.values(), b.values())
    assert [t.number for t in pareto_front([a, b, c, d, e, r])] == [0, 1, 3]
    same = measured(6, 0.95, 1.0, 8, 30)   # equal values dominate neither way: both stay
    assert [t.number for t in pareto_front([a, same])] == [0, 6]


def test_an_unreachable_budget_says_which_objective_and_by_how_much():
    trials = [measured(0, 0.9, 1.0, 8, 30), measured(1, 0.8, 0.6, 7, 20)]
    limits = (Limit(Objective.LATENCY, 0.25, "--budget"), Limit(Objective.FLASH, 1024, "board b"))
    trials = [t.with_violations(limits) for t in trials]
    lines = out_of_reach(trials, limits)
    assert len(lines) == 1 and lines[0].startswith("latency_ms=0.25 (--budget) is out of reach: the best of 2 measured")
    assert "reached 0.6 ms (trial 1), 0.35 ms (2.40x) over" in lines[0]
    # each limit alone met by one trial, none meets both
    limits = (Limit(Objective.LATENCY, 0.7, "--budget"), Limit(Objective.RAM, 7.5, "--budget"))
    trials = [measured(0, 0.9, 0.6, 8, 30), measured(1, 0.8, 0.8, 7, 20)]
    lines = out_of_reach([t.with_violations(limits) for t in trials], limits)
    assert "no trial meets all of them" in lines[0] and "ram_kb 8 > 7.5" in lines[0]
    # within budget: nothing to say
    assert out_of_reach([measured(0, 0.9, 0.1, 1, 1)], limits) == ()
    # nothing measured: the rejections' reasons
    rej = [TrialRecord(0, TrialState.REJECTED, reason="flash: its weights ... alone are 9.1 KB, over flash_kb=1")]
    assert "all 1 trials were rejected before their build: flash: its weights" in out_of_reach(
        rej, (Limit(Objective.FLASH, 1, "--budget"),))[0]


def test_records_round_trip_through_json(tmp_path):
    from codegen.tune.records import read_result, write_result
    t = measured(3, 0.9, 1.0, 8, 30, float_accuracy=0.92, stages=(("train", 1.5), ("build", 2.0)),
                 violations=("x",), distilled=True)
    assert TrialRecord.from_json(t.as_json()) == t
    r = TuneResult(study="s", storage="sqlite:///x", directory=tmp_path, space=tmp_path / "s.toml", family="mlp",
                   searched=(("units", "8..64"),), board="stm32l475", train=tmp_path / "t.npz", val=tmp_path / "v.npz",
                   train_samples=10, val_samples=5, classes=3, teacher=None, teacher_accuracy=None,
                   limits=(Limit(Objective.RAM, 64.0, "--budget"),), trials=(t,), requested=3)
    back = read_result(write_result(r, tmp_path / "tune.json"))
    assert back.trials == (t,) and back.limits == r.limits and back.searched == r.searched
