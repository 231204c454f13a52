"""Key rotation while the application keeps writing loses no update (F5).

Needs PostgreSQL (real row locks and concurrent connections): the CI pass with
DATABASE_URL=postgres runs it; on SQLite it is skipped.
"""

from __future__ import annotations

import random
import threading
import time

import pytest
from cryptography.fernet import Fernet, MultiFernet
from django.db import connection, connections

from practice.management.commands import rotate_encryption_keys as rotation
from sessions.models import CheckIn
from tests.factories import CheckInFactory

pytestmark = pytest.mark.django_db(transaction=True)

ROWS = 240
WRITERS = 4


def test_rotation_under_concurrent_writes_keeps_every_last_write(client_record, settings, monkeypatch):
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL: concurrent connections and row locks (runs in the PostgreSQL CI pass)")
    old_key = settings.FIELD_ENCRYPTION_KEYS[0]
    new_key = Fernet.generate_key().decode()
    ids = [CheckInFactory(client=client_record, note="original").pk for _ in range(ROWS)]

    # Rotate the check-in table only, a little slowly, so the writers overlap all of it and
    # their last writes land while its final batches are being rewritten.
    monkeypatch.setattr(
        rotation, "encrypted_fields_by_model", lambda: iter([(CheckIn, [CheckIn._meta.get_field("note")])])
    )
    real_rotate = MultiFernet.rotate

    def slow_rotate(self, token):
        time.sleep(0.002)
        return real_rotate(self, token)

    monkeypatch.setattr(MultiFernet, "rotate", slow_rotate)

    # The deployed application already encrypts with the new key when rotation starts.
    settings.FIELD_ENCRYPTION_KEYS = [new_key, old_key]
    rotation_done = threading.Event()
    started = threading.Barrier(WRITERS + 1)
    last_written: dict[int, str] = {}
    errors: list[BaseException] = []

    def writer(index: int) -> None:
        mine = ids[index::WRITERS]  # each row has exactly one writer, so "last" is well defined
        shuffle = random.Random(index)
        try:
            started.wait()
            round_number = 0
            while not rotation_done.is_set():
                round_number += 1
                for pk in shuffle.sample(mine, len(mine)):
                    if rotation_done.is_set():
                        break
                    value = f"writer {index} round {round_number} row {pk}"
                    CheckIn.objects.filter(pk=pk).update(note=value)
                    last_written[pk] = value
        except BaseException as error:  # noqa: BLE001 - reported by the main thread
            errors.append(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=writer, args=(index,)) for index in range(WRITERS)]
    for thread in threads:
        thread.start()
    started.wait()
    try:
        counts = rotation.rotate_all(batch_size=20)
    finally:
        rotation_done.set()
        for thread in threads:
            thread.join(timeout=120)
    assert not errors, errors
    assert 0 < counts["clinical_sessions.CheckIn"] <= ROWS

    # Only the new key now: every row must decrypt with it and hold its writer's last value.
    settings.FIELD_ENCRYPTION_KEYS = [new_key]
    stored = dict(CheckIn.objects.filter(pk__in=ids).values_list("pk", "note"))
    assert len(stored) == ROWS
    lost = {pk: (stored[pk], value) for pk, value in last_written.items() if stored[pk] != value}
    assert not lost, f"{len(lost)} of {len(last_written)} last writes lost, e.g. {next(iter(lost.items()))}"
    untouched = set(ids) - set(last_written)
    assert all(stored[pk] == "original" for pk in untouched)


def wait_until_a_lock_is_awaited() -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        with connection.cursor() as cursor:
            cursor.execute("SELECT count(*) FROM pg_locks WHERE NOT granted")
            if cursor.fetchone()[0]:
                return
        time.sleep(0.05)
    raise AssertionError("rotation never waited for the writer's row lock")


def test_rotation_rereads_a_row_changed_after_its_batch_was_chosen(client_record, settings):
    """The old code re-encrypted what it read before the write; the lock makes it re-read."""
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL row locks (runs in the PostgreSQL CI pass)")
    old_key = settings.FIELD_ENCRYPTION_KEYS[0]
    new_key = Fernet.generate_key().decode()
    checkin = CheckInFactory(client=client_record, note="before")
    settings.FIELD_ENCRYPTION_KEYS = [new_key, old_key]

    # A writer holds the row locked with an uncommitted update while rotation starts.
    locked = threading.Event()
    release = threading.Event()

    def writer() -> None:
        from django.db import transaction

        try:
            with transaction.atomic():
                CheckIn.objects.filter(pk=checkin.pk).update(note="after")
                locked.set()
                release.wait(timeout=30)
        finally:
            connections.close_all()

    thread = threading.Thread(target=writer)
    thread.start()
    locked.wait(timeout=30)
    rotator = threading.Thread(target=lambda: (rotation.rotate_all(batch_size=10), connections.close_all()))
    rotator.start()
    # Let the writer commit only once rotation has read the row and is waiting on its lock.
    wait_until_a_lock_is_awaited()
    release.set()
    thread.join(timeout=30)
    rotator.join(timeout=60)
    settings.FIELD_ENCRYPTION_KEYS = [new_key]
    assert CheckIn.objects.get(pk=checkin.pk).note == "after"
