"""Mutated .tflite models for robustness tests: byte flips, and field edits through the flatbuffer
object API (operator deletion, input rewiring, quantisation, shapes, options, types, I/O lists).

Every mutant is reproducible from (seed model, rng seed) and says what was changed."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, Callable, Iterator

import flatbuffers
import numpy as np

from codegen.tflite.schema import fb


def edit(model: bytes, change: Callable[[Any], None]) -> bytes:
    """Unpack `model` into the schema's object API (``fb.ModelT``), apply `change`, pack it again."""
    m = fb.ModelT.InitFromPackedBuf(model, 0)
    change(m)
    b = flatbuffers.Builder(len(model) + 4096)
    b.Finish(m.Pack(b), file_identifier=b"TFL3")
    return bytes(b.Output())


@dataclass(frozen=True)
class Mutant:
    kind: str
    detail: str
    data: bytes

    def __str__(self) -> str:
        return f"{self.kind}: {self.detail}"


# values that break a rule, and values that are merely unusual
SCALES = (0.0, -1.0, math.nan, math.inf, -math.inf, 1e-40, 1e-45, 1e-38, 1e-30, 1e30, 3e38, 1e-5, 2.0)
ZERO_POINTS = (-129, 128, 255, 256, -32769, 40000, 1 << 31, -(1 << 40), 127, -128, 0)
DIMS = (0, -1, -7, 2, 3, 16384, 1 << 20, (1 << 31) - 1)
INT_OPTIONS = (0, -1, 2, 7, 1 << 30, -(1 << 31))
FLOAT_OPTIONS = (0.0, -1.0, math.nan, math.inf, 1e-30, 1e30)


def _main(m: Any) -> Any:
    return m.subgraphs[0]


def _pick(rng: np.random.Generator, seq: Any) -> Any:
    return seq[int(rng.integers(0, len(seq)))]


def byte_flip(data: bytes, rng: np.random.Generator) -> tuple[str, bytes]:
    b = bytearray(data)
    where = [int(i) for i in rng.integers(8, len(b), size=int(rng.integers(1, 9)))]
    for i in where:
        b[i] ^= int(rng.integers(1, 256))
    return f"flipped bytes at {where}", bytes(b)


def op_delete(data: bytes, rng: np.random.Generator) -> tuple[str, bytes]:
    note = []

    def change(m: Any) -> None:
        ops = _main(m).operators
        k = int(rng.integers(0, len(ops) + 1))
        if k == len(ops):  # every operator
            note.append("all operators")
            _main(m).operators = []
        else:
            note.append(f"operator {k}")
            del ops[k]
    out = edit(data, change)
    return "deleted " + note[0], out


def rewire(data: bytes, rng: np.random.Generator) -> tuple[str, bytes]:
    note = []

    def change(m: Any) -> None:
        sg = _main(m)
        n = len(sg.tensors)
        what = int(rng.integers(0, 4))
        if what == 3 or not sg.operators:  # the subgraph's input or output list
            lst = "inputs" if rng.integers(0, 2) else "outputs"
            arr = np.array(getattr(sg, lst) if getattr(sg, lst) is not None else [], dtype=np.int32)
            if arr.size and rng.integers(0, 3):
                arr[int(rng.integers(0, arr.size))] = int(rng.integers(0, n))
            else:
                arr = np.array([], dtype=np.int32)
            setattr(sg, lst, arr)
            note.append(f"subgraph {lst} -> {arr.tolist()}")
            return
        op_i = int(rng.integers(0, len(sg.operators)))
        op = sg.operators[op_i]
        lst = "outputs" if what == 2 else "inputs"
        arr = np.array(getattr(op, lst) if getattr(op, lst) is not None else [], dtype=np.int32)
        if arr.size == 0:
            arr = np.array([int(rng.integers(0, n))], dtype=np.int32)
        else:
            arr[int(rng.integers(0, arr.size))] = int(rng.integers(-1 if lst == "inputs" else 0, n))
        setattr(op, lst, arr)
        note.append(f"operator {op_i} {lst} -> {arr.tolist()}")
    out = edit(data, change)
    return "rewired " + note[0], out


def _quantised(m: Any) -> list[Any]:
    return [t for t in _main(m).tensors if t.quantization is not None and t.quantization.scale is not None
            and len(t.quantization.scale)]


def quant_edit(data: bytes, rng: np.random.Generator) -> tuple[str, bytes]:
    note = []

    def change(m: Any) -> None:
        ts = _quantised(m)
        if not ts:
            note.append("nothing (no quantised tensor)")
            return
        t = _pick(rng, ts)
        q = t.quantization
        what = int(rng.integers(0, 4))
        if what == 0:
            s = np.array(q.scale, dtype=np.float32)
            s[int(rng.integers(0, s.size))] = _pick(rng, SCALES)
            q.scale = s
            note.append(f"{t.name!r} scale -> {s[:4].tolist()}")
        elif what == 1:
            z = np.array(q.zeroPoint if q.zeroPoint is not None else [0] * len(q.scale), dtype=np.int64)
            z[int(rng.integers(0, z.size))] = _pick(rng, ZERO_POINTS)
            q.zeroPoint = z
            note.append(f"{t.name!r} zero point -> {z[:4].tolist()}")
        elif what == 2:  # per-channel length
            k = len(q.scale)
            n = max(1, k + int(_pick(rng, (-1, 1, 5)))) if k > 1 else int(_pick(rng, (2, 3, 1000)))
            q.scale = np.resize(np.array(q.scale, dtype=np.float32), n)
            q.zeroPoint = np.zeros(n, dtype=np.int64)
            note.append(f"{t.name!r} {k} -> {n} scales")
        else:
            q.quantizedDimension = int(_pick(rng, (-1, 1, 2, 3, 7)))
            note.append(f"{t.name!r} quantized_dimension -> {q.quantizedDimension}")
    out = edit(data, change)
    return "quantisation: " + note[0], out


def shape_edit(data: bytes, rng: np.random.Generator) -> tuple[str, bytes]:
    note = []

    def change(m: Any) -> None:
        t = _pick(rng, _main(m).tensors)
        shape = np.array(t.shape if t.shape is not None else [], dtype=np.int64)
        if shape.size and rng.integers(0, 4):
            shape[int(rng.integers(0, shape.size))] = _pick(rng, DIMS)
        elif shape.size and rng.integers(0, 2):
            shape = shape[:-1]
        else:
            shape = np.append(shape, _pick(rng, (1, 2, 16384)))
        t.shape = shape.astype(np.int32)
        note.append(f"{t.name!r} shape -> {t.shape.tolist()}")
    out = edit(data, change)
    return "shape: " + note[0], out


def option_edit(data: bytes, rng: np.random.Generator) -> tuple[str, bytes]:
    note = []

    def change(m: Any) -> None:
        ops = [op for op in _main(m).operators if op.builtinOptions is not None]
        fields = [(op, k, v) for op in ops for k, v in vars(op.builtinOptions).items()
                  if isinstance(v, (int, float)) and not isinstance(v, bool)]
        if not fields:
            note.append("nothing (no numeric options)")
            return
        op, key, v = _pick(rng, fields)
        new = _pick(rng, FLOAT_OPTIONS if isinstance(v, float) else INT_OPTIONS)
        if not isinstance(v, float) and small:
            new = max(-128, min(127, new))  # the field is narrower than 32 bits
        setattr(op.builtinOptions, key, new)
        note.append(f"{key} {v!r} -> {new!r}")
    small: list[bool] = []
    try:
        out = edit(data, change)
    except TypeError:  # flatbuffers refused a value too wide for its field: pick one that fits
        small.append(False)
        note.clear()
        out = edit(data, change)
    return "option: " + note[0], out


def type_edit(data: bytes, rng: np.random.Generator) -> tuple[str, bytes]:
    note = []

    def change(m: Any) -> None:
        t = _pick(rng, _main(m).tensors)
        new = _pick(rng, (0, 2, 3, 7, 9, 1, 6, 17))  # float32 int32 uint8 int16 int8 float16 bool int4
        note.append(f"{t.name!r} type {t.type} -> {new}")
        t.type = new
    out = edit(data, change)
    return "type: " + note[0], out


def buffer_edit(data: bytes, rng: np.random.Generator) -> tuple[str, bytes]:
    note = []

    def change(m: Any) -> None:
        t = _pick(rng, _main(m).tensors)
        new = int(rng.integers(0, len(m.buffers)))
        note.append(f"{t.name!r} buffer {t.buffer} -> {new}")
        t.buffer = new
    out = edit(data, change)
    return "buffer: " + note[0], out


MUTATIONS: dict[str, Callable[[bytes, np.random.Generator], tuple[str, bytes]]] = {
    "byte_flip": byte_flip, "op_delete": op_delete, "rewire": rewire, "quant_edit": quant_edit,
    "shape_edit": shape_edit, "option_edit": option_edit, "type_edit": type_edit, "buffer_edit": buffer_edit,
}


def mutants(data: bytes, rng: np.random.Generator, n: int) -> Iterator[Mutant]:
    """`n` mutants of `data`, cycling through every kind of mutation."""
    kinds = list(MUTATIONS)
    for i in range(n):
        kind = kinds[i % len(kinds)]
        detail, blob = MUTATIONS[kind](data, rng)
        yield Mutant(kind, detail, blob)
