"""Re-encrypt every encrypted field with the first key in FIELD_ENCRYPTION_KEYS.

Rotation: generate a key, put it FIRST in FIELD_ENCRYPTION_KEYS everywhere (web and workers;
keep the old ones after it), run this command, verify, then remove the old keys.

Safe while the application keeps writing: rows are rewritten in small keyset batches, each in
its own short transaction that re-reads the batch under row locks (`SELECT ... FOR UPDATE`),
so the value re-encrypted is the latest committed one and a concurrent write waits for the
batch instead of being overwritten with a stale value. Each UPDATE is also a compare-and-swap
on the ciphertext just read (`WHERE column = old`): on a database without row locks a row
changed in between is re-read and retried, never overwritten. Values already under the first
key are left alone, so a rerun after an interruption only does what is left.

A value no configured key can decrypt stops the command before anything in its batch is
written.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.apps import apps
from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import OperationalError, connection, models, transaction

from practice.audit import AuditAction, audit_record
from practice.fields import EncryptedTextField, current_cipher

BATCH_SIZE = 200
# A batch that loses a deadlock against application writers is simply redone.
BATCH_ATTEMPTS = 5
ROW_ATTEMPTS = 10


def encrypted_fields_by_model() -> Iterator[tuple[type[models.Model], list[EncryptedTextField]]]:
    for model in apps.get_models():
        fields = [field for field in model._meta.concrete_fields if isinstance(field, EncryptedTextField)]
        if fields:
            yield model, fields


class _Rotator:
    """Re-encrypts the encrypted columns of one table, batch by batch."""

    def __init__(self, model: type[models.Model], fields: Sequence[EncryptedTextField], batch_size: int) -> None:
        quote = connection.ops.quote_name
        self.batch_size = batch_size
        self.columns = [field.column for field in fields]
        self.table = quote(model._meta.db_table)
        self.pk = quote(model._meta.pk.column)
        self.select = f"SELECT {self.pk}, {', '.join(quote(column) for column in self.columns)} FROM {self.table}"
        self.assignments = ", ".join(f"{quote(column)} = %s" for column in self.columns)
        self.quoted_columns = [quote(column) for column in self.columns]
        self.lock = " FOR UPDATE" if connection.features.has_select_for_update else ""
        self.cipher: MultiFernet = current_cipher()
        self.primary = Fernet(settings.FIELD_ENCRYPTION_KEYS[0].encode())

    def rotated(self, value: str | None) -> str | None:
        """The value under the first key; the same string when it already is."""
        if value is None:
            return None
        token = value.encode()
        try:
            self.primary.decrypt(token)
            return value
        except InvalidToken:
            return self.cipher.rotate(token).decode()  # raises InvalidToken if no key reads it

    def run(self) -> int:
        rewritten = 0
        last_pk = None
        while True:
            for attempt in range(BATCH_ATTEMPTS):
                try:
                    done, last_seen = self.batch(last_pk)
                    break
                except OperationalError:  # deadlock or serialization failure: redo the batch
                    if attempt == BATCH_ATTEMPTS - 1:
                        raise
            if last_seen is None:
                return rewritten
            rewritten += done
            last_pk = last_seen

    def batch(self, after_pk) -> tuple[int, object]:
        """Rotate the next batch after `after_pk` in one short transaction."""
        where, params = ("", []) if after_pk is None else (f" WHERE {self.pk} > %s", [after_pk])
        rewritten = 0
        with transaction.atomic(), connection.cursor() as cursor:
            # Identifiers are the model's own, quoted by the backend; values are parameters.
            cursor.execute(
                f"{self.select}{where} ORDER BY {self.pk} LIMIT %s{self.lock}",
                [*params, self.batch_size],
            )
            rows = cursor.fetchall()
            if not rows:
                return 0, None
            for pk, *values in rows:
                rewritten += self.row(cursor, pk, values)
        return rewritten, rows[-1][0]

    def row(self, cursor, pk, values: list[str | None]) -> int:
        for _ in range(ROW_ATTEMPTS):
            new_values = [self.rotated(value) for value in values]
            if new_values == values:
                return 0
            conditions = [
                f"{column} IS NULL" if value is None else f"{column} = %s"
                for column, value in zip(self.quoted_columns, values, strict=True)
            ]
            cursor.execute(
                f"UPDATE {self.table} SET {self.assignments} WHERE {self.pk} = %s AND {' AND '.join(conditions)}",
                [*new_values, pk, *[value for value in values if value is not None]],
            )
            if cursor.rowcount == 1:
                return 1
            # Changed since it was read (only possible without row locks): read it again.
            cursor.execute(f"{self.select} WHERE {self.pk} = %s", [pk])
            current = cursor.fetchone()
            if current is None:
                return 0  # deleted meanwhile
            values = list(current[1:])
        raise CommandError(f"{self.table} row {pk} kept changing; run the rotation again")


def rotate_all(batch_size: int = BATCH_SIZE) -> dict[str, int]:
    """Re-encrypt every encrypted column; returns rows rewritten per model label."""
    return {
        model._meta.label: _Rotator(model, fields, batch_size).run() for model, fields in encrypted_fields_by_model()
    }


class Command(BaseCommand):
    help = "Re-encrypt all encrypted clinical text with the newest FIELD_ENCRYPTION_KEYS entry."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--batch-size", type=int, default=BATCH_SIZE, help="rows per short transaction")

    def handle(self, *args, **options):
        counts = rotate_all(batch_size=options["batch_size"])
        with transaction.atomic():
            audit_record(actor=None, action=AuditAction.KEY_ROTATE, target_type="encryption", fields=sorted(counts))
        for label, count in counts.items():
            self.stdout.write(f"{label}: {count} rows re-encrypted")
