"""Boards as data: `boards/<name>.toml`, validated against a schema when loaded."""

from codegen.boards.cores import CORES, Core
from codegen.boards.schema import Board, BoardError, MemoryRegion, list_boards, load_board, load_board_file

__all__ = ["Board", "BoardError", "CORES", "Core", "MemoryRegion", "list_boards", "load_board", "load_board_file"]
