"""Where a generated ``.tflite`` came from: the sidecar ``<stem>.source.json`` that ``quantize`` writes
beside it (``model_int8.tflite`` -> ``model_int8.source.json``).

It records what the later commands need and the ``.tflite`` cannot say:

* the layout of each input and output in the *source* model (an ONNX model's NCHW input became NHWC
  in the ``.tflite``): ``scons ... test data=``, ``run input=`` and ``compare --data`` take arrays in
  the source model's layout, as the user feeds ONNX Runtime, and transpose them here;
* the float reference: the model whose outputs the deployed model is measured against (the ``.onnx``
  for ONNX sources, the float32 ``.tflite`` for Keras/SavedModel sources: ``--float-out``'s, else
  ``OUT.float32.tflite``).

The sidecar names the ``.tflite`` it describes by sha256: a sidecar beside another model is an error
(the layout would be wrong), not ignored. No TensorFlow, no ONNX: numpy and JSON.
"""

from __future__ import annotations

import enum
import hashlib
import json
import os
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from codegen.errors import McuforgeError

FORMAT_VERSION = 1
FLOAT_FORMATS = ("onnx", "tflite")


class VariantKind(enum.StrEnum):
    """How a model was prepared: the row type of a comparison (original, pruned, quantised, distilled
    student side by side)."""

    ORIGINAL = "original"              # the float model as trained (its float32 conversion)
    QUANTISED = "quantised"            # full-integer quantisation of the original
    PRUNED = "pruned"                  # pruned, then quantised
    DISTILLED = "distilled student"    # a smaller model trained from a teacher (tune --teacher)

    @staticmethod
    def parse(text: str) -> "VariantKind":
        """The kind from its name or its first word (`distilled`)."""
        for k in VariantKind:
            if text in (k.value, k.name.lower(), k.value.split()[0]):
                return k
        raise McuforgeError(f"unknown variant kind {text!r}",
                            hint="append :int8io or a row type: " + ", ".join(":" + k.value.split()[0] for k in VariantKind))


@dataclass(frozen=True)
class TensorLayout:
    """One input or output: its shape in the source model (batch 1) and how the ``.tflite``'s axes map
    to it: ``.tflite`` axis i is source axis ``perm[i]`` (the identity when the layouts agree)."""

    name: str
    source_shape: tuple[int, ...]
    perm: tuple[int, ...]

    @property
    def identity(self) -> bool:
        return self.perm == tuple(range(len(self.perm)))

    @property
    def model_shape(self) -> tuple[int, ...]:
        return tuple(self.source_shape[p] for p in self.perm)

    @property
    def layout(self) -> str:
        """"NCHW -> NHWC" style, for messages ("" when nothing moves)."""
        if self.identity:
            return ""
        letters = {3: "NCW", 4: "NCHW", 5: "NCDHW"}.get(len(self.perm))
        if letters is None:
            return f"axes {self.perm}"
        return f"{letters} -> {''.join(letters[p] for p in self.perm)}"

    def _samples(self, xs: np.ndarray, shape: tuple[int, ...], what: str) -> np.ndarray:
        per = int(np.prod(shape[1:]))
        if xs.size % per:
            raise McuforgeError(f"{what} of shape {xs.shape} does not split into samples of shape {shape[1:]} "
                                f"({self.name!r} in the source model's layout)",
                                hint=f"save x with shape (N, {', '.join(map(str, shape[1:]))}), as the source "
                                     "model (ONNX Runtime) takes it")
        return xs.reshape(-1, *shape[1:])

    def to_model(self, xs: np.ndarray) -> np.ndarray:
        """Samples (first axis) in the source layout -> in the .tflite's layout."""
        x = self._samples(np.asarray(xs), self.source_shape, "data")
        return x if self.identity else x.transpose((0, *self.perm[1:]))

    def to_source(self, xs: np.ndarray) -> np.ndarray:
        """Samples (first axis) in the .tflite's layout -> in the source layout."""
        x = self._samples(np.asarray(xs), self.model_shape, "output")
        return x if self.identity else x.transpose((0, *np.argsort(self.perm)[1:]))

    def as_json(self) -> dict:
        return {"name": self.name, "source_shape": list(self.source_shape), "perm": list(self.perm),
                "layout": self.layout or "same"}

    @staticmethod
    def from_json(d: dict) -> "TensorLayout":
        return TensorLayout(name=str(d["name"]), source_shape=tuple(int(v) for v in d["source_shape"]),
                            perm=tuple(int(v) for v in d["perm"]))


@dataclass(frozen=True)
class FloatReference:
    """The float model the deployed model is measured against."""

    path: Path
    format: str                  # onnx | tflite
    sha256: str

    @staticmethod
    def of(path: Path, fmt: str) -> "FloatReference":
        if fmt not in FLOAT_FORMATS:
            raise ValueError(fmt)
        return FloatReference(path=Path(path).resolve(), format=fmt, sha256=sha256_of(Path(path)))


@dataclass(frozen=True)
class Origin:
    model_sha256: str                         # the .tflite this sidecar describes
    source: Path                              # the model quantize was given
    source_kind: str                          # "ONNX model", "Keras model (.keras)", ...
    converter: str                            # "onnx2tf 1.29.24, TensorFlow 2.21.0" ...
    inputs: tuple[TensorLayout, ...]
    outputs: tuple[TensorLayout, ...]
    float_reference: FloatReference | None
    kind: VariantKind | None = None           # how it was prepared (None: not recorded)
    note: str = ""                            # e.g. the teacher a student was distilled from

    def as_json(self, base: Path) -> dict:
        ref = self.float_reference
        return {"mcuforge_source": FORMAT_VERSION, "model_sha256": self.model_sha256,
                "source": _rel(self.source, base), "source_kind": self.source_kind, "converter": self.converter,
                "inputs": [t.as_json() for t in self.inputs], "outputs": [t.as_json() for t in self.outputs],
                "float_reference": None if ref is None else {"path": _rel(ref.path, base), "format": ref.format,
                                                             "sha256": ref.sha256},
                "kind": None if self.kind is None else self.kind.value, "note": self.note}

    @staticmethod
    def from_json(d: dict, base: Path) -> "Origin":
        ref = d.get("float_reference")
        return Origin(model_sha256=str(d["model_sha256"]), source=_abs(d["source"], base),
                      source_kind=str(d.get("source_kind", "")), converter=str(d.get("converter", "")),
                      inputs=tuple(TensorLayout.from_json(t) for t in d["inputs"]),
                      outputs=tuple(TensorLayout.from_json(t) for t in d["outputs"]),
                      float_reference=None if not ref else FloatReference(
                          path=_abs(ref["path"], base), format=str(ref["format"]), sha256=str(ref["sha256"])),
                      kind=VariantKind(d["kind"]) if d.get("kind") else None, note=str(d.get("note", "")))


def _rel(p: Path, base: Path) -> str:
    try:
        return os.path.relpath(Path(p).resolve(), Path(base).resolve())
    except ValueError:  # another drive
        return str(Path(p).resolve())


def _abs(text: str, base: Path) -> Path:
    p = Path(text)
    return p if p.is_absolute() else (Path(base) / p).resolve()


def sha256_of(path: Path) -> str:
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


def origin_file(model: Path) -> Path:
    """The sidecar of `model`: ``kws_int8.tflite`` -> ``kws_int8.source.json``."""
    return Path(model).with_suffix(".source.json")


def write_origin(model: Path, origin: Origin) -> Path:
    path = origin_file(model)
    path.write_text(json.dumps(origin.as_json(path.parent), indent=2) + "\n")
    return path


def read_origin(model: Path) -> Origin | None:
    """The sidecar of `model`, None when there is none. A sidecar that describes another model, or
    that cannot be read, is an error."""
    path = origin_file(model)
    if not path.is_file():
        return None
    try:
        d = json.loads(path.read_text())
        origin = Origin.from_json(d, path.parent)
    except (ValueError, KeyError, TypeError) as exc:
        raise McuforgeError(f"{path} is not a readable mcuforge sidecar ({exc})",
                            hint=f"delete it, or write it again with `python -m codegen quantize ... -o {model}`") from None
    have = sha256_of(Path(model))
    if origin.model_sha256 != have:
        raise McuforgeError(f"{path.name} describes another model (sha256 {origin.model_sha256[:16]}), not "
                            f"{Path(model).name} ({have[:16]}): its input layout would be wrong",
                            hint=f"quantise again (`python -m codegen quantize ... -o {model}`) or delete {path.name}")
    return origin
