"""How far a deployed model's outputs are from its float model's: the metrics ST Edge AI's ``validate``
reports, accumulated over samples, per output.

For one output, over every element of every sample (``ref``: the float model, ``got``: the deployed
model, dequantised to real values):

* RMSE      sqrt(mean((got - ref)^2))
* MAE       mean(|got - ref|)
* max |error|  max(|got - ref|)
* cosine    <got, ref> / (|got| |ref|)  (1: same direction; both all-zero: 1, one all-zero: 0)
* L2r       |got - ref| / |ref|  (the error's 2-norm relative to the reference's; None when the
            reference is all zero and the error is not)

:class:`Accumulator` takes one sample at a time (sums in float64, so the order of samples changes
nothing but the last bits); :meth:`Accumulator.result` gives a frozen :class:`Fidelity`. numpy only.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class Fidelity:
    """The metrics of one output over `samples` samples (`elements` values in all)."""

    samples: int
    elements: int
    rmse: float
    mae: float
    max_abs_error: float
    cosine: float
    l2_relative_error: float | None


# Shaped like hil.dut.LinkStats and tune.space.Training (`duplicates` pairs): fields defaulting to zero;
# running sums here, link counters and training settings there.
@dataclass
class Accumulator:
    samples: int = 0
    elements: int = 0
    sum_sq_err: float = 0.0
    sum_abs_err: float = 0.0
    max_abs_err: float = 0.0
    dot: float = 0.0
    sum_sq_ref: float = 0.0
    sum_sq_got: float = 0.0

    def add(self, got: np.ndarray, ref: np.ndarray) -> None:
        """One sample: the deployed model's output `got` and the float model's `ref` (same size)."""
        g = np.asarray(got, dtype=np.float64).reshape(-1)
        r = np.asarray(ref, dtype=np.float64).reshape(-1)
        if g.size != r.size:
            raise ValueError(f"output of {g.size} values against a reference of {r.size}")
        e = g - r
        self.samples += 1
        self.elements += int(g.size)
        self.sum_sq_err += float(e @ e)
        self.sum_abs_err += float(np.abs(e).sum())
        if e.size:
            self.max_abs_err = max(self.max_abs_err, float(np.abs(e).max()))
        self.dot += float(g @ r)
        self.sum_sq_ref += float(r @ r)
        self.sum_sq_got += float(g @ g)

    def result(self) -> Fidelity:
        n = self.elements
        if n == 0:
            return Fidelity(samples=self.samples, elements=0, rmse=0.0, mae=0.0, max_abs_error=0.0, cosine=1.0,
                            l2_relative_error=0.0)
        norms = math.sqrt(self.sum_sq_ref) * math.sqrt(self.sum_sq_got)
        if norms > 0:
            cosine = max(-1.0, min(1.0, self.dot / norms))
        else:
            cosine = 1.0 if self.sum_sq_ref == self.sum_sq_got == 0.0 else 0.0
        if self.sum_sq_ref > 0:
            l2r: float | None = math.sqrt(self.sum_sq_err / self.sum_sq_ref)
        else:
            l2r = 0.0 if self.sum_sq_err == 0.0 else None
        return Fidelity(samples=self.samples, elements=n, rmse=math.sqrt(self.sum_sq_err / n),
                        mae=self.sum_abs_err / n, max_abs_error=self.max_abs_err, cosine=cosine,
                        l2_relative_error=l2r)


def fidelity(got: np.ndarray, ref: np.ndarray) -> Fidelity:
    """The metrics of a whole set at once: `got` and `ref` with samples on the first axis."""
    acc = Accumulator()
    g, r = np.asarray(got), np.asarray(ref)
    if g.shape[:1] != r.shape[:1]:
        raise ValueError(f"{g.shape[0]} outputs against {r.shape[0]} references")
    for a, b in zip(g, r):
        acc.add(a, b)
    return acc.result()
