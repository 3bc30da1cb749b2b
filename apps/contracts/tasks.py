"""Celery tasks: thin wrappers that call services (apps/contracts/services.py).

The notices they queue are delivered by ``apps.notifications.tasks``.
"""

from celery import shared_task

from . import services


@shared_task
def notify_expiring_waivers() -> int:
    return len(services.waivers_notify_expiring())
