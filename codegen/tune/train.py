"""One model of the space, trained briefly: the trial's values -> a Keras model (a shipped family or the
user's builder), Adam at the trial's learning rate for at most ``[train] epochs``, early stopping on a
held-out slice of the training set (``holdout``, ``patience``; the best weights kept), on the labels
alone or distilled from the teacher (:mod:`codegen.tune.distill`). Seeded from ``[train] seed``: the
same values train the same way, with or without a teacher, so the two can be compared."""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any, Callable, Mapping

import numpy as np

from codegen.errors import McuforgeError
from codegen.tune.data import TuneData
from codegen.tune.distill import Teacher, logits_model, loss_function, pack_targets
from codegen.tune.families import Scalar, family, user_builder, with_defaults
from codegen.tune.space import Space


@dataclass(frozen=True)
class Trained:
    model: Any                    # the full Keras model (ending in its softmax): what gets quantised
    float_accuracy: float         # on the validation set
    epochs: int                   # run (early stopping may end sooner)
    parameters: int
    seconds: float


def build_model(space: Space, values: Mapping[str, Scalar], data: TuneData) -> Any:
    """The trial's Keras model, checked: one input of the data's shape, one output per class."""
    if space.family:
        fam = family(space.family)
        if len(data.input_shape) not in fam.input_ranks:
            raise McuforgeError(f"family {fam.name!r} takes samples of rank "
                                f"{' or '.join(map(str, fam.input_ranks))}, the data's have shape {data.input_shape}",
                                hint="pick the family for your data: dscnn (images, spectrograms: HxW or HxWxC), "
                                     "conv1d (time series: T or TxC), mlp (anything)")
        model = fam.build(with_defaults(fam, values), input_shape=data.input_shape, classes=data.classes)
    else:
        fn = user_builder(space.builder, space.path.parent)
        try:
            model = fn(dict(values), input_shape=data.input_shape, classes=data.classes)
        except McuforgeError:
            raise
        except Exception as exc:  # noqa: BLE001 - the user's code: name it, keep the message
            raise McuforgeError(f"builder {space.builder} failed with {dict(values)}: {type(exc).__name__}: {exc}",
                                hint="fix the builder (it is called as build(params, input_shape=..., "
                                     "classes=...))") from exc
    name = space.title
    if not hasattr(model, "predict") or not getattr(model, "outputs", None):
        raise McuforgeError(f"{name} returned {type(model).__name__}, not a Keras model",
                            hint="return a keras.Model")
    if len(model.inputs) != 1 or len(model.outputs) != 1:
        raise McuforgeError(f"{name}'s model has {len(model.inputs)} inputs and {len(model.outputs)} outputs",
                            hint="one input and one output (the class probabilities)")
    out = tuple(model.outputs[0].shape)
    if len(out) != 2 or out[1] != data.classes:
        raise McuforgeError(f"{name}'s model outputs {out}, but the data has {data.classes} classes",
                            hint=f"end the model in Dense({data.classes}) and a Softmax")
    return model


def _holdout(n: int, fraction: float, seed: int) -> tuple[np.ndarray, np.ndarray]:
    order = np.random.default_rng(seed).permutation(n)
    k = int(round(n * fraction)) if fraction > 0 else 0
    return order[k:], order[:k]


def train(space: Space, values: Mapping[str, Scalar], data: TuneData, teacher: Teacher | None,
          progress: Callable[[int, int], None] | None = None) -> Trained:
    """Train the trial's model; with `teacher`, distilled at the trial's temperature and alpha."""
    import keras
    start = time.monotonic()
    keras.backend.clear_session()
    keras.utils.set_random_seed(space.train.seed)
    model = build_model(space, values, data)
    head = logits_model(model)
    if head is None:
        raise McuforgeError(f"{space.title}'s model does not end in a softmax",
                            hint="end it in keras.layers.Softmax() (or a Dense with activation='softmax'): the "
                                 "training reads the logits before it")
    t = space.train
    fit_idx, hold_idx = _holdout(len(data.train), t.holdout, t.seed)
    x, y = data.train.x, data.train.y
    if teacher is not None:
        loss = loss_function(float(values["temperature"]), float(values["alpha"]))
        target = pack_targets(y, teacher.logits)
    else:
        loss = keras.losses.SparseCategoricalCrossentropy(from_logits=True)
        target = y
    head.compile(optimizer=keras.optimizers.Adam(float(values["learning_rate"])), loss=loss)
    callbacks: list[Any] = []
    if len(hold_idx):
        callbacks.append(keras.callbacks.EarlyStopping(monitor="val_loss", patience=t.patience,
                                                       restore_best_weights=True))
    if progress is not None:
        class Epochs(keras.callbacks.Callback):
            def on_epoch_end(self, epoch: int, logs: Any = None) -> None:
                progress(epoch + 1, t.epochs)  # type: ignore[misc]
        callbacks.append(Epochs())
    hist = head.fit(x[fit_idx], target[fit_idx], epochs=t.epochs, batch_size=t.batch_size, verbose=0,
                    validation_data=(x[hold_idx], target[hold_idx]) if len(hold_idx) else None,
                    callbacks=callbacks, shuffle=True)
    pred = np.asarray(model.predict(data.val.x, verbose=0, batch_size=256))
    acc = float(np.mean(np.argmax(pred, axis=1) == data.val.y))
    return Trained(model=model, float_accuracy=acc, epochs=len(hist.history.get("loss", ())),
                   parameters=int(model.count_params()), seconds=time.monotonic() - start)
