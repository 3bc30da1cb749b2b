"""The Celery application, configured from Django settings (namespace CELERY)."""

import os

from celery import Celery
from celery.signals import task_postrun

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.local")

app = Celery("covenant")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@task_postrun.connect
def drop_broken_connections(task=None, **kwargs):
    """Connections live across tasks (CELERY_DB_REUSE_MAX): one that a database outage broke is
    closed here, so that the next task, or the retry, connects afresh."""
    if task is None or getattr(task.request, "is_eager", False):
        return
    from django.db import connections

    for conn in connections.all(initialized_only=True):
        if conn.connection is not None and conn.errors_occurred:
            if conn.is_usable():
                conn.errors_occurred = False
            else:
                conn.close()
