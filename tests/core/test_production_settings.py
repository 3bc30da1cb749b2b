"""Production settings: X-Forwarded-Proto is trusted only when told, and the deploy checks pass."""

import os
import secrets
import subprocess
import sys

import pytest

from tests.celery_worker import ROOT

SHOW_HEADER = (
    "import django; django.setup(); from django.conf import settings; "
    "print(settings.SECURE_PROXY_SSL_HEADER)"
)


def _run(*args, **env) -> subprocess.CompletedProcess:
    environment = {
        k: v
        for k, v in os.environ.items()
        if k not in ("DATABASE_URL", "TEST_DB_NAME", "TRUST_X_FORWARDED_PROTO")
    }
    environment.update(
        DJANGO_SETTINGS_MODULE="config.settings.production",
        SECRET_KEY=secrets.token_urlsafe(60),
        ALLOWED_HOSTS="covenant.example.com",
        **env,
    )
    return subprocess.run(
        [sys.executable, *args], cwd=ROOT, env=environment, capture_output=True, text=True
    )


@pytest.mark.parametrize(
    ("trust", "header"),
    [(None, "None"), ("false", "None"), ("true", "('HTTP_X_FORWARDED_PROTO', 'https')")],
)
def test_x_forwarded_proto_is_trusted_only_when_the_setting_says_so(trust, header):
    env = {} if trust is None else {"TRUST_X_FORWARDED_PROTO": trust}
    result = _run("-c", SHOW_HEADER, **env)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().splitlines()[-1] == header


@pytest.mark.parametrize("trust", ["false", "true"])
def test_the_deploy_checks_pass_either_way(trust):
    result = _run(
        "manage.py", "check", "--deploy", "--fail-level", "WARNING", TRUST_X_FORWARDED_PROTO=trust
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout
