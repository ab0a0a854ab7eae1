"""Self-contained HTML pages for the reports: Jinja templates from templates/ rendered with HTML
autoescaping (every value a report passes is escaped: model, board and parameter names come from
users) and StrictUndefined; the CSS is inline, plots arrive as data URIs, no script, nothing fetched."""

from __future__ import annotations

from functools import lru_cache
from typing import Any

import jinja2

from codegen.resources import TEMPLATES_DIR
from codegen.version import __version__


@lru_cache(maxsize=1)
def environment() -> jinja2.Environment:
    return jinja2.Environment(loader=jinja2.FileSystemLoader(str(TEMPLATES_DIR)), undefined=jinja2.StrictUndefined,
                              autoescape=True, keep_trailing_newline=True, trim_blocks=True, lstrip_blocks=True)


def render_page(template: str, **context: Any) -> str:
    return environment().get_template(template).render(version=__version__, **context)
