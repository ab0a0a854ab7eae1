"""docs/HIL.md's farm recipe is what tests/codegen/hil/farm/test_farm.py runs: the coordinator, agent,
exporter and labgrid-client commands and the exporter's configuration on the page are made by the same
functions (tests/support/farm.py) as the ones the farm test starts, with the page's ports."""

from __future__ import annotations

import re
import shlex

from support.farm import (agent_command, coordinator_command, exporter_command, exporter_config, place_commands)
from support.paths import ROOT

PAGE = ROOT / "docs" / "HIL.md"
PLACES = {"ci-l475": ("stm32l475", 4711, 4712), "ci-an386": ("mps2-an386", 4721, 4722)}
COORDINATOR = "127.0.0.1:20408"


def block(name: str) -> str:
    """The fenced block after `<!-- farm:NAME -->`."""
    m = re.search(rf"<!-- farm:{re.escape(name)} -->\n```\w*\n(.*?)```", PAGE.read_text(), re.S)
    assert m, f"docs/HIL.md has no farm:{name} block"
    return m.group(1)


def lines(*argvs: list[str]) -> str:
    return "".join(shlex.join(a) + "\n" for a in argvs)


def test_the_page_shows_the_farm_the_test_runs():
    assert block("coordinator") == lines(coordinator_command(COORDINATOR))
    assert block("agents") == lines(*(agent_command(board, f"127.0.0.1:{agent}", f"127.0.0.1:{serial}")
                                      for board, serial, agent in PLACES.values()))
    assert block("exporter.yaml") == exporter_config({f"mf-{p}": (serial, agent, 115200)
                                                      for p, (_, serial, agent) in PLACES.items()})
    assert block("exporter") == lines(exporter_command(COORDINATOR, "mcuforge-ci", "127.0.0.1", "exporter.yaml"))
    assert block("places") == lines(*(argv for p, (board, _, _) in PLACES.items()
                                      for argv in place_commands(p, board, "mcuforge-ci", f"mf-{p}")))
