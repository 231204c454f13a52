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

# Deferred (function-local) imports that still go both ways. They never run at import time, so
# importing works in any order, but each is a coupling to undo rather than copy: the classifier
# reuses the detector's sentence machinery, and the PostgreSQL route reuses the metric
# constants while the generic route dispatches to it. A new entry here is a design decision.
KNOWN_DEFERRED_CYCLES = [
    ["insights.engagement", "insights.engagement.sql"],
    ["insights.risk", "insights.risk.classifier"],
]


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


def test_insights_deferred_imports_add_no_new_cycle():
    assert cycles(INSIGHTS_MODULES, deferred=True) == KNOWN_DEFERRED_CYCLES
