"""boards/README.md stays true: every field the schema accepts (asked of the schema itself, through
the error a field it does not know gets) and every key a shipped board puts in its family tables is
described there, with its table."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from codegen.boards import BoardError, list_boards, load_board, load_board_file
from codegen.boards.schema import BOARDS_DIR
from codegen.hil.flash import setting_fields, tools

README = (BOARDS_DIR / "README.md").read_text()
GOOD = (BOARDS_DIR / "stm32l475.toml").read_text().replace('name = "stm32l475"', 'name = "probe"')


def _allowed(tmp_path: Path, text: str) -> set[str]:
    """The fields the schema allows where `text` puts the unknown key `zzz`."""
    p = tmp_path / "probe.toml"
    p.write_text(text)
    with pytest.raises(BoardError) as e:
        load_board_file(p)
    m = re.search(r"no such field \(allowed: ([^)]*)\)", e.value.message)
    assert m, e.value.message
    return set(m.group(1).split(", "))


def _section(title: str) -> str:
    """The README's text under a `## <title>` heading."""
    m = re.search(rf"^## {re.escape(title)}[^\n]*\n(.*?)(?=^## |\Z)", README, re.S | re.M)
    assert m, f"no section {title!r} in boards/README.md"
    return m.group(1)


def _rows(text: str) -> str:
    return "\n".join(line for line in text.splitlines() if line.startswith("|"))


def test_every_schema_field_is_described(tmp_path):
    tables = {
        "Top level": _allowed(tmp_path, 'zzz = 1\n' + GOOD),
        "`[memory]`": _allowed(tmp_path, GOOD.replace("[memory]\n", "[memory]\nzzz = 1\n")),
        "`[emulator]`": _allowed(tmp_path, GOOD.replace("[emulator]\n", "[emulator]\nzzz = 1\n")),
        "`[upload]`": _allowed(tmp_path, GOOD.replace("[upload]\n", "[upload]\nzzz = 1\n")) - set(tools()),
        "`[platformio]`": _allowed(tmp_path, GOOD.replace("[platformio]\n", "[platformio]\nzzz = 1\n")),
    }
    region = _allowed(tmp_path, GOOD.replace("ram = { origin = 0x20000000, size = 98304 }",
                                             "ram = { origin = 0x20000000, size = 98304, zzz = 1 }"))
    assert tables["Top level"] >= {"name", "core", "memory", "upload"} and region == {"origin", "size", "name"}
    for title, fields in tables.items():
        rows = _rows(_section(title))
        for f in fields - {"memory", "clock", "console", "timing_pin", "emulator", "upload", "platformio"}:
            assert f"| `{f}` |" in rows, f"boards/README.md, {title}: field `{f}` is not described"
    memory = _rows(_section("`[memory]`"))
    assert all(k in memory for k in region)
    for table in ("memory", "clock", "console", "timing_pin", "emulator", "upload", "platformio"):
        assert table in tables["Top level"] and f"[{table}]" in README


def test_every_linux_field_is_described(tmp_path):
    rpi4 = (BOARDS_DIR / "rpi4.toml").read_text().replace('name = "rpi4"', 'name = "probe"')
    top = _allowed(tmp_path, "zzz = 1\n" + rpi4)
    linux = _allowed(tmp_path, rpi4.replace("[linux]\n", "[linux]\nzzz = 1\n"))
    text = _section("Linux boards")
    for f in top - {"linux"}:
        assert f"`{f}`" in text, f"boards/README.md, Linux boards: top-level field `{f}` is not named"
    for f in linux:
        assert f"| `{f}` |" in _rows(text), f"boards/README.md, Linux boards: `[linux]` field `{f}` is not described"


def test_every_flash_tool_table_is_described():
    rows = _rows(_section("`[upload]`"))
    for name, tool in tools().items():
        assert f"`[upload.{name}]`" in rows, f"no row for [upload.{name}]"
        for f in setting_fields(tool):
            assert f"| `[upload.{name}]` | `{f.name}` |" in rows, f"[upload.{name}] {f.name} is not described"


@pytest.mark.parametrize("table", ["clock", "console", "timing_pin"])
def test_every_family_key_the_boards_use_is_described(table):
    rows = _rows(_section("`[clock]`, `[console]`, `[timing_pin]`"))
    for name in list_boards():
        for key in getattr(load_board(name), table):
            assert re.search(rf"\| `\[{table}\]` \| [^|]*`{key}`", rows), f"[{table}] {key} ({name}) is not described"


def test_the_schema_points_to_this_file(tmp_path):
    p = tmp_path / "probe.toml"
    p.write_text(GOOD.replace("cpu_hz = 80000000", 'cpu_hz = "fast"'))
    with pytest.raises(BoardError) as e:
        load_board_file(p)
    assert "boards/README.md" in e.value.hint and (BOARDS_DIR / "README.md").is_file()


def test_the_example_board_in_the_main_readme_loads(tmp_path):
    """README.md's "Adding a board" file, as printed, is a valid board."""
    text = (BOARDS_DIR.parent / "README.md").read_text()
    m = re.search(r"### Adding a board.*?```toml\n(.*?)```", text, re.S)
    assert m
    p = tmp_path / "myboard.toml"
    p.write_text(m.group(1))
    board = load_board_file(p)
    assert board.upload.settings["openocd"].target == "target/stm32l4x.cfg" and board.emulated
