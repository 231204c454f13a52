"""Free clinical text is encrypted at rest, and key rotation loses nothing."""

from __future__ import annotations

import pytest
from cryptography.fernet import Fernet
from django.core.exceptions import ImproperlyConfigured
from django.db import connection

from clients.models import Client
from insights.models import Alert
from insights.safety import raise_alert
from practice.management.commands.rotate_encryption_keys import (
    encrypted_fields_by_model,
    rotate_all,
)
from sessions.models import CheckIn, HomeworkAssignment, NoteAddendum, ProgressNote, PsychotherapyNote
from sessions.services.notes import (
    addendum_create,
    note_create,
    note_sign,
    psychotherapy_note_create,
)
from tests.conftest import PHI_CANARY
from tests.factories import CheckInFactory, HomeworkAssignmentFactory


@pytest.fixture
def clinical_text(client_record, therapist):
    """One of each encrypted record, each carrying the canary."""
    note = note_create(
        client=client_record,
        actor=therapist,
        format="soap",
        sections={"subjective": f"Said {PHI_CANARY}"},
    )
    note_sign(note=note, actor=therapist)
    addendum_create(note=note, actor=therapist, text=f"Addendum {PHI_CANARY}")
    psychotherapy_note_create(client=client_record, actor=therapist, text=f"Process {PHI_CANARY}")
    CheckInFactory(client=client_record, note=f"Rough day {PHI_CANARY}")
    HomeworkAssignmentFactory(
        client=client_record, title=f"Exposure {PHI_CANARY}", instructions=f"Visit the place {PHI_CANARY}"
    )
    raise_alert(
        client=client_record,
        kind=Alert.Kind.RISK_LANGUAGE,
        severity=Alert.Severity.URGENT,
        reason=f"Has a means (pills) {PHI_CANARY}",
    )
    Client.objects.filter(pk=client_record.pk).update(
        discharge_reason=f"Moved away {PHI_CANARY}", diagnosis_codes=[f"F32.1 {PHI_CANARY}"]
    )
    return note


def raw_column(model, column: str) -> list[str]:
    """Read a column with SQL, bypassing the model field (what a stolen backup would show)."""
    table = connection.ops.quote_name(model._meta.db_table)
    with connection.cursor() as cursor:
        # Identifiers come from model metadata and are quoted by the backend.
        cursor.execute(f"SELECT {connection.ops.quote_name(column)} FROM {table}")  # noqa: S608
        return [row[0] for row in cursor.fetchall()]


ENCRYPTED_COLUMNS = [
    (ProgressNote, "sections"),
    (NoteAddendum, "text"),
    (PsychotherapyNote, "text"),
    (CheckIn, "note"),
    (HomeworkAssignment, "title"),
    (HomeworkAssignment, "instructions"),
    (Alert, "reason"),
    (Client, "discharge_reason"),
    (Client, "diagnosis_codes"),
]


@pytest.mark.django_db
@pytest.mark.parametrize(
    "model,column",
    ENCRYPTED_COLUMNS,
    ids=lambda value: getattr(value, "__name__", value),
)
def test_raw_table_holds_no_plaintext(clinical_text, model, column):
    values = raw_column(model, column)
    assert values, "the fixture should have stored a row"
    for value in values:
        assert PHI_CANARY not in value
        assert value.startswith("gAAAAA"), "expected a Fernet token"


@pytest.mark.django_db
def test_model_reads_decrypt_the_canary(clinical_text):
    assert PHI_CANARY in ProgressNote.objects.get(pk=clinical_text.pk).sections["subjective"]
    assert PHI_CANARY in PsychotherapyNote.objects.get().text
    assert PHI_CANARY in NoteAddendum.objects.get().text
    assert PHI_CANARY in CheckIn.objects.get().note
    assignment = HomeworkAssignment.objects.get()
    assert PHI_CANARY in assignment.title and PHI_CANARY in assignment.instructions
    assert PHI_CANARY in Alert.objects.get().reason
    client = Client.objects.get()
    assert PHI_CANARY in client.discharge_reason
    assert client.diagnosis_codes == [f"F32.1 {PHI_CANARY}"]


def every_encrypted_value() -> dict[tuple[str, int, str], object]:
    """Every encrypted value in the database, decrypted through the ORM."""
    values = {}
    for model, fields in encrypted_fields_by_model():
        names = [field.name for field in fields]
        for row in model._base_manager.values("pk", *names):
            for name in names:
                values[(model._meta.label, row["pk"], name)] = row[name]
    return values


def every_raw_value() -> dict[tuple[str, int, str], str]:
    values = {}
    for model, fields in encrypted_fields_by_model():
        pk_column = model._meta.pk.column
        for field in fields:
            table = connection.ops.quote_name(model._meta.db_table)
            with connection.cursor() as cursor:
                columns = f"{connection.ops.quote_name(pk_column)}, {connection.ops.quote_name(field.column)}"
                cursor.execute(f"SELECT {columns} FROM {table}")  # noqa: S608 - quoted model identifiers
                for pk, value in cursor.fetchall():
                    values[(model._meta.label, pk, field.name)] = value
    return values


@pytest.mark.django_db
def test_key_rotation_keeps_every_value(clinical_text, settings):
    old_key = settings.FIELD_ENCRYPTION_KEYS[0]
    new_key = Fernet.generate_key().decode()
    before = every_encrypted_value()
    raw_before = every_raw_value()
    assert any(isinstance(value, str) and PHI_CANARY in value for value in before.values())
    assert len(before) >= 6

    settings.FIELD_ENCRYPTION_KEYS = [new_key, old_key]
    counts = rotate_all(batch_size=2)  # a small batch exercises the paging
    assert counts["clinical_sessions.ProgressNote"] == 1
    assert counts["clinical_sessions.PsychotherapyNote"] == 1

    settings.FIELD_ENCRYPTION_KEYS = [new_key]
    assert every_encrypted_value() == before
    raw_after = every_raw_value()
    assert all(raw_after[key] != raw_before[key] for key in raw_before if raw_before[key] is not None)

    # The old key alone can no longer read anything: the rows really were re-encrypted.
    settings.FIELD_ENCRYPTION_KEYS = [old_key]
    with pytest.raises(ImproperlyConfigured):
        PsychotherapyNote.objects.get()


@pytest.mark.django_db
def test_missing_key_is_loud_not_ciphertext(clinical_text, settings):
    settings.FIELD_ENCRYPTION_KEYS = [Fernet.generate_key().decode()]
    with pytest.raises(ImproperlyConfigured):
        ProgressNote.objects.get(pk=clinical_text.pk)
