"""The layers, read from the source with `ast`: storage/ is the bottom (it imports neither bot nor
handlers), only the composition root imports handlers, and no modules import each other in a
cycle. And one way into the ledger: outside bot/ledger.py nothing uses its bare rules (they run
no hooks) and outside bot/usage/importer.py nothing calls the importer's engine `import_usage`
(it charges through whichever ledger it is handed); they go through `Ledger` and
`UsageImporter`, whose hooks are the root's.

An import counts wherever it is written: at the top, inside a function (the CLI's lazy imports)
or under `if TYPE_CHECKING:`. A cycle only the type checker sees is still two modules that must
be understood together, and it is how run-time cycles start. What does not count is the package
`__init__` that Python runs on the way to a module (`import bot.alerts.monitor` runs
`bot/alerts/__init__.py`): only the imports written in a module are its edges.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ("bot", "handlers", "storage")
# The modules of bot/ that may import handlers/: the composition root, which builds the
# services and then the Bolt app with every listener on them.
COMPOSITION_ROOTS = frozenset({"bot.app"})
# Names that change money without the ledger's hooks (or, import_usage, through whichever ledger
# the caller hands it), and the only module that may use them.
UNHOOKED = {("bot.ledger", "deposit"): "bot.ledger", ("bot.ledger", "charge"): "bot.ledger",
            ("bot.ledger", "adjust"): "bot.ledger", ("bot.ledger", "expire_lots"): "bot.ledger",
            ("bot", "ledger"): "bot.ledger",
            ("bot.usage.importer", "import_usage"): "bot.usage.importer"}


def module_name(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def source_modules() -> dict[str, Path]:
    return {module_name(path): path for package in PACKAGES
            for path in sorted((ROOT / package).rglob("*.py"))}


def imported_names(name: str, path: Path) -> Iterator[tuple[str, str | None]]:
    """(module, name) for each name the file imports (`import a.b`: ("a.b", None))."""
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
        if isinstance(node, ast.Import):
            yield from ((alias.name, None) for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[:len(package.split(".")) - node.level + 1]
                base = ".".join([*anchor, base] if base else anchor)
            yield from ((base, alias.name) for alias in node.names)


def import_graph(modules: dict[str, Path]) -> dict[str, set[str]]:
    """module -> the modules of ours it imports: `from a import b` is an edge to the module
    a.b when there is one, else to a (or a's nearest enclosing module of ours)."""
    graph: dict[str, set[str]] = {}
    for name, path in modules.items():
        edges = graph.setdefault(name, set())
        for base, imported_name in imported_names(name, path):
            target = f"{base}.{imported_name}" if imported_name else base
            while target and target not in modules:
                target = target.rpartition(".")[0]
            if target and target != name:
                edges.add(target)
    return graph


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """One cycle (as a path a -> … -> a) per group of modules that import each other."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    found: list[list[str]] = []

    def visit(module: str) -> None:  # Tarjan's strongly connected components
        index[module] = low[module] = len(index)
        stack.append(module)
        for other in sorted(graph[module]):
            if other not in index:
                visit(other)
                low[module] = min(low[module], low[other])
            elif other in stack:
                low[module] = min(low[module], index[other])
        if low[module] == index[module]:
            group = []
            while True:
                member = stack.pop()
                group.append(member)
                if member == module:
                    break
            if len(group) > 1:
                found.append(path_within(graph, set(group)))

    for module in sorted(graph):
        if module not in index:
            visit(module)
    return found


def path_within(graph: dict[str, set[str]], group: set[str]) -> list[str]:
    """A cycle through the group's first module, by breadth-first search inside the group."""
    start = min(group)
    came_from: dict[str, str] = {}
    queue = [start]
    while queue:
        module = queue.pop(0)
        for other in sorted(graph[module] & group):
            if other == start:
                path = [module]
                while path[-1] != start:
                    path.append(came_from[path[-1]])
                return [*reversed(path), start]
            if other not in came_from:
                came_from[other] = module
                queue.append(other)
    return sorted(group)


def layer_violations(graph: dict[str, set[str]]) -> list[str]:
    problems = []
    for module, imported in sorted(graph.items()):
        layer = module.partition(".")[0]
        for other in sorted(imported):
            other_layer = other.partition(".")[0]
            if layer == "storage" and other_layer in ("bot", "handlers"):
                problems.append(f"{module} imports {other}: storage/ is the bottom layer")
            if (layer == "bot" and other_layer == "handlers"
                    and module not in COMPOSITION_ROOTS):
                problems.append(f"{module} imports {other}: only the composition root "
                                f"({', '.join(sorted(COMPOSITION_ROOTS))}) imports handlers/")
    return problems


def test_storage_is_the_bottom_and_only_the_composition_root_imports_handlers():
    assert layer_violations(import_graph(source_modules())) == []


def test_no_modules_import_each_other_in_a_cycle():
    assert [" -> ".join(cycle) for cycle in cycles(import_graph(source_modules()))] == []


def unhooked_uses(modules: dict[str, Path]) -> list[str]:
    return [f"{name} imports {base}.{imported}: use the Ledger or UsageImporter of the services"
            for name, path in sorted(modules.items())
            for base, imported in imported_names(name, path)
            if UNHOOKED.get((base, imported or ""), name) != name]


def test_every_money_change_goes_through_the_hooked_services():
    assert unhooked_uses(source_modules()) == []


def test_the_checks_see_what_they_check(tmp_path: Path):
    graph = import_graph(source_modules())
    assert "handlers" in graph["bot.app"] and "bot.services" in graph["bot.app"]
    assert "bot.alerts.sink" in graph["bot.alerts.monitor"]
    assert "bot.app" in graph["bot.cli.context"]  # a lazy import inside a function counts
    for root in COMPOSITION_ROOTS:
        assert root in graph, f"{root} is named as the composition root but does not exist"
    bad = {**graph, "storage.db": graph["storage.db"] | {"bot.clock"},
           "bot.money": graph["bot.money"] | {"handlers.reply"},
           "bot.clock": graph["bot.clock"] | {"bot.ledger"}}
    assert len(layer_violations(bad)) == 2
    assert any(cycle[0] == cycle[-1] and "bot.clock" in cycle for cycle in cycles(bad))
    written = tmp_path / "session.py"
    written.write_text("from bot.ledger import Ledger, charge\nfrom ..usage import importer\n"
                       "from bot.usage.importer import UsageImporter, import_usage\n")
    assert unhooked_uses({"bot.console.session": written}) == [
        "bot.console.session imports bot.ledger.charge: use the Ledger or UsageImporter of "
        "the services",
        "bot.console.session imports bot.usage.importer.import_usage: use the Ledger or "
        "UsageImporter of the services"]
