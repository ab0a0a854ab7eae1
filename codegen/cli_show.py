"""What `scons` prints after a build and a run."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np

from codegen.hil.drivers import RunRequest
from codegen.pio.project import Project
from codegen.run import default_inputs, run_firmware, write_run
from codegen.term import kb, kv, num, pct, say


def show_build(rep: dict, project: Project) -> None:
    b = project.board
    say(f"built {Path(rep['model']).name} for {b.name} ({b.title}, {b.core.name}, {rep['kernel_variant']} kernels)")
    kv("flash", f"{kb(rep['flash_bytes'])} of {kb(rep['flash_budget'])} ({pct(rep['flash_bytes'], rep['flash_budget'])})"
       f"  code {kb(rep['code_bytes'])}, weights {kb(rep['weights_bytes'])}")
    kv("RAM", f"{kb(rep['ram_bytes'])} of {kb(rep['ram_budget'])} ({pct(rep['ram_bytes'], rep['ram_budget'])})"
       f"  arena {kb(rep['arena_bytes'])}")
    kv("model", f"{rep['n_ops']} ops, {num(rep['macs'])} MACs: {', '.join(rep['ops'])}")
    kv("outputs", f"{project.dir}/firmware.elf .bin .hex .map report.json")


def run_request(args: dict) -> RunRequest:
    return RunRequest(target=args.get("target", "auto"), port=args.get("port"),
                      baud=int(args["baud"]) if "baud" in args else None,
                      flash=str(args.get("flash", "1")) != "0", timeout=float(args.get("timeout", 20)))


def _load_input(path: str, project: Project) -> tuple:
    from codegen.run import InputSource
    p = Path(path)
    if p.suffix == ".npz":
        with np.load(p) as d:
            idx = 0
            xs = tuple(np.asarray(d["x"][idx]).reshape(t.shape).astype(t.dtype.np) for t in project.compiled.inputs)
            label = int(d["y"][idx]) if "y" in d else None
        return InputSource(xs, f"{p.name} #0", label)
    x = np.load(p)
    t = project.compiled.inputs[0]
    return InputSource((x.reshape(t.shape).astype(t.dtype.np),), p.name)


def run_and_show(project: Project, args: dict) -> dict:
    m = project.compiled
    source = _load_input(args["input"], project) if "input" in args else \
        default_inputs(project.model_path, m.inputs, index=int(args.get("sample", 0)))
    n = int(args.get("n", 10))
    fw = project.firmware_elf
    res = run_firmware(project.board, fw, m.sha256, m.inputs, m.outputs, source, n=n, macs=m.macs,
                       request=run_request(args))
    rep_path = project.dir / "report.json"
    rep = json.loads(rep_path.read_text()) if rep_path.is_file() else {}
    res["memory"] = {k: rep.get(k) for k in ("flash_bytes", "ram_bytes", "arena_bytes", "code_bytes",
                                              "weights_bytes", "flash_budget", "ram_budget")}
    write_run(res, project.dir / "run.json")
    show_run(res, project)
    return res


def show_run(res: dict, project: Project) -> None:
    m = project.compiled
    say(f"ran {project.model_path.name} on {res['board']}: {res['target']}")
    label = f" (label {res['label']})" if res.get("label") is not None else ""
    kv("input", f"{res['input']}{label}")
    for k, (raw, deq) in enumerate(zip(res["outputs"], res["outputs_dequantized"])):
        t = m.outputs[k]
        flat = np.asarray(raw).reshape(-1)
        kv(f"output {k}", f"{t.dtype.name.lower()}[{'x'.join(map(str, t.shape))}] = {np.array2string(flat, max_line_width=200)}")
        d = np.asarray(deq).reshape(-1)
        if d.size <= 32:
            top = int(np.argmax(d))
            kv("", "dequantised " + np.array2string(d, precision=3, suppress_small=True, max_line_width=200))
            kv("", f"top-1: class {top} ({d[top]:.3f})")
    unit = res["unit"]
    stats = res.get("instructions_per_inference") or res.get("cycles_per_inference") or res.get("ns_per_inference")
    if unit == "instructions":
        kv("instructions", f"{num(stats['p50'])} per inference (p50 of n={res['n']}; max {num(stats['max'])})")
    elif unit == "cycles":
        kv("cycles", f"{num(stats['p50'])} per inference (p50 of n={res['n']}; p99 {num(stats['p99'])})")
    if res.get("latency_us"):
        lat = res["latency_us"]
        kv("latency", f"{lat['p50'] / 1000:.3f} ms p50, {lat['p99'] / 1000:.3f} ms p99  [{res['latency_basis']}]")
    mem = res.get("memory") or {}
    if mem.get("flash_bytes") is not None:
        kv("flash", f"{kb(mem['flash_bytes'])} of {kb(mem['flash_budget'])} ({pct(mem['flash_bytes'], mem['flash_budget'])})"
           f"; RAM {kb(mem['ram_bytes'])} of {kb(mem['ram_budget'])} ({pct(mem['ram_bytes'], mem['ram_budget'])})"
           f"; arena {kb(mem['arena_bytes'])}")
    if res.get("stack_used_bytes"):
        kv("stack", f"{kb(res['stack_used_bytes'])} used of {kb(res['stack_size_bytes'])}")
    kv("wrote", str(project.dir / "run.json"))
