"""Reports: what a run, a validation, a set of variants or the benchmark produced, as Markdown with PNG
plots and as one self-contained HTML file.

* :mod:`codegen.reports.memory`: flash/RAM by component from the linker map file, and the memory map
  (every region at its addresses: what each range holds, the model's or the harness's).
* :mod:`codegen.reports.plots`: the PNG plots (matplotlib, Agg backend: no display needed).
* :mod:`codegen.reports.html`: the :class:`~codegen.reports.html.Page` record and its renderer
  (``templates/report.html.j2``; plots embedded, no network, no JavaScript).
* :mod:`codegen.reports.run_report`: ``report.md`` / ``report.html`` beside ``run.json`` for one run.
* :mod:`codegen.reports.validate_report`: ``validate.md`` / ``validate.html`` beside ``validate.json``.
* :mod:`codegen.reports.compare`: the trade-off table across models or variants of one model
  (flash, RAM, latency, accuracy side by side): frozen dataclasses in, files out.
"""
