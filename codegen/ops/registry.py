"""The registry of operator handlers: opcode name -> handler. Modules register on import."""

from __future__ import annotations

import importlib
import pkgutil

from codegen.ops.base import OpHandler

_HANDLERS: dict[str, OpHandler] = {}
_LOADED = False


def register(handler: OpHandler) -> OpHandler:
    if handler.opcode in _HANDLERS:
        raise RuntimeError(f"two handlers registered for {handler.opcode}")
    _HANDLERS[handler.opcode] = handler
    return handler


def _load_all() -> None:
    global _LOADED
    if _LOADED:
        return
    import codegen.ops as pkg
    for mod in pkgutil.iter_modules(pkg.__path__):
        if mod.name not in ("base", "registry", "common"):
            importlib.import_module(f"codegen.ops.{mod.name}")
    _LOADED = True


def handler(opcode: str) -> OpHandler | None:
    _load_all()
    return _HANDLERS.get(opcode)


def supported_ops() -> list[str]:
    _load_all()
    return sorted(_HANDLERS)
