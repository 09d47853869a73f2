"""The house's floors (../shared/DESIGN.md, Layout): every import in the project, read from the source, runs
down the table below, never up or sideways, and no two modules import each other.

The check reads every import statement of every module, those inside functions too (an import moved into a
function to dodge a circle is still an arrow), without importing anything.
"""

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

CAPABILITY_BASE = {"municipalities", "portfolios", "accounts", "core"}
# What each package may import besides itself. `veiledning` is the project package (settings, URLs, the Celery
# app), which names every app; `testing` is the permission matrix's world, which builds from every app's
# factories and is used by tests only.
MAY_IMPORT = {
    "core": set(),
    "accounts": {"core"},
    "portfolios": {"accounts", "core"},
    "municipalities": {"portfolios", "accounts", "core"},
    "meetings": CAPABILITY_BASE,
    "contracts": CAPABILITY_BASE,
    "surveys": CAPABILITY_BASE,
    # A plan's measures link to meetings' tasks: the one arrow between capability apps.
    "development_plans": CAPABILITY_BASE | {"meetings"},
    "applications": CAPABILITY_BASE,
    "dashboard": {"applications", "meetings", "contracts", "development_plans", "surveys"} | CAPABILITY_BASE,
}
TOP = {"veiledning", "testing"}
PACKAGES = set(MAY_IMPORT) | TOP


def _modules():
    """{dotted module name: path} of every project module outside migrations."""
    modules = {}
    for package in PACKAGES:
        for path in (ROOT / package).rglob("*.py"):
            relative = path.relative_to(ROOT).with_suffix("")
            if "migrations" in relative.parts:
                continue
            parts = relative.parts[:-1] if relative.name == "__init__" else relative.parts
            modules[".".join(parts)] = path
    return modules


def _imports(name, path):
    """The dotted names `name` imports, relative imports resolved."""
    package = name if path.name == "__init__.py" else name.rsplit(".", 1)[0]
    found = set()
    for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")[: len(package.split(".")) - node.level + 1]
                module = ".".join(base + ([node.module] if node.module else []))
            else:
                module = node.module
            found.add(module)
            # `from . import services` imports the module services, not a name in the package.
            found.update(f"{module}.{alias.name}" for alias in node.names)
    return found


MODULES = _modules()
IMPORTS = {name: _imports(name, path) for name, path in MODULES.items()}


def test_every_package_of_the_layout_is_there():
    assert {name.split(".")[0] for name in MODULES} >= PACKAGES - {"applications"}


def test_every_import_runs_down_the_floors():
    wrong = []
    for name, imported in sorted(IMPORTS.items()):
        source = name.split(".")[0]
        if source in TOP:
            continue
        is_test = ".tests" in name or name.endswith(".conftest")
        allowed = MAY_IMPORT[source] | {source} | ({"testing"} if is_test else set())
        for target in sorted(imported):
            top = target.split(".")[0]
            if top in PACKAGES and top not in allowed:
                wrong.append(f"{name} imports {target}")
    assert wrong == [], "Imports that run the wrong way:\n" + "\n".join(wrong)


def test_no_two_modules_import_each_other():
    known = set(MODULES)
    edges = {
        name: {target for target in imported if target in known and target != name}
        for name, imported in IMPORTS.items()
    }
    circles = sorted({tuple(sorted((a, b))) for a, targets in edges.items() for b in targets if a in edges.get(b, ())})
    assert circles == [], "Modules that import each other:\n" + "\n".join(f"{a} ↔ {b}" for a, b in circles)


def test_the_project_package_holds_only_configuration():
    files = {path.name for path in (ROOT / "veiledning").iterdir() if path.name != "__pycache__"}
    assert files == {"__init__.py", "settings.py", "urls.py", "celery.py", "wsgi.py"}
