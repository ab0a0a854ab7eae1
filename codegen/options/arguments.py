"""argparse types for `python -m codegen`: the same accepted forms as the scons option table, so both
front doors say the same thing about the same mistake (argparse adds the option's name)."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Callable

from codegen.options.values import Value, integer


def _typed(value: Value, name: str) -> Callable[[str], object]:
    def parse(text: str) -> object:
        try:
            return value.parse(text)
        except ValueError as exc:
            raise argparse.ArgumentTypeError(f"{text!r}: {exc}; expected {value.form}") from None
    parse.__name__ = name
    return parse


def table_arg(name: str) -> Callable[[str], object]:
    """The value of the scons option `name` (its form, its messages)."""
    from codegen.options.command_line import BY_NAME
    return _typed(BY_NAME[name].value, name)


def count_arg(hi: int) -> Callable[[str], int]:
    """A whole number from 1 to `hi`."""
    def parse(text: str) -> int:
        try:
            v = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
        if not 1 <= v <= hi:
            raise argparse.ArgumentTypeError(f"{v} is not from 1 to {hi:,}")
        return v
    return parse


def seed_arg(text: str) -> int:
    """A seed for numpy's generator: 0 .. 2**32-1."""
    return _typed(integer(0, 2**32 - 1), "seed")(text)  # type: ignore[return-value]


def model_arg(text: str) -> Path:
    """A model file that exists."""
    p = Path(text)
    if not p.is_file():
        raise argparse.ArgumentTypeError(f"no such file: {text}")
    return p
