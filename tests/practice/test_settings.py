"""Production settings fail closed; check --deploy is clean when they are given."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from cryptography.fernet import Fernet

ROOT = Path(__file__).resolve().parents[2]


def run_manage(*args: str, env: dict) -> subprocess.CompletedProcess:
    base = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(
            (
                "DATABASE_URL",
                "CELERY_",
                "CACHE_URL",
                "SECRET_KEY",
                "ALLOWED_HOSTS",
                "DEBUG",
                "FIELD_ENCRYPTION",
                "ALLIANCE_",
                "DJANGO_",
            )
        )
    }
    return subprocess.run(
        [sys.executable, "manage.py", *args], cwd=ROOT, env={**base, **env}, capture_output=True, text=True, timeout=120
    )


PRODUCTION = {
    "ALLIANCE_ENV": "production",
    "SECRET_KEY": "x" * 30 + "-a-long-random-production-secret-value-0123456789",
    "ALLOWED_HOSTS": "alliance.example.org",
    "DATABASE_URL": "sqlite:////tmp/alliance-deploy-check.sqlite3",
    "FIELD_ENCRYPTION_KEYS": Fernet.generate_key().decode(),
}


@pytest.mark.parametrize("missing", ["SECRET_KEY", "ALLOWED_HOSTS", "DATABASE_URL", "FIELD_ENCRYPTION_KEYS"])
def test_production_refuses_to_start_without(missing, tmp_path):
    env = {key: value for key, value in PRODUCTION.items() if key != missing}
    result = run_manage("check", env={**env, "ALLIANCE_DATA_DIR": str(tmp_path)})
    assert result.returncode != 0
    assert missing in result.stderr


def test_production_refuses_debug(tmp_path):
    result = run_manage("check", env={**PRODUCTION, "DEBUG": "true", "ALLIANCE_DATA_DIR": str(tmp_path)})
    assert result.returncode != 0 and "DEBUG" in result.stderr


def test_check_deploy_is_clean_in_production(tmp_path):
    result = run_manage(
        "check", "--deploy", "--fail-level", "WARNING", env={**PRODUCTION, "ALLIANCE_DATA_DIR": str(tmp_path)}
    )
    assert result.returncode == 0, result.stderr + result.stdout


def test_embedded_default_needs_nothing_set(tmp_path):
    result = run_manage("check", env={"ALLIANCE_DATA_DIR": str(tmp_path)})
    assert result.returncode == 0, result.stderr
    # The development secrets are generated once into the data folder (kept out of git).
    assert (tmp_path / "dev-secret-key").exists() and (tmp_path / "dev-field-key").exists()


def test_bad_encryption_key_fails_loudly(tmp_path):
    result = run_manage("check", env={"ALLIANCE_DATA_DIR": str(tmp_path), "FIELD_ENCRYPTION_KEYS": "not-a-key"})
    assert result.returncode != 0 and "FIELD_ENCRYPTION_KEYS" in result.stderr


def test_a_killed_workers_task_is_redelivered_within_minutes_by_default(tmp_path):
    # F17: Redis hands a killed worker's unacknowledged task out again after the visibility
    # timeout; it used to be an hour.
    script = (
        "from django.conf import settings as s; "
        "print(s.CELERY_BROKER_TRANSPORT_OPTIONS['visibility_timeout'], "
        "s.CELERY_TASK_TIME_LIMIT, s.CELERY_TASK_SOFT_TIME_LIMIT)"
    )
    result = run_manage("shell", "-c", script, env={"ALLIANCE_DATA_DIR": str(tmp_path)})
    assert result.returncode == 0, result.stderr
    visibility, hard, soft = (int(value) for value in result.stdout.strip().splitlines()[-1].split())
    assert visibility <= 300
    assert soft < hard < visibility


@pytest.mark.parametrize(
    "limits",
    [
        {"CELERY_VISIBILITY_TIMEOUT": "300", "CELERY_TASK_TIME_LIMIT": "300"},
        {"CELERY_TASK_TIME_LIMIT": "200", "CELERY_TASK_SOFT_TIME_LIMIT": "200"},
    ],
)
def test_task_limits_that_could_outlive_the_visibility_timeout_are_refused(limits, tmp_path):
    result = run_manage("check", env={"ALLIANCE_DATA_DIR": str(tmp_path), **limits})
    assert result.returncode != 0 and "CELERY_TASK" in result.stderr
