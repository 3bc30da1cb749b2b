"""Celery tasks: thin wrappers that take ids and call services (apps/drift/services.py).

The notices drift sends are delivered by ``apps.notifications.tasks``.
"""

from celery import shared_task

from . import services


@shared_task
def detect_expired_waivers() -> int:
    return len(services.drift_detect_expired_waivers())


@shared_task
def detect_attainment() -> int:
    return len(services.drift_detect_attainment())
