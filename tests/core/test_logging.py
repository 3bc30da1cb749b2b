"""Under the development settings each log line is written once (runserver's and the app's)."""

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PROBE = """
from django.conf import settings
from django.utils.log import configure_logging
import logging
configure_logging(settings.LOGGING_CONFIG, settings.LOGGING)
logging.getLogger("django.request").warning("Not Found: /nowhere/")
logging.getLogger("apps.contracts").warning("an app line")
logging.getLogger("django.server").info('"GET / HTTP/1.1" 200 5')
"""


def test_each_record_is_printed_once_with_debug_on():
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings.local", "DEBUG": "1"}
    result = subprocess.run(
        [sys.executable, "-c", PROBE], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60
    )

    lines = result.stderr.splitlines()
    assert lines.count("Not Found: /nowhere/") == 1, result.stderr
    assert lines.count("an app line") == 1, result.stderr
    server = [line for line in lines if line.endswith('"GET / HTTP/1.1" 200 5')]
    assert len(server) == 1, result.stderr
    assert server[0].startswith("[")  # runserver's own format, with the time
