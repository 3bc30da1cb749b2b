"""Demo data for a local portal: people, catalog, SLOs, credit schedules and a contract in every
state, built through the services so that history shows real users and reasons.

LOCAL ONLY: every demo user has the password ``covenant-demo``.

``seed(stdout)`` runs the steps in ``STEPS`` inside one transaction. Each step is idempotent: it
finds what an earlier run made (by natural key) and creates only what is missing, so running the
command twice changes nothing. Later sections (SLI history, review cycles) add a step to STEPS.
"""

from __future__ import annotations

import io
from datetime import date
from typing import TextIO

from django.db import transaction
from django.utils import timezone

from apps.contracts.models import Contract
from apps.demo.base import MARKER_CONTRACT, Demo
from apps.demo.catalog import (
    seed_credit_schedules,
    seed_customers,
    seed_policies,
    seed_services,
    seed_slo_tightening,
    seed_teams,
    seed_users,
)
from apps.demo.contracts import seed_contracts
from apps.demo.sli_history import seed_sli_history
from apps.demo.support import seed_calendars, seed_support_desk
from apps.measurements.models import SLISample
from apps.reviews.models import ReviewCycle
from apps.reviews.services import review_cycle_open


def demo_present() -> bool:
    return Contract.objects.filter(number=MARKER_CONTRACT).exists()


def seed_measurements(demo: Demo) -> None:
    """Hourly SLI history since January of last year, with incidents and an at-risk SLO."""
    if SLISample.objects.exists():
        return
    today = timezone.localdate()
    result = seed_sli_history(days=(today - date(today.year - 1, 1, 1)).days)
    demo.created["SLI samples"] = result.samples


def seed_review_cycle(demo: Demo) -> None:
    """Last year's annual review, opened by leadership; its packets are generated on commit."""
    year = timezone.localdate().year - 1
    if ReviewCycle.objects.filter(year=year).exists():
        return
    review_cycle_open(year=year, user=demo.users["dave"])
    demo.count("review cycles", True)


STEPS = [
    seed_users,
    seed_teams,
    # Before the services: the support indicators run on these calendars.
    seed_calendars,
    seed_services,
    seed_slo_tightening,
    seed_policies,
    seed_credit_schedules,
    seed_customers,
    seed_contracts,
    # After the contracts: the demo's sign-offs were judged on paper, before any data.
    seed_measurements,
    # After the synthetic SLI history: the tickets' clocks recount the desk's samples they touch.
    seed_support_desk,
    seed_review_cycle,
]


def seed(stdout: TextIO | None = None) -> Demo:
    """Create whatever demo data is missing, in one transaction; report what was created."""
    demo = Demo(out=stdout or io.StringIO())
    with transaction.atomic():
        for step in STEPS:
            step(demo)
    made = ", ".join(f"{count} {what}" for what, count in demo.created.items() if count)
    demo.out.write(f"Demo data: created {made or 'nothing (all present)'}.\n")
    return demo
