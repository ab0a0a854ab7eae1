"""Boards as data: `boards/<name>.toml`, validated against a schema when loaded."""

from codegen.boards.cores import CORES, Core
from codegen.boards.schema import (ARCHES, Arch, Board, BoardError, BoardKind, LinuxTarget, MemoryRegion, list_boards,
                                   load_board, load_board_file)

__all__ = ["ARCHES", "Arch", "Board", "BoardError", "BoardKind", "LinuxTarget", "CORES", "Core", "MemoryRegion", "list_boards", "load_board", "load_board_file"]
