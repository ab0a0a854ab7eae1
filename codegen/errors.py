"""One error type for everything a user can get wrong: what went wrong, and how to fix it."""

from __future__ import annotations


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
