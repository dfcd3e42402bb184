"""Imports run downward (commands → evaluation → conversion → SNN/ANN pieces → pure
functions): read from the source with ``ast``, every import of every module, including
those inside functions and under ``TYPE_CHECKING``."""

import ast
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parents[1] / "src" / "ann2snn"

#: packages that must not import any of the packages listed after them
LOWER = {
    "functional": {"ann", "graph", "snn", "conversion", "calibration", "methods", "costs",
                   "training", "export", "reporting", "cli", "evaluate", "compare", "report"},
    "ann": {"snn", "graph", "conversion", "calibration", "methods", "costs", "training",
            "export", "reporting", "cli", "evaluate", "compare", "report"},
    "snn": {"graph", "conversion", "calibration", "methods", "costs", "training", "export",
            "reporting", "cli", "evaluate", "compare", "report"},
    "graph": {"conversion", "calibration", "methods", "costs", "training", "export",
              "reporting", "cli", "evaluate", "compare", "report"},
    "conversion": {"training", "export", "reporting", "cli", "evaluate", "compare", "report"},
    "reporting": {"conversion", "calibration", "evaluate", "compare", "cli", "training"},
}


def _unit(path: Path) -> str:
    """The package (or top-level module) a source file belongs to."""
    parts = path.relative_to(SRC).with_suffix("").parts
    return parts[0]


def _imported_units(path: Path) -> set[str]:
    tree = ast.parse(path.read_text())
    names = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names += [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names += [node.module] + [f"{node.module}.{a.name}" for a in node.names]
    units = set()
    for name in names:
        parts = name.split(".")
        if parts[0] == "ann2snn" and len(parts) > 1:
            units.add(parts[1])
    return units


def _graph() -> dict[str, set[str]]:
    edges: dict[str, set[str]] = {}
    for path in SRC.rglob("*.py"):
        unit = _unit(path)
        edges.setdefault(unit, set()).update(_imported_units(path) - {unit})
    return edges


def _cycles(edges: dict[str, set[str]]) -> list[list[str]]:
    found, state = [], {}

    def visit(node, stack):
        state[node] = "open"
        for nxt in sorted(edges.get(node, ())):
            if state.get(nxt) == "open":
                found.append(stack[stack.index(nxt):] + [nxt])
            elif nxt not in state:
                visit(nxt, stack + [nxt])
        state[node] = "done"

    for node in sorted(edges):
        if node not in state:
            visit(node, [node])
    return found


def test_the_import_reader_sees_imports():
    edges = _graph()
    assert "functional" in edges["snn"] and "conversion" in edges["cli"]


def test_no_package_imports_one_that_imports_it_back():
    assert _cycles(_graph()) == []


@pytest.mark.parametrize("low", sorted(LOWER))
def test_lower_packages_do_not_import_higher_ones(low):
    assert _graph()[low] & LOWER[low] == set()


def test_the_cycle_finder_finds_a_cycle():
    assert _cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == [["a", "b", "c", "a"]]
