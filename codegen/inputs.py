"""Input data for a model on a target (``input=``, ``data=``, the model's ``*.samples.npz``): read once,
then checked against the model's input tensor and converted to it, or refused with the expected and
the given forms.

Accepted: ``.npz`` with ``x`` (first axis = samples; a file with a single array is taken as ``x``),
optional integer labels ``y`` and, beside an integer ``x``, the float inputs ``x_float`` (what a float
model input takes); or a ``.npy`` (one input, or a stack of inputs).

Conversion to the input tensor's type:

* integer data for an integer input: every value must lie in the input type's range (never wrapped);
* float data for a quantised integer input: quantised with the input's scale and zero point
  (saturating, as TFLM's QUANTIZE does);
* float data for a float input: as float32;
* anything else (integer data for a float input, booleans, strings, objects), NaN or infinite values,
  an empty set, a per-sample shape with another element count: refused.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from codegen.errors import McuforgeError
from codegen.lowering import IOTensor
from codegen.origin import TensorLayout, read_origin
from codegen.prep.data import load_array

SUFFIXES = (".npz", ".npy")


@dataclass(frozen=True)
class DataSet:
    """Arrays read from one file; nothing checked against a model yet."""

    x: np.ndarray                     # first axis = samples, or a single input
    y: np.ndarray | None              # integer labels, one per sample
    x_float: np.ndarray | None        # float inputs beside an integer x
    source: str                       # the file's name, for messages

    def __len__(self) -> int:
        return int(self.x.shape[0]) if self.x.ndim else 1


def samples_file(model: Path) -> Path:
    """The conventional sample data beside a model: `kws.tflite` -> `kws.samples.npz`."""
    return Path(model).with_suffix(".samples.npz")


def source_layout(model: Path) -> TensorLayout | None:
    """The layout the model's data come in when it was converted from another layout (an ONNX model's
    NCHW, recorded in the `quantize` sidecar): data files are in that layout. None: the model's own."""
    origin = read_origin(Path(model))
    return origin.inputs[0] if origin is not None and len(origin.inputs) == 1 else None


def form(a: np.ndarray) -> str:
    """`int32[297x8x8x1], values -1000..1000`."""
    shape = "x".join(map(str, a.shape)) or "scalar"
    text = f"{a.dtype}[{shape}]"
    if a.size and a.dtype.kind in "iuf":
        finite = a[np.isfinite(a)] if a.dtype.kind == "f" else a
        if finite.size:
            text += f", values {finite.min():g}..{finite.max():g}"
    return text


def tensor_form(t: IOTensor) -> str:
    text = f"{t.dtype.name.lower()}[{'x'.join(map(str, t.shape))}]"
    if t.dtype.np.kind in "iu":
        info = np.iinfo(t.dtype.np)
        text += f" ({info.min}..{info.max})"
    return text


def read_data(path: Path, option: str) -> DataSet:
    """The arrays of a .npz/.npy file: exists, numeric, not empty, labels pairing up with the inputs."""
    p = Path(path)
    if not p.is_file():
        raise McuforgeError(f"{option}{p}: data file not found",
                            hint=f"give {option}FILE.npz (x, optional labels y) or FILE.npy")
    if p.suffix.lower() not in SUFFIXES:
        raise McuforgeError(f"{option}{p}: expected a .npz or .npy file", hint="save it with np.savez or np.save")
    got = load_array(p, option.rstrip("="))
    x_float = None
    y = None
    if isinstance(got, np.ndarray):
        x = got
    elif "x" in got:
        x, y, x_float = got["x"], got.get("y"), got.get("x_float")
    elif len(got) == 1:
        x = next(iter(got.values()))
    else:
        raise McuforgeError(f"{option}{p}: no array named 'x' (it has {', '.join(sorted(got)) or 'none'})",
                            hint="save the inputs as x (and labels as y): np.savez(path, x=..., y=...)")
    if x.dtype.kind not in "iufb":
        raise McuforgeError(f"{option}{p}: x holds {x.dtype} values, not numbers",
                            hint="save the inputs as a numeric array (int8, uint8, int16 or float32)")
    if x.size == 0:
        raise McuforgeError(f"{option}{p}: no samples (x has shape {x.shape})", hint="give at least one input")
    if y is not None:
        if y.ndim != 1 or y.dtype.kind not in "iu":
            raise McuforgeError(f"{option}{p}: labels y are {form(y)}; expected one integer class per sample",
                                hint="save y as integer classes: np.argmax(one_hot, axis=-1).astype(np.int64)")
        if x.ndim == 0 or len(y) != x.shape[0]:
            raise McuforgeError(f"{option}{p}: {x.shape[0] if x.ndim else 1} inputs in x but {len(y)} labels in y",
                                hint="x and y must pair up along their first axis")
    if x_float is not None and x_float.shape != x.shape:
        x_float = None  # not the same samples: ignore it rather than guess
    return DataSet(x=x, y=y, x_float=x_float, source=p.name)


def sample_rows(path: Path, option: str) -> int:
    """How many samples a data file holds (a file of one input: 1)."""
    return len(read_data(path, option))


def fit(ds: DataSet, t: IOTensor, option: str, layout: TensorLayout | None = None) -> np.ndarray:
    """The samples as the input tensor takes them: shape (N, *t.shape), dtype t's. `layout`: the data
    are in the source model's layout (see :func:`source_layout`), moved to the model's first."""
    per = int(np.prod(t.shape))
    want = tensor_form(t)
    x = ds.x_float if t.dtype.np.kind == "f" and ds.x.dtype.kind in "iu" and ds.x_float is not None else ds.x
    given = form(x)
    if layout is not None:
        x = layout.to_model(x)
    if x.ndim >= 1 and int(np.prod(x.shape[1:])) == per:
        n = x.shape[0]
    elif x.size == per:
        n = 1
    else:
        raise McuforgeError(f"{option}{ds.source}: x is {given}, which does not split into inputs of shape "
                            f"{tuple(t.shape)} (the model's input {t.name!r} is {want} per sample)",
                            hint=f"save x with shape (N, {', '.join(map(str, t.shape))}): the first axis counts samples")
    x = x.reshape((n, *t.shape))
    kind = t.dtype.np.kind
    if kind == "b" or x.dtype.kind == "b":
        if kind != "b" or x.dtype.kind not in "biu" or not np.isin(x, (0, 1)).all():
            raise McuforgeError(f"{option}{ds.source}: x is {given}; the model's input {t.name!r} is {want}",
                                hint="booleans (or 0/1) go with a bool input, numbers with a numeric one")
        return x.astype(np.bool_)
    if x.dtype.kind == "f":
        bad = int(np.count_nonzero(~np.isfinite(x)))
        if bad:
            raise McuforgeError(f"{option}{ds.source}: {bad} values of x are NaN or infinite",
                                hint="clean the data (np.nan_to_num, or drop those samples)")
    if kind in "iu":
        info = np.iinfo(t.dtype.np)
        if x.dtype.kind in "iu":
            lo, hi = int(x.min()), int(x.max())
            if lo < info.min or hi > info.max:
                raise McuforgeError(f"{option}{ds.source}: x is {given}, outside the range of the model's input "
                                    f"{t.name!r}, {want}",
                                    hint=f"give {t.dtype.name.lower()} values {info.min}..{info.max} (already "
                                         f"quantised), or the float inputs (quantised with scale {t.scale:g}, "
                                         f"zero point {t.zero_point})")
            return x.astype(t.dtype.np)
        if not t.scale:
            raise McuforgeError(f"{option}{ds.source}: x is {given}; the model's input {t.name!r} is {want} "
                                "without quantisation parameters", hint=f"give {t.dtype.name.lower()} values")
        q = np.round(x / t.scale) + t.zero_point  # in the data's own float type, as TFLM's converter tools do
        return np.clip(q, info.min, info.max).astype(t.dtype.np)
    if x.dtype.kind != "f":
        raise McuforgeError(f"{option}{ds.source}: x is {given}; the model's input {t.name!r} is {want}",
                            hint="give float inputs (x as float32, or x_float beside an integer x)")
    if x.size and float(np.abs(x).max()) > float(np.finfo(t.dtype.np).max):
        raise McuforgeError(f"{option}{ds.source}: x is {given}: values overflow {t.dtype.name.lower()}",
                            hint="scale the data into the model's input range")
    return x.astype(t.dtype.np)
