"""The architecture, enforced: imports point down one line, no circle, no Django under */lib/.

The line (lowest first): the pure cores `*/lib/`, then imagery ← guesslabels ← annotation ← consensus ← export,
with `demo` on top. `lcnet_site` (settings, roles, the Celery app) sits beside the line: every app may use it, and
it imports no app except in `urls.py`, the one place that wires them all. Every module is found by walking the
tree, so a new file is checked the day it is added.
"""
import ast
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
LINE = ["imagery", "guesslabels", "annotation", "consensus", "export", "demo"]
SITE = "lcnet_site"
SITE_WIRING = {"lcnet_site.urls"}  # includes every app's routes
NOT_OURS = {".venv", ".git", "tests", "bench", "media", "staticfiles", "node_modules"}


def _modules() -> dict[str, Path]:
    found = {}
    for path in REPO.rglob("*.py"):
        rel = path.relative_to(REPO)
        if rel.parts[0] in NOT_OURS or rel.parts[0].startswith(".") or "migrations" in rel.parts:
            continue
        if rel.parts[0] not in LINE + [SITE, "frontend"]:
            continue
        name = ".".join(rel.with_suffix("").parts)
        found[name.removesuffix(".__init__")] = path
    return found


MODULES = _modules()


def _top_level(tree: ast.Module):
    """Statements run when the module is imported (not those inside a function or class body)."""
    todo = list(tree.body)
    while todo:
        node = todo.pop()
        yield node
        if isinstance(node, (ast.If, ast.Try, ast.With)):
            todo += [n for n in ast.iter_child_nodes(node) if isinstance(n, ast.stmt)]
            todo += [n for h in getattr(node, "handlers", []) for n in h.body]


def _imports(name: str, path: Path, module_level: bool = False) -> set[str]:
    """Every module of ours that `name` imports: anywhere, or only when the module itself is imported."""
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    tree = ast.parse(path.read_text(), str(path))
    out = set()
    for node in (_top_level(tree) if module_level else ast.walk(tree)):
        if isinstance(node, ast.Import):
            targets = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parts = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join(parts + ([node.module] if node.module else []))
            targets = [base] + [f"{base}.{alias.name}" for alias in node.names]
        else:
            continue
        for target in targets:
            while target and target not in MODULES:
                target = target.rpartition(".")[0]
            if target and target != name:
                out.add(target)
    return out


GRAPH = {name: _imports(name, path) for name, path in MODULES.items()}


def _rank(module: str) -> float:
    """Position on the line: a core under <app>/lib/ sits below every app; an app at its index."""
    app = module.split(".")[0]
    if ".lib" in f".{module}." and module.split(".")[1:2] == ["lib"]:
        return -1
    return LINE.index(app) if app in LINE else -2


def test_the_module_list_is_built_from_the_tree():
    assert {"imagery.models", "export.api", "demo.setup", "consensus.lib.engine"} <= set(MODULES)
    assert len(MODULES) > 100


def test_no_module_imports_up_the_line():
    upward = []
    for name, deps in GRAPH.items():
        app = name.split(".")[0]
        for dep in deps:
            dep_app = dep.split(".")[0]
            if app == SITE:
                wrong = dep_app != SITE and name not in SITE_WIRING
            else:
                wrong = app in LINE and dep_app in LINE and LINE.index(dep_app) > LINE.index(app)
            if wrong:
                upward.append(f"{name} -> {dep}")
    assert not upward, "imports pointing up the line:\n" + "\n".join(sorted(upward))


def test_pure_cores_import_only_pure_cores_and_no_django():
    bad = []
    for name, path in MODULES.items():
        if _rank(name) != -1:
            continue
        for dep in GRAPH[name]:
            if _rank(dep) != -1:
                bad.append(f"{name} -> {dep}")
        tree = ast.parse(path.read_text())
        for node in ast.walk(tree):
            roots = []
            if isinstance(node, ast.Import):
                roots = [a.name.split(".")[0] for a in node.names]
            elif isinstance(node, ast.ImportFrom) and not node.level and node.module:
                roots = [node.module.split(".")[0]]
            bad += [f"{name} imports {r}" for r in roots if r in {"django", "rest_framework", "celery", "drf_spectacular"}]
    assert not bad, "a */lib/ core reaching outside the pure cores:\n" + "\n".join(sorted(bad))


def test_a_lower_layer_is_never_named_in_a_string():
    """No settings string or importlib lookup finds a higher layer (dotted names of upper apps in a lower one)."""
    found = []
    for name, path in MODULES.items():
        app = name.split(".")[0]
        if app not in LINE:
            continue
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Constant) and isinstance(node.value, str):
                for upper in LINE[LINE.index(app) + 1:]:
                    if node.value.startswith(f"{upper}.") and node.value.split(".")[1:2] and " " not in node.value:
                        found.append(f"{name}: {node.value!r}")
    assert not found, "\n".join(found)


def test_nothing_catches_import_error_to_cope_without_an_app():
    found = []
    for name, path in MODULES.items():
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.ExceptHandler) and node.type is not None:
                names = {n.id for n in ast.walk(node.type) if isinstance(n, ast.Name)}
                if names & {"ImportError", "ModuleNotFoundError"}:
                    found.append(f"{name}:{node.lineno}")
    assert not found, found


def _cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components of more than one module (Tarjan)."""
    index, low, stack, on_stack, out = {}, {}, [], set(), []
    counter = [0]

    def visit(v):
        index[v] = low[v] = counter[0]
        counter[0] += 1
        stack.append(v)
        on_stack.add(v)
        for w in graph.get(v, ()):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                component.append(w)
                if w == v:
                    break
            if len(component) > 1:
                out.append(sorted(component))

    for v in sorted(graph):
        if v not in index:
            visit(v)
    return out


def test_no_circular_imports():
    """At import time: a Celery task importing its service inside the task body (the service queues the task at
    module level) is the HackSoft wiring, not a circle; a module importing its own package (`from annotation
    import sql`) reaches the package's __init__, not itself."""
    graph = {
        name: {d for d in _imports(name, path, module_level=True) if not name.startswith(d + ".")}
        for name, path in MODULES.items()
    }
    cycles = _cycles(graph)
    assert not cycles, "import circles:\n" + "\n".join(" <-> ".join(c) for c in cycles)


@pytest.mark.parametrize("app", LINE)
def test_each_app_on_the_line_exists(app):
    assert (REPO / app / "apps.py").exists()
