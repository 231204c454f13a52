"""A GET's read audits are written when the request ends (practice.audit.audit_reads_batched).
Outside a transaction one event is one INSERT in autocommit (no BEGIN/COMMIT round trips);
more events go in one bulk insert, in one transaction. Either way every read is written."""

from __future__ import annotations

import pytest
from django.db import connection

from practice.audit import audit_read, audit_reads_batched
from practice.models import AuditEvent

pytestmark = pytest.mark.django_db(transaction=True)


class Watched:
    """The statements run and the explicit commits made inside the block."""

    def __enter__(self):
        self.statements: list[str] = []
        self.commits = 0
        original = connection.commit

        def commit():
            self.commits += 1
            return original()

        connection.commit = commit
        self.wrapper = connection.execute_wrapper(self._execute)
        self.wrapper.__enter__()
        return self

    def _execute(self, execute, sql, params, many, context):
        self.statements.append(sql)
        return execute(sql, params, many, context)

    def __exit__(self, *exc):
        self.wrapper.__exit__(*exc)
        del connection.commit


def test_one_read_is_one_insert_in_autocommit(therapist, client_record):
    assert not connection.in_atomic_block
    with Watched() as watched, audit_reads_batched():
        audit_read(
            actor=therapist, client_id=client_record.pk, target_type="clinical_sessions.checkin", fields=["mood"]
        )
        assert AuditEvent.objects.filter(action="read").count() == 0  # not yet: at the end
    assert [sql.split()[0] for sql in watched.statements if not sql.startswith("SELECT")] == ["INSERT"]
    assert watched.commits == 0  # autocommit: the INSERT is its own transaction
    event = AuditEvent.objects.get(action="read")
    assert (event.actor_id, event.client_id, event.fields) == (therapist.pk, client_record.pk, ["mood"])


def test_several_reads_are_one_bulk_insert_in_one_transaction(therapist, client_record):
    with Watched() as watched, audit_reads_batched():
        for target in ("clinical_sessions.checkin", "clinical_sessions.message"):
            audit_read(actor=therapist, client_id=client_record.pk, target_type=target, fields=["body"])
    assert [sql.split()[0] for sql in watched.statements].count("INSERT") == 1
    assert watched.commits == 1
    assert AuditEvent.objects.filter(action="read", client_id=client_record.pk).count() == 2
