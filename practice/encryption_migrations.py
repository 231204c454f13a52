"""Data migrations that encrypt existing plaintext columns in place (and decrypt them back).

Use after an AlterField that turns a plain column into an EncryptedTextField/EncryptedJSONField
(the column becomes text; on PostgreSQL a jsonb column is cast to its JSON text)::

    operations = [
        migrations.AlterField(...),
        encrypt_columns("clients_client", ["discharge_reason", "diagnosis_codes"]),
    ]

Works on raw SQL, in keyset batches, so it needs no model class and never decrypts through a
field. A value that already is a token of a configured key is left alone, so running it twice
is harmless. Reversing decrypts every value back to plaintext (JSON text for JSON columns,
which the reversed AlterField casts back).
"""

from __future__ import annotations

from collections.abc import Callable

from cryptography.fernet import InvalidToken
from django.db import migrations

from practice.fields import current_cipher

BATCH_SIZE = 1000


def _is_token(cipher, value: str) -> bool:
    if not value.startswith("gAAAAA"):
        return False
    try:
        cipher.decrypt(value.encode())
    except InvalidToken:
        return False
    return True


def _rewrite(table: str, columns: list[str], transform: Callable[[object, str], str]) -> Callable:
    def run(apps, schema_editor) -> None:
        connection = schema_editor.connection
        quote = connection.ops.quote_name
        cipher = current_cipher()
        quoted = [quote(column) for column in columns]
        select = f"SELECT id, {', '.join(quoted)} FROM {quote(table)}"  # noqa: S608 - migration-owned identifiers
        assignments = ", ".join(f"{column} = %s" for column in quoted)
        last_id = 0
        with connection.cursor() as cursor:
            while True:
                cursor.execute(f"{select} WHERE id > %s ORDER BY id LIMIT %s", [last_id, BATCH_SIZE])
                rows = cursor.fetchall()
                if not rows:
                    return
                for row_id, *values in rows:
                    new_values = [None if value is None else transform(cipher, str(value)) for value in values]
                    if new_values != values:
                        cursor.execute(
                            f"UPDATE {quote(table)} SET {assignments} WHERE id = %s",  # noqa: S608
                            [*new_values, row_id],
                        )
                last_id = rows[-1][0]

    return run


def _encrypt(cipher, value: str) -> str:
    return value if _is_token(cipher, value) else cipher.encrypt(value.encode()).decode()


def _decrypt(cipher, value: str) -> str:
    return cipher.decrypt(value.encode()).decode() if _is_token(cipher, value) else value


def encrypt_columns(table: str, columns: list[str]) -> migrations.RunPython:
    """A reversible RunPython: encrypt `columns` of `table` (its primary key must be `id`)."""
    return migrations.RunPython(_rewrite(table, columns, _encrypt), _rewrite(table, columns, _decrypt), elidable=False)
