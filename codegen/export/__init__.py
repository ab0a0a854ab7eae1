"""`python -m codegen export`: a model as a self-contained library for someone else's firmware.

``library.py`` computes what the library holds (the model generated for the board's kernel variant,
exactly the kernel files it calls, their headers, the facts its README states), ``formats.py`` says
where each format puts them and which build files it renders (templates/export/), ``writer.py``
writes the tree (or the zip) and never overwrites what it did not write.
"""

from codegen.export.formats import FORMATS, ExportFormat, format_choice
from codegen.export.library import ExportOptions, Library, plan_library
from codegen.export.writer import Exported, export_library

__all__ = ["FORMATS", "ExportFormat", "ExportOptions", "Exported", "Library", "export_library", "format_choice",
           "plan_library"]
