"""The SLI sample table without a foreign key (migration 0004): what its triggers keep on
PostgreSQL, its (indicator, start) primary key, and the migration there and back keeping rows."""

from datetime import UTC, datetime, timedelta

import pytest
from django.db import IntegrityError, connection, transaction
from django.db.migrations.executor import MigrationExecutor

from apps.measurements.models import SLISample
from tests.measurements.gate_helpers import record_hours

T0 = datetime(2026, 3, 1, tzinfo=UTC)
TABLE = SLISample._meta.db_table
APP = "measurements"
SURROGATE_ID = (APP, "0003_slisample_indicator_no_separate_index")
COMPOSITE_KEY = (APP, "0004_slisample_composite_key")
TRIGGERS = {
    "measurements_slisample_keeps_indicator",
    "measurements_slisample_cascade_indicators",
    "measurements_slisample_indicator_id_fixed",
}


def run(sql: str, params=()) -> int:
    """Raw SQL, as a writer outside Django would send it; returns the rows it touched."""
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.rowcount


def refused(sql: str, params=()) -> str:
    """The database's refusal of ``sql`` (in a savepoint, so the test's transaction goes on)."""
    with pytest.raises(IntegrityError) as caught, transaction.atomic():
        run(sql, params)
    return str(caught.value)


def stored() -> list[tuple[int, datetime]]:
    return list(
        SLISample.objects.order_by("indicator_id", "start").values_list("indicator_id", "start")
    )


# --- the triggers (PostgreSQL) -----------------------------------------------------------------


def test_a_sample_cannot_move_to_another_indicator(postgres, availability, latency):
    record_hours(availability, T0, 2, good=1, total=1)

    error = refused(
        f"UPDATE {TABLE} SET indicator_id = %s WHERE indicator_id = %s",
        [latency.pk, availability.pk],
    )

    assert "an SLI sample cannot move to another indicator" in error
    assert stored() == [(availability.pk, T0), (availability.pk, T0 + timedelta(hours=1))]


def test_a_samples_counts_may_still_change(postgres, availability):
    record_hours(availability, T0, 1, good=1, total=1)

    touched = run(
        f"UPDATE {TABLE} SET good = 5, total = 9, indicator_id = indicator_id "
        "WHERE indicator_id = %s",
        [availability.pk],
    )

    assert touched == 1
    assert SLISample.objects.values_list("good", "total").get() == (5, 9)


def test_deleting_an_indicator_in_sql_deletes_its_samples(postgres, availability, latency):
    record_hours(availability, T0, 3, good=1, total=1)
    record_hours(latency, T0, 2, good=1, total=1)

    run("DELETE FROM catalog_indicator WHERE id = %s", [availability.pk])

    assert stored() == [(latency.pk, T0), (latency.pk, T0 + timedelta(hours=1))]


def test_an_indicator_with_samples_keeps_its_id(postgres, availability, latency):
    record_hours(availability, T0, 1, good=1, total=1)
    new_id = latency.pk + 1000

    error = refused("UPDATE catalog_indicator SET id = %s WHERE id = %s", [new_id, availability.pk])
    renumbered = run("UPDATE catalog_indicator SET id = %s WHERE id = %s", [new_id, latency.pk])

    assert f"indicator {availability.pk} has SLI samples: its id cannot change" in error
    assert renumbered == 1  # no samples: nothing to keep
    assert stored() == [(availability.pk, T0)]


def test_the_primary_key_refuses_a_second_sample_of_a_bucket(postgres, availability):
    insert = (
        f'INSERT INTO {TABLE} (indicator_id, start, "end", good, total) VALUES (%s, %s, %s, 1, 1)'
    )
    run(insert, [availability.pk, T0, T0 + timedelta(hours=1)])

    error = refused(insert, [availability.pk, T0, T0 + timedelta(minutes=5)])

    assert f"{TABLE}_pkey" in error
    assert SLISample.objects.get().end == T0 + timedelta(hours=1)


# --- the migration, there and back (PostgreSQL and SQLite) -------------------------------------


def migrate(*targets):
    """Migrate to ``targets`` (app, migration); returns the models as they are there."""
    executor = MigrationExecutor(connection)
    executor.migrate(list(targets))
    return executor.loader.project_state(list(targets)).apps


def table_shape() -> dict:
    with connection.cursor() as cursor:
        columns = [c.name for c in connection.introspection.get_table_description(cursor, TABLE)]
        constraints = connection.introspection.get_constraints(cursor, TABLE).values()
    if connection.vendor == "postgresql":
        triggers = set(
            run_query(
                "SELECT tgname FROM pg_trigger WHERE NOT tgisinternal AND tgname LIKE %s",
                [f"{TABLE}%"],
            )
        )
    else:
        triggers = set()
    return {
        "columns": sorted(columns),
        "primary key": primary_key() or [c["columns"] for c in constraints if c["primary_key"]],
        "foreign keys": [c["foreign_key"] for c in constraints if c["foreign_key"]],
        "unique": [c["columns"] for c in constraints if c["unique"] and not c["primary_key"]],
        "triggers": triggers,
    }


def primary_key() -> list[list[str]]:
    """SQLite: the primary key's columns in key order (Django's introspection gives them in the
    table's column order); the order is the index's, the range scan per indicator needs it."""
    if connection.vendor != "sqlite":
        return []
    with connection.cursor() as cursor:
        cursor.execute(f"PRAGMA table_info({TABLE})")
        key = sorted((row[5], row[1]) for row in cursor.fetchall() if row[5])
    return [[name for _, name in key]]


def run_query(sql: str, params) -> list:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return [row[0] for row in cursor.fetchall()]


@pytest.mark.django_db(transaction=True)
def test_the_migration_keeps_every_sample_there_and_back(availability, latency):
    latest = MigrationExecutor(connection).loader.graph.leaf_nodes(APP)
    rows = [
        (availability.pk, T0, T0 + timedelta(minutes=5), 998, 1000),
        (availability.pk, T0 + timedelta(minutes=5), T0 + timedelta(minutes=10), 0, 0),
        (latency.pk, T0 + timedelta(microseconds=250), T0 + timedelta(hours=1), 2**40, 2**41),
    ]
    fields = ("indicator_id", "start", "end", "good", "total")
    try:
        before = migrate(SURROGATE_ID).get_model(APP, "SLISample")
        for indicator_id, start, end, good, total in rows:
            before.objects.create(
                indicator_id=indicator_id, start=start, end=end, good=good, total=total
            )

        migrate(COMPOSITE_KEY)

        assert list(SLISample.objects.order_by(*fields[:2]).values_list(*fields)) == rows
        shape = table_shape()
        assert shape["columns"] == ["end", "good", "indicator_id", "start", "total"]
        assert shape["primary key"] == [["indicator_id", "start"]]
        assert shape["foreign keys"] == []
        assert shape["unique"] == []
        assert shape["triggers"] == (TRIGGERS if connection.vendor == "postgresql" else set())

        after = migrate(SURROGATE_ID).get_model(APP, "SLISample")

        back = list(after.objects.order_by(*fields[:2]).values_list("id", *fields))
        assert [row[1:] for row in back] == rows
        ids = [row[0] for row in back]
        assert all(isinstance(i, int) for i in ids) and len(set(ids)) == len(rows)
        shape = table_shape()
        assert shape["primary key"] == [["id"]]
        assert shape["foreign keys"] == [("catalog_indicator", "id")]
        assert shape["unique"] == [["indicator_id", "start"]]
        assert shape["triggers"] == set()
        # The restored id still numbers new samples.
        later = after.objects.create(
            indicator_id=latency.pk,
            start=T0 + timedelta(hours=1),
            end=T0 + timedelta(hours=2),
            good=1,
            total=1,
        )
        assert later.id not in ids
    finally:
        migrate(*latest)

    assert table_shape()["primary key"] == [["indicator_id", "start"]]
    assert SLISample.objects.count() == len(rows) + 1
