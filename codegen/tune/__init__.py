"""``tune``: hardware-aware model search, measured on the board (issue 16).

Each trial of an Optuna study samples a model from a declarative space, trains it briefly (optionally
distilled from a teacher), quantises it with :mod:`codegen.prep.quantize`, rejects it at once when it
cannot fit the board or the budget (no build), else builds it, runs it on the board and validates it on
the validation set: the Pareto front of accuracy on device, latency, peak RAM and flash is measured,
not estimated.

* :mod:`codegen.tune.space`: the space file (TOML) -> :class:`~codegen.tune.space.Space`.
* :mod:`codegen.tune.families`: the model families shipped with mcuforge (a registry) and the hook for
  a user's own builder (``module:function``).
* :mod:`codegen.tune.data`: the training and validation sets, checked against each other.
* :mod:`codegen.tune.distill`: the distillation loss and the teacher's logits.
* :mod:`codegen.tune.train`: one model trained (early stopping, distillation).
* :mod:`codegen.tune.trial`: one trial: train, quantise, fit check, build, run and validate.
* :mod:`codegen.tune.records`: the typed records (budgets, objectives, trials, ``tune.json``), the
  Pareto front and what an unreachable budget misses by.
* :mod:`codegen.tune.study`: the Optuna study (storage, sampler, resume, progress).
* :mod:`codegen.tune.progress`: the progress bar with the best-so-far.
* :mod:`codegen.tune.export`: ``--export``: a trial's float and int8 files.
* :mod:`codegen.tune.commands`: the ``tune`` subcommand.

Only training and quantising import TensorFlow; Optuna is imported where the study runs.
"""
