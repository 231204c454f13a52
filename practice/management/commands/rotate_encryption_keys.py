"""Re-encrypt every encrypted field with the first key in FIELD_ENCRYPTION_KEYS.

Rotation: generate a key, put it FIRST in FIELD_ENCRYPTION_KEYS (keep the old ones after it),
run this command, verify, then remove the old keys. Rows are rewritten in batches inside
transactions; a value no configured key can decrypt stops the command before anything in
its batch is written.
"""

from __future__ import annotations

from django.apps import apps
from django.core.management.base import BaseCommand
from django.db import transaction

from practice.audit import AuditAction, audit_record
from practice.fields import EncryptedTextField, current_cipher


def encrypted_fields_by_model():
    for model in apps.get_models():
        fields = [field for field in model._meta.concrete_fields if isinstance(field, EncryptedTextField)]
        if fields:
            yield model, fields


def rotate_all(batch_size: int = 500) -> dict[str, int]:
    cipher = current_cipher()
    counts: dict[str, int] = {}
    for model, fields in encrypted_fields_by_model():
        columns = [field.column for field in fields]
        table = model._meta.db_table
        pk_column = model._meta.pk.column
        rewritten = 0
        last_pk = None
        while True:
            queryset = model._base_manager.order_by("pk")
            if last_pk is not None:
                queryset = queryset.filter(pk__gt=last_pk)
            # Read the raw ciphertext (no decryption through the field) to rotate tokens.
            rows = list(queryset.values_list("pk", flat=True)[:batch_size])
            if not rows:
                break
            from django.db import connection

            with transaction.atomic(), connection.cursor() as cursor:
                quoted = ", ".join(connection.ops.quote_name(column) for column in columns)
                placeholders = ", ".join(["%s"] * len(rows))
                cursor.execute(
                    f"SELECT {connection.ops.quote_name(pk_column)}, {quoted} FROM {connection.ops.quote_name(table)} "
                    f"WHERE {connection.ops.quote_name(pk_column)} IN ({placeholders})",
                    rows,
                )
                for pk, *values in cursor.fetchall():
                    new_values = [None if value is None else cipher.rotate(value.encode()).decode() for value in values]
                    assignments = ", ".join(f"{connection.ops.quote_name(column)} = %s" for column in columns)
                    cursor.execute(
                        f"UPDATE {connection.ops.quote_name(table)} SET {assignments} WHERE {connection.ops.quote_name(pk_column)} = %s",
                        [*new_values, pk],
                    )
                    rewritten += 1
            last_pk = rows[-1]
        counts[model._meta.label] = rewritten
    return counts


class Command(BaseCommand):
    help = "Re-encrypt all encrypted clinical text with the newest FIELD_ENCRYPTION_KEYS entry."

    def handle(self, *args, **options):
        counts = rotate_all()
        with transaction.atomic():
            audit_record(actor=None, action=AuditAction.KEY_ROTATE, target_type="encryption", fields=sorted(counts))
        for label, count in counts.items():
            self.stdout.write(f"{label}: {count} rows re-encrypted")
