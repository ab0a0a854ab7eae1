"""Child process for the sanitizer test: run models' host builds compiled with AddressSanitizer and
UndefinedBehaviorSanitizer. Started with LD_PRELOAD=libasan (a sanitized shared library cannot be
loaded into an uninstrumented Python otherwise); any finding aborts this process with its report.

usage: python sanitized_host.py JOB.json   (JOB: [{"model", "variant", "inputs", "outputs"}, ...])
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path[:0] = [str(ROOT)]

import numpy as np  # noqa: E402

from codegen.generate import compile_model  # noqa: E402
from codegen.host import HostModel, variant_target  # noqa: E402

SANITIZE = ("-fsanitize=address,undefined", "-fno-sanitize-recover=all", "-fno-omit-frame-pointer", "-O0")


def main(job_path: str) -> int:
    for job in json.loads(Path(job_path).read_text()):
        compiled = compile_model(job["model"], target=variant_target(job["variant"]))
        host = HostModel(compiled, extra_cflags=SANITIZE, variant=job["variant"])
        try:
            data = np.load(job["inputs"])
            n = len({k.split("_")[0] for k in data.files})
            out = {}
            for s in range(n):
                xs = [data[f"s{s}_{i}"] for i in range(len(compiled.inputs))]
                for i, y in enumerate(host.run(xs)):
                    out[f"s{s}_{i}"] = y
            np.savez(job["outputs"], **out)
        finally:
            host.close()
        print(f"{Path(job['model']).name} {job['variant']}: {n} inputs clean", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
