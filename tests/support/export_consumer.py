"""A small program that uses an exported library the way its README says, and the check that it
computes what TFLM computes.

The program is the README's own example (the ```c block under "## Call it", taken verbatim, so
the README's code is what the tests compile) and a `main` that feeds it input sets from stdin and
writes the outputs to stdout, sized by the header's `_CTYPE`/`_ELEMENTS` macros.
"""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import numpy as np

from codegen.lowering import CompiledModel
from codegen.reference import TflmReference, random_inputs

_EXAMPLE = re.compile(r"^## Call it\n\n```c\n(.*?)^```", re.M | re.S)


def readme_example(readme: Path) -> str:
    """The C example of an exported README."""
    m = _EXAMPLE.search(readme.read_text())
    assert m, f"{readme} has no C example under '## Call it'"
    return m.group(1)


def program(readme: Path, compiled: CompiledModel) -> str:
    """The README's example and a main that runs it on every input set read from stdin."""
    p = compiled.prefix.upper()
    ins = [f"{p}_INPUT{k}" for k in range(len(compiled.inputs))]
    outs = [f"{p}_OUTPUT{k}" for k in range(len(compiled.outputs))]
    decl = "".join(f"    static {m}_CTYPE in{k}[{m}_ELEMENTS];\n" for k, m in enumerate(ins))
    decl += "".join(f"    static {m}_CTYPE out{k}[{m}_ELEMENTS];\n" for k, m in enumerate(outs))
    read = " || ".join(f"fread(in{k}, 1, sizeof in{k}, stdin) != sizeof in{k}" for k in range(len(ins)))
    args = ", ".join([f"in{k}" for k in range(len(ins))] + [f"out{k}" for k in range(len(outs))])
    write = "".join(f"        fwrite(out{k}, 1, sizeof out{k}, stdout);\n" for k in range(len(outs)))
    return (readme_example(readme) + "\n#include <stdio.h>\n\nint main(void)\n{\n" + decl + "    model_setup();\n"
            f"    while (!({read})) {{\n        if (model_run({args}) != 0)\n            return 2;\n{write}"
            "    }\n    return 0;\n}\n")


def check_bit_exact(binary: Path, model: Path, compiled: CompiledModel, samples: int = 5, seed: int = 0) -> None:
    """Run `binary` (a :func:`program`) on random input sets; every output equals TFLM's."""
    rng = np.random.default_rng(seed)
    sets = [random_inputs(compiled.inputs, rng) for _ in range(samples)]
    stdin = b"".join(np.ascontiguousarray(x, dtype=t.dtype.np).tobytes() for xs in sets
                     for x, t in zip(xs, compiled.inputs))
    res = subprocess.run([str(binary)], input=stdin, capture_output=True, timeout=120)
    assert res.returncode == 0, res.stderr.decode(errors="replace")
    per_set = sum(t.nbytes for t in compiled.outputs)
    assert len(res.stdout) == samples * per_set, f"{len(res.stdout)} output bytes for {samples} sets of {per_set}"
    with TflmReference(model) as ref:
        at = 0
        for n, xs in enumerate(sets):
            want = ref.run(xs)
            for k, t in enumerate(compiled.outputs):
                got = np.frombuffer(res.stdout[at:at + t.nbytes], dtype=t.dtype.np).reshape(t.shape)
                at += t.nbytes
                np.testing.assert_array_equal(got, np.asarray(want[k]).reshape(t.shape),
                                              err_msg=f"input set {n}, output {k}")
