"""What Celery raises when it cannot hand a message to the broker, and how long a row a task
claimed may wait before the schedule's sweep takes its task for lost: one list and one rule for
every app that sends tasks after commit and must keep a row from waiting for ever."""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from kombu.exceptions import OperationalError as KombuOperationalError

# kombu's OperationalError wraps the connection's own error.
BROKER_ERRORS = (KombuOperationalError, ConnectionError, OSError)
# Seconds beyond a task's hard time limit and longest retry backoff before a sweep takes the row
# it claimed for lost: room for the clocks of workers and database to differ.
LOST_GRACE_SECONDS = 30


def lost_after(*, time_limit: int, backoff_max: int, setting: str = "") -> timedelta:
    """How long a row may stay claimed (or unclaimed since it was sent) before its task counts
    as lost.

    A task ends within its hard time limit (or is failed there) and waits at most the longest
    retry backoff between two attempts, each of which claims the row afresh: past both, no task
    holds it. The broker's visibility timeout plays no part: a message held by a worker that was
    killed comes back only after it (an hour by default), and the sweep sends the row again long
    before; should that message come back after all, the claim lets one task write the row.
    ``setting`` names a setting that overrides it in seconds (the worker tests).
    """
    default = time_limit + backoff_max + LOST_GRACE_SECONDS
    return timedelta(seconds=(getattr(settings, setting, None) if setting else None) or default)
