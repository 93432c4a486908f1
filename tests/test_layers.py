"""The package's one-way house: layers, no cycles, no private cross-module imports,
short functions (docs/architecture.md, "Layers").

Every module of ``align/`` is parsed with :mod:`ast` (nothing is imported) and
assigned a layer. An import counts wherever it stands (module level, inside a
function, under ``TYPE_CHECKING``); so does a registry entry, a string
``"align.module:name"`` that a registry imports by name; and importing
``align.pkg.mod`` imports the package ``align.pkg`` too. A module may import
its own layer or those below, never one above; the modules must form no
cycle; and no module imports a ``_private`` name of another module.
"""

from __future__ import annotations

import ast
import re
import sys
from functools import cache
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent / "align"

#: Bottom to top. A module belongs to the first layer with a matching entry
#: (a module name, or a package name standing for all its modules).
LAYERS: list[tuple[str, tuple[str, ...]]] = [
    ("foundation", ("align.version", "align.errors", "align.models", "align.registry",
                    "align.dirs", "align.atomic", "align.script", "align.memory")),
    ("read", ("align.decoding", "align.formats")),
    ("text", ("align.text", "align.lexical")),
    # Files to Documents: reading (decoding, formats) then the text stage.
    ("documents", ("align.read",)),
    ("embed", ("align.encoders", "align.cache", "align.embed")),
    ("core", ("align.core",)),
    ("gaps", ("align.gaps",)),
    ("qa", ("align.qa",)),  # the tm-* checks of bilingual files too: align.qa.tm
    ("export", ("align.exporters", "align.beadfile", "align.evaluate")),
    ("front", ("align.api", "align.guard", "align.batch", "align.review", "align.bilingual",
               "align")),
    ("cli", ("align.cli", "align.cli_progress", "align.__main__")),
]

#: Private imports not fixed yet: (importing module, imported module, name).
KNOWN_PRIVATE: set[tuple[str, str, str]] = set()

#: Longest function (lines from ``def`` to its last line; for a typer command,
#: from the first statement of its body: the option declarations do not count).
MAX_FUNCTION_LINES = 60

_REGISTRY_RE = re.compile(r"^(align(?:\.\w+)+):\w+$")


def module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT.parent).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


@cache
def modules() -> dict[str, Path]:
    return {module_name(p): p for p in sorted(ROOT.rglob("*.py"))}


@cache
def tree(name: str) -> ast.Module:
    return ast.parse(modules()[name].read_text(encoding="utf-8"))


def layer_of(name: str) -> int:
    for index, (_, members) in enumerate(LAYERS):
        for member in members:
            if name == member or (member != "align" and name.startswith(member + ".")):
                return index
    raise AssertionError(f"{name} is in no layer: add it to LAYERS in tests/test_layers.py")


def _resolve(name: str, node: ast.ImportFrom) -> str:
    """The absolute module a ``from ... import`` names (before its names)."""
    if not node.level:
        return node.module or ""
    is_package = modules()[name].name == "__init__.py"
    base = name.split(".")
    drop = node.level - 1 if is_package else node.level
    base = base[: len(base) - drop]
    return ".".join(base + ([node.module] if node.module else []))


def imports(name: str) -> list[tuple[str, str | None, int]]:
    """``(imported module, imported name or None, line)`` of every import of ``name``
    into a module of ``align``, registry entries included."""
    found: list[tuple[str, str | None, int]] = []
    known = modules()
    for node in ast.walk(tree(name)):
        if isinstance(node, ast.Import):
            found += [(a.name, None, node.lineno) for a in node.names if a.name in known]
        elif isinstance(node, ast.ImportFrom):
            target = _resolve(name, node)
            for alias in node.names:
                sub = f"{target}.{alias.name}"
                if sub in known:
                    found.append((sub, None, node.lineno))
                elif target in known:
                    found.append((target, alias.name, node.lineno))
        elif isinstance(node, ast.Constant) and isinstance(node.value, str):
            match = _REGISTRY_RE.match(node.value)
            if match and match.group(1) in known:
                found.append((match.group(1), None, node.lineno))
    return found


def _ancestors(name: str) -> list[str]:
    parts = name.split(".")
    return [".".join(parts[:i]) for i in range(1, len(parts))]


@cache
def graph() -> dict[str, dict[str, int]]:
    """Module -> {imported module: line}, with the packages an import runs."""
    edges: dict[str, dict[str, int]] = {}
    for name in modules():
        out = edges.setdefault(name, {})
        own = {*_ancestors(name), name}
        for target, _, line in imports(name):
            if target != name:
                out.setdefault(target, line)
            for package in _ancestors(target):  # run first; a module's own always are
                if package not in own:
                    out.setdefault(package, line)
    return edges


def cycles(edges: dict[str, dict[str, int]]) -> list[list[str]]:
    """The strongly connected components of more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for nxt in edges.get(node, {}):
            if nxt not in index:
                visit(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in on_stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            component = []
            while True:
                top = stack.pop()
                on_stack.discard(top)
                component.append(top)
                if top == node:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for node in sorted(edges):
        if node not in index:
            visit(node)
    return found


def upward_imports() -> list[str]:
    bad = []
    for name, out in graph().items():
        for target, line in out.items():
            if layer_of(target) > layer_of(name):
                bad.append(f"{name}:{line} imports {target} "
                           f"({LAYERS[layer_of(name)][0]} -> {LAYERS[layer_of(target)][0]})")
    return sorted(bad)


def private_imports() -> list[str]:
    bad = []
    for name in modules():
        for target, imported, line in imports(name):
            if (imported and imported.startswith("_") and not imported.startswith("__")
                    and target != name and (name, target, imported) not in KNOWN_PRIVATE):
                bad.append(f"{name}:{line} imports {target}.{imported}")
    return sorted(bad)


def _is_typer_command(node: ast.FunctionDef | ast.AsyncFunctionDef) -> bool:
    for deco in node.decorator_list:
        func = deco.func if isinstance(deco, ast.Call) else deco
        if isinstance(func, ast.Attribute) and func.attr in ("command", "callback"):
            return True
    return False


def function_lines(node: ast.FunctionDef | ast.AsyncFunctionDef) -> int:
    start = node.body[0].lineno if _is_typer_command(node) else node.lineno
    return (node.end_lineno or node.lineno) - start + 1


def long_functions() -> list[str]:
    bad = []
    for name in modules():
        for node in ast.walk(tree(name)):
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                lines = function_lines(node)
                if lines > MAX_FUNCTION_LINES:
                    bad.append(f"{name}.{node.name} ({modules()[name].name}:{node.lineno}): {lines} lines")
    return sorted(bad)


def test_every_module_has_a_layer():
    for name in modules():
        layer_of(name)


def test_no_module_imports_a_layer_above_it():
    assert upward_imports() == []


def test_no_import_cycles():
    assert cycles(graph()) == []


def test_no_private_cross_module_imports():
    assert private_imports() == []


def test_known_private_imports_are_still_there():
    """An entry of KNOWN_PRIVATE that was fixed must leave the list."""
    present = {(name, target, imported) for name in modules()
               for target, imported, _ in imports(name) if imported}
    assert KNOWN_PRIVATE <= present


def test_no_function_over_60_lines():
    assert long_functions() == []


@pytest.mark.parametrize("source, expected", [
    ("from . import errors\n", [("align.errors", None)]),
    ("from .errors import InputError\n", [("align.errors", "InputError")]),
    ("def f():\n    from .encoders.base import Encoder\n", [("align.encoders.base", "Encoder")]),
    ("X = {'a': 'align.formats.html:read_html'}\n", [("align.formats.html", None)]),
])
def test_imports_are_found(monkeypatch, source, expected):
    """The parser sees relative, nested and registry imports."""
    monkeypatch.setattr(sys.modules[__name__], "tree", lambda name: ast.parse(source))
    assert [(t, n) for t, n, _ in imports("align.read")] == expected
