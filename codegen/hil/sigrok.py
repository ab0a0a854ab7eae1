"""Logic-analyzer timing through Debian's ``sigrok-cli`` (0.7): capture the timing pin while the
device runs inferences, read the capture back, and measure its pulses.

* :class:`LogicAnalyzer` is the resource: a sigrok driver spec and a channel. It comes from the
  user's hardware map (:mod:`codegen.hil.hwmap`), never from ``boards/``: which analyzer sits on which
  pin is a fact about one lab bench.
* :class:`Capture` runs ``sigrok-cli -d DRIVER --channels CH --continuous -o FILE.sr`` and stops it by
  writing to its stdin ("press any key"), bounded, killed if it does not stop.
* :func:`read_edges` reads any capture sigrok-cli can read (``.sr`` session files, and its csv/vcd/
  binary inputs) by converting it to VCD with ``sigrok-cli -i FILE -O vcd``; ``.vcd`` files are also
  parsed directly.
* :func:`synthetic_levels`, :func:`write_sr` and :func:`write_vcd` make captures with known pulses, to
  prove the analysis without hardware (``.sr`` is sigrok's srzip: a zip of ``version``, ``metadata``
  and raw ``logic-1-N`` sample chunks, one byte per sample for up to 8 channels).
"""

from __future__ import annotations

import re
import shutil
import subprocess
import time
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Sequence

import numpy as np

from codegen.errors import McuforgeError
from codegen.hil.gpio import Edge, Pulse, pulses
from codegen.hil.processes import dying_with_parent

SIGROK_CLI = "sigrok-cli"
CONVERT_TIMEOUT_S = 60.0


@dataclass(frozen=True)
class LogicAnalyzer:
    driver: str              # sigrok driver spec: "fx2lafw", "fx2lafw:conn=1.7", "demo"
    channel: str             # the channel wired to the timing pin: "D0"
    samplerate: int = 1_000_000
    config: tuple[str, ...] = ()   # more `--config key=value` settings for the driver
    arm_seconds: float = 0.5       # let sigrok-cli start acquiring before the first pulse

    def describe(self) -> str:
        return f"logic analyzer {self.driver} {self.channel} at {_rate(self.samplerate)}"


def _rate(hz: float) -> str:
    for div, unit in ((1e9, "GHz"), (1e6, "MHz"), (1e3, "kHz")):
        if hz >= div:
            return f"{hz / div:g} {unit}"
    return f"{hz:g} Hz"


def sigrok_cli() -> str:
    exe = shutil.which(SIGROK_CLI)
    if exe is None:
        raise McuforgeError("sigrok-cli is not installed", hint="apt-get install sigrok-cli (./setup.sh does)")
    return exe


class Capture:
    """A running acquisition; ``stop()`` ends it and returns the capture file."""

    def __init__(self, analyzer: LogicAnalyzer, out: Path) -> None:
        self.analyzer, self.out = analyzer, out
        out.parent.mkdir(parents=True, exist_ok=True)
        out.unlink(missing_ok=True)
        self.log = out.with_suffix(".log")
        self.argv = [sigrok_cli(), "-d", analyzer.driver, "--config", f"samplerate={analyzer.samplerate}",
                     *[a for c in analyzer.config for a in ("--config", c)],
                     "--channels", analyzer.channel, "--continuous", "-o", str(out)]
        self._logf = open(self.log, "wb")
        self.proc = subprocess.Popen(dying_with_parent(self.argv), stdin=subprocess.PIPE, stdout=self._logf,
                                     stderr=subprocess.STDOUT)
        time.sleep(analyzer.arm_seconds)
        if self.proc.poll() is not None:
            self._fail(f"sigrok-cli stopped before the capture began (exit {self.proc.returncode})")

    def _fail(self, what: str) -> None:
        self._logf.close()
        tail = self.log.read_text(errors="replace").strip()[-800:]
        raise McuforgeError(f"{what}: {' '.join(self.argv)}\n{tail}",
                            hint="check the analyzer's driver spec and channel in your hardware map "
                                 "(`sigrok-cli -d DRIVER --scan`)")

    def stop(self, timeout: float = 10.0) -> Path:
        """End the acquisition (a key press on stdin, then SIGINT, then SIGKILL) and return the file."""
        try:
            if self.proc.poll() is None and self.proc.stdin:
                try:
                    self.proc.stdin.write(b"\n")
                    self.proc.stdin.flush()
                except BrokenPipeError:
                    pass
            try:
                self.proc.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                self.proc.send_signal(2)  # SIGINT: sigrok-cli still writes what it has
                try:
                    self.proc.wait(timeout=timeout)
                except subprocess.TimeoutExpired:
                    self.proc.kill()
                    self.proc.wait(timeout=5)
                    self._fail("sigrok-cli did not stop")
        finally:
            if self.proc.stdin:
                self.proc.stdin.close()
            self._logf.close()
        if self.proc.returncode != 0 or not self.out.is_file():
            self._fail(f"sigrok-cli failed (exit {self.proc.returncode})")
        return self.out

    def abort(self) -> None:
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait(timeout=5)
        if self.proc.stdin:
            self.proc.stdin.close()
        self._logf.close()


# --- reading captures ----------------------------------------------------------------------------

_TIMESCALE = re.compile(r"\$timescale\s+(\d+)\s*(s|ms|us|ns|ps|fs)\s+\$end", re.S)
_VAR = re.compile(r"\$var\s+\S+\s+\d+\s+(\S+)\s+(\S+)(?:\s+\[\S+\])?\s+\$end")
_ACQ_RATE = re.compile(r"channels at ([\d.]+) (GHz|MHz|kHz|Hz)")
_HZ = {"GHz": 1e9, "MHz": 1e6, "kHz": 1e3, "Hz": 1.0}
_UNIT = {"s": 1.0, "ms": 1e-3, "us": 1e-6, "ns": 1e-9, "ps": 1e-12, "fs": 1e-15}


@dataclass(frozen=True)
class Trace:
    """One channel of a capture: its edges (the first is the initial level at t=0) and its length."""

    channel: str
    edges: tuple[Edge, ...]
    end: float            # seconds, time of the last sample
    resolution: float     # seconds per sample (sigrok's VCD comment names the rate), else per tick

    def pulses(self) -> tuple[Pulse, ...]:
        return pulses(self.edges)


def parse_vcd(text: str, channel: str) -> Trace:
    m = _TIMESCALE.search(text)
    if not m:
        raise McuforgeError("VCD without a $timescale", hint="is this a VCD file?")
    tick = int(m.group(1)) * _UNIT[m.group(2)]
    ids = {name: ident for ident, name in _VAR.findall(text)}
    if channel not in ids:
        raise McuforgeError(f"the capture has no channel {channel!r} (it has {', '.join(ids) or 'none'})",
                            hint="set `channel` in your hardware map to the analyzer channel on the timing pin")
    ident = ids[channel]
    body = text[text.find("$enddefinitions"):].split("$end", 1)[-1]
    edges: list[Edge] = []
    now = 0
    for tok in body.split():
        if tok[0] == "#":
            now = int(tok[1:])
        elif tok[0] in "01xzXZ" and tok[1:] == ident:
            level = 1 if tok[0] == "1" else 0
            if not edges or edges[-1].level != level:
                edges.append(Edge(t=now * tick, level=level))
        elif tok[0] in "bB":
            continue  # vectors: not used for logic channels
    rate = _ACQ_RATE.search(text[:text.find("$enddefinitions")])
    resolution = 1.0 / (float(rate.group(1)) * _HZ[rate.group(2)]) if rate else tick
    return Trace(channel=channel, edges=tuple(edges), end=now * tick, resolution=resolution)


def read_edges(path: Path, channel: str, input_format: str | None = None) -> Trace:
    """The timing-pin channel of a capture file: `.vcd` parsed here, anything else converted by
    sigrok-cli (`input_format` is its `-I` argument for files it cannot recognise by themselves,
    e.g. "csv:samplerate=1000000")."""
    path = Path(path)
    if not path.is_file():
        raise McuforgeError(f"capture file not found: {path}", hint="check the path")
    if path.suffix == ".vcd" and input_format is None:
        return parse_vcd(path.read_text(errors="replace"), channel)
    argv = [sigrok_cli(), *(["-I", input_format] if input_format else []), "-i", str(path), "-O", "vcd"]
    try:
        res = subprocess.run(argv, capture_output=True, text=True, timeout=CONVERT_TIMEOUT_S)
    except subprocess.TimeoutExpired as exc:
        raise McuforgeError(f"sigrok-cli did not convert {path} within {CONVERT_TIMEOUT_S:.0f} s",
                            hint="capture fewer samples") from exc
    if res.returncode != 0 or "$enddefinitions" not in res.stdout:
        raise McuforgeError(f"sigrok-cli cannot read {path}: {res.stderr.strip()[-400:]}",
                            hint="sigrok-cli -i reads .sr session files and its input formats (-I csv, vcd, binary)")
    return parse_vcd(res.stdout, channel)


# --- synthetic captures ---------------------------------------------------------------------------

def synthetic_levels(widths_s: Sequence[float], gaps_s: Sequence[float] | float, samplerate: int,
                     lead_s: float = 0.0, tail_s: float = 0.0) -> np.ndarray:
    """0/1 samples of a pin that idles low for `lead_s`, then makes one high pulse per width, each
    followed by a low gap, then stays low for `tail_s`. Times are rounded to whole samples."""
    gaps = [gaps_s] * len(widths_s) if isinstance(gaps_s, (int, float)) else list(gaps_s)
    parts = [np.zeros(round(lead_s * samplerate), np.uint8)]
    for w, g in zip(widths_s, gaps):
        parts.append(np.ones(max(1, round(w * samplerate)), np.uint8))
        parts.append(np.zeros(max(1, round(g * samplerate)), np.uint8))
    parts.append(np.zeros(round(tail_s * samplerate), np.uint8))
    return np.concatenate(parts)


def write_sr(path: Path, samplerate: int, channels: dict[str, np.ndarray], chunk: int = 4096 * 1024) -> Path:
    """A sigrok session file (srzip, as sigrok-cli -o writes): up to 8 logic channels of 0/1 samples."""
    if not 1 <= len(channels) <= 8:
        raise ValueError("1..8 channels")
    arrays = list(channels.values())
    n = len(arrays[0])
    packed = np.zeros(n, np.uint8)
    for bit, a in enumerate(arrays):
        if len(a) != n:
            raise ValueError("every channel needs the same number of samples")
        packed |= (np.asarray(a, np.uint8) & 1) << bit
    meta = ["[global]", "sigrok version=0.5.2", "", "[device 1]", "capturefile=logic-1",
            f"total probes={len(arrays)}", f"samplerate={_rate(samplerate)}", "total analog=0"]
    meta += [f"probe{i + 1}={name}" for i, name in enumerate(channels)]
    meta += ["unitsize=1", ""]
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("version", "2")
        z.writestr("metadata", "\n".join(meta))
        raw = packed.tobytes()
        for k, off in enumerate(range(0, max(len(raw), 1), chunk), 1):
            z.writestr(f"logic-1-{k}", raw[off:off + chunk])
    return path


def write_vcd(path: Path, samplerate: int, channels: dict[str, np.ndarray]) -> Path:
    """The same samples as a VCD file (changes only), one timescale tick per sample."""
    tick_ns = 1e9 / samplerate
    if tick_ns != int(tick_ns):
        raise ValueError("VCD export needs a sample period of whole nanoseconds")
    ids = {name: chr(33 + i) for i, name in enumerate(channels)}
    lines = ["$timescale %d ns $end" % int(tick_ns), "$scope module synthetic $end"]
    lines += [f"$var wire 1 {ids[n]} {n} $end" for n in channels]
    lines += ["$upscope $end", "$enddefinitions $end"]
    arrays = {n: np.asarray(a, np.uint8) for n, a in channels.items()}
    n = len(next(iter(arrays.values())))
    change_at = np.zeros(n, bool)
    change_at[0] = True
    for a in arrays.values():
        change_at[1:] |= a[1:] != a[:-1]
    for i in np.flatnonzero(change_at):
        vals = " ".join(f"{arrays[c][i]}{ids[c]}" for c in channels if i == 0 or arrays[c][i] != arrays[c][i - 1])
        lines.append(f"#{i} {vals}")
    lines.append(f"#{n - 1}")
    path.write_text("\n".join(lines) + "\n")
    return path
