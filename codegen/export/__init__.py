"""`python -m codegen export`: a model as a self-contained library for someone else's firmware.

``library.py`` computes what the library holds (the model generated for the board's kernel variant,
exactly the kernel files it calls, their headers, the facts its README states), ``formats.py`` says
where each format puts them and which build files it renders (templates/export/), ``writer.py``
writes the tree (or the zip) and never overwrites what it did not write.
"""
