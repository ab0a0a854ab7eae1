"""Lay a :class:`~codegen.lowering.CompiledModel` out as C: ``<prefix>_model.h``, ``<prefix>_model.c``
and ``<prefix>_weights.c``. Every value is computed already; this module only turns it into tokens."""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path

from codegen.emit import cgen
from codegen.emit.render import render, stamp, write_if_changed
from codegen.ir import DType
from codegen.kernels import KernelVariant, define, readers
from codegen.lowering import CompiledModel, Step, Storage, StorageKind, tensor_of
from codegen.ops.base import (F32, Copies, KernelCall, KeyPtr, Literal, Scratch, Struct, Sym, TensorPtr, TensorPtrs,
                              TensorView, scratch_key, tensor_id)


@dataclass(frozen=True)
class GeneratedFiles:
    header: Path
    source: Path
    weights: Path

    @property
    def all(self) -> tuple[Path, ...]:
        return (self.header, self.source, self.weights)


def file_names(prefix: str) -> tuple[str, str, str]:
    return f"{prefix}_model.h", f"{prefix}_model.c", f"{prefix}_weights.c"


class _Formatter:
    def __init__(self, model: CompiledModel) -> None:
        self.m = model
        self.p = model.prefix
        self.pointer_arrays: list[dict] = []
        self.copy_tables: list[dict] = []

    def sym(self, name: str) -> str:
        return cgen.prefixed(self.p, name)

    def ptr(self, sg: int, tensor: "int | TensorView", const: bool) -> str:
        extra = tensor.offset if isinstance(tensor, TensorView) else 0
        tensor = tensor_id(tensor)
        st: Storage = self.m.storage[(sg, tensor)]
        ctype = tensor_of(self.m, (sg, tensor)).dtype.c_type
        if st.kind == "arena":
            q = "const " if const else ""
            return f"({q}{ctype} *)({self.p}_arena + {st.offset + extra})"
        if extra:
            raise TypeError("views into constant or variable storage are not supported")
        if st.kind == "const":
            return self.sym(st.symbol)
        return f"({ctype} *){self.sym(st.symbol)}"

    def value(self, sg: int, v: object, call_sym: str, op_index: int = -1) -> str:
        if isinstance(v, bool):
            return "1" if v else "0"
        if isinstance(v, int):
            return cgen.c_int(v)
        if isinstance(v, F32):
            return cgen.c_float(v.value)
        if isinstance(v, float):
            raise TypeError(f"{call_sym}: wrap floats in F32 to say they are float32")
        if isinstance(v, Sym):
            return self.sym(v.name)
        if isinstance(v, TensorPtr):
            return self.ptr(sg, v.tensor, v.const)
        if isinstance(v, TensorPtrs):
            name = self.sym(f"sg{sg}_{v.name}")
            ctype = tensor_of(self.m, (sg, v.tensors[0])).dtype.c_type
            self.pointer_arrays.append({
                "symbol": name, "ctype": ("const " if v.const else "") + ctype,
                "items": [self.ptr(sg, t, v.const) for t in v.tensors]})
            return name
        if isinstance(v, Scratch):
            st = self.m.storage[scratch_key(sg, op_index, v.name)]
            if st.kind == StorageKind.ARENA:
                return f"({v.ctype} *)({self.p}_arena + {st.offset})"
            if st.offset:
                return f"({v.ctype} *)({self.sym(st.symbol)} + {st.offset})"
            return f"({v.ctype} *){self.sym(st.symbol)}"
        if isinstance(v, KeyPtr):
            return self.ptr(v.key[0], v.key[1], v.const)
        if isinstance(v, Copies):
            if not v.pairs:
                return "NULL"
            name = self.sym(v.name)
            rows = []
            for dst, src in v.pairs:
                nbytes = tensor_of(self.m, dst).nbytes
                rows.append(f"{{{self.ptr(dst[0], dst[1], False)}, {self.ptr(src[0], src[1], True)}, "
                            f"{nbytes}u}}")
            self.copy_tables.append({"symbol": name, "rows": rows})
            return name
        if isinstance(v, Literal):
            return v.text
        if isinstance(v, Struct):
            return "{" + ", ".join(f".{cgen.ident(n)} = {self.value(sg, x, call_sym, op_index)}"
                                   for n, x in v.fields) + "}"
        if isinstance(v, tuple):
            return "{" + ", ".join(self.value(sg, x, call_sym, op_index) for x in v) + "}"
        raise TypeError(f"{call_sym}: cannot format {v!r}")

    def call(self, sg: int, op_index: int, k: int, c: KernelCall) -> dict:
        symbol = self.sym(f"sg{sg}_op{op_index}" + (f"_{k}" if k else ""))
        fields = [{"name": cgen.ident(n), "value": self.value(sg, v, symbol, op_index)} for n, v in c.params]
        args = [self.ptr(sg, t, True) for t in c.inputs] + [self.ptr(sg, t, False) for t in c.outputs]
        if c.params_type:
            args.insert(0, "&" + symbol)
        return {"function": cgen.ident(c.function), "params_type": c.params_type, "symbol": symbol,
                "fields": fields, "args": args, "comment": cgen.c_comment(c.comment), "stops": c.stops}


def _io(m: CompiledModel, f: _Formatter, which: str) -> list[dict]:
    out = []
    for k, t in enumerate(m.inputs if which == "input" else m.outputs):
        dims = list(t.shape) or [1]
        out.append({"index": k, "name": cgen.c_string(t.name), "comment": cgen.c_comment(t.name),
                    "type": t.dtype.mf_enum, "ctype": t.dtype.c_type,
                    "rank": len(t.shape), "dims": dims, "shape": list(t.shape), "elements": math.prod(t.shape),
                    "dtype": t.dtype.name.lower(), "label": f"{which}{k}", "bytes": t.nbytes,
                    "scale": cgen.c_float(t.scale), "zero_point": t.zero_point,
                    "data": f"({m.prefix}_arena + {t.offset})",
                    "macro": f"{m.prefix.upper()}_{which.upper()}{k}"})
    return out


def _step(f: _Formatter, sg: int, s: Step) -> dict:
    return {"op_index": s.op_index, "opcode": cgen.c_comment(s.opcode), "summary": cgen.c_comment(s.summary),
            "calls": [f.call(sg, s.op_index, k, c) for k, c in enumerate(s.calls)]}


def _guard(model: CompiledModel) -> dict:
    """The compile-time check of model.c: the variants whose kernels read its parameters, the others."""
    ok = readers(model.target)
    return {"file": file_names(model.prefix)[1], "layout": " or ".join(v.value for v in ok),
            "readers": [{"variant": v.value, "macro": define(v)} for v in ok],
            "others": [{"variant": v.value, "macro": define(v)} for v in KernelVariant if v not in ok]}


def context(model: CompiledModel, arena_section: str = "") -> dict:
    f = _Formatter(model)
    steps = [_step(f, 0, s) for s in model.steps]
    subs = [{"index": sg, "steps": [_step(f, sg, s) for s in ss]} for sg, ss in sorted(model.sub_steps.items())]
    arrays = [{"symbol": f.sym(a.name), "ctype": a.ctype, "count": int(a.values.size), "kind": a.kind,
               "rows": cgen.array_rows(a.values, a.ctype)} for a in model.arrays]
    name = Path(model.source).name if model.source else model.prefix
    return {
        "arena_section": arena_section,
        "guard": _guard(model),
        "stamp": stamp(name, model.sha256),
        "prefix": model.prefix, "PREFIX": model.prefix.upper(),
        "sha256": model.sha256,
        "arena_bytes": max(model.arena_bytes, 16), "macs": model.macs,
        "steps": steps, "subgraphs": subs, "arrays": arrays,
        "pointer_arrays": f.pointer_arrays,
        "copy_tables": f.copy_tables,
        "variables": [{"symbol": f.sym(v.symbol), "bytes": v.nbytes, "fill": v.fill, "on_reset": v.on_reset}
                      for v in model.variables],
        "inputs": _io(model, f, "input"), "outputs": _io(model, f, "output"),
        "op_names": [cgen.c_string(s.opcode) for s in model.steps],
        "uses_float": any(a.ctype == "float" for a in model.arrays) or any(
            t.dtype == DType.FLOAT32 for t in (*model.inputs, *model.outputs)),
    }


def emit_model(model: CompiledModel, out_dir: Path, arena_section: str = "") -> GeneratedFiles:
    """Write the three files; `arena_section` places the arena (e.g. in SRAM2: a section attribute)."""
    ctx = context(model, arena_section)
    h, c, w = file_names(model.prefix)
    files = GeneratedFiles(out_dir / h, out_dir / c, out_dir / w)
    write_if_changed(files.header, render("model.h.j2", **ctx))
    write_if_changed(files.source, render("model.c.j2", **ctx))
    write_if_changed(files.weights, render("weights.c.j2", **ctx))
    return files
