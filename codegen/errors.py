"""One error type for everything a user can get wrong: what went wrong, and how to fix it; and the
one handler every front door (``scons``, ``python -m codegen``, the ``mcuforge`` script) ends in."""

from __future__ import annotations

import sys
import tempfile
import time
import traceback
from pathlib import Path
from typing import TextIO

EXIT_ERROR = 2          # a McuforgeError from the command line (argparse's usage errors exit 2 too)
EXIT_INTERRUPTED = 130  # Ctrl-C, as shells report SIGINT
EXIT_BUG = 70           # an unexpected exception (sysexits' EX_SOFTWARE)
LOG_NAME = "mcuforge-error.log"


class McuforgeError(Exception):
    """An error with a problem statement and a hint naming the fix.

    Commands print ``error: <message>`` and ``  fix: <hint>`` and exit non-zero.
    """

    def __init__(self, message: str, hint: str = "") -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint

    def __str__(self) -> str:
        return f"{self.message}\n  fix: {self.hint}" if self.hint else self.message


def print_error(exc: McuforgeError, out: TextIO | None = None) -> None:
    out = out or sys.stderr
    print(f"error: {exc.message}", file=out)
    if exc.hint:
        print(f"  fix: {exc.hint}", file=out)


def write_crash_log(exc: BaseException, log_dir: Path | None, doing: str) -> Path:
    """The traceback of an unexpected exception, in `log_dir`/mcuforge-error.log (else a temporary file)."""
    text = (f"mcuforge {time.strftime('%Y-%m-%d %H:%M:%S')} while {doing}\n"
            f"command: {' '.join(sys.argv)}\n\n" + "".join(traceback.format_exception(exc)))
    if log_dir is not None:
        try:
            Path(log_dir).mkdir(parents=True, exist_ok=True)
            path = Path(log_dir) / LOG_NAME
            path.write_text(text)
            return path
        except OSError:
            pass
    with tempfile.NamedTemporaryFile("w", prefix="mcuforge-error-", suffix=".log", delete=False) as f:
        f.write(text)
        return Path(f.name)


def handle(exc: BaseException, doing: str, log_dir: Path | None = None, user_status: int = EXIT_ERROR) -> int:
    """Report an exception that reached a front door and return the exit status: a McuforgeError as
    its message and fix; Ctrl-C as such; anything else in one line, its traceback in a log file."""
    if isinstance(exc, McuforgeError):
        print_error(exc)
        return user_status
    if isinstance(exc, KeyboardInterrupt):
        print("\nerror: interrupted (Ctrl-C)", file=sys.stderr)
        return EXIT_INTERRUPTED
    log = write_crash_log(exc, log_dir, doing)
    first = (str(exc).strip().splitlines() or [""])[0][:200]
    print(f"error: {doing} failed unexpectedly: {type(exc).__name__}" + (f": {first}" if first else ""),
          file=sys.stderr)
    print(f"  this is a bug in mcuforge; the traceback is in {log} (please attach it to a bug report)",
          file=sys.stderr)
    return EXIT_BUG
