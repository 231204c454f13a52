"""The shape of the insights app: the risk detector stands alone, and nothing imports in a circle.

Read from the source (tests/import_graph.py), plus one import of the detector in a fresh
interpreter without Django settings.
"""

from __future__ import annotations

import os
import subprocess
import sys

from tests.import_graph import ROOT, cycles, imported_names, modules

RISK_MODULES = sorted(name for name in modules() if name == "insights.risk" or name.startswith("insights.risk."))
INSIGHTS_MODULES = sorted(name for name in modules() if name == "insights" or name.startswith("insights."))


def test_insights_is_split_by_sub_domain():
    for package in ("insights.risk", "insights.engagement", "insights.reports", "insights.ai", "insights.tasks"):
        assert modules()[package].name == "__init__.py", f"{package} should be a package"
    for top_level in ("insights.safety", "insights.freshness", "insights.models"):
        assert modules()[top_level].parent == ROOT / "insights"
    assert (ROOT / "insights/risk/anchors.jsonl").is_file()
    assert (ROOT / "insights/risk/training.jsonl").is_file()


def test_risk_package_imports_no_django_anywhere():
    assert "insights.risk.lexicon" in RISK_MODULES  # the walk found the package
    for name in RISK_MODULES:
        django_imports = sorted(
            imported for imported in imported_names(name, deferred=True) if imported.split(".")[0] == "django"
        )
        assert not django_imports, f"{name} imports {django_imports}; keep Django in an adapter outside insights/risk/"
        outside = sorted(
            imported
            for imported in imported_names(name, deferred=True)
            if imported.split(".")[0] in {"practice", "clients", "sessions"}
            or (imported.startswith("insights") and imported not in RISK_MODULES and imported != "insights")
        )
        assert not outside, f"{name} imports app code {outside}"


def test_risk_package_imports_and_screens_without_django_settings():
    environment = {key: value for key, value in os.environ.items() if key != "DJANGO_SETTINGS_MODULE"}
    environment["ALLIANCE_RISK_EMBEDDINGS"] = "0"
    script = (
        "import importlib, sys\n"
        f"for name in {RISK_MODULES!r}:\n"
        "    importlib.import_module(name)\n"
        "from insights.risk import screen_text\n"
        "assert screen_text('I want to kill myself tonight').level == 'urgent'\n"
        "assert not any(name == 'django' or name.startswith('django.') for name in sys.modules), 'django imported'\n"
    )
    completed = subprocess.run(  # our own interpreter, a fixed script
        [sys.executable, "-c", script], cwd=ROOT, env=environment, capture_output=True, text=True, timeout=120
    )
    assert completed.returncode == 0, completed.stderr


def test_insights_has_no_import_cycle_at_import_time():
    assert cycles(INSIGHTS_MODULES, deferred=False) == []


def test_insights_has_no_import_cycle_even_through_function_local_imports():
    """A deferred import that goes both ways still couples two modules in a circle (the
    classifier used to reach back into the detector, the SQL route into the Python one)."""
    assert cycles(INSIGHTS_MODULES, deferred=True) == []


def test_the_cycle_check_finds_a_cycle(monkeypatch):
    import tests.import_graph as import_graph

    edges = {"insights.a": {"insights.b"}, "insights.b": {"insights.c"}, "insights.c": {"insights.a"}}
    monkeypatch.setattr(import_graph, "project_imports", lambda name, *, deferred: edges.get(name, set()))
    assert import_graph.cycles([*edges, "insights.d"], deferred=True) == [["insights.a", "insights.b", "insights.c"]]
