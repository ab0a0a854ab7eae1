"""Sample sets for calibration, fine-tuning and evaluation, without TensorFlow.

Accepted files:

* ``.npz`` with ``x`` (first axis = samples) and optionally ``y`` (labels); a file holding exactly
  one array is taken as ``x``. ``x_float`` is preferred over an integer ``x`` (the convention of
  ``models/*.samples.npz``: quantised inputs in ``x``, the float images in ``x_float``).
* ``.npy``: ``x`` alone.
* a directory of ``.npy`` files, one sample each, in file-name order.

:func:`fit_samples` checks a set against a model input (shape per sample, float values, nothing
NaN) and returns float32 samples shaped exactly as the input wants, or raises a
:class:`~codegen.errors.McuforgeError` naming the mismatch and the fix.
"""

from __future__ import annotations

import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Sequence

import numpy as np

from codegen.errors import McuforgeError


@dataclass(frozen=True)
class Samples:
    x: np.ndarray                 # first axis = samples
    y: np.ndarray | None          # labels (or targets), one per sample
    source: str                   # for messages: "calib.npz", "samples/ (120 files)"

    def __len__(self) -> int:
        return int(self.x.shape[0])


def load_array(path: Path, role: str) -> np.ndarray | dict[str, np.ndarray]:
    with open(path, "rb") as f:
        head = f.read(6)
    if not (head.startswith(b"\x93NUMPY") or head.startswith(b"PK\x03\x04")):
        raise McuforgeError(f"{role} {path}: not a numpy .npy/.npz file",
                            hint="save the samples with np.save(path, x) or np.savez(path, x=x, y=y)")
    try:
        got = np.load(path, allow_pickle=False)
        if isinstance(got, np.lib.npyio.NpzFile):
            with got:
                return {k: got[k] for k in got.files}
        return np.asarray(got)
    except ValueError as exc:
        if "pickle" in str(exc):
            raise McuforgeError(f"{role} {path}: holds Python objects (pickled), not a numeric array",
                                hint="save a numeric array: np.savez(path, x=np.asarray(x, np.float32), y=labels)") from None
        raise McuforgeError(f"{role} {path}: unreadable numpy file ({exc})", hint="save it again with numpy") from None
    except (OSError, EOFError, zipfile.BadZipFile) as exc:
        raise McuforgeError(f"{role} {path}: truncated or corrupted numpy file ({exc})",
                            hint="save it again with numpy") from None


def load_samples(path: Path | str, role: str = "--data") -> Samples:
    """The samples in a .npy/.npz file or a directory of .npy files (see the module docstring)."""
    p = Path(path)
    if p.is_dir():
        files = sorted(p.glob("*.npy"))
        if not files:
            raise McuforgeError(f"{role} {p}/ holds no .npy files",
                                hint="put one sample per .npy file in the directory, or give a .npz with x")
        arrays = []
        for f in files:
            a = load_array(f, role)
            assert isinstance(a, np.ndarray)
            arrays.append(a)
        shapes = {a.shape for a in arrays}
        if len(shapes) > 1:
            a, b = sorted(shapes, key=str)[:2]
            fa = next(f.name for f, x in zip(files, arrays) if x.shape == a)
            fb = next(f.name for f, x in zip(files, arrays) if x.shape == b)
            raise McuforgeError(f"{role} {p}/: the sample files differ in shape ({fa}: {a}, {fb}: {b})",
                                hint="every .npy in the directory must be one sample of the model's input shape")
        x = np.stack(arrays)
        return Samples(x=x, y=None, source=f"{p.name}/ ({len(files)} files)")
    if not p.exists():
        raise McuforgeError(f"{role} {p}: no such file or directory",
                            hint="give a .npz with x (and y), a .npy, or a directory of .npy samples")
    if p.suffix not in (".npz", ".npy"):
        raise McuforgeError(f"{role} {p}: expected a .npz or .npy file (or a directory of .npy files)",
                            hint="save the samples with numpy: np.savez(path, x=x, y=y)")
    got = load_array(p, role)
    if isinstance(got, np.ndarray):
        return Samples(x=got, y=None, source=p.name)
    if "x" in got:
        x = got["x"]
        if x.dtype.kind in "iu" and "x_float" in got:
            x = got["x_float"]
    elif len(got) == 1:
        x = next(iter(got.values()))
    else:
        raise McuforgeError(f"{role} {p}: no array named 'x' (it has {', '.join(sorted(got)) or 'none'})",
                            hint="save the inputs as x (and labels as y): np.savez(path, x=..., y=...)")
    y = got.get("y")
    if y is not None and len(y) != len(x):
        raise McuforgeError(f"{role} {p}: {len(x)} inputs in x but {len(y)} labels in y",
                            hint="x and y must pair up along their first axis")
    return Samples(x=x, y=y, source=p.name)


def _squeezed(shape: Sequence[int | None]) -> tuple[int | None, ...]:
    return tuple(d for d in shape if d != 1)


def _compatible(have: Sequence[int], want: Sequence[int | None]) -> bool:
    if len(have) != len(want):
        return False
    return all(w is None or w < 0 or h == w for h, w in zip(have, want))


def _fmt(shape: Sequence[int | None]) -> str:
    return "(" + ", ".join("None" if d is None or d < 0 else str(d) for d in shape) + ("," if len(shape) == 1 else "") + ")"


def fit_samples(s: Samples, shape: Sequence[int | None], input_name: str = "input", role: str = "--data",
                limit: int | None = None) -> np.ndarray:
    """float32 samples of the input's per-sample `shape` (without the batch axis; None = any size),
    first axis = samples. Accepts singleton axes added or dropped (8x8 images for an 8x8x1 input,
    batch-1 samples saved with their batch axis)."""
    x = s.x
    want = tuple(shape)
    if x.size == 0 or x.ndim == 0 or x.shape[0] == 0:
        raise McuforgeError(f"{role} {s.source}: no samples (x has shape {x.shape})",
                            hint="give at least one sample; a few hundred representative inputs calibrate best")
    if x.dtype.kind not in "fiub":
        raise McuforgeError(f"{role} {s.source}: x holds {x.dtype} values, not numbers",
                            hint="save the inputs as a float array: np.asarray(x, np.float32)")
    if x.dtype == np.int8:
        raise McuforgeError(f"{role} {s.source}: x is int8, i.e. already quantised for some model",
                            hint="give the float inputs the model was trained on (the converter picks the int8 "
                                 "scale from them); a models/*.samples.npz keeps them as x_float")
    per = x.shape[1:]
    if _compatible(per, want):
        out = x
    elif _compatible(x.shape, want) and len(want) > 0:
        out = x[None]                                   # a single sample without its batch axis
    elif None not in want and all(d > 0 for d in want) and _squeezed(per) == _squeezed(want):
        out = x.reshape((x.shape[0], *want))            # singleton axes added or dropped
    else:
        raise McuforgeError(
            f"{role} {s.source}: samples of shape {_fmt(per)} do not fit the model input {input_name!r} "
            f"of shape {_fmt(want)} per sample (x has shape {x.shape}: the first axis counts samples)",
            hint=f"save x with shape (N, {', '.join('?' if d is None or d < 0 else str(d) for d in want)})"
                 + ("; for a different model input size, rebuild the model for it" if len(per) == len(want) else ""))
    if limit is not None and len(out) > limit:
        out = out[:limit]
    out = np.asarray(out, dtype=np.float32)
    bad = int(np.count_nonzero(~np.isfinite(out)))
    if bad:
        raise McuforgeError(f"{role} {s.source}: {bad} values are NaN or infinite",
                            hint="clean the data (np.nan_to_num, or drop those samples)")
    return out
