"""Celery tasks: one `tasks` module or package per app, found by autodiscovery, calling domain
functions and never services (STYLE.md: tasks -> domain functions -> models; services may
import tasks to enqueue, so a task importing a service would close a loop).

Read from the source (tests/import_graph.py); the autodiscovery test asks Celery itself.
"""

from __future__ import annotations

import ast
import json
import os
import subprocess
import sys

from django.conf import settings

from tests.import_graph import APPS, ROOT, modules, project_imports, tree


def _is_task_module(name: str) -> bool:
    parts = name.split(".")
    return len(parts) >= 2 and parts[0] in APPS and parts[1] == "tasks"


def _is_service_module(name: str) -> bool:
    return "services" in name.split(".")


TASK_MODULES = sorted(name for name in modules() if _is_task_module(name))


def _task_decorators(module: str) -> list[ast.Call | ast.Name | ast.Attribute]:
    found = []
    for node in ast.walk(tree(module)):
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            for decorator in node.decorator_list:
                target = decorator.func if isinstance(decorator, ast.Call) else decorator
                if (isinstance(target, ast.Name) and target.id in {"shared_task", "task"}) or (
                    isinstance(target, ast.Attribute) and target.attr in {"shared_task", "task"}
                ):
                    found.append(decorator)
    return found


def _explicit_name(decorator: ast.expr) -> str | None:
    if isinstance(decorator, ast.Call):
        for keyword in decorator.keywords:
            if keyword.arg == "name" and isinstance(keyword.value, ast.Constant):
                return keyword.value.value
    return None


def test_task_modules_are_found():
    assert {"clients.tasks", "sessions.tasks", "insights.tasks", "insights.tasks.engagement"} <= set(TASK_MODULES)


def test_no_task_module_imports_a_service_module():
    offenders = {
        task: sorted(name for name in project_imports(task, deferred=True) if _is_service_module(name))
        for task in TASK_MODULES
    }
    assert {task: names for task, names in offenders.items() if names} == {}


def test_no_task_reaches_a_service_through_the_domain_code_it_calls():
    """Walk every import (deferred ones too) from each task module; stop at a service."""
    chains = []
    for task in TASK_MODULES:
        seen = {task}
        pending = [[task]]
        while pending:
            chain = pending.pop()
            for imported in sorted(project_imports(chain[-1], deferred=True) - seen):
                seen.add(imported)
                if _is_service_module(imported):
                    chains.append(" -> ".join([*chain, imported]))
                else:
                    pending.append([*chain, imported])
    assert chains == []


def test_every_task_is_declared_in_a_task_module_with_an_explicit_name():
    declared = {}
    for module in modules():
        for decorator in _task_decorators(module):
            assert _is_task_module(module), f"{module} declares a Celery task outside its app's tasks module"
            name = _explicit_name(decorator)
            assert name, f"a task in {module} has no explicit name= (queued messages and beat use it)"
            assert name.split(".")[0] in APPS, f"{name}: task names start with their app"
            assert name not in declared, f"{name} is declared twice"
            declared[name] = module
    assert len(declared) >= 13


def test_autodiscovery_registers_every_declared_task_and_settings_keep_no_import_list():
    """In a fresh interpreter, so no earlier import in this test run registers a task for it."""
    assert not hasattr(settings, "CELERY_IMPORTS")
    script = (
        "import django, json\n"
        "django.setup()\n"
        "from practice.celery import app\n"
        "assert not app.conf.imports, app.conf.imports\n"
        "app.loader.import_default_modules()\n"
        "print(json.dumps(sorted(name for name in app.tasks if not name.startswith('celery.'))))\n"
    )
    environment = {**os.environ, "DJANGO_SETTINGS_MODULE": "practice.settings"}
    completed = subprocess.run(  # our own interpreter, a fixed script
        [sys.executable, "-c", script], cwd=ROOT, env=environment, capture_output=True, text=True, timeout=120
    )
    assert completed.returncode == 0, completed.stderr
    registered = set(json.loads(completed.stdout.strip().splitlines()[-1]))
    declared = {_explicit_name(decorator) for module in TASK_MODULES for decorator in _task_decorators(module)}
    assert declared == registered
    scheduled = {entry["task"] for entry in settings.CELERY_BEAT_SCHEDULE.values()}
    assert scheduled <= declared, f"beat names tasks nobody declares: {sorted(scheduled - declared)}"
