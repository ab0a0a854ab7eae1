"""Estimated cycles next to instructions.

Under QEMU a firmware's counter counts *instructions*. The QEMU plugin in tools/qemu-plugin (built by
:mod:`codegen.cycles.plugin`) counts them by class while the firmware measures; a per-core table of
instruction timings from Arm's manuals (boards/timing/, :mod:`codegen.cycles.costs`) turns the
classes into an *estimated* cycle count. Everything computed here is labelled an estimate.
"""
