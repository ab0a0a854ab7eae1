"""The code generator's front door: .tflite in, C sources and a :class:`CompiledModel` out."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from codegen.check import check_graph
from codegen.emit.model import GeneratedFiles, emit_model
from codegen.ir import Graph
from codegen.lowering import CompiledModel, compile_graph, prefix_from
from codegen.ops.base import Target
from codegen.passes import PassOptions, run_passes
from codegen.planner.patches import MemoryMode
from codegen.tflite import read_model
from codegen.wellformed import check_arena, check_wellformed


@dataclass(frozen=True)
class GenerateOptions:
    prefix: str | None = None
    int8_io: bool = False
    reuse_arena: bool = True  # False: every tensor keeps its own bytes (debugging intermediates)
    memory: MemoryMode = MemoryMode.BALANCED
    ram_budget: int | None = None  # bytes the board has for the arena and kernel scratch (None: no limit)


def prepare(graph: Graph, options: GenerateOptions = GenerateOptions()) -> Graph:
    """Validate, optimise, then check: the model must be well formed before any pass touches it (see
    codegen/wellformed.py); folding comes before the support check, so ops that vanish at build time
    need no kernel. Every path that reads a model (generate, inspect, debug, bench, the build) passes here."""
    check_wellformed(graph)
    optimised = run_passes(graph, PassOptions(int8_io=options.int8_io))
    check_graph(optimised)
    return optimised


def compile_model(model: str | Path | Graph, target: Target = Target(),
                  options: GenerateOptions = GenerateOptions()) -> CompiledModel:
    graph = model if isinstance(model, Graph) else read_model(model)
    prefix = options.prefix or prefix_from(Path(graph.source).stem if graph.source else "model")
    compiled = compile_graph(prepare(graph, options), prefix, target, reuse_arena=options.reuse_arena,
                             memory=options.memory, ram_budget=options.ram_budget)
    check_arena(graph.source, compiled.arena_bytes)
    return compiled


def generate(model: str | Path | Graph, out_dir: Path, target: Target = Target(),
             options: GenerateOptions = GenerateOptions()) -> tuple[CompiledModel, GeneratedFiles]:
    compiled = compile_model(model, target, options)
    return compiled, emit_model(compiled, Path(out_dir))
