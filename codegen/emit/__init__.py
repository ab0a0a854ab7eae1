"""Formatting: C literals and identifiers (cgen), Jinja2 rendering (render), model sources (model)."""
