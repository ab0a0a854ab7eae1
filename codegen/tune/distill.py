"""Knowledge distillation (Hinton et al., 2015): the student learns from the labels and from the
teacher's softened outputs,

    loss = alpha * CE(labels, softmax(s)) + (1 - alpha) * T^2 * KL(softmax(t / T) || softmax(s / T))

with s and t the student's and the teacher's logits and T the temperature (T^2 keeps the soft term's
gradients on the scale of the hard one's as T changes). The teacher is fixed, so its logits are
computed once per study (:func:`teacher_logits`) and travel beside the labels: ``y_true`` is the label
in column 0 and the teacher's logits after it (:func:`pack_targets`), and the student trains on its own
logits (:func:`logits_model`: the model before its final softmax).

:func:`distillation_loss` is the formula in ``keras.ops`` (any backend); :func:`reference_loss` the same
in numpy, for the tests and for anyone checking by hand.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from codegen.errors import McuforgeError


def reference_loss(labels: np.ndarray, student: np.ndarray, teacher: np.ndarray, temperature: float,
                   alpha: float) -> float:
    """The batch mean of the distillation loss, in float64 numpy."""
    def log_softmax(z: np.ndarray) -> np.ndarray:
        z = z - z.max(axis=-1, keepdims=True)
        return z - np.log(np.exp(z).sum(axis=-1, keepdims=True))
    s, t = np.asarray(student, np.float64), np.asarray(teacher, np.float64)
    ce = -log_softmax(s)[np.arange(len(s)), np.asarray(labels, np.int64)]
    log_pt, log_ps = log_softmax(t / temperature), log_softmax(s / temperature)
    kl = (np.exp(log_pt) * (log_pt - log_ps)).sum(axis=-1)
    return float(np.mean(alpha * ce + (1 - alpha) * temperature ** 2 * kl))


def distillation_loss(y_true: Any, student_logits: Any, temperature: float, alpha: float) -> Any:
    """Per-sample loss in keras.ops; `y_true` = [label, teacher logits...] (see :func:`pack_targets`)."""
    from keras import ops
    labels = ops.cast(y_true[:, 0], "int32")
    teacher = ops.cast(y_true[:, 1:], student_logits.dtype)
    ce = ops.sparse_categorical_crossentropy(labels, student_logits, from_logits=True)
    log_pt = ops.log_softmax(teacher / temperature, axis=-1)
    log_ps = ops.log_softmax(student_logits / temperature, axis=-1)
    kl = ops.sum(ops.exp(log_pt) * (log_pt - log_ps), axis=-1)
    return alpha * ce + (1.0 - alpha) * (temperature ** 2) * kl


def loss_function(temperature: float, alpha: float) -> Any:
    """A Keras loss (batch mean of :func:`distillation_loss`) for `model.compile(loss=...)`."""
    import keras

    class DistillationLoss(keras.losses.Loss):
        def __init__(self) -> None:
            super().__init__(name=f"distillation_T{temperature:g}_a{alpha:g}")

        def call(self, y_true: Any, y_pred: Any) -> Any:
            return distillation_loss(y_true, y_pred, temperature, alpha)
    return DistillationLoss()


def pack_targets(labels: np.ndarray, teacher: np.ndarray) -> np.ndarray:
    """y_true for :func:`distillation_loss`: the label in column 0, the teacher's logits after it."""
    return np.concatenate([np.asarray(labels, np.float32)[:, None], np.asarray(teacher, np.float32)], axis=1)


def _softmax_activation(layer: Any) -> bool:
    act = getattr(layer, "activation", None)
    return act is not None and getattr(act, "__name__", "") == "softmax"


def logits_model(model: Any) -> Any | None:
    """The model up to its logits (sharing its weights): the input of a final Softmax layer, or the
    final layer again without its softmax activation. None when the model ends otherwise."""
    import keras
    last = model.layers[-1]
    if isinstance(last, keras.layers.Softmax):
        return keras.Model(model.inputs, last.input)
    if _softmax_activation(last):
        cfg = last.get_config() | {"activation": "linear", "name": last.name + "_logits"}
        twin = type(last).from_config(cfg)
        out = twin(last.input)
        twin.set_weights(last.get_weights())
        return keras.Model(model.inputs, out)
    return None


def _probabilities(p: np.ndarray) -> bool:
    return bool(p.ndim == 2 and np.all(p >= 0) and np.all(p <= 1) and np.allclose(p.sum(axis=1), 1.0, atol=1e-3))


@dataclass(frozen=True)
class Teacher:
    path: Path
    logits: np.ndarray            # on the training set, (N, classes)
    accuracy: float               # on the validation set (float model)
    output_shape: tuple[int, ...]


def load_teacher(path: Path, x_train: np.ndarray, x_val: np.ndarray, y_val: np.ndarray, classes: int) -> Teacher:
    """The teacher's logits on the training set and its accuracy on the validation set; a teacher whose
    input or output does not fit the data (and so the student) is an error."""
    from codegen.prep.source import detect, load_keras
    src = detect(path)
    if not src.is_keras:
        raise McuforgeError(f"--teacher {path}: a {src.kind.value}; the teacher is a Keras model",
                            hint="give the teacher's .keras (or .h5) file")
    model = load_keras(src)
    out = tuple(model.outputs[0].shape) if len(model.outputs) == 1 else ()
    if len(model.outputs) != 1 or len(out) != 2 or out[1] != classes:
        shown = ", ".join(str(tuple(o.shape)) for o in model.outputs)
        raise McuforgeError(f"--teacher {path.name} outputs {shown}, but the student outputs (None, {classes}): "
                            f"one score per class ({classes} classes in the data)",
                            hint="distil from a teacher trained on the same classes (its last layer: "
                                 f"Dense({classes}) and a softmax)")
    want = tuple(model.inputs[0].shape[1:])
    if len(model.inputs) != 1 or not _fits(x_train.shape[1:], want):
        raise McuforgeError(f"--teacher {path.name} takes inputs of shape {want}, the data's samples have shape "
                            f"{tuple(x_train.shape[1:])}",
                            hint="give a teacher trained on the same inputs as --data")
    xt, xv = x_train, x_val
    if len(want) != x_train.ndim - 1:      # singleton axes added or dropped (8x8 data, an 8x8x1 teacher)
        xt, xv = x_train.reshape((-1, *want)), x_val.reshape((-1, *want))
    head = logits_model(model)
    if head is not None:
        lt = np.asarray(head.predict(xt, verbose=0, batch_size=256), np.float32)
        lv = np.asarray(head.predict(xv, verbose=0, batch_size=256), np.float32)
    else:
        pt = np.asarray(model.predict(xt, verbose=0, batch_size=256), np.float32)
        pv = np.asarray(model.predict(xv, verbose=0, batch_size=256), np.float32)
        # probabilities without a softmax layer: log p is the logits up to a constant per row, which
        # softmax(. / T) ignores; anything else is taken as logits already
        lt, lv = (np.log(np.clip(pt, 1e-12, 1.0)), np.log(np.clip(pv, 1e-12, 1.0))) if _probabilities(pt) else (pt, pv)
    acc = float(np.mean(np.argmax(lv, axis=1) == y_val))
    return Teacher(path=Path(path).resolve(), logits=lt, accuracy=acc, output_shape=out)


def _fits(have: tuple[int, ...], want: tuple[int | None, ...]) -> bool:
    if len(have) == len(want):
        return all(w is None or w == h for h, w in zip(have, want))
    return int(np.prod(have)) == int(np.prod([w or 0 for w in want])) and None not in want
