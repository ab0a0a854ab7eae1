"""The import graph of codegen has no cycle: every module imports in a fresh interpreter, and the
graph of module-level imports (read from the source with ast) is acyclic. The run layer (codegen.hil)
is held to more: no cycle even counting the imports made inside functions, and the strategy imports
no driver (drivers register themselves in codegen.hil.registry)."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

from support.paths import ROOT

PACKAGE = ROOT / "codegen"
SKIP = {"codegen.__main__"}  # runs the command line when imported


def modules() -> dict[str, Path]:
    out = {}
    for p in sorted(PACKAGE.rglob("*.py")):
        parts = list(p.relative_to(ROOT).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts = parts[:-1]
        out[".".join(parts)] = p
    return out


def _type_checking(node: ast.AST) -> bool:
    return isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test)


def _imports(tree: ast.Module, deep: bool) -> list[ast.Import | ast.ImportFrom]:
    """The import statements Python runs when it imports the module (class bodies, if/try blocks;
    not under `if TYPE_CHECKING`), and with `deep` those inside functions too."""
    out: list[ast.Import | ast.ImportFrom] = []

    def walk(node: ast.AST) -> None:
        for child in ast.iter_child_nodes(node):
            if _type_checking(child):
                continue
            if isinstance(child, (ast.Import, ast.ImportFrom)):
                out.append(child)
            elif not isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)) or deep:
                walk(child)
    walk(tree)
    return out


def import_graph(deep: bool = False) -> dict[str, set[str]]:
    """module -> the codegen modules it imports (`deep`: also inside functions and classes)."""
    mods = modules()
    graph: dict[str, set[str]] = {m: set() for m in mods}
    for name, path in mods.items():
        package = name if path.name == "__init__.py" else name.rsplit(".", 1)[0]
        for node in _imports(ast.parse(path.read_text()), deep):
            if isinstance(node, ast.Import):
                graph[name] |= {a.name for a in node.names if a.name in mods}
                continue
            base = node.module or ""
            if node.level:
                parts = package.split(".")[:len(package.split(".")) - node.level + 1]
                base = ".".join(parts + ([node.module] if node.module else []))
            for a in node.names:
                target = f"{base}.{a.name}"
                if target in mods:
                    graph[name].add(target)
                elif base in mods:
                    graph[name].add(base)
    return graph


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected components with more than one module (or a self-import)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []
    counter = [0]

    def visit(v: str) -> None:
        index[v] = low[v] = counter[0]
        counter[0] += 1
        stack.append(v)
        on_stack.add(v)
        for w in sorted(graph[v]):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                comp.append(w)
                if w == v:
                    break
            if len(comp) > 1 or v in graph[v]:
                found.append(sorted(comp))

    sys.setrecursionlimit(max(sys.getrecursionlimit(), 10_000))
    for v in sorted(graph):
        if v not in index:
            visit(v)
    return found


def test_the_walker_finds_a_cycle():
    assert cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]
    assert cycles({"a": {"b"}, "b": set()}) == []


def test_no_module_level_import_cycle():
    assert cycles(import_graph()) == []


def test_the_run_layer_has_no_cycle_even_through_deferred_imports():
    graph = import_graph(deep=True)
    hil = {m: {t for t in ts if t.startswith("codegen.hil")} for m, ts in graph.items() if m.startswith("codegen.hil")}
    assert cycles(hil) == []
    drivers = {m for m in graph if m.startswith("codegen.hil.drivers.")}
    on_disk = {f"codegen.hil.drivers.{f.stem}" for f in (ROOT / "codegen" / "hil" / "drivers").glob("*.py")
               if f.stem != "__init__"}
    assert drivers == on_disk and len(drivers) >= 7  # every driver module is in the graph
    assert not graph["codegen.hil.strategy"] & drivers, "the strategy must not import a driver"
    assert all("codegen.hil.strategy" not in graph[d] for d in drivers), "a driver imports the strategy"
    layer_above = drivers | {"codegen.hil.registry", "codegen.hil.strategy"} | {
        m for m in graph if m.startswith("codegen.hil.flash")}
    assert not graph["codegen.hil.records"] & layer_above, "records are plain data"


def test_every_module_imports_in_a_fresh_interpreter():
    names = sorted(set(modules()) - SKIP)
    code = "import importlib, sys\nfor n in sys.argv[1:]:\n    importlib.import_module(n)\nprint('ok', len(sys.argv) - 1)"
    res = subprocess.run([sys.executable, "-c", code, *names], capture_output=True, text=True, timeout=300,
                         cwd=ROOT)
    assert res.returncode == 0, res.stderr[-3000:]
    assert res.stdout.strip() == f"ok {len(names)}"
