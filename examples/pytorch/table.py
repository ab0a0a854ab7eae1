"""The PyTorch example's table, as the READMEs show it, from a `compare.json`:

    .venv/bin/python examples/pytorch/table.py build/examples/pytorch/compare/compare.json           # print it
    .venv/bin/python examples/pytorch/table.py build/examples/pytorch/compare/compare.json --write   # and update

``--write`` copies the compare.json to examples/pytorch/results.json (committed: the numbers the
READMEs quote) and rewrites the table between the ``<!-- pytorch-example -->`` markers in README.md
and examples/pytorch/README.md. tests/codegen/prep/test_example.py fails when they drift apart.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
RESULTS = ROOT / "examples" / "pytorch" / "results.json"
READMES = (ROOT / "README.md", ROOT / "examples" / "pytorch" / "README.md")
BEGIN, END = "<!-- pytorch-example -->", "<!-- /pytorch-example -->"


def _kb(n: int) -> str:
    return f"{n / 1024:.1f} KB"


def render(d: dict) -> str:
    """The markdown table: size, speed and accuracy per variant, then each against the float model."""
    v = d["variants"]
    base = v[0]
    rows = ["| variant | flash | RAM | latency (instructions, p50) | accuracy | TFLM accuracy | matches TFLM | "
            "RMSE vs ONNX Runtime | max abs error | cosine | L2r |",
            "| --- | ---: | ---: | ---: | ---: | ---: | --- | ---: | ---: | ---: | ---: |"]
    for x in v:
        f = (d.get("float_reference") or {}).get(x["name"]) or {}
        o = (f.get("outputs") or [None])[0]
        ratio = "" if x is base else f" ({x['latency'] / base['latency']:.2f}x)"
        agree = "bit-exact" if x["bit_exact"] else ("within float tolerance" if x["within_tolerance"] else "no")
        metrics = ["-"] * 4 if o is None else [f"{o['rmse']:.2g}", f"{o['max_abs_error']:.2g}", f"{o['cosine']:.6f}",
                                               f"{o['l2_relative_error']:.2g}"]
        rows.append(f"| {x['name']} | {_kb(x['flash_bytes'])} | {_kb(x['ram_bytes'])} | {x['latency']:,.0f}{ratio} | "
                    f"{100 * x['accuracy']:.1f}% | {100 * x['reference_accuracy']:.1f}% | {agree} | " + " | ".join(metrics) + " |")
    return "\n".join(rows)


def replace_block(text: str, table: str) -> str:
    head, sep, rest = text.partition(BEGIN)
    _, sep2, tail = rest.partition(END)
    if not sep or not sep2:
        raise SystemExit(f"no {BEGIN} ... {END} block")
    return f"{head}{BEGIN}\n{table}\n{END}{tail}"


def block(text: str) -> str:
    return text.partition(BEGIN)[2].partition(END)[0].strip("\n")


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("compare_json", type=Path)
    ap.add_argument("--write", action="store_true", help="update results.json and the READMEs")
    a = ap.parse_args()
    d = json.loads(a.compare_json.read_text())
    table = render(d)
    print(table)
    if a.write:
        RESULTS.write_text(json.dumps(d, indent=2) + "\n")
        for p in READMES:
            p.write_text(replace_block(p.read_text(), table))
        print(f"wrote {RESULTS.relative_to(ROOT)} and the table in " + ", ".join(str(p.relative_to(ROOT)) for p in READMES),
              file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
