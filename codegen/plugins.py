"""A registry filled by the modules of one package, each registering its entries when it is imported
(the run layer's drivers, the flash tools). The package's modules are imported on first use, so a new
entry is one new module."""

from __future__ import annotations

import importlib
import pkgutil
from typing import Generic, TypeVar

T = TypeVar("T")


class Registry(Generic[T]):
    def __init__(self, package: str, kind: str, skip: tuple[str, ...] = ()) -> None:
        self.package, self.kind, self.skip = package, kind, skip
        self._entries: dict[str, T] = {}
        self._loaded = False

    def register(self, name: str, entry: T) -> T:
        if name in self._entries:
            raise RuntimeError(f"two {self.kind}s registered as {name!r}")
        self._entries[name] = entry
        return entry

    def entries(self) -> dict[str, T]:
        """Every entry by name, after importing every module of the package once."""
        if not self._loaded:
            path = importlib.import_module(self.package).__path__
            for mod in pkgutil.iter_modules(path):
                if mod.name not in self.skip:
                    importlib.import_module(f"{self.package}.{mod.name}")
            self._loaded = True
        return dict(self._entries)
