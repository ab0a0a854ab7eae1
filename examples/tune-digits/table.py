"""The tune example's README tables and plot, from the study's tune.json and the comparison's compare.json:

    .venv/bin/python examples/tune-digits/table.py OUT            # print the tables
    .venv/bin/python examples/tune-digits/table.py OUT --write    # and update results.json, README, tune.png

OUT is run.sh's output directory (OUT/study/tune.json, OUT/compare/compare.json, OUT/times.json).
``--write`` stores the numbers in examples/tune-digits/results.json (paths made relative to the
repository), rewrites the blocks between the ``<!-- tune-digits:NAME -->`` markers in
examples/tune-digits/README.md, and draws tune.png from the stored numbers with the report's own
plot (:func:`codegen.reports.tune.tune_plot`). tests/codegen/tune/test_example.py fails when the
README, the plot and results.json drift apart.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

HERE = ROOT / "examples" / "tune-digits"
RESULTS = HERE / "results.json"
README = HERE / "README.md"
PLOT = HERE / "tune.png"
BLOCKS = ("front", "distillation", "compare", "time")


def _md(head, rows) -> str:
    from codegen.reports.tune import _md_table
    return "\n".join(_md_table(head, rows))


def _relative(d: object) -> object:
    """Absolute paths inside the repository made relative to it (the committed file is the same anywhere)."""
    root = str(ROOT) + "/"
    if isinstance(d, dict):
        return {k: _relative(v) for k, v in d.items()}
    if isinstance(d, list):
        return [_relative(v) for v in d]
    if isinstance(d, str) and d.startswith(root):
        return d[len(root):]
    return d


def render(results: dict) -> dict[str, str]:
    """The README's blocks, by name."""
    from codegen.reports.tune import DISTILL_HEAD, FRONT_HEAD, distillation_rows, front_rows
    from codegen.tune.records import TuneResult
    r = TuneResult.from_json(results["tune"])
    c = results["compare"]
    rows = []
    for v in c["variants"]:
        lat = f"{v['latency']:,.0f}" if v.get("latency") is not None else "-"
        acc = "-" if v.get("accuracy") is None else f"{100 * v['accuracy']:.1f}%"
        rows.append((v["name"], v.get("kind") or "-", f"{v['flash_bytes'] / 1024:.1f} KB",
                     f"{v['ram_bytes'] / 1024:.1f} KB", lat, acc,
                     "bit-exact" if v.get("bit_exact") else "within float tolerance" if v.get("within_tolerance") else "no"))
    t = results["times"]
    measured = sum(1 for x in r.trials if x.state.value == "measured")
    time_rows = [("teacher.py (train the teacher)", f"{t['teacher']:.0f} s"),
                 (f"tune ({len(r.finished)} trials, {measured} measured on the board, + the distillation check)",
                  f"{t['tune']:.0f} s"),
                 ("quantize the teacher (int8, channels-pruned) and compare 4 variants", f"{t['compare']:.0f} s"),
                 ("run.sh in all", f"{t['total']:.0f} s"),
                 ("run.sh in all, CPU time (user + system of every process it waited for)", f"{t['cpu']:.0f} s")]
    d = r.distillation
    verdict = "" if d is None or d.gain is None else (
        f"\n\nThe same architecture, learning rate, epochs and seed (trial {d.distilled.number}): "
        f"{100 * (d.distilled.accuracy or 0):.1f}% on the board distilled from the teacher, "
        f"{100 * (d.plain.accuracy or 0):.1f}% trained on the labels alone "
        f"({100 * d.gain:+.1f} points {'for' if d.gain > 0 else 'against'} distillation).")
    return {
        "front": _md(FRONT_HEAD, front_rows(r)),
        "distillation": _md(DISTILL_HEAD, distillation_rows(r)) + verdict,
        "compare": _md(("variant", "kind", "flash", "RAM", "latency (instructions, p50)", "accuracy on device",
                        "matches TFLM"), rows),
        "time": _md(("step", "wall time"), time_rows) + f"\n\n{t['machine']}",
    }


def replace_block(text: str, name: str, body: str) -> str:
    begin, end = f"<!-- tune-digits:{name} -->", f"<!-- /tune-digits:{name} -->"
    head, sep, rest = text.partition(begin)
    _, sep2, tail = rest.partition(end)
    if not sep or not sep2:
        raise SystemExit(f"README.md has no {begin} ... {end} block")
    return f"{head}{begin}\n{body}\n{end}{tail}"


def block(text: str, name: str) -> str:
    return text.partition(f"<!-- tune-digits:{name} -->")[2].partition(f"<!-- /tune-digits:{name} -->")[0].strip("\n")


def plot(results: dict, path: Path) -> Path | None:
    from codegen.reports.tune import tune_plot
    from codegen.tune.records import TuneResult
    return tune_plot(TuneResult.from_json(results["tune"]), path)


def gather(out: Path) -> dict:
    return _relative({"tune": json.loads((out / "study" / "tune.json").read_text()),
                      "compare": json.loads((out / "compare" / "compare.json").read_text()),
                      "times": json.loads((out / "times.json").read_text())})  # type: ignore[return-value]


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("out", type=Path, help="run.sh's output directory")
    ap.add_argument("--write", action="store_true", help="update results.json, README.md and tune.png")
    a = ap.parse_args()
    results = gather(a.out)
    blocks = render(results)
    for name in BLOCKS:
        print(blocks[name] + "\n")
    if a.write:
        RESULTS.write_text(json.dumps(results, indent=2) + "\n")
        text = README.read_text()
        for name in BLOCKS:
            text = replace_block(text, name, blocks[name])
        README.write_text(text)
        plot(results, PLOT)
        print(f"wrote {RESULTS.relative_to(ROOT)}, {README.relative_to(ROOT)} and {PLOT.relative_to(ROOT)}",
              file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
