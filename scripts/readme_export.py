"""README.md's export example: keyword_spotting for the STM32L475 as a CMake package, rendered from
a real export (the command's output, and the CMake lines and the C example of the README.md the export
writes):

    .venv/bin/python scripts/readme_export.py           # print the block
    .venv/bin/python scripts/readme_export.py --write   # and rewrite it in README.md

The block sits between the ``<!-- export-example -->`` markers; tests/codegen/export/test_readme.py
fails when README.md and this rendering drift apart.
"""

from __future__ import annotations

import argparse
import re
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from codegen.boards import load_board  # noqa: E402
from codegen.export.formats import ExportFormat  # noqa: E402
from codegen.export.library import plan_library  # noqa: E402
from codegen.export.writer import export_library  # noqa: E402
from codegen.export.show import export_lines  # noqa: E402

README = ROOT / "README.md"
BEGIN, END = "<!-- export-example -->", "<!-- /export-example -->"
MODEL = "../shared/models/keyword_spotting.tflite"  # as the README's commands name it, from the checkout
BOARD = "stm32l475"
OUT = "build/export/keyword_spotting"
COMMAND = f".venv/bin/python -m codegen export {MODEL} --board {BOARD} --format cmake -o {OUT}"


def _fenced(text: str, lang: str) -> str:
    m = re.search(rf"^```{lang}\n(.*?)^```", text, re.M | re.S)
    if m is None:
        raise SystemExit(f"the exported README has no ```{lang} block")
    return m.group(1).rstrip("\n")


def render() -> str:
    lib = plan_library(ROOT / MODEL, load_board(BOARD))
    with tempfile.TemporaryDirectory() as tmp:
        exp = export_library(lib, ExportFormat.CMAKE, Path(tmp) / "keyword_spotting")
        readme = (exp.root / "README.md").read_text()
    cmake = _fenced(readme, "cmake").replace("path/to/keyword_spotting", OUT)
    return "\n".join([
        "```", f"$ {COMMAND}", *export_lines(exp, OUT), "```", "",
        "Your CMakeLists.txt takes it with `add_subdirectory` (or `find_package`; the library's own README.md",
        "says how, with the core's flags as an INTERFACE target), and these lines call it:", "",
        "```cmake", cmake, "```", "",
        "```c", _fenced(readme, "c"), "```",
    ])


def replace_block(text: str, block: str) -> str:
    head, sep, rest = text.partition(BEGIN)
    _, sep2, tail = rest.partition(END)
    if not sep or not sep2:
        raise SystemExit(f"README.md has no {BEGIN} ... {END} block")
    return f"{head}{BEGIN}\n{block}\n{END}{tail}"


def block(text: str) -> str:
    return text.partition(BEGIN)[2].partition(END)[0].strip("\n")


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--write", action="store_true", help="rewrite the block in README.md")
    a = ap.parse_args()
    text = render()
    print(text)
    if a.write:
        README.write_text(replace_block(README.read_text(), text))
        print(f"wrote the export example in {README.relative_to(ROOT)}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
