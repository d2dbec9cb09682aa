"""The layout the README's map promises: one package per area, imports only downwards,
rules without Flask, and modules and views short enough to read."""

import ast
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PACKAGE = ROOT / "nqsw_visits"
WEB = ("flask", "flask_login", "flask_wtf", "werkzeug", "govuk_frontend_wtf", "click")
# Modules that serve requests or the command line, by name; every other module of an
# area is a rule, a query or a model, and imports none of WEB.
WEB_MODULE = re.compile(r"(^|_)(views|forms|commands|blueprint|access)$")
WIRING = {"notifications/mail.py": "sends the queued emails after a response"}
MAX_MODULE_LINES = 325  # "about 300"
MAX_VIEW_LINES = 30


def readme_areas() -> list[str]:
    """The packages in the README's map, top to bottom ("app" for the package itself)."""
    text = (ROOT / "README.md").read_text()
    table = text.split("## Where things are", 1)[1].split("\n## ", 1)[0]
    areas = []
    for row in table.splitlines():
        cells = [cell.strip() for cell in row.strip().strip("|").split("|")]
        if len(cells) < 3 or not cells[1].startswith("`nqsw_visits"):
            continue
        found = re.match(r"`nqsw_visits/([a-z_]+)/`", cells[1])
        areas.append(found.group(1) if found else "app")
    return areas


def area_of(module: str) -> str:
    """The area a dotted module name belongs to: its package under nqsw_visits, or "app"."""
    parts = module.split(".")
    if len(parts) > 1 and (PACKAGE / parts[1]).is_dir():
        return parts[1]
    return "app"


def modules() -> list[tuple[Path, str]]:
    """Every module of the app with its dotted name."""
    found = []
    for path in sorted(PACKAGE.rglob("*.py")):
        dotted = ".".join(path.relative_to(ROOT).with_suffix("").parts)
        found.append((path, dotted.removesuffix(".__init__")))
    return found


def imported(path: Path) -> list[tuple[int, str]]:
    """Every module or name a file imports, fully named, with its line."""
    names = []
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom) and node.module:
            names += [(node.lineno, f"{node.module}.{alias.name}") for alias in node.names]
        elif isinstance(node, ast.Import):
            names += [(node.lineno, alias.name) for alias in node.names]
    return names


def upward_imports(order: list[str], sources=None) -> list[str]:
    """Imports of an area from one listed above it (order runs top to bottom)."""
    rank = {area: number for number, area in enumerate(order)}
    found = []
    for path, dotted in sources or modules():
        mine = area_of(dotted)
        for line, name in imported(path):
            if not name.startswith("nqsw_visits."):
                continue
            theirs = area_of(name)
            if theirs != mine and rank[theirs] < rank[mine]:
                found.append(f"{dotted}:{line} imports {name} ({theirs} is above {mine})")
    return found


def test_the_readme_map_names_every_package_once():
    packages = {path.parent.name for path in PACKAGE.glob("*/__init__.py")}
    areas = readme_areas()
    assert sorted(areas) == sorted({*packages, "app"})
    assert areas[0] == "app" and areas[-2:] == ["core", "data"]


def test_no_area_imports_an_area_above_it():
    order = readme_areas()
    assert upward_imports(order) == []
    # The check can fire: turned upside down, the same tree breaks it many times.
    assert len(upward_imports(order[::-1])) > 50


def test_every_template_folder_in_the_map_exists():
    text = (ROOT / "README.md").read_text().split("## Where things are", 1)[1]
    folders = re.findall(r"`templates/([a-z_]+)/`", text.split("\n## ", 1)[0])
    assert folders
    assert [name for name in folders if not (ROOT / "templates" / name).is_dir()] == []
    kept = {path.name for path in (ROOT / "templates").iterdir() if path.is_dir()}
    assert kept - set(folders) == set()


def flask_imports(path: Path) -> list[str]:
    return [name for _, name in imported(path) if name.split(".")[0] in WEB]


def test_rules_queries_and_models_import_no_flask():
    checked, found = 0, []
    for path, dotted in modules():
        relative = path.relative_to(PACKAGE).as_posix()
        if area_of(dotted) in {"app", "core"} or relative in WIRING:
            continue
        if path.name == "__init__.py" or WEB_MODULE.search(path.stem):
            continue
        checked += 1
        found += [f"{relative} imports {name}" for name in flask_imports(path)]
    assert found == []
    assert checked > 60
    # The check can fire: a view module imports Flask.
    assert flask_imports(PACKAGE / "support_requests" / "asking_views.py")


def test_no_models_module_outside_an_area_and_no_long_module():
    assert list(PACKAGE.glob("models*.py")) == []
    assert not (PACKAGE / "services").exists()
    long = {
        path.relative_to(PACKAGE).as_posix(): lines
        for path, _ in modules()
        if (lines := len(path.read_text().splitlines())) > MAX_MODULE_LINES
    }
    assert long == {}


def views() -> list[tuple[int, str]]:
    """Every view function (a function under a route decorator) with its length in lines."""
    found = []
    for path, dotted in modules():
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.FunctionDef) and any(
                isinstance(decorator, ast.Call)
                and isinstance(decorator.func, ast.Attribute)
                and decorator.func.attr in {"get", "post", "route"}
                for decorator in node.decorator_list
            ):
                found.append((node.end_lineno - node.lineno + 1, f"{dotted}.{node.name}"))
    return found


def test_no_view_is_long():
    found = views()
    assert len(found) > 90
    assert [view for view in found if view[0] > MAX_VIEW_LINES] == []
