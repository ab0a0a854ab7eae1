"""Reports: what a run, a validation or a set of variants produced, as Markdown with PNG plots.

* :mod:`codegen.reports.memory`: flash/RAM by component, from the linker map file.
* :mod:`codegen.reports.plots`: the PNG plots (matplotlib, Agg backend: no display needed).
* :mod:`codegen.reports.run_report`: ``report.md`` beside ``run.json`` for one run.
* :mod:`codegen.reports.compare`: the trade-off table across models or variants of one model
  (flash, RAM, latency, accuracy side by side): frozen dataclasses in, files out.
"""
