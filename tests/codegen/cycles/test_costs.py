"""Cost tables (boards/timing/) and the arithmetic of the estimate."""

from __future__ import annotations

import pytest

from codegen.boards.cores import CORES
from codegen.cycles.costs import CostTableError, cost_table, parse_cost_table, TIMING_DIR
from codegen.cycles.counts import EventCounts
from codegen.cycles.events import EVENTS, Event as E

M4_LOOP = {E.ALU: 50, E.LOAD: 10, E.LOAD_PIPELINED: 10, E.STORE_PIPELINED: 10, E.LOAD_DUAL: 10, E.STORE_DUAL: 10,
           E.LOAD_MULTIPLE: 20, E.STORE_MULTIPLE: 10, E.MUL: 20, E.MUL_LONG: 10, E.DIV: 10, E.FP_MOVE: 10, E.FP: 10,
           E.FP_MAC: 10, E.FP_DIV: 10, E.FP_LOAD: 20, E.FP_STORE: 20, E.BRANCH_COND: 20, E.BRANCH: 22,
           E.LDM_REGS: 50, E.STM_REGS: 20, E.FP_LOAD_WORDS: 50, E.FP_STORE_WORDS: 50, E.UNCOND_TAKEN: 22,
           E.COND_TAKEN: 9}   # tests/fixtures/cycles/counts_m4.S, as the plugin counts it


def test_cortex_m4_estimate_of_the_hand_written_loop():
    t = cost_table("cortex-m4")
    # Per iteration, from ARM DDI 0439B Tables 3-1 and 7-1: 5 ALU, LDR 2 + pipelined LDR 1 + pipelined STR 1,
    # LDRD 3, STRD 3, LDM 1+3, POP 1+2, PUSH 1+2, SMLAD 1, MUL 1, SMULL 1, SDIV 7, VMOV 1, VADD 1, VMLA 3,
    # VDIV 14, VLDR 1+1, VSTR 1+1, VPUSH 1+4, VPOP 1+4, CBZ 1, BNE 1, BL 1+2, BX 1+2 = 76.
    per_iteration = 5 + 2 + 1 + 1 + 3 + 3 + 4 + 3 + 3 + 1 + 1 + 1 + 7 + 1 + 1 + 3 + 14 + 2 + 2 + 5 + 5 + 1 + 1 + 3 + 3
    assert per_iteration == 76
    edges = (1 + 2) + (1 + 2) + 9 * 2        # mark's BX LR, the closing BL, 9 taken BNE refills
    assert t.cycles(EventCounts.of(M4_LOOP)) == 10 * per_iteration + edges == 784


def test_breakdown_sums_to_the_estimate():
    t = cost_table("cortex-m4")
    counts = EventCounts.of(M4_LOOP)
    parts = t.breakdown(counts)
    assert sum(parts.values()) == t.cycles(counts)
    assert parts[E.FP_DIV] == 140 and parts[E.COND_TAKEN] == 18 and E.MVE_BEATS not in parts


def test_cortex_m55_charges_beats_at_two_per_cycle():
    t = cost_table("cortex-m55")
    helium = EventCounts.of({E.MVE_LOAD: 8, E.MVE: 7, E.MVE_STORE: 1, E.MVE_BEATS: 64, E.LOOP: 5})
    assert t.cycles(helium) == 32       # 16 vector instructions x 4 beats / 2 per cycle; LE folded


def test_an_empty_count_costs_nothing():
    assert cost_table("cortex-m7").cycles(EventCounts.zero()) == 0


@pytest.mark.parametrize("name", sorted({c.timing for c in CORES.values() if c.timing}))
def test_every_core_table_loads_and_cites_its_sources(name):
    t = cost_table(name)
    assert t.core == name and set(t.costs) == set(EVENTS)
    assert t.sources and t.ignores and all(c.source for c in t.costs.values())
    assert any("Technical Reference Manual" in s for s in t.sources.values())


def test_every_timing_file_belongs_to_a_core():
    assert {p.stem for p in TIMING_DIR.glob("*.toml")} == {c.timing for c in CORES.values() if c.timing}


def _write(tmp_path, cycles: dict, ignores='["wait states"]'):
    body = "\n".join(f'{k} = {v}' for k, v in cycles.items())
    p = tmp_path / "cortex-test.toml"
    p.write_text(f'core = "cortex-test"\ntitle = "t"\n[sources]\ntrm = "x"\n[assumptions]\nignores = {ignores}\n'
                 f'[cycles]\n{body}\n')
    return p


def _full(**overrides):
    cycles = {e.value: '{ cycles = 1, source = "s" }' for e in EVENTS}
    cycles.update(overrides)
    return cycles


def test_a_complete_table_parses(tmp_path):
    assert parse_cost_table(_write(tmp_path, _full())).costs[E.ALU].cycles == 1


@pytest.mark.parametrize("change, message", [
    ({"teleport": '{ cycles = 1, source = "s" }'}, "unknown \\['teleport'\\]"),
    ({"alu": '{ cycles = -1, source = "s" }'}, "cycles.alu"),
    ({"alu": '{ cycles = 1, source = "" }'}, "cycles.alu"),
    ({"alu": '{ cycles = "one", source = "s" }'}, "cycles.alu"),
    ({"alu": '{ cycles = 1 }'}, "cycles.alu"),
])
def test_bad_entries_are_named(tmp_path, change, message):
    with pytest.raises(CostTableError, match=message):
        parse_cost_table(_write(tmp_path, _full(**change)))


def test_a_missing_event_is_named(tmp_path):
    cycles = _full()
    del cycles["mve_beats"]
    with pytest.raises(CostTableError, match="missing \\['mve_beats'\\]"):
        parse_cost_table(_write(tmp_path, cycles))


def test_a_table_must_say_what_it_ignores(tmp_path):
    with pytest.raises(CostTableError, match="ignores"):
        parse_cost_table(_write(tmp_path, _full(), ignores="[]"))


def test_an_unknown_table_lists_the_known_ones():
    with pytest.raises(CostTableError) as e:
        cost_table("cortex-m99")
    assert "cortex-m4" in e.value.hint
