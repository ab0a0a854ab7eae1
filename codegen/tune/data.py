"""The training and validation sets of a study: ``.npz`` files with float inputs ``x`` and integer class
labels ``y`` (:func:`codegen.prep.data.load_samples` reads them), checked against each other before
anything trains: not empty, labelled, the same per-sample shape, whole-number labels from 0, every
validation class seen in training, finite values."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from codegen.errors import McuforgeError
from codegen.prep.data import Samples, fit_samples, load_samples


@dataclass(frozen=True)
class Dataset:
    x: np.ndarray                 # float32, first axis = samples
    y: np.ndarray                 # int64 class labels
    path: Path

    def __len__(self) -> int:
        return int(self.x.shape[0])


@dataclass(frozen=True)
class TuneData:
    train: Dataset
    val: Dataset
    classes: int                  # labels are 0 .. classes-1
    sha256: str                   # of both files' arrays: a resumed study checks it

    @property
    def input_shape(self) -> tuple[int, ...]:
        """One sample's shape (no batch axis)."""
        return tuple(int(d) for d in self.train.x.shape[1:])


def _labelled(path: Path, option: str) -> tuple[Samples, np.ndarray]:
    s = load_samples(path, option)
    fix = f"np.savez('{path.name}', x=inputs, y=labels) with float inputs and integer class labels"
    if len(s) == 0 or s.x.size == 0:
        raise McuforgeError(f"{option} {path}: no samples (x has shape {s.x.shape})", hint=fix)
    if s.y is None:
        raise McuforgeError(f"{option} {path}: no labels (y)", hint=fix)
    y = np.asarray(s.y)
    if y.ndim != 1:
        if y.ndim == 2 and y.shape[1] > 1 and np.all((y == 0) | (y == 1)) and np.all(y.sum(axis=1) == 1):
            raise McuforgeError(f"{option} {path}: y is one-hot ({y.shape}); tune takes class indices",
                                hint="save y = labels.argmax(axis=1)")
        raise McuforgeError(f"{option} {path}: y has shape {y.shape}; one class label per sample expected",
                            hint=fix)
    if y.dtype.kind == "f" and np.all(np.isfinite(y)) and np.all(y == np.round(y)):
        y = y.astype(np.int64)
    if y.dtype.kind not in "iu":
        raise McuforgeError(f"{option} {path}: y holds {y.dtype} values, not class indices", hint=fix)
    if y.min() < 0:
        raise McuforgeError(f"{option} {path}: negative label {int(y.min())}", hint="number the classes 0, 1, 2, ...")
    return s, y.astype(np.int64)


def load_data(train: Path, val: Path) -> TuneData:
    """Both sets, checked against each other (see the module docstring)."""
    ts, ty = _labelled(Path(train), "--data")
    vs, vy = _labelled(Path(val), "--val")
    tx = fit_samples(ts, ts.x.shape[1:], "input", role="--data")
    per = tuple(tx.shape[1:])
    if tuple(vs.x.shape[1:]) != per:
        raise McuforgeError(f"--val {val}: samples of shape {tuple(vs.x.shape[1:])}, but the training samples "
                            f"(--data {train}) have shape {per}",
                            hint="give both sets in the same layout: x with shape (N, "
                                 + ", ".join(map(str, per)) + ")")
    vx = fit_samples(vs, per, "input", role="--val")
    classes = int(max(ty.max(), vy.max())) + 1
    missing = sorted(set(range(classes)) - set(np.unique(ty).tolist()))
    if missing:
        raise McuforgeError(f"--data {train}: no training sample of class{'es' if len(missing) > 1 else ''} "
                            + ", ".join(map(str, missing[:10])) + (" ..." if len(missing) > 10 else "")
                            + (f" (the validation set has {'them' if len(missing) > 1 else 'it'})"
                               if set(missing) & set(vy.tolist()) else ""),
                            hint="number the classes 0..K-1 and give every class training samples")
    if classes < 2:
        raise McuforgeError(f"--data {train}: only one class ({classes - 1})", hint="a classifier needs two or more classes")
    h = hashlib.sha256()
    for a in (tx, ty, vx, vy):
        h.update(str(a.shape).encode())
        h.update(np.ascontiguousarray(a).tobytes())
    return TuneData(train=Dataset(tx, ty, Path(train).resolve()), val=Dataset(vx, vy, Path(val).resolve()),
                    classes=classes, sha256=h.hexdigest())
