"""Where `bench` runs on a Linux board (:class:`Place`: the machine, the deploy directory, what the
machine has: emulator, perf; the Python that runs the alternatives), and `perf stat`'s counters per
inference as the difference of two processes."""

from __future__ import annotations

import sys
from dataclasses import dataclass
from typing import Callable

from codegen.errors import McuforgeError
from codegen.hil import linux
from codegen.hil.records import RunRequest
from codegen.hil.remote import LocalMachine, Machine
from codegen.linux.records import Counters
from codegen.pio.project import Project

PERF_NOTE = "perf stat: (process with warm-up + N runs - with warm-up only) / N"


@dataclass(frozen=True)
class Place:
    request: RunRequest
    mode: linux.LinuxMode
    machine: Machine
    directory: str
    facts: linux.MachineFacts
    python: str

    @property
    def emulated(self) -> bool:
        return self.mode == linux.LinuxMode.EMULATED

    def where(self, board: str) -> str:
        return f"{board} ({self.machine.description}" + (", QEMU user mode)" if self.emulated else ")")


def place(project: Project, request: RunRequest, python: str | None) -> Place:
    board = project.board
    if board.linux is None:
        raise McuforgeError(f"bench with board={board.name}: runtimes are compared on Linux boards",
                            hint="give a board with kind = \"linux\" (rpi4, stm32mp157, x86_64), or run "
                                 "`scons bench` without board= for the shared models on the emulated Cortex-M cores")
    mode = linux.mode_for(board, request)
    if mode is None:
        raise McuforgeError(f"no way to run board {board.name} with target={request.target}",
                            hint="target=auto, device or emulator")
    machine = linux.machine_for(board, project.firmware_elf, request, mode)
    facts = linux.inspect_machine(board, machine, mode)
    default_python = sys.executable if isinstance(machine, LocalMachine) else "python3"
    return Place(request=request, mode=mode, machine=machine,
                 directory=linux.deploy_dir(board, project.firmware_elf, machine), facts=facts,
                 python=python or default_python)


def perf_counters(place_: Place, run_with: Callable[[int], dict], n: int) -> Counters:
    """Counters per inference: (a process with W + n runs) - (one with W runs), divided by n."""
    if place_.emulated:
        return Counters(note="not measured (emulated)")
    if not place_.facts.perf:
        return Counters(note="not supported")
    full, base = run_with(n), run_with(0)
    per = {}
    for event in linux.PERF_EVENTS:
        a, b = full.get(event), base.get(event)
        per[event] = (a - b) / n if a is not None and b is not None else None
    return Counters(cycles=per["cycles"], instructions=per["instructions"],
                    note=PERF_NOTE)
