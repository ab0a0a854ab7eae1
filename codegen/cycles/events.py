"""The plugin's instruction classes and events, by name (tools/qemu-plugin/decode.h, MFC_EVENTS).

Every executed instruction falls in exactly one *class*; *events* are extra quantities some
instructions add (registers moved by LDM/STM, words moved by VLDM/VSTM, Helium beats, taken control
transfers). A cost table gives cycles for both. The plugin writes its column names in its output, so
the order here only has to hold the same names (a test compares them with the C list).
"""

from __future__ import annotations

from enum import Enum


class Event(str, Enum):
    ALU = "alu"
    LOAD = "load"
    LOAD_PIPELINED = "load_pipelined"
    STORE = "store"
    STORE_PIPELINED = "store_pipelined"
    LOAD_DUAL = "load_dual"
    STORE_DUAL = "store_dual"
    LOAD_MULTIPLE = "load_multiple"
    STORE_MULTIPLE = "store_multiple"
    BRANCH = "branch"
    BRANCH_COND = "branch_cond"
    TABLE_BRANCH = "table_branch"
    MUL = "mul"
    MUL_LONG = "mul_long"
    DIV = "div"
    FP = "fp"
    FP_MAC = "fp_mac"
    FP_DIV = "fp_div"
    FP_SQRT = "fp_sqrt"
    FP_LOAD = "fp_load"
    FP_STORE = "fp_store"
    FP_MOVE = "fp_move"
    MVE_LOAD = "mve_load"
    MVE_STORE = "mve_store"
    MVE = "mve"
    LOOP = "loop"
    SYSTEM = "system"
    UNKNOWN = "unknown"
    # events: quantities besides the instruction's class
    LDM_REGS = "ldm_regs"
    STM_REGS = "stm_regs"
    FP_LOAD_WORDS = "fp_load_words"
    FP_STORE_WORDS = "fp_store_words"
    MVE_BEATS = "mve_beats"
    UNCOND_TAKEN = "uncond_taken"
    COND_TAKEN = "cond_taken"

    @property
    def is_class(self) -> bool:
        """True for instruction classes (they sum to the instruction count), False for events."""
        return self in CLASSES


EVENTS: tuple[Event, ...] = tuple(Event)
CLASSES: frozenset[Event] = frozenset(EVENTS[:EVENTS.index(Event.UNKNOWN) + 1])
