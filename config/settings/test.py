"""The test suite: fast hashing, local memory email, eager Celery unless a test starts a worker."""

import atexit
import os
import shutil
import tempfile
from pathlib import Path

from .base import *  # noqa: F403
from .base import env

DEBUG = False
SECRET_KEY = env("SECRET_KEY", default="test-only-not-secret")
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
# CELERY_EAGER=0 with REDIS_URL: a real worker process of the worker tests (tests/reviews).
CELERY_TASK_ALWAYS_EAGER = env.bool("CELERY_EAGER", default=True)
# Seconds a review packet task sleeps first, so a worker test can kill it mid-packet.
REVIEW_PACKET_TEST_DELAY = env.float("REVIEW_PACKET_TEST_DELAY", default=0)
# The worker tests kill a worker mid-task: let Redis hand its message back within seconds.
if env("CELERY_VISIBILITY_TIMEOUT", default=""):
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "visibility_timeout": env.int("CELERY_VISIBILITY_TIMEOUT"),
        "unacked_restore_interval": 1,
        "unacked_restore_throttle": 1,
    }

# The worker tests let the stalled-cycle sweep take a packet for lost within seconds.
if env("REVIEW_TASK_LOST_SECONDS", default=""):
    REVIEW_TASK_LOST_SECONDS = env.int("REVIEW_TASK_LOST_SECONDS")

# Parallel local runs against one PostgreSQL server each take their own test database.
if env("TEST_DB_NAME", default=""):
    DATABASES["default"]["TEST"] = {"NAME": env("TEST_DB_NAME")}  # noqa: F405

# Files the tests upload go to a directory of this process's own, removed when it ends, never
# into the repository's var/media. Made on the first upload: processes that store nothing (the
# worker and deploy-check subprocesses) leave nothing behind.
MEDIA_ROOT = Path(tempfile.gettempdir()) / f"covenant-test-media-{os.getpid()}"
atexit.register(shutil.rmtree, MEDIA_ROOT, ignore_errors=True)
