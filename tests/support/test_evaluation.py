"""The clock sweep: ``manage.py evaluate_clocks`` and the beat task run the same service."""

from datetime import timedelta
from io import StringIO

import time_machine
from django.conf import settings
from django.core.management import call_command

from apps.support import services, tasks
from apps.support.models import TicketClock

from .conftest import T0


def open_ticket(payments):
    return services.ticket_create(
        source="api", external_id="T-1", service=payments, priority="P1", created_at=T0, now=T0
    )


def test_the_command_breaches_the_clocks_past_due(payments, matrix):
    open_ticket(payments)
    with time_machine.travel(T0 + timedelta(minutes=20), tick=False):
        out = StringIO()
        call_command("evaluate_clocks", stdout=out)
    assert out.getvalue().strip() == "1 clock(s) changed."
    assert TicketClock.objects.get(metric="response").state == "breached"
    assert TicketClock.objects.get(metric="resolution").state == "running"


def test_the_beat_task_runs_every_minute_and_calls_the_same_service(payments, matrix):
    entry = settings.CELERY_BEAT_SCHEDULE["support-evaluate-clocks"]
    assert (entry["task"], entry["schedule"]) == ("apps.support.tasks.evaluate_clocks", 60.0)
    open_ticket(payments)
    with time_machine.travel(T0 + timedelta(hours=5), tick=False):
        assert tasks.evaluate_clocks.delay().get() == 2
    assert set(TicketClock.objects.values_list("state", flat=True)) == {"breached"}


def test_the_sweep_reads_the_due_clocks_through_the_next_instant_index(postgres, payments, matrix):
    from django.db import connection

    open_ticket(payments)
    query = TicketClock.objects.filter(next_at__lte=T0).order_by().values_list("id")
    with connection.cursor() as cursor:
        cursor.execute("SET enable_seqscan = off")
        plan = query.explain()
        cursor.execute("RESET enable_seqscan")
    assert "ticketclock_next_at" in plan
