"""The dashboard bench runs end to end at a tiny scale and leaves nothing behind."""

import json

import pytest
from django.core.management import call_command

from apps.bench import dashboard as bench
from apps.contracts.models import Contract


def test_the_bench_reports_both_timings_and_their_ratio(postgres, capsys):
    before = Contract.objects.count()
    report = bench.run(scale=0.001, repeats=1)
    assert report["workload"] == "portfolio_dashboard"
    assert report["contracts"] == 10
    assert report["lines"] == 20
    assert report["ours_seconds"] > 0 and report["floor_seconds"] > 0
    ratio = report["ours_seconds"] / report["floor_seconds"]
    assert report["ratio"] == pytest.approx(ratio, abs=0.02)
    assert Contract.objects.count() == before


def test_the_command_prints_json(postgres, capsys):
    call_command("bench_dashboard", "--scale", "0.001", "--repeats", "1")
    printed = json.loads(capsys.readouterr().out)
    assert set(printed) >= {"workload", "ours_seconds", "floor_seconds", "ratio"}


@pytest.mark.django_db
def test_the_bench_refuses_sqlite(monkeypatch):
    from django.db import connection

    # Pretend, so that the refusal is checked wherever the suite runs.
    monkeypatch.setattr(connection, "vendor", "sqlite")
    with pytest.raises(RuntimeError, match="PostgreSQL"):
        bench.run(scale=0.001, repeats=1)
