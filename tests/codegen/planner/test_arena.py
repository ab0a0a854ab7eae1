"""The arena planner: no two live buffers overlap; reuse makes arenas small; offsets aligned."""

from __future__ import annotations

import numpy as np
import pytest

from codegen.planner import Buffer, plan_arena
from codegen.planner.arena import ALIGN


def test_chain_reuses_memory():
    # a -> b -> c -> d: only two buffers live at a time
    bufs = [Buffer(k, 1000, i, i + 1) for i, k in enumerate("abcd")]
    plan = plan_arena(bufs)
    plan.check()
    assert plan.size <= 2 * 1008


def test_no_reuse_when_asked():
    bufs = [Buffer(k, 100, i, i + 1) for i, k in enumerate("abcd")]
    plan = plan_arena(bufs, reuse=False)
    plan.check()
    assert plan.size == 4 * 112


@pytest.mark.parametrize("seed", range(20))
def test_random_lifetimes_never_collide(seed):
    rng = np.random.default_rng(seed)
    bufs = []
    for k in range(int(rng.integers(2, 40))):
        a = int(rng.integers(0, 30))
        bufs.append(Buffer(k, int(rng.integers(1, 5000)), a, a + int(rng.integers(0, 8))))
    plan = plan_arena(bufs)
    plan.check()
    assert all(plan.offset(b.key) % ALIGN == 0 for b in bufs)
    # never worse than the peak of simultaneously live bytes by more than the sum of sizes
    assert plan.size <= sum(b.size + ALIGN for b in bufs)
    peak = max(sum(b.size for b in bufs if b.first <= t <= b.last) for t in range(40))
    assert plan.size >= peak


def test_check_catches_a_collision():
    from codegen.planner.arena import ArenaPlan
    bufs = (Buffer("a", 64, 0, 2), Buffer("b", 64, 1, 3))
    bad = ArenaPlan(offsets={"a": 0, "b": 32}, size=96, buffers=bufs)
    with pytest.raises(AssertionError, match="collide"):
        bad.check()
