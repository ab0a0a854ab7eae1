"""What `scons` prints after a build and a run."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import numpy as np

from codegen.hil.records import RunRequest
from codegen.pio.project import Project
from codegen.run import RunFailed, RunResult, default_inputs, layers_of, run_firmware, write_run
from codegen.term import kb, kv, num, pct, say


PROFILE_LINES = 16


def show_build(rep: dict, project: Project) -> None:
    b = project.board
    say(f"built {Path(rep['model']).name} for {b.name} ({b.title}, {b.core.name}, {rep['kernel_variant']} kernels)")
    kv("flash", f"{kb(rep['flash_bytes'])} of {kb(rep['flash_budget'])} ({pct(rep['flash_bytes'], rep['flash_budget'])})"
       f"  code {kb(rep['code_bytes'])}, model data {kb(rep['weights_bytes'] + rep['params_bytes'])}")
    kv("RAM", f"{kb(rep['ram_bytes'])} of {kb(rep['ram_budget'])} ({pct(rep['ram_bytes'], rep['ram_budget'])})"
       f"  arena {kb(rep['arena_bytes'])}")
    kv("model", f"{rep['n_ops']} ops, {num(rep['macs'])} MACs: {', '.join(rep['ops'])}")
    made = ["firmware"] if b.native else ["firmware.elf", ".bin", ".hex"]
    kv("outputs", f"{project.dir}/{' '.join(made)} .map report.json")


def _flag(args: dict, key: str) -> bool:
    return str(args.get(key, "0")).lower() in ("1", "yes", "true", "on")


def run_request(args: dict, project: Project | None = None) -> RunRequest:
    """The run request from scons arguments: target=, port=, baud=, flash=, timeout=, and the user's
    hardware map (hwmap=PATH; its port/baud for this board unless given), gpio_trace=1 (QEMU)."""
    port, baud = args.get("port"), int(args["baud"]) if "baud" in args else None
    if project is not None and (port is None or baud is None) and args.get("target", "auto") in ("auto", "device", "attach"):
        from codegen.hil.hwmap import load_hardware_map
        entry = load_hardware_map(args.get("hwmap")).entry(project.board.name)
        if entry is not None:
            port, baud = port or entry.port, baud or entry.baud
    req = RunRequest(target=args.get("target", "auto"), port=port, baud=baud,
                     flash=str(args.get("flash", "1")) != "0", timeout=float(args.get("timeout", 20)),
                     upload_protocol=args.get("upload"))
    if project is not None and _flag(args, "gpio_trace"):
        req = replace(req, gpio_trace=project.dir / "gpio-trace.log", record=True)
    return req


def _load_input(path: str, project: Project) -> tuple:
    from codegen.origin import read_origin
    from codegen.run import InputSource
    p = Path(path)
    origin = read_origin(project.model_path)       # data in the source model's layout (ONNX NCHW): moved here
    lay = origin.inputs[0] if origin is not None and len(origin.inputs) == 1 else None
    if p.suffix == ".npz":
        with np.load(p) as d:
            idx = 0
            first = [np.asarray(d["x"][idx])]
            first = [lay.to_model(first[0][None])[0] if lay is not None else first[0]]
            xs = tuple(x.reshape(t.shape).astype(t.dtype.np) for x, t in zip(first, project.compiled.inputs))
            label = int(d["y"][idx]) if "y" in d else None
        return InputSource(xs, f"{p.name} #0", label)
    x = np.load(p)
    if lay is not None:
        x = lay.to_model(x)
    t = project.compiled.inputs[0]
    return InputSource((x.reshape(t.shape).astype(t.dtype.np),), p.name)


def _memory(project: Project):
    import json
    from codegen.run import Memory
    rep_path = project.dir / "report.json"
    rep = json.loads(rep_path.read_text()) if rep_path.is_file() else {}
    return Memory(**{k: rep.get(k) for k in Memory.__dataclass_fields__})


def run_and_show(project: Project, args: dict) -> RunResult:
    """`scons run`: run, print, write run.json and report.md (+ PNGs) beside the build, also when the
    run fails part-way (then raise RunFailed after writing)."""
    m = project.compiled
    source = _load_input(args["input"], project) if "input" in args else \
        default_inputs(project.model_path, m.inputs, index=int(args.get("sample", 0)))
    n = int(args.get("n", 10))
    logic = None
    if _flag(args, "logic"):
        from codegen.hil.hwmap import load_hardware_map
        logic = load_hardware_map(args.get("hwmap")).logic_for(project.board.name)
    failed: RunFailed | None = None
    try:
        res = run_firmware(project.board, project.firmware_elf, m.sha256, m.inputs, m.outputs, source, n=n,
                           macs=m.macs, request=run_request(args, project), layers=layers_of(m), logic=logic,
                           capture=project.dir / "timing-pin.sr", model=project.model_path.name)
    except RunFailed as exc:
        failed, res = exc, exc.result
    res = replace(res, memory=_memory(project))
    write_run(res, project.dir / "run.json")
    from codegen.reports.run_report import write_build_run_report
    files = write_build_run_report(res, project.dir)
    show_run(res, project)
    kv("report", f"{files.markdown} (+ {', '.join(p.name for p in files.plots) or 'no plots'})")
    if failed is not None:
        raise failed
    return res


def show_run(res: RunResult, project: Project) -> None:
    m = project.compiled
    say(f"ran {project.model_path.name} on {res.board}: {res.target or 'target not reached'}")
    if res.failure is not None:
        f = res.failure
        kv("FAILED", f"{f.kind}: {f.message}")
        if f.location:
            kv("", f"pc in {f.location}")
    if res.input:
        label = f" (label {res.label})" if res.label is not None else ""
        kv("input", f"{res.input}{label}")
    for k, (raw, deq) in enumerate(zip(res.outputs, res.outputs_dequantized)):
        t = m.outputs[k]
        flat = np.asarray(raw).reshape(-1)
        kv(f"output {k}", f"{t.dtype.name.lower()}[{'x'.join(map(str, t.shape))}] = {np.array2string(flat, max_line_width=200)}")
        d = np.asarray(deq).reshape(-1)
        if d.size <= 32:
            top = int(np.argmax(d))
            kv("", "dequantised " + np.array2string(d, precision=3, suppress_small=True, max_line_width=200))
            kv("", f"top-1: class {top} ({d[top]:.3f})")
    stats = res.per_inference
    if stats is not None:
        if res.unit == "instructions":
            kv("instructions", f"{num(stats.p50)} per inference (p50 of n={res.n}; max {num(stats.max)})")
        elif res.unit == "cycles":
            kv("cycles", f"{num(stats.p50)} per inference (p50 of n={res.n}; p99 {num(stats.p99)})")
    if res.latency_us is not None:
        lat = res.latency_us
        kv("latency", f"{lat.p50 / 1000:.3f} ms p50, {lat.p99 / 1000:.3f} ms p99  [{res.latency_basis}]")
    if res.pin is not None:
        pin = res.pin
        verdict = "match" if pin.ok else "MISMATCH"
        widths = ""
        if pin.widths_us:
            w = np.asarray(pin.widths_us)
            widths = f"; pulse width {np.percentile(w, 50) / 1000:.3f} ms p50, {w.max() / 1000:.3f} ms max"
        kv("timing pin", f"{pin.observed}/{pin.expected} pulses ({verdict}){widths}  [{pin.source}]")
    if res.profile:
        total = sum(p.value for p in res.profile) or 1.0
        shown = res.profile if len(res.profile) <= PROFILE_LINES else \
            sorted(sorted(res.profile, key=lambda p: -p.value)[:PROFILE_LINES], key=lambda p: p.index)
        kv("profile", f"{num(total)} {res.unit} over {len(res.profile)} operators"
           + ("" if shown is res.profile else f" (the {PROFILE_LINES} largest)"))
        width = max(len(p.op) for p in shown)
        for p in shown:
            kv("", f"#{p.index:<3} {p.op:<{width}}  {num(p.value):>12} {100 * p.value / total:5.1f}%  {p.summary}")
    mem = res.memory
    if mem is not None and mem.flash_bytes is not None:
        kv("flash", f"{kb(mem.flash_bytes)} of {kb(mem.flash_budget)} ({pct(mem.flash_bytes, mem.flash_budget)})"
           f"; RAM {kb(mem.ram_bytes)} of {kb(mem.ram_budget)} ({pct(mem.ram_bytes or 0, mem.ram_budget)})"
           f"; arena {kb(mem.arena_bytes)}")
    if res.stack_used_bytes:
        kv("stack", f"{kb(res.stack_used_bytes)} used of {kb(res.stack_size_bytes)}")
    if res.link.retries or res.link.bad_frames:
        kv("link", f"{res.link.retries} retries, {res.link.bad_frames} corrupted frames")
    kv("wrote", str(project.dir / "run.json"))
