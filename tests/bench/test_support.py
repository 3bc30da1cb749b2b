"""The support bench runs end to end at a tiny scale and leaves nothing behind."""

import json

import pytest
from django.core.management import call_command

from apps.bench import support as bench
from apps.catalog.models import Indicator, Service
from apps.measurements.models import SLISample
from apps.support.models import Ticket, TicketClock, TicketEvent


def counts():
    return [m.objects.count() for m in (Ticket, TicketEvent, TicketClock, SLISample, Indicator)]


def test_the_bench_reports_both_ratios_and_leaves_nothing(postgres):
    before = counts()
    report = bench.run(scale=0.001, repeats=1)
    sweep, ingest = report["sweep"], report["ingest"]
    assert (sweep["open_tickets"], sweep["due_clocks"]) == (100, 1)
    assert sweep["nothing_due_queries"] == 2
    assert sweep["ratio"] == pytest.approx(sweep["ours_s"] / sweep["floor_s"], abs=0.02)
    assert (ingest["tickets"], ingest["events"]) == (100, 1000)
    assert ingest["clocks"] > 0 and ingest["sli_samples"] > 0
    assert ingest["ratio"] == pytest.approx(ingest["ours_s"] / ingest["floor_s"], abs=0.02)
    assert counts() == before
    assert not Service.objects.filter(slug__startswith="bench-").exists()


def test_the_command_prints_json(postgres, capsys):
    call_command("bench_support", "--scale", "0.001", "--repeats", "1", "--only", "sweep")
    printed = json.loads(capsys.readouterr().out)
    assert set(printed) == {"scale", "sweep"}
    assert printed["sweep"]["nothing_due_queries"] == 2


@pytest.mark.django_db
def test_the_bench_refuses_sqlite(monkeypatch):
    from django.db import connection

    monkeypatch.setattr(connection, "vendor", "sqlite")
    with pytest.raises(RuntimeError, match="PostgreSQL"):
        bench.run(scale=0.001, repeats=1)
