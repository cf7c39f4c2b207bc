"""The area contract (docs/architecture.md): every area is in ``AREAS`` and registers
what it adds only from its ``init_app``, through ``platform.wiring``; no import cycles.

These fail when someone adds an area and forgets the list, brings back registration by
import side effect (a ``shared_task``, ``record_once``, ``@event.listens_for`` on the
Session, ``@login_manager.user_loader``), or creates an import cycle.
"""

from __future__ import annotations

import ast
import importlib
import pkgutil
import subprocess
import sys
from pathlib import Path

from flask import Blueprint

import surveyapp
from surveyapp.app import AREAS
from surveyapp.platform.wiring import registry

ROOT = Path(surveyapp.__file__).parent
PLATFORM = {"surveyapp.extensions"}  # bound by create_app itself, before the areas


def _modules() -> list[str]:
    return sorted(m.name for m in pkgutil.walk_packages([str(ROOT)], "surveyapp.")
                  if m.name not in {"surveyapp.__main__", "surveyapp.celery_app"})


def test_every_module_with_an_init_app_is_an_area_in_the_list():
    listed = {area.__name__ for area in AREAS}
    missing = []
    for name in _modules():
        module = importlib.import_module(name)
        if callable(getattr(module, "init_app", None)) and name not in listed | PLATFORM:
            missing.append(name)
    assert not missing, f"add these to AREAS in surveyapp/app.py: {missing}"


def test_every_blueprint_in_the_code_is_registered_by_the_app(app):
    """An area left out of AREAS would leave its pages unreachable: caught here."""
    registered = set(map(id, app.blueprints.values()))
    lost = [f"{name}.{attr}" for name in _modules()
            for attr, value in vars(importlib.import_module(name)).items()
            if isinstance(value, Blueprint) and id(value) not in registered]
    assert not lost, f"blueprints no area registers: {lost}"


def test_every_task_beat_entry_and_job_kind_has_an_owner_area(app):
    reg = registry(app)
    celery = app.extensions["celery"]
    ours = {name for name in celery.tasks if not name.startswith("celery.")}
    assert ours == set(reg.tasks), "a task was registered outside an area's init_app"
    assert set(celery.conf.beat_schedule) == set(reg.beat)
    for entry in celery.conf.beat_schedule.values():
        assert entry["task"] in reg.tasks
    assert set(reg.job_handlers) == set(reg.job_owners)
    assert set(reg.areas) <= {area.__name__.rsplit(".", 1)[-1] for area in AREAS}
    # What the product runs in the background, by owner (a deleted area takes only its own).
    assert reg.job_owners["export_responses"] == "reports"
    assert reg.tasks["surveyapp.purge_expired"] == "privacy"
    assert {"research participants", "consent records"} <= set(reg.erasers)


_IMPORT_EVERYTHING = """
import importlib, pkgutil, sys
import celery._state as cs
import celery.app.builtins  # Celery's own finalizers
from sqlalchemy import event
from sqlalchemy.orm import Session
import surveyapp
before = set(cs._on_app_finalizers)
names = [m.name for m in pkgutil.walk_packages(surveyapp.__path__, "surveyapp.")
         if m.name not in {"surveyapp.__main__", "surveyapp.celery_app"}]
for name in names:
    importlib.import_module(name)
from surveyapp.extensions import csrf, login_manager
problems = []
for fn in set(cs._on_app_finalizers) - before:
    problems.append(f"a Celery task was declared at import (shared_task in {fn.__module__})")
for name in names:
    for value in vars(sys.modules[name]).values():
        if callable(value) and getattr(value, "__module__", None) == name:
            for kind in ("after_flush", "after_commit", "before_flush", "after_flush_postexec"):
                if event.contains(Session, kind, value):
                    problems.append(f"{name}.{value.__name__} listens to Session {kind} at import")
if login_manager._user_callback is not None:
    problems.append("the login manager's user loader was set at import")
if csrf._exempt_views or csrf._exempt_blueprints:
    problems.append("CSRF exemptions were made at import")
print(len(names), "modules;", "; ".join(problems) or "nothing registered")
sys.exit(1 if problems else 0)
"""


def test_importing_every_module_registers_nothing():
    """Import every module in a fresh interpreter, without create_app: nothing may be
    registered anywhere (only an area's init_app registers)."""
    done = subprocess.run([sys.executable, "-c", _IMPORT_EVERYTHING], capture_output=True,
                          text=True, timeout=300, cwd=ROOT.parent)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "nothing registered" in done.stdout


def test_an_area_init_only_wires():
    """An area's __init__.py holds a docstring, imports and init_app -- no routes, no
    helpers, no module-level registration -- and stays short."""
    for area in AREAS:
        path = Path(area.__file__)
        if path.name != "__init__.py":
            continue  # a single-module area (health, widget, ...) is its own views
        tree = ast.parse(path.read_text())
        for node in tree.body:
            ok = (isinstance(node, ast.Import | ast.ImportFrom)
                  or (isinstance(node, ast.Expr) and isinstance(node.value, ast.Constant))
                  or (isinstance(node, ast.FunctionDef) and node.name == "init_app"))
            assert ok, f"{path}:{node.lineno}: only imports and init_app belong here"
        assert len(path.read_text().splitlines()) <= 45, f"{path} is longer than wiring needs"


def _import_graph(inside_functions: bool = False) -> dict[str, set[str]]:
    """Imports between our modules. By default those that run at import time: module
    level, not under TYPE_CHECKING; importing ``a.b.c`` also runs ``a.b``'s __init__, so
    that is an edge too (but for a module's own package). With ``inside_functions``,
    imports inside functions count as well (but no package edges): a cycle there is a
    dependency loop hidden from the interpreter by a late import."""
    modules = {}
    for path in ROOT.rglob("*.py"):
        parts = list(path.relative_to(ROOT.parent).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts = parts[:-1]
        modules[".".join(parts)] = path
    graph: dict[str, set[str]] = {name: set() for name in modules}

    def targets(node: ast.Import | ast.ImportFrom) -> list[str]:
        if isinstance(node, ast.Import):
            return [a.name for a in node.names]
        if node.level or not node.module:
            return []
        return [f"{node.module}.{a.name}" if f"{node.module}.{a.name}" in modules else node.module
                for a in node.names]

    def walk(name: str, body: list[ast.stmt]) -> None:
        for node in body:
            if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.dump(node.test):
                continue
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
                if inside_functions:
                    walk(name, node.body)
                continue
            if isinstance(node, ast.Import | ast.ImportFrom):
                for target in targets(node):
                    if target not in modules or target == name:
                        continue
                    graph[name].add(target)
                    if inside_functions:
                        continue
                    parts = target.split(".")
                    for k in range(2, len(parts)):
                        package = ".".join(parts[:k])
                        if package in modules and not name.startswith(package + "."):
                            graph[name].add(package)
            for field in ("body", "orelse", "finalbody", "handlers"):
                sub = getattr(node, field, None)
                if isinstance(sub, list):
                    walk(name, sub)

    for name, path in modules.items():
        walk(name, ast.parse(path.read_text()).body)
    return graph


def _cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components with more than one module (iterative Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []
    for root in graph:
        if root in index:
            continue
        work = [(root, iter(sorted(graph[root])))]
        index[root] = low[root] = len(index)
        stack.append(root)
        on_stack.add(root)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is not None:
                if child not in index:
                    index[child] = low[child] = len(index)
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(graph[child]))))
                elif child in on_stack:
                    low[node] = min(low[node], index[child])
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[node])
            if low[node] == index[node]:
                component = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    component.append(member)
                    if member == node:
                        break
                if len(component) > 1:
                    found.append(sorted(component))
    return found


def test_no_import_cycles():
    assert _cycles(_import_graph()) == []


def test_no_dependency_loops_hidden_by_imports_inside_functions():
    """The composition root (surveyapp.app) and the areas' wiring (their __init__, whose
    init_app imports the area's own modules) may import anything; nothing else may take
    part in a loop, even through an import inside a function."""
    wiring = {"surveyapp.app"} | {area.__name__ for area in AREAS
                                  if Path(area.__file__).name == "__init__.py"}
    graph = {name: (set() if name in wiring else edges)
             for name, edges in _import_graph(inside_functions=True).items()}
    assert _cycles(graph) == []


def test_the_cycle_check_finds_a_cycle():
    """The check itself works: a two-module loop is reported."""
    assert _cycles({"a": {"b"}, "b": {"a"}, "c": {"a"}}) == [["a", "b"]]
