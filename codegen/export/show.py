"""What `export` prints: what went into the library and where it is (lines, for the terminal and
for the README's example, which scripts/readme_export.py renders from the same function)."""

from __future__ import annotations

from codegen.export.library import TensorInfo
from codegen.export.writer import Exported
from codegen.term import kb, num

WIDTH = 10


def _kv(key: str, value: str) -> str:
    return f"  {key:<{WIDTH}} {value}"


def _tensors(ts: tuple[TensorInfo, ...]) -> str:
    return ", ".join(f"{t.dtype}[{t.shape_text}] {t.accessor}()" for t in ts)


def export_lines(exp: Exported, shown_as: str) -> list[str]:
    """The summary of an export written to `shown_as` (the destination as the user named it)."""
    lib, c = exp.library, exp.library.compiled
    b = lib.board
    lines = [f"exported {lib.model_path.name} for {b.name} ({b.core.name}, {lib.variant.value} kernels) "
             f"as {exp.spec.title}",
             _kv("model", f"{lib.header}, {lib.name}_model.c, {lib.name}_weights.c"),
             _kv("sizes", f"arena {kb(c.arena_bytes)}, weights {kb(c.weights_bytes)} + {kb(c.params_bytes)} of "
                          f"parameters, {num(c.macs)} MACs")]
    label = "kernels"
    for v in lib.variant_chain:
        names = lib.kernel_names(v)
        if names:
            lines.append(_kv(label, f"{v.value}: {', '.join(names)}"))
            label = ""
    lines += [_kv("inputs", _tensors(lib.inputs)), _kv("outputs", _tensors(lib.outputs))]
    where = f"{shown_as}/{exp.archive.name}" if exp.archive else shown_as
    lines.append(_kv("wrote", f"{where} ({len(exp.files)} files; its README.md says how to build and call it)"))
    return lines
