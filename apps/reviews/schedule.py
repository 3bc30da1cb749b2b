"""The yearly task that opens a review cycle.

It is a user-facing write made by the schedule (``services.review_cycle_open``), so it lives
apart from ``tasks.py``, which ``services`` imports to send packets: a task here may call
services without an import loop. ``ReviewsConfig.ready`` imports this module so that workers
register the task; its name is the one the beat schedule has always sent.
"""

from __future__ import annotations

import logging

from celery import shared_task

from apps.core.errors import TransitionNotAllowed

from . import services

logger = logging.getLogger(__name__)


@shared_task(name="apps.reviews.tasks.open_annual_review_cycle", acks_late=True)
def open_annual_review_cycle() -> int | None:
    """The yearly schedule: open the review of the year that just ended (once)."""
    year = services.previous_year()
    try:
        cycle = services.review_cycle_open(year=year, user=None)
    except TransitionNotAllowed:
        logger.info("The review cycle for %s is already open.", year)
        return None
    return cycle.pk
