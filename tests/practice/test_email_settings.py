"""Where e-mail goes: files under data/outbox-mail/ in development and the demo (so a newcomer
can follow an invitation link), EMAIL_URL when set, the in-memory outbox in tests."""

from __future__ import annotations

from django.conf import settings

from tests.practice.test_settings import run_manage

SHOW = "from django.conf import settings; print(settings.EMAIL_BACKEND, getattr(settings, 'EMAIL_FILE_PATH', ''))"


def backend(tmp_path, **env) -> list[str]:
    result = run_manage("shell", "-c", SHOW, env={"ALLIANCE_DATA_DIR": str(tmp_path), **env})
    assert result.returncode == 0, result.stderr
    return result.stdout.strip().splitlines()[-1].split(" ")


def test_the_demo_writes_each_email_as_a_file_in_the_data_folder(tmp_path):
    name, path = backend(tmp_path, ALLIANCE_DEMO="1")
    assert name == "django.core.mail.backends.filebased.EmailBackend"
    assert path == str(tmp_path / "outbox-mail")


def test_email_url_wins(tmp_path):
    name, *_ = backend(tmp_path, EMAIL_URL="consolemail://")
    assert name == "django.core.mail.backends.console.EmailBackend"


def test_tests_keep_the_in_memory_outbox():
    assert settings.EMAIL_BACKEND == "django.core.mail.backends.locmem.EmailBackend"
