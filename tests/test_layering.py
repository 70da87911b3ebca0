"""One import direction: the core never imports the outer ring, and no module circles back.

The outer ring is `kerasgen.zoo` and `kerasgen.export` (the folders `zoo/` and `export/`,
mapped by pyproject.toml), the subcommands (`kerasgen.commands`) and the command line
(`kerasgen.cli`). Every other module under `kerasgen/` is core. A core module may not
import the outer ring at all, not even inside a function; the package root imports only
the core (it registers every serializable class) and names the outer packages lazily.
"""

import ast
import os
import subprocess
import sys

import pytest

tomllib = pytest.importorskip("tomllib")

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
OUTER = ("kerasgen.zoo", "kerasgen.export", "kerasgen.commands", "kerasgen.cli")
FORBIDDEN = ("kerasgen.zoo", "kerasgen.export")  # what the core may never import
ALIASES = {"zoo": "kerasgen.zoo", "export": "kerasgen.export"}  # the folders' own names


def package_dirs():
    """`{package name: folder}` of the top-level packages, as pyproject.toml maps them."""
    with open(os.path.join(ROOT, "pyproject.toml"), "rb") as f:
        setuptools = tomllib.load(f)["tool"]["setuptools"]
    mapping = setuptools.get("package-dir", {})
    return {name: os.path.join(ROOT, folder) for name, folder in mapping.items()
            if "." not in name or name in ("kerasgen.zoo", "kerasgen.export")}


def modules():
    """`{module name: (path, is_package)}` of every module of the kerasgen distribution."""
    found = {}
    for package, folder in package_dirs().items():
        for root, dirs, files in os.walk(folder):
            dirs[:] = [d for d in dirs if os.path.isfile(os.path.join(root, d, "__init__.py"))]
            relative = os.path.relpath(root, folder)
            prefix = package if relative == "." else f"{package}.{relative.replace(os.sep, '.')}"
            for name in files:
                if name.endswith(".py"):
                    is_package = name == "__init__.py"
                    module = prefix if is_package else f"{prefix}.{name[:-3]}"
                    found[module] = (os.path.join(root, name), is_package)
    return found


def is_outer(module):
    return any(module == name or module.startswith(name + ".") for name in OUTER)


def resolve(name, known):
    """The kerasgen module `name` refers to (its longest known prefix), else None."""
    first, _, rest = name.partition(".")
    if first in ALIASES:
        name = ALIASES[first] + ("." + rest if rest else "")
    while name and name not in known:
        name = name.rpartition(".")[0]
    return name or None


def imports(module, path, is_package, known):
    """`[(target module, line, at module level)]` for every import in the file, including
    those inside functions and `importlib.import_module("...")` with a constant name."""
    with open(path, encoding="utf-8") as f:
        tree = ast.parse(f.read(), path)
    package = module if is_package else module.rpartition(".")[0]
    found = []

    def visit(node, top_level):
        for child in ast.iter_child_nodes(node):
            inner = top_level and not isinstance(
                child, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda))
            names = []
            if isinstance(child, ast.Import):
                names = [alias.name for alias in child.names]
            elif isinstance(child, ast.ImportFrom):
                base = child.module or ""
                if child.level:  # relative: from . import x / from ..a import b
                    parts = package.split(".")
                    parts = parts[: len(parts) - child.level + 1]
                    base = ".".join(parts + ([base] if base else []))
                names = [f"{base}.{alias.name}" for alias in child.names]
            elif (isinstance(child, ast.Call) and getattr(child.func, "attr", None) == "import_module"
                  and child.args and isinstance(child.args[0], ast.Constant)):
                names = [child.args[0].value]
            for name in names:
                target = resolve(name, known)
                if target and target != module:
                    found.append((target, child.lineno, top_level))
            visit(child, inner)

    visit(tree, True)
    return found


def graph():
    known = modules()
    return known, {module: imports(module, path, is_package, known)
                   for module, (path, is_package) in known.items()}


def test_the_core_never_imports_the_zoo_or_export():
    known, edges = graph()
    wrong = [
        f"{module} ({os.path.relpath(known[module][0], ROOT)}:{line}) imports {target}"
        for module, targets in sorted(edges.items()) if not is_outer(module)
        for target, line, _ in targets
        if any(target == name or target.startswith(name + ".") for name in FORBIDDEN)
    ]
    assert not wrong, "core modules import the outer ring:\n" + "\n".join(wrong)


def find_cycle(edges):
    """A list of modules `[a, b, ..., a]` that import each other in a circle, or None
    (a depth-first search over module-level imports)."""
    state, stack = {}, []

    def visit(module):
        state[module] = "open"
        stack.append(module)
        for target in sorted({t for t, _, top_level in edges.get(module, ()) if top_level}):
            if state.get(target) == "open":
                return stack[stack.index(target):] + [target]
            if target not in state:
                cycle = visit(target)
                if cycle:
                    return cycle
        stack.pop()
        state[module] = "done"
        return None

    for module in sorted(edges):
        if module not in state:
            cycle = visit(module)
            if cycle:
                return cycle
    return None


def test_no_import_cycle_at_module_level():
    _, edges = graph()
    cycle = find_cycle(edges)
    assert cycle is None, "import cycle: " + " -> ".join(cycle)


def test_find_cycle_names_the_circle():
    edges = {"a": [("b", 1, True)], "b": [("c", 1, True)], "c": [("a", 1, True)],
             "d": [("a", 1, False)]}
    assert find_cycle(edges) == ["a", "b", "c", "a"]
    edges["c"] = [("a", 1, False)]  # inside a function: not a module-level circle
    assert find_cycle(edges) is None


def test_importing_the_core_loads_no_outer_module():
    # What the source says above, checked in a fresh process: `import kerasgen` (which
    # registers every class) loads neither the zoo, nor export, nor the commands.
    code = ("import sys, kerasgen, kerasgen.metrics, kerasgen.training\n"
            "print(' '.join(m for m in sys.modules if m.startswith(%r)))" % (OUTER,))
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                            timeout=300, env={**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3"})
    assert result.returncode == 0, result.stderr[-2000:]
    assert result.stdout.split() == []
