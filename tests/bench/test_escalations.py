"""The escalation bench runs end to end at a tiny scale with real workers, leaving nothing.

It needs PostgreSQL and Redis (skipped locally without them, a failure in CI: ``require``): the
workers read the rows it commits, hence a transactional test. The refusal of SQLite is checked
everywhere by pretending.
"""

import json

import pytest
from django.core.management import CommandError, call_command
from django.db import connection

from apps.bench import escalations as bench
from apps.catalog.models import Service
from apps.notifications.models import NotificationChannel, NotificationDelivery
from apps.support.models import Escalation, EscalationPolicy, Ticket, TicketClock
from tests.conftest import require

REDIS_DB = 13  # the bench flushes its broker database: its own, not another suite's


def _redis_reachable() -> bool:
    try:
        bench._check_redis(bench.redis_url(REDIS_DB))
    except RuntimeError:
        return False
    return True


def counts():
    return [
        model.objects.count()
        for model in (
            Ticket,
            TicketClock,
            Escalation,
            NotificationDelivery,
            NotificationChannel,
            EscalationPolicy,
        )
    ]


@pytest.mark.postgres
@pytest.mark.redis
@pytest.mark.django_db(transaction=True)
def test_ten_levels_are_fired_paged_and_recorded_by_real_workers_and_nothing_is_left(
    postgres, capsys
):
    require(_redis_reachable(), f"needs Redis at {bench.redis_url(REDIS_DB)}")
    before = counts()
    call_command("bench_escalations", "--scale", "0.001", "--workers", "2", "--redis-db", "13")
    report = json.loads(capsys.readouterr().out)

    assert report["workload"] == "escalation_levels"
    # Every level fired once, paged once (the receiver counted each event) and breached its clock.
    assert report["levels"] == report["fired"] == report["pages_received"] == 10
    assert report["breached_clocks"] == 10
    assert report["workers"] == 2
    assert report["ours_s"] > 0 and report["floor_s"] > 0
    assert report["ratio"] == pytest.approx(report["ours_s"] / report["floor_s"], rel=0.01)
    assert report["within_target"] == (report["ours_s"] <= report["target_s"] == 60)
    assert counts() == before
    assert not Service.objects.filter(slug__startswith="bench-").exists()


@pytest.mark.django_db
def test_the_bench_refuses_sqlite(monkeypatch):
    monkeypatch.setattr(connection, "vendor", "sqlite")
    with pytest.raises(RuntimeError, match="PostgreSQL"):
        bench.run(scale=0.001)


def test_the_bench_refuses_fewer_than_one_worker():
    with pytest.raises(CommandError, match="--workers must be at least 1"):
        call_command("bench_escalations", "--workers", "0")
