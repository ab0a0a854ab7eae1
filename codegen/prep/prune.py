"""Magnitude pruning of a Keras 3 model before quantisation, with an optional short fine-tune.

Why not tensorflow-model-optimization: tfmot 0.8.1 wraps only tf_keras (Keras 2) layers.
``prune_low_magnitude`` rejects a Keras 3 model ("can only prune an object of the following types:
keras.models.Sequential, keras functional model, ..."), Keras 3 configs do not load into tf_keras
(``model_from_json`` fails on ``batch_shape`` and on dtype policies), and TensorFlow 2.21's
``tf.keras`` *is* Keras 3, so every model saved from a current training script is a Keras 3 model.
(Importing tfmot also sets ``TF_USE_LEGACY_KERAS=1`` for the whole process.) The method here is
tfmot's: per-layer magnitude masks, raised along the polynomial schedule of Zhu & Gupta (2017)
during the fine-tune, re-applied after every training step so pruned weights stay zero, and the
2:4 (m-by-n) pattern of ``sparsity_m_by_n``.

Structures:

* ``unstructured``: the smallest-magnitude weights of every Conv/DepthwiseConv/Dense kernel become
  zero, each layer pruned to the target fraction. Shapes, flash use and inference time on the MCU do not change
  (dense kernels); the weights compress better.
* ``2:4``: in every group of 4 consecutive weights along the reduction axis (TFLite's memory order:
  kh, kw, in-channel per output channel) the 2 smallest become zero: 50 % sparsity in the pattern
  sparse tensor cores exploit. Same effect on an MCU as unstructured.
* ``channels``: whole output channels (filters, units) with the smallest L1 norm are removed from
  Conv2D/Dense layers and the layers reading them shrink to match: a smaller model, fewer MACs, less
  flash and time on the device. Needs a plain chain (no Add/Concatenate on a pruned path).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, Callable

import numpy as np

from codegen.errors import McuforgeError
from codegen.prep.data import Samples, fit_samples

STRUCTURES = ("unstructured", "2:4", "channels")


@dataclass(frozen=True)
class PruneOptions:
    sparsity: float = 0.5                 # fraction of kernel weights (or channels) removed
    structure: str = "unstructured"       # unstructured | 2:4 | channels
    epochs: int = 2                       # fine-tune epochs (with training data)
    batch_size: int = 32
    learning_rate: float = 5e-4
    seed: int = 0

    def check(self) -> None:
        if self.structure not in STRUCTURES:
            raise McuforgeError(f"--structured {self.structure}: unknown structure",
                                hint="2:4 or channels (or leave it out for unstructured pruning)")
        if self.structure == "2:4":
            if abs(self.sparsity - 0.5) > 1e-9:
                raise McuforgeError(f"--prune {self.sparsity} with --structured 2:4: 2 of every 4 weights is 50 %",
                                    hint="--prune 0.5 --structured 2:4")
        elif not 0.0 < self.sparsity < 1.0:
            raise McuforgeError(f"--prune {self.sparsity}: the sparsity is a fraction between 0 and 1",
                                hint="e.g. --prune 0.5 (half the weights zero)")
        if self.epochs < 0 or self.batch_size < 1:
            raise McuforgeError(f"--epochs {self.epochs}", hint="0 or more epochs, a positive batch size")


@dataclass(frozen=True)
class LayerSparsity:
    name: str
    kind: str                 # Conv2D, Dense, ...
    params: int               # kernel weights after pruning
    params_before: int
    zeros: float              # fraction of kernel weights that are zero
    note: str = ""            # why a layer was left alone


@dataclass(frozen=True)
class PruneReport:
    structure: str
    target: float
    layers: tuple[LayerSparsity, ...]
    epochs: int                       # fine-tune epochs run (0: one-shot, no training data)
    train_source: str = ""
    loss: str = ""
    train_accuracy_before: float | None = None
    train_accuracy_after: float | None = None

    @property
    def sparsity(self) -> float:
        """Zero weights over all pruned kernels (channels: removed weights over the original)."""
        pruned = [lay for lay in self.layers if not lay.note]
        before = sum(lay.params_before for lay in pruned)
        if not before:
            return 0.0
        zeros = sum(lay.params * lay.zeros for lay in pruned)
        return (before - sum(lay.params for lay in pruned) + zeros) / before


# --- masks (numpy, unit-tested without TensorFlow) --------------------------------------------------------

def magnitude_mask(w: np.ndarray, sparsity: float) -> np.ndarray:
    """1 where a weight survives: the round((1 - sparsity) * n) largest magnitudes."""
    flat = np.abs(w).reshape(-1)
    keep = int(round((1.0 - sparsity) * flat.size))
    mask = np.zeros(flat.size, dtype=w.dtype)
    if keep > 0:
        mask[np.argsort(-flat, kind="stable")[:keep]] = 1
    return mask.reshape(w.shape)


def reduction_major(w: np.ndarray) -> np.ndarray:
    """A Keras kernel as (outputs, reduction) in TFLite's weight order (Conv2D (kh,kw,in,out) ->
    (out, kh*kw*in); Dense (in,out) -> (out,in))."""
    return np.moveaxis(w, -1, 0).reshape(w.shape[-1], -1)


def m_by_n_mask(w: np.ndarray, m: int = 2, n: int = 4) -> np.ndarray | None:
    """Keep the m largest of every n consecutive weights along the reduction axis (None: that axis
    is not a multiple of n)."""
    r = reduction_major(w)
    if r.shape[1] % n:
        return None
    groups = np.abs(r).reshape(r.shape[0], -1, n)
    order = np.argsort(-groups, axis=-1, kind="stable")
    mask = np.zeros_like(groups)
    np.put_along_axis(mask, order[..., :m], 1, axis=-1)
    mask = mask.reshape(r.shape)
    # back to the Keras layout
    return np.moveaxis(mask.reshape((w.shape[-1], *w.shape[:-1])), 0, -1).astype(w.dtype)


def schedule(step: int, end: int, target: float) -> float:
    """Polynomial (cubic) sparsity ramp from 0 at step 0 to `target` at `end` (Zhu & Gupta 2017)."""
    if end <= 0 or step >= end:
        return target
    return target * (1.0 - (1.0 - step / end) ** 3)


# --- Keras ---------------------------------------------------------------------------------------------

PRUNABLE = ("Conv1D", "Conv2D", "DepthwiseConv2D", "Dense")


def _walk(model: Any) -> list[Any]:
    out = []
    for layer in model.layers:
        if hasattr(layer, "layers"):
            out += _walk(layer)
        else:
            out.append(layer)
    return out


def prunable_layers(model: Any) -> list[Any]:
    return [lay for lay in _walk(model) if type(lay).__name__ in PRUNABLE and getattr(lay, "kernel", None) is not None]


def _loss_for(model: Any, x: np.ndarray, y: np.ndarray) -> tuple[Any, str, Callable[[np.ndarray, np.ndarray], float] | None]:
    """A loss (and an accuracy function) for fine-tuning, inferred from the labels and the outputs."""
    import keras
    out = np.asarray(model.predict(x[: min(len(x), 64)], verbose=0))
    probs = bool(np.all(out >= 0) and np.all(out <= 1))
    sums = out.reshape(len(out), -1).sum(axis=1)
    if y.dtype.kind in "iu" and y.ndim == 1 and out.ndim == 2 and out.shape[1] > 1:
        logits = not (probs and np.allclose(sums, 1.0, atol=1e-3))
        if y.min() < 0 or y.max() >= out.shape[1]:
            raise McuforgeError(f"--train labels run {y.min()}..{y.max()} but the model has {out.shape[1]} outputs",
                                hint="y must hold class indices 0..classes-1")

        def acc(xs: np.ndarray, ys: np.ndarray) -> float:
            return float(np.mean(np.argmax(model.predict(xs, verbose=0), axis=1) == ys))
        return (keras.losses.SparseCategoricalCrossentropy(from_logits=logits),
                f"sparse categorical cross-entropy ({'logits' if logits else 'probabilities'})", acc)
    if out.ndim == 2 and out.shape[1] == 1 and set(np.unique(y)) <= {0, 1}:
        return keras.losses.BinaryCrossentropy(from_logits=not probs), "binary cross-entropy", None
    if y.dtype.kind == "f" and y.shape[1:] == out.shape[1:]:
        return keras.losses.MeanSquaredError(), "mean squared error", None
    raise McuforgeError(f"cannot tell how to fine-tune on y of shape {y.shape} ({y.dtype}) for outputs of shape "
                        f"{out.shape[1:]}", hint="give class indices (int, one per sample) for a classifier, or "
                                                  "targets shaped like the output; or prune without --train")


def _trainable_copy(model: Any, shape: tuple[int, ...]) -> Any:
    """The model with a free batch size (a model exported with batch 1 cannot train in batches)."""
    import keras
    ins = getattr(model, "inputs", None)
    if ins and ins[0].shape[0] is None:
        return model
    copy = keras.models.clone_model(model, input_tensors=keras.Input(shape=shape[1:]))
    copy.set_weights(model.get_weights())
    return copy


class _Masks:
    """Masks over the prunable kernels of a model, kept in TensorFlow and applied in place."""

    def __init__(self, layers: list[Any], options: PruneOptions) -> None:
        import tensorflow as tf
        self.tf = tf
        self.layers = layers
        self.options = options
        self.masks: list[Any] = [None] * len(layers)
        self.notes: list[str] = [""] * len(layers)

    def update(self, sparsity: float) -> None:
        for i, lay in enumerate(self.layers):
            w = np.asarray(lay.kernel.numpy())
            if self.options.structure == "2:4":
                if type(lay).__name__ == "DepthwiseConv2D":
                    self.notes[i] = "skipped: a depthwise kernel has no reduction across channels to group"
                    continue
                m = m_by_n_mask(w)
                if m is None:
                    self.notes[i] = f"skipped: reduction axis {reduction_major(w).shape[1]} is not a multiple of 4"
                    continue
            else:
                m = magnitude_mask(w, sparsity)
            self.masks[i] = self.tf.constant(m)
        self.apply()

    def apply(self) -> None:
        for lay, m in zip(self.layers, self.masks):
            if m is not None:
                lay.kernel.assign(lay.kernel * m)


def prune_model(model: Any, options: PruneOptions, train: Samples | None, calib_shape: tuple[int, ...],
                progress: Callable[[str], None] | None = None) -> tuple[Any, PruneReport]:
    """Prune (and fine-tune on `train` when given) a Keras 3 model; returns the pruned model (a new
    one for ``channels``, `model` itself, changed in place, otherwise) and the report."""
    options.check()
    say = progress or (lambda _: None)
    import keras
    keras.utils.set_random_seed(options.seed)
    x = y = None
    if train is not None:
        if train.y is None:
            raise McuforgeError(f"--train {train.source} has no labels y", hint="np.savez(path, x=inputs, y=labels)")
        x = fit_samples(train, calib_shape[1:], role="--train")
        y = np.asarray(train.y)[: len(x)]
    before_params = {lay.name: int(np.prod(lay.kernel.shape)) for lay in prunable_layers(model)}
    if options.structure == "channels":
        from codegen.prep.channels import remove_channels
        model, notes = remove_channels(model, options.sparsity, calib_shape)
    else:
        notes = {}
    layers = prunable_layers(model)
    if not layers:
        raise McuforgeError("the model has no Conv/Dense kernels to prune", hint="drop --prune")
    epochs = options.epochs if x is not None else 0
    loss_name, acc_before, acc_after = "", None, None
    masks = _Masks(layers, options) if options.structure != "channels" else None
    if epochs:
        assert x is not None and y is not None
        net = _trainable_copy(model, calib_shape)
        loss, loss_name, acc = _loss_for(net, x, y)
        acc_before = acc(x, y) if acc else None
        net_layers = prunable_layers(net)
        tmasks = _Masks(net_layers, options) if masks is not None else None
        steps = epochs * math.ceil(len(x) / options.batch_size)
        end = max(1, int(0.7 * steps))
        every = max(1, end // 10)

        class Hold(keras.callbacks.Callback):
            def __init__(self) -> None:
                super().__init__()
                self.step = 0

            def on_train_batch_begin(self, batch: int, logs: Any = None) -> None:
                if tmasks is not None and options.structure == "unstructured" and \
                        (self.step % every == 0 or self.step == end) and self.step <= end:
                    tmasks.update(schedule(self.step, end, options.sparsity))

            def on_train_batch_end(self, batch: int, logs: Any = None) -> None:
                self.step += 1
                if tmasks is not None:
                    tmasks.apply()
        if tmasks is not None and options.structure == "2:4":
            tmasks.update(0.5)
        net.compile(optimizer=keras.optimizers.Adam(options.learning_rate), loss=loss)
        say(f"fine-tuning {epochs} epoch(s) on {len(x)} samples from {train.source if train else ''} "
            f"({options.structure} to {options.sparsity:.0%})")
        net.fit(x, y, epochs=epochs, batch_size=options.batch_size, callbacks=[Hold()], verbose=0, shuffle=True)
        if tmasks is not None:
            tmasks.update(options.sparsity)  # exactly the target, whatever the ramp reached
        acc_after = acc(x, y) if acc else None
        if net is not model:
            model.set_weights(net.get_weights())
        if masks is not None:
            masks.notes = tmasks.notes if tmasks is not None else masks.notes
    elif masks is not None:
        masks.update(options.sparsity)
    report_layers = []
    for i, lay in enumerate(layers):
        w = np.asarray(lay.kernel.numpy())
        note = notes.get(lay.name, "") if masks is None else masks.notes[i]
        report_layers.append(LayerSparsity(name=lay.name, kind=type(lay).__name__, params=int(w.size),
                                           params_before=before_params.get(lay.name, int(w.size)),
                                           zeros=float(np.count_nonzero(w == 0)) / w.size, note=note))
    return model, PruneReport(structure=options.structure, target=options.sparsity, layers=tuple(report_layers),
                              epochs=epochs, train_source=train.source if train is not None else "",
                              loss=loss_name, train_accuracy_before=acc_before, train_accuracy_after=acc_after)
