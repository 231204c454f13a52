"""The F11 migrations encrypt existing plaintext rows, and reverse cleanly (SQLite and PostgreSQL)."""

from __future__ import annotations

import json

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from clients.models import Client
from insights.models import Alert
from insights.safety import raise_alert
from sessions.models import HomeworkAssignment
from tests.factories import HomeworkAssignmentFactory

pytestmark = pytest.mark.django_db(transaction=True)

BEFORE = [
    ("clients", "0003_break_glass_grant"),
    ("clinical_sessions", "0003_engagement_recompute_indexes"),
    ("insights", "0002_initial"),
]
COLUMNS = [
    (Client, "discharge_reason"),
    (Client, "diagnosis_codes"),
    (HomeworkAssignment, "title"),
    (HomeworkAssignment, "instructions"),
    (Alert, "reason"),
]


def migrate(targets) -> None:
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)
    # Later tests (and the flush) need the current schema back in the loader's cache.
    executor.loader.build_graph()


def raw(model, column: str) -> str:
    quote = connection.ops.quote_name
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {quote(column)} FROM {quote(model._meta.db_table)}")  # noqa: S608
        (value,) = cursor.fetchone()
    return value if isinstance(value, str) else json.dumps(value)


def test_existing_plaintext_is_encrypted_and_the_migration_reverses(client_record):
    HomeworkAssignmentFactory(client=client_record, title="Visit the cemetery", instructions="Stay ten minutes")
    raise_alert(client=client_record, kind="risk_language", severity="urgent", reason="Has a means (pills)")
    Client.objects.filter(pk=client_record.pk).update(discharge_reason="Moved away", diagnosis_codes=["F32.1", "F41.1"])
    expected = {
        (Client, "discharge_reason"): "Moved away",
        (HomeworkAssignment, "title"): "Visit the cemetery",
        (HomeworkAssignment, "instructions"): "Stay ten minutes",
        (Alert, "reason"): "Has a means (pills)",
    }
    leaf_nodes = MigrationExecutor(connection).loader.graph.leaf_nodes()
    try:
        # Back to plain columns: the values are decrypted into them.
        migrate(BEFORE)
        for (model, column), plaintext in expected.items():
            assert raw(model, column) == plaintext
        assert json.loads(raw(Client, "diagnosis_codes")) == ["F32.1", "F41.1"]
    finally:
        # Forward again: the plaintext rows an older release left behind are encrypted.
        migrate(leaf_nodes)
    for model, column in COLUMNS:
        assert raw(model, column).startswith("gAAAAA"), f"{model.__name__}.{column} still plaintext"
    client = Client.objects.get(pk=client_record.pk)
    assert client.discharge_reason == "Moved away" and client.diagnosis_codes == ["F32.1", "F41.1"]
    assignment = HomeworkAssignment.objects.get()
    assert (assignment.title, assignment.instructions) == ("Visit the cemetery", "Stay ten minutes")
    assert Alert.objects.get().reason == "Has a means (pills)"
