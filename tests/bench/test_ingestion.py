"""`manage.py bench` runs end to end on PostgreSQL and prints the report as JSON."""

import json
from datetime import UTC, datetime, timedelta
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext

from apps.bench import ingestion as bench
from apps.measurements.models import SLISample


@pytest.mark.django_db(transaction=True)
def test_tiny_bench_prints_every_workload_with_its_floor(postgres):
    out = StringIO()
    call_command("bench", "--scale", "0.001", "--repeats", "1", stdout=out)

    report = json.loads(out.getvalue())

    ingest, totals, backtest = report["ingest"], report["period_totals"], report["backtest"]
    assert ingest["rows"] >= 10
    assert totals["rows"] > 0
    for workload in (ingest, totals):
        assert workload["ours_s"] > 0 and workload["floor_s"] > 0
        assert workload["ratio"] == pytest.approx(
            workload["ours_s"] / workload["floor_s"], rel=0.1, abs=0.05
        )
        assert "target_ratio" in workload
    assert backtest["ours_ms"] > 0 and isinstance(backtest["within_budget"], bool)
    assert not SLISample.objects.exists()  # the bench cleans up after itself


@pytest.mark.django_db
def test_bench_refuses_sqlite(monkeypatch):
    # Pretend, so that the refusal is checked wherever the suite runs.
    monkeypatch.setattr(connection, "vendor", "sqlite")
    with pytest.raises(CommandError, match="PostgreSQL"):
        call_command("bench", "--scale", "0.001")


@pytest.mark.django_db
def test_the_floor_matches_ids_as_the_columns_type(postgres):
    # A list of small ids is sent as a smallint array: PostgreSQL matches it across types with a
    # serial index scan, twice as slow as the parallel scan it picks for bigints. A floor that
    # slow flatters every ratio measured against it.
    start = datetime(2025, 1, 1, tzinfo=UTC)
    with CaptureQueriesContext(connection) as queries:
        bench.hand_written_group_by([1, 2, 3], start, start + timedelta(days=31))
    with connection.cursor() as cursor:
        cursor.execute("EXPLAIN " + queries[-1]["sql"])
        plan = "\n".join(row[0] for row in cursor.fetchall())

    assert "'{1,2,3}'::bigint[]" in plan
    assert "smallint" not in plan
