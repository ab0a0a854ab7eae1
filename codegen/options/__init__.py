"""Options, parsed once at each front door into typed records (:mod:`codegen.options.records`).

* :mod:`codegen.options.records`: the enums and frozen dataclasses the library takes
  (:class:`BuildOptions`, :class:`ExportOptions`, :class:`TargetOptions`, :class:`RunOptions`, :class:`ValidateOptions`,
  :class:`CompareOptions`, :class:`CompareJob`, :class:`VariantSpec`).
* :mod:`codegen.options.values`: one value from its text, with the form it accepts.
* :mod:`codegen.options.command_line`: the ``scons`` option table, its parser and ``scons -h``.
"""

from codegen.options.records import (BuildOptions, Command, CompareJob, CompareOptions, ExportOptions,
                                     LinuxBenchOptions, MemoryMode, OptLevel, RunOptions, Runtime, TargetKind, TargetOptions,
                                     TuneJob, ValidateOptions, VariantSpec)

__all__ = ["BuildOptions", "Command", "CompareJob", "CompareOptions", "ExportOptions", "LinuxBenchOptions", "MemoryMode", "OptLevel",
           "RunOptions", "Runtime", "TargetKind", "TargetOptions", "TuneJob", "ValidateOptions", "VariantSpec"]
