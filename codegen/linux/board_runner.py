"""mcuforge's runner for the alternatives, copied to the Linux board and run there by its Python:
the .tflite under LiteRT's interpreter (ai-edge-litert, or tflite-runtime), an ONNX model under ONNX
Runtime. Standalone on purpose (numpy and the runtime, nothing of mcuforge): the board has neither
mcuforge nor TensorFlow.

    python3 board_runner.py check litert onnxruntime     # which runtimes import here (JSON on stdout)
    python3 board_runner.py run REQUEST.json             # run one, the result as JSON on stdout

A request names the runtime, the model, an .npz of inputs (``in0``, ``in1``, ...: first axis = samples),
how many warm-up and timed runs, and the thread count. The result: every sample's outputs, the timed
runs' latencies in nanoseconds (``time.perf_counter_ns``, a monotonic clock) of sample 0, the peak
resident set of the process (``ru_maxrss``) and that of the interpreter with numpy alone, before the
runtime was imported. A runtime that cannot be imported exits with status 3 and says which.
"""

import json
import resource
import sys
import time

MISSING = 3

# runtime -> the modules that provide it, first found wins: (module, package to install there)
PROVIDERS = {
    "litert": [("ai_edge_litert.interpreter", "ai-edge-litert"), ("tflite_runtime.interpreter", "tflite-runtime")],
    "onnxruntime": [("onnxruntime", "onnxruntime")],
}


def peak_rss_bytes():
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024  # KiB on Linux


def find(runtime):
    """(module, package, version) of the first provider that imports, or (None, packages, error)."""
    import importlib
    errors = []
    for module, package in PROVIDERS[runtime]:
        try:
            mod = importlib.import_module(module)
        except ImportError as exc:
            errors.append(f"{module}: {exc}")
            continue
        top = importlib.import_module(module.split(".")[0])
        version = getattr(top, "__version__", None) or _dist_version(package)
        return mod, package, version
    return None, " or ".join(p for _, p in PROVIDERS[runtime]), "; ".join(errors)


def _dist_version(package):
    try:
        from importlib.metadata import version
        return version(package)
    except Exception:  # noqa: BLE001 - a version is informational
        return "?"


class LiteRT:
    def __init__(self, mod, model, threads):
        self.interp = mod.Interpreter(model_path=model, num_threads=threads)
        self.interp.allocate_tensors()
        self.inputs = [d["index"] for d in self.interp.get_input_details()]
        self.outputs = [d["index"] for d in self.interp.get_output_details()]

    def run(self, xs):
        for i, x in zip(self.inputs, xs):
            self.interp.set_tensor(i, x)
        self.interp.invoke()
        return [self.interp.get_tensor(o) for o in self.outputs]


class OnnxRuntime:
    def __init__(self, mod, model, threads):
        opts = mod.SessionOptions()
        opts.intra_op_num_threads = threads
        opts.inter_op_num_threads = 1
        self.session = mod.InferenceSession(model, sess_options=opts, providers=["CPUExecutionProvider"])
        self.inputs = [i.name for i in self.session.get_inputs()]

    def run(self, xs):
        return self.session.run(None, dict(zip(self.inputs, xs)))


RUNNERS = {"litert": LiteRT, "onnxruntime": OnnxRuntime}


def check(runtimes):
    out = {}
    for r in runtimes:
        mod, package, detail = find(r)
        out[r] = {"ok": mod is not None, "package": package, "detail": detail}
    return out


def run(request):
    import numpy as np
    baseline = peak_rss_bytes()
    mod, package, version = find(request["runtime"])
    if mod is None:
        print(json.dumps({"missing": request["runtime"], "package": package, "detail": version}))
        sys.exit(MISSING)
    runner = RUNNERS[request["runtime"]](mod, request["model"], int(request.get("threads", 1)))
    with np.load(request["inputs"]) as d:
        xs = [d[f"in{k}"] for k in range(len(d.files))]
    samples = len(xs[0])
    outputs = []
    for s in range(samples):
        outs = runner.run([x[s] for x in xs])
        outputs.append([{"dtype": str(o.dtype), "shape": list(o.shape), "data": o.reshape(-1).tolist()} for o in outs])
    first = [x[0] for x in xs]
    for _ in range(int(request["warmup"])):
        runner.run(first)
    latencies = []
    for _ in range(int(request["n"])):
        t0 = time.perf_counter_ns()
        runner.run(first)
        latencies.append(time.perf_counter_ns() - t0)
    return {"runtime": request["runtime"], "package": package, "version": version, "latencies_ns": latencies,
            "outputs": outputs, "peak_rss_bytes": peak_rss_bytes(), "baseline_rss_bytes": baseline,
            "python": sys.version.split()[0]}


def main(argv):
    if len(argv) >= 2 and argv[0] == "check":
        print(json.dumps(check(argv[1:])))
        return 0
    if len(argv) == 2 and argv[0] == "run":
        with open(argv[1]) as f:
            print(json.dumps(run(json.load(f))))
        return 0
    sys.stderr.write(__doc__)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
