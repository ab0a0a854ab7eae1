"""README's Linux-board table: mcuforge's C, LiteRT and ONNX Runtime side by side on the x86_64 board
(this build machine, natively), for the default model, MLPerf Tiny's keyword spotter and a small
PyTorch-exported CNN (tests/fixtures/onnx/torch_cnn.onnx, quantised here by `python -m codegen quantize`,
so ONNX Runtime runs its float model):

    .venv/bin/python scripts/linux_runtimes.py            # measure and print the table
    .venv/bin/python scripts/linux_runtimes.py --write    # ... and update docs/linux-runtimes.json and README.md
    .venv/bin/python scripts/linux_runtimes.py --check    # README.md's table is the committed results' (no run)
    .venv/bin/python scripts/linux_runtimes.py --render   # rewrite README.md's table from the committed results

The committed results (docs/linux-runtimes.json) are what README.md quotes between the
``<!-- linux-runtimes -->`` markers; tests/codegen/linux/test_readme_table.py fails when the two drift
apart, and measures a fresh table to check it has the same structure (timings vary from run to run).
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

RESULTS = ROOT / "docs" / "linux-runtimes.json"
README = ROOT / "README.md"
BEGIN, END = "<!-- linux-runtimes -->", "<!-- /linux-runtimes -->"
TORCH_CNN = ROOT / "tests" / "fixtures" / "onnx" / "torch_cnn.onnx"
SHARED = ROOT.parent / "shared" / "models"
BOARD = "x86_64"


def torch_cnn_int8(work: Path) -> Path:
    """The PyTorch fixture quantised by mcuforge (int8, float I/O), its sidecar naming the ONNX model."""
    import numpy as np
    from codegen.cli import main
    out = work / "torch_cnn_int8.tflite"
    if out.is_file() and out.with_suffix(".source.json").is_file():
        return out
    work.mkdir(parents=True, exist_ok=True)
    calib = work / "torch_cnn.calib.npz"
    np.savez(calib, x=np.random.default_rng(3).uniform(0, 1, (64, 2, 10, 10)).astype(np.float32))
    if main(["quantize", str(TORCH_CNN), "--data", str(calib), "-o", str(out)]) != 0:
        raise SystemExit("quantize failed")
    return out


def models(work: Path, names: list[str] | None) -> list[Path]:
    every = {"digits_cnn": lambda: ROOT / "models" / "digits_cnn.tflite",
             "keyword_spotting": lambda: SHARED / "keyword_spotting.tflite",
             "torch_cnn": lambda: torch_cnn_int8(work)}
    return [every[n]() for n in (names or list(every))]


def measure(paths: list[Path], n: int, warmup: int, samples: int, build_root: Path) -> list:
    from codegen.boards import load_board
    from codegen.hil.records import RunRequest
    from codegen.linux.bench import bench
    from codegen.options.records import LinuxBenchOptions
    from codegen.pio.project import project_dir, write_project
    from codegen.pio.runner import build
    out = []
    for model in paths:
        board = load_board(BOARD)
        project = write_project(board, model, project_dir(BOARD, model, root=build_root))
        build(project)
        print(f"{model.name} on {BOARD} ...", flush=True)
        out.append(bench(project, LinuxBenchOptions(n=n, warmup=warmup, samples=samples), RunRequest()))
    return out


def block(text: str) -> str:
    return text.partition(BEGIN)[2].partition(END)[0].strip("\n")


def replace_block(text: str, table: str) -> str:
    head, sep, rest = text.partition(BEGIN)
    _, sep2, tail = rest.partition(END)
    if not sep or not sep2:
        raise SystemExit(f"README.md has no {BEGIN} ... {END} block")
    return f"{head}{BEGIN}\n{table}{END}{tail}"


def committed() -> list:
    from codegen.linux.records import BenchResult
    return [BenchResult.from_json(d) for d in json.loads(RESULTS.read_text())]


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--write", action="store_true", help="update docs/linux-runtimes.json and README.md's table")
    ap.add_argument("--check", action="store_true", help="only check README.md against the committed results")
    ap.add_argument("--render", action="store_true", help="rewrite README.md's table from the committed results")
    ap.add_argument("--models", nargs="*", choices=["digits_cnn", "keyword_spotting", "torch_cnn"])
    ap.add_argument("--n", type=int, default=200, help="timed runs per runtime")
    ap.add_argument("--warmup", type=int, default=20)
    ap.add_argument("--samples", type=int, default=10, help="inputs compared with TFLM")
    ap.add_argument("--build-root", type=Path, default=ROOT / "build" / "linux-runtimes")
    ap.add_argument("--json", type=Path, help="also write the measured results here")
    a = ap.parse_args(argv)
    from codegen.linux.report import summary_table
    if a.check:
        ok = block(README.read_text()) == summary_table(committed()).strip("\n")
        print("README.md's table matches docs/linux-runtimes.json" if ok else "README.md's table has drifted")
        return 0 if ok else 1
    if a.render:
        README.write_text(replace_block(README.read_text(), summary_table(committed())))
        return 0
    results = measure(models(a.build_root, a.models), a.n, a.warmup, a.samples, a.build_root)
    data = [r.as_json() for r in results]
    if a.json:
        a.json.write_text(json.dumps(data, indent=2) + "\n")
    table = summary_table(results)
    print(table)
    if a.write:
        RESULTS.write_text(json.dumps(data, indent=2) + "\n")
        README.write_text(replace_block(README.read_text(), table))
        print(f"wrote {RESULTS.relative_to(ROOT)} and README.md")
    return 0


if __name__ == "__main__":
    sys.exit(main())
