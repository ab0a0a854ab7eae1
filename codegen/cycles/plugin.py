"""The QEMU plugin (tools/qemu-plugin): built on demand with the host compiler, attached to a QEMU run,
its windows read back after each request.

The library is built once per source version into ``libmfcycles-<hash>.so`` (the hash covers the
sources and the compiler flags, so an edited source is never served stale); setup.sh builds it too.
A firmware's counter reads (``mf_counter_now``) delimit the plugin's windows: each measured inference
or operator is one window, and the firmware's functions are the ranges the counts are attributed to.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from codegen.cycles.counts import EventCounts, Window
from codegen.cycles.events import EVENTS, Event
from codegen.errors import McuforgeError
from codegen.hil.symbols import Symbol, functions
from codegen.resources import TOOLS_DIR, qemu_plugin_dir

SOURCE_DIR = TOOLS_DIR / "qemu-plugin"
PLUGIN_SOURCES = ("mfcycles.c", "decode.c")
TOOL_SOURCES = ("decode_tool.c", "decode.c")
HEADERS = ("decode.h", "qemu_plugin_api.h")
WARNINGS = ("-Wall", "-Wextra", "-Werror", "-Wshadow", "-Wconversion", "-Wstrict-prototypes",
            "-Wmissing-prototypes")
PLUGIN_FLAGS = ("-std=c11", "-O2", "-fPIC", "-shared", "-fvisibility=hidden", *WARNINGS)
TOOL_FLAGS = ("-std=c11", "-O2", *WARNINGS)
MARK_SYMBOL = "mf_counter_now"     # the firmware's counter read: the plugin's window marker
FORMAT = "mfcycles 1"


class PluginError(McuforgeError):
    pass


def compiler() -> str:
    cc = shutil.which("gcc")
    if cc is None:
        raise PluginError("no host C compiler (gcc) to build the QEMU cycle plugin",
                          hint="run ./setup.sh (it installs gcc)")
    return cc


def _digest(sources: tuple[str, ...], flags: tuple[str, ...]) -> str:
    h = hashlib.sha256(" ".join(flags).encode())
    for name in sorted(set(sources) | set(HEADERS)):
        h.update(name.encode() + b"\0" + (SOURCE_DIR / name).read_bytes())
    return h.hexdigest()[:12]


def compile_c(out: Path, sources: tuple[str, ...], flags: tuple[str, ...]) -> str:
    """Compile `sources` (in tools/qemu-plugin) into `out`; returns the compiler's messages (empty when
    clean: the flags make every warning an error)."""
    out.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=out.parent) as tmp:
        part = Path(tmp) / out.name
        proc = subprocess.run([compiler(), *flags, "-I", str(SOURCE_DIR), "-o", str(part),
                               *(str(SOURCE_DIR / s) for s in sources)],
                              capture_output=True, text=True, timeout=300)
        if proc.returncode != 0:
            raise PluginError(f"building {out.name} failed:\n{proc.stderr.strip()}",
                              hint=f"fix the C sources in {SOURCE_DIR}")
        os.replace(part, out)   # atomic: concurrent builders never see a half-written library
    return proc.stderr.strip()


def _built(stem: str, suffix: str, sources: tuple[str, ...], flags: tuple[str, ...], cache: Path | None) -> Path:
    out = (cache or qemu_plugin_dir()) / f"{stem}-{_digest(sources, flags)}{suffix}"
    if not out.is_file():
        compile_c(out, sources, flags)
    return out


def plugin_library(cache: Path | None = None) -> Path:
    """The plugin's shared library for the current sources, built if missing."""
    return _built("libmfcycles", ".so", PLUGIN_SOURCES, PLUGIN_FLAGS, cache)


def decoder_tool(cache: Path | None = None) -> Path:
    """`mfcycles-decode`: the plugin's classifier on the command line (tests), built if missing."""
    return _built("mfcycles-decode", "", TOOL_SOURCES, TOOL_FLAGS, cache)


@dataclass(frozen=True)
class Probe:
    """The plugin attached to one QEMU run of one firmware."""

    library: Path
    out: Path
    ranges_file: Path
    mark: int
    ranges: tuple[Symbol, ...]

    def qemu_args(self) -> tuple[str, ...]:
        return ("-plugin", f"{self.library},out={self.out},mark={self.mark:#x},ranges={self.ranges_file}")

    def range_name(self, index: int) -> str:
        return self.ranges[index].name if index < len(self.ranges) else "(outside any function)"


def _disjoint(symbols: tuple[Symbol, ...]) -> tuple[Symbol, ...]:
    out: list[Symbol] = []
    for s in symbols:           # sorted by address; aliases and overlaps keep the first
        if not out or s.address >= out[-1].address + out[-1].size:
            out.append(s)
    return tuple(out)


def probe_for(elf: Path, workdir: Path, library: Path | None = None) -> Probe:
    """A probe for `elf`: marker at its counter read, its functions as ranges, files in `workdir`."""
    symbols = _disjoint(functions(elf))
    mark = next((s.address for s in symbols if s.name == MARK_SYMBOL), None)
    if mark is None:
        raise PluginError(f"{elf} has no function {MARK_SYMBOL}: the cycle plugin cannot find the measured spans",
                          hint="rebuild the firmware with mcuforge's runtime (firmware/cortexm/counter.c)")
    workdir.mkdir(parents=True, exist_ok=True)
    ranges_file = workdir / "cycles.ranges"
    ranges_file.write_text("".join(f"{s.address:x} {s.address + s.size:x} {s.name}\n" for s in symbols))
    out = workdir / "cycles.windows"
    for p in (library, out, ranges_file):
        if p is not None and "," in str(p):
            raise PluginError(f"QEMU cannot pass the path {p} to a plugin: it contains a comma",
                              hint="use a build directory without commas in its path (build_dir=)")
    return Probe(library or plugin_library(), out, ranges_file, mark, symbols)


class WindowReader:
    """Reads the plugin's output file as it grows: whole windows only, in order."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.offset = 0
        self.pending = ""
        self.columns: tuple[Event, ...] | None = None
        self.ready: list[Window] = []
        self._rows: list[tuple[int, EventCounts]] = []
        self._seq: int | None = None

    def _header(self, line: str) -> None:
        parts = line.split()
        if " ".join(parts[:2]) != FORMAT or not parts[-1].startswith("events="):
            raise PluginError(f"{self.path}: not the output of this mcuforge's cycle plugin: {line!r}",
                              hint="rebuild the plugin (python -m codegen.cycles.plugin)")
        names = parts[-1][len("events="):].split(",")
        known = {e.value: e for e in EVENTS}
        unknown = [n for n in names if n not in known]
        if unknown:
            raise PluginError(f"the cycle plugin counts events this mcuforge does not know: {unknown}",
                              hint="rebuild the plugin from this checkout (python -m codegen.cycles.plugin)")
        self.columns = tuple(known[n] for n in names)

    def _line(self, line: str) -> None:
        if self.columns is None:
            self._header(line)
            return
        kind, *fields = line.split()
        if kind == "w":
            self._seq, self._rows = int(fields[0]), []
        elif kind == "r":
            values = dict(zip(self.columns, (int(v) for v in fields[1:])))
            self._rows.append((int(fields[0]), EventCounts.of(values)))
        elif kind == "e":
            self.ready.append(Window(int(fields[0]), tuple(self._rows)))
            self._seq, self._rows = None, []
        else:
            raise PluginError(f"{self.path}: unexpected line {line!r}", hint="rebuild the plugin")

    def poll(self) -> None:
        if not self.path.is_file():
            return
        with open(self.path, "r", encoding="ascii") as f:
            f.seek(self.offset)
            data = f.read()
            self.offset = f.tell()
        self.pending += data
        *lines, self.pending = self.pending.split("\n")
        for line in lines:
            if line.strip():
                self._line(line)

    def _wait(self, n: int, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        while True:
            self.poll()
            if len(self.ready) >= n:
                return
            if time.monotonic() >= deadline:
                raise PluginError(f"the cycle plugin wrote {len(self.ready)} of {n} windows within {timeout:g} s "
                                  f"({self.path})",
                                  hint="the firmware must read its counter (mf_counter_now) exactly twice per "
                                       "measurement")
            time.sleep(0.01)

    def take(self, n: int, timeout: float) -> list[Window]:
        """The next `n` windows; waits at most `timeout` seconds for the plugin to write them."""
        self._wait(n, timeout)
        out, self.ready = self.ready[:n], self.ready[n:]
        return out

    def drain(self, at_least: int, timeout: float) -> list[Window]:
        """Every window not yet taken, after waiting (at most `timeout` s) until there are `at_least`.
        Call it after a request's reply: the firmware closes its last window before it replies, so the
        request's windows are the last ones (a request the host had to send again adds earlier ones)."""
        self._wait(at_least, timeout)
        out, self.ready = self.ready, []
        return out


def main() -> int:
    """Build the plugin and the decoder tool (setup.sh calls this); print where they are."""
    try:
        print(plugin_library())
        print(decoder_tool())
    except McuforgeError as e:
        print(f"error: {e}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
