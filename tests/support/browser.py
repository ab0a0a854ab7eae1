"""A report as a browser sees it: headless Chromium (Debian's `chromium`, setup.sh installs it) renders
an HTML file to its DOM and to a screenshot, in a fresh profile, offline, with a bounded time; and the
resources a page refers to, read with the standard library's HTML parser."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from html.parser import HTMLParser
from pathlib import Path

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
FLAGS = ("--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking",
         "--disable-component-update", "--disable-sync", "--hide-scrollbars", "--disable-extensions",
         "--disable-default-apps", "--mute-audio")
TIMEOUT = 180.0   # seconds per Chromium run: generous on a loaded machine, never unbounded
URL_ATTRS = {"src", "href", "srcset", "action", "poster", "data", "formaction", "background"}


class _Refs(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.refs: list[tuple[str, str, str]] = []
        self.tags: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append(tag)
        for k, v in attrs:
            if k in URL_ATTRS and v is not None:
                self.refs.append((tag, k, v))
            if k == "style" and v and "url(" in v:
                self.refs.append((tag, k, v))


def references(html: str) -> list[tuple[str, str, str]]:
    """(tag, attribute, value) of every attribute that can name a resource or a link."""
    p = _Refs()
    p.feed(html)
    return p.refs


def tags(html: str) -> list[str]:
    p = _Refs()
    p.feed(html)
    return p.tags


def external(html: str) -> list[str]:
    """What in a page could reach beyond the file and its directory: a URL with a scheme other than
    data: (http, https, file, javascript ...), a protocol-relative or absolute path, a CSS url() or
    @import that is not a data: URI."""
    out = []
    for tag, attr, value in references(html):
        v = value.strip()
        if attr == "style" or re.match(r"^[A-Za-z][A-Za-z0-9+.-]*:", v) and not v.startswith("data:") \
                or v.startswith(("//", "/", "\\")):
            out.append(f"<{tag} {attr}={v[:80]!r}>")
    for m in re.finditer(r"@import|url\(\s*['\"]?(?!data:)", html):
        out.append(html[m.start():m.start() + 80])
    return out


@dataclass(frozen=True)
class Rendered:
    dom: str              # the DOM after loading, serialised (--dump-dom)
    screenshot: Path      # a PNG of the window
    log: str              # what Chromium printed (console messages: lines with "CONSOLE")

    @property
    def console(self) -> list[str]:
        """The page's console messages: errors, and a load the page's Content-Security-Policy blocked."""
        return [ln for ln in self.log.splitlines() if ":CONSOLE" in ln]


def render(page: Path, screenshot: Path, width: int = 1200, height: int = 2400) -> Rendered:
    """Load `page` in headless Chromium (a fresh profile, no network: every host name resolves to
    nothing and every request goes to a closed proxy port) for its DOM and a screenshot, console
    messages logged. Raises when Chromium fails, hangs past TIMEOUT or draws nothing."""
    assert CHROMIUM is not None, "chromium is not installed: run ./setup.sh"
    with tempfile.TemporaryDirectory(prefix="mf-chromium-") as tmp:
        env = {**os.environ, "HOME": tmp}   # nothing of the user's own profile
        res = subprocess.run(
            [CHROMIUM, *FLAGS, f"--user-data-dir={tmp}/profile", "--enable-logging=stderr", "--v=0",
             "--host-resolver-rules=MAP * ~NOTFOUND", "--proxy-server=127.0.0.1:9", f"--window-size={width},{height}",
             f"--screenshot={screenshot}", "--dump-dom", page.resolve().as_uri()],
            capture_output=True, text=True, timeout=TIMEOUT, env=env, stdin=subprocess.DEVNULL)
    assert res.returncode == 0, f"chromium exited {res.returncode}: {res.stderr[-2000:]}"
    assert screenshot.is_file() and screenshot.stat().st_size > 0, f"chromium wrote no screenshot: {res.stderr[-2000:]}"
    return Rendered(dom=res.stdout, screenshot=screenshot, log=res.stderr)


def colours(png: Path) -> int:
    """How many distinct colours a screenshot has (a blank page: one)."""
    from PIL import Image
    with Image.open(png) as im:
        return len(im.convert("RGB").getcolors(maxcolors=1 << 20) or range(1 << 20))
