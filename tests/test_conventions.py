"""The house rules of the code base, checked on every run (in the spirit of NetBox's generated
tests): which app may import which, no package re-exports, every model has an admin page or is
named as deliberately without one, every FilterSet is used, every API viewset has a resource test
class."""

import ast
from pathlib import Path

import pytest
from django.apps import apps
from django.contrib import admin

ROOT = Path(__file__).resolve().parent.parent
DOMAIN = (
    "companies",
    "matchmaking",
    "projects",
    "fairs",
    "delegations",
    "reports",
    "interests",
    "marketplace",
    "brokerage",
    "webhooks",
)
# What each part may import of the domain apps (the layers of DEVELOPERS.md).
ALLOWED = {
    "wfs_portal": set(),
    "outbox": set(),
    "notifications": set(),
    "companies": set(),
    "matchmaking": {"companies"},
    "projects": {"companies"},
    "fairs": {"companies"},
    "delegations": {"companies"},
    "reports": {"companies", "matchmaking", "projects", "fairs", "delegations", "brokerage"},
    "interests": {"companies", "matchmaking"},
    "marketplace": {"companies", "matchmaking"},
    "brokerage": {"companies", "matchmaking", "projects", "fairs", "delegations"},
    "webhooks": {"companies", "matchmaking", "fairs", "delegations"},
}
# The shell's modules that wire the apps together: URLs, settings, demo data, operator commands.
WIRING = ("wfs_portal/urls.py", "wfs_portal/api_urls.py", "wfs_portal/settings.py", "wfs_portal/demo/")
WIRING_COMMANDS = "wfs_portal/management/"
# Models without an admin page, and why.
WITHOUT_ADMIN = {
    "matchmaking.MatchChunk": "a part of a generation's computation, shown as the generation's progress",
    "matchmaking.TextEmbedding": "a cache of vectors",
    "matchmaking.PortalVisit": "bookkeeping of a user's visits, in the user's data export",
    "companies.PossibleDuplicate": "listed, marked and proposed again on the Possible duplicates pages",
    "companies.DuplicateSearch": "a run of the duplicate search, shown on the Possible duplicates pages",
    "companies.ProfileReferenceCounter": "the counter behind the profiles' reference numbers, shown on the profiles",
    "brokerage.EventSession": "edited inline on its brokerage event",
    "brokerage.MeetingPoint": "edited inline on its brokerage event",
    "brokerage.ParticipationType": "edited inline on its brokerage event",
    "brokerage.Slot": "cut from its session when the event is saved",
    "brokerage.MeetingSeat": "written with its meeting, the database's guard against double booking",
    "brokerage.CalendarFeed": "a person's private calendar address, made and renewed by its person in the portal",
}


# The longest a module may be before it is split by what it holds; demo data is exempt (it is data).
MAX_MODULE_LINES = 450


def _modules(part: str):
    for path in sorted((ROOT / part).rglob("*.py")):
        relative = path.relative_to(ROOT).as_posix()
        if "/migrations/" in relative:
            continue
        yield relative, ast.parse(path.read_text(), filename=relative)


def _imported_apps(tree: ast.AST) -> set[str]:
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module and not node.level:
            found.add(node.module.split(".")[0])
        elif isinstance(node, ast.Import):
            found.update(alias.name.split(".")[0] for alias in node.names)
    return found & set(DOMAIN)


@pytest.mark.parametrize("part", sorted(ALLOWED))
def test_an_app_imports_only_the_apps_below_it(part):
    wrong = []
    for relative, tree in _modules(part):
        if relative.startswith(WIRING) or relative.startswith(WIRING_COMMANDS):
            continue
        extra = _imported_apps(tree) - ALLOWED[part] - {part}
        if extra:
            wrong.append(f"{relative} imports {', '.join(sorted(extra))}")
    assert not wrong, "\n".join(wrong)


@pytest.mark.parametrize("part", [*DOMAIN, "wfs_portal", "outbox", "notifications"])
def test_no_package_re_exports_names(part):
    """A package's __init__.py may import its own modules (Django registers models and admin pages
    that way), never names from them: a name is imported from the module that defines it. (The
    project package loads the Celery app when Django starts, as Celery's Django set-up asks.)"""
    wrong = []
    for relative, tree in _modules(part):
        if not relative.endswith("__init__.py") or relative == "wfs_portal/__init__.py":
            continue
        for node in tree.body:
            if isinstance(node, ast.ImportFrom) and node.module:
                package = relative.removesuffix("/__init__.py").replace("/", ".")
                if node.module != package:
                    wrong.append(f"{relative}: from {node.module} import …")
            if isinstance(node, ast.Assign) and any(getattr(t, "id", "") == "__all__" for t in node.targets):
                wrong.append(f"{relative}: __all__")
    assert not wrong, "\n".join(wrong)


@pytest.mark.parametrize("part", sorted(ALLOWED))
def test_no_module_is_longer_than_the_limit(part):
    lengths = {
        path.relative_to(ROOT).as_posix(): len(path.read_text().splitlines())
        for path in (ROOT / part).rglob("*.py")
        if "/migrations/" not in path.as_posix() and "/demo/" not in path.as_posix()
    }
    assert not {relative: n for relative, n in lengths.items() if n > MAX_MODULE_LINES}


def test_every_model_has_an_admin_page_or_a_reason_not_to():
    missing = []
    for label in DOMAIN:
        for model in apps.get_app_config(label).get_models():
            name = model._meta.label
            if model.__name__.startswith("Historical") or name in WITHOUT_ADMIN:
                continue
            if not admin.site.is_registered(model):
                missing.append(name)
    assert not missing
    for name in WITHOUT_ADMIN:
        assert not admin.site.is_registered(apps.get_model(name)), f"{name} has an admin page: drop its reason"


def test_every_filterset_is_used():
    defined = {}
    for label in DOMAIN:
        for relative, tree in _modules(label):
            for node in tree.body:
                if isinstance(node, ast.ClassDef) and node.name.endswith("FilterSet"):
                    defined[node.name] = relative
    sources = {
        relative: (ROOT / relative).read_text()
        for label in DOMAIN
        for relative, _ in _modules(label)
        if not relative.endswith("filtersets.py")
    }
    unused = [name for name in defined if not any(name in text for text in sources.values())]
    assert not unused, f"FilterSets no view, admin or API uses: {unused}"


def _resource_test_basenames() -> set[str]:
    """The router basenames named by the resource test classes (tests/api.py's mixins) in tests/."""
    found = set()
    for path in sorted((ROOT / "tests").rglob("test_*.py")):
        for node in ast.parse(path.read_text(), filename=str(path)).body:
            if not isinstance(node, ast.ClassDef):
                continue
            bases = {getattr(base, "id", getattr(base, "attr", "")) for base in node.bases}
            if not any(name.endswith("ResourceTests") for name in bases):
                continue
            for statement in node.body:
                if (
                    isinstance(statement, ast.Assign)
                    and [getattr(target, "id", "") for target in statement.targets] == ["basename"]
                    and isinstance(statement.value, ast.Constant)
                ):
                    found.add(statement.value.value)
    return found


def test_every_api_viewset_has_a_resource_test_class():
    from wfs_portal.api_urls import router

    registered = {basename for _prefix, _viewset, basename in router.registry}
    assert registered, "the router registers no viewset"
    missing = registered - _resource_test_basenames()
    assert not missing, f"API resources without a test class built on tests/api.py's ResourceTests: {sorted(missing)}"


def test_services_hand_work_to_the_outbox_by_task_name_and_never_import_tasks():
    """Tasks call services; a service that starts a task names it to the outbox. An import the other
    way round is the circle that made both modules import each other inside functions."""
    wrong = []
    for label in DOMAIN:
        for relative, tree in _modules(label):
            if not (relative.endswith("/services.py") or "/services/" in relative):
                continue
            for node in ast.walk(tree):
                modules = []
                if isinstance(node, ast.ImportFrom):
                    modules = [f"{node.module or ''}.{alias.name}" for alias in node.names]
                elif isinstance(node, ast.Import):
                    modules = [alias.name for alias in node.names]
                wrong += [
                    f"{relative}:{node.lineno} {m}" for m in modules if m.split(".")[-1] == "tasks" or ".tasks." in m
                ]
    assert not wrong, wrong


def _given_reasons(node: ast.AST) -> list[ast.expr]:
    """The expressions ``node`` gives as a change reason: ``reason=…``, ``obj._change_reason = …``
    and ``{"reason": …}`` (wfs_portal.api.actor)."""
    if isinstance(node, ast.keyword) and node.arg == "reason":
        return [node.value]
    if isinstance(node, ast.Assign) and any(getattr(t, "attr", None) == "_change_reason" for t in node.targets):
        return [node.value]
    if isinstance(node, ast.Dict):
        return [v for k, v in zip(node.keys, node.values, strict=True) if getattr(k, "value", None) == "reason"]
    return []


def _literal_reasons(node: ast.AST) -> list[str]:
    """Strings written out in an expression given as a change reason (also inside ``x or "…"`` and
    ``"…" if c else "…"``, and f-strings); a detail (``with_detail(CODE, detail)``) is free text."""
    if isinstance(node, ast.JoinedStr) or (isinstance(node, ast.Constant) and isinstance(node.value, str)):
        return [ast.unparse(node)]
    if isinstance(node, ast.Call) and getattr(node.func, "id", getattr(node.func, "attr", None)) == "with_detail":
        return _literal_reasons(node.args[0])
    return [text for child in ast.iter_child_nodes(node) for text in _literal_reasons(child)]


def test_change_reasons_are_declared_constants():
    """Services, views and commands pass the constants of their app's audit module
    (wfs_portal.audit), never a text of their own: a declared code is translated and checked, a
    text only refused when written."""
    wrong = [
        f"{relative}:{node.lineno} {text}"
        for part in [*DOMAIN, "wfs_portal", "outbox", "notifications", "bench"]
        for relative, tree in _modules(part)
        for node in ast.walk(tree)
        for given in _given_reasons(node)
        for text in _literal_reasons(given)
    ]
    assert not wrong, "\n".join(wrong)
