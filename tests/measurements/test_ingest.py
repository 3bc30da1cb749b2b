"""POST /api/v1/sli-samples/: every row checked first, nothing written on any error, then one
upsert on (indicator, start) with created/updated counted the same on SQLite and PostgreSQL."""

import json
import math
from datetime import UTC, datetime, timedelta

import pytest
from django.contrib.auth.models import Permission
from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, connection, transaction
from django.test import override_settings
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from apps.measurements import sample_rows, services
from apps.measurements.models import SLISample
from apps.measurements.services import SampleRow, SamplesInvalid, samples_ingest, samples_upsert
from tests.conftest import api_as
from tests.factories import IndicatorFactory, ServiceFactory, UserFactory

pytestmark = pytest.mark.django_db
URL = "/api/v1/sli-samples/"
T0 = datetime(2026, 3, 1, tzinfo=UTC)


def _grant(user, *codenames):
    user.user_permissions.add(
        *Permission.objects.filter(content_type__app_label="measurements", codename__in=codenames)
    )
    return type(user).objects.get(pk=user.pk)  # fresh permission cache


@pytest.fixture
def collector(payments_team):
    """A machine user of the Payments team allowed to push samples."""
    user = UserFactory(username="payments-collector")
    payments_team.members.add(user)
    return _grant(user, "add_slisample")


def _sample(indicator, hour=0, good=99, total=100, minutes=60, **overrides):
    start = T0 + timedelta(hours=hour)
    row = {
        "indicator": indicator.pk,
        "start": start.isoformat(),
        "end": (start + timedelta(minutes=minutes)).isoformat(),
        "good": good,
        "total": total,
    }
    row.update(overrides)
    return row


def _stored():
    return list(SLISample.objects.order_by("indicator_id", "start").values_list("start", "good"))


# --- the happy path ----------------------------------------------------------------------------


def test_first_send_creates_and_resend_replaces(collector, availability):
    client = api_as(collector)
    rows = [_sample(availability, hour=h) for h in range(3)]

    first = client.post(URL, rows, format="json")
    rows[1]["good"] = 50
    again = client.post(URL, [*rows, _sample(availability, hour=3)], format="json")

    assert first.status_code == 200, first.content
    assert first.json() == {"created": 3, "updated": 0}
    assert again.json() == {"created": 1, "updated": 3}
    assert [good for _, good in _stored()] == [99, 50, 99, 99]


def test_token_auth_and_offsets_other_than_utc(collector, availability):
    token = Token.objects.create(user=collector)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    row = _sample(availability, start="2026-03-01T02:00:00+02:00", end="2026-03-01T03:00:00+02:00")

    response = client.post(URL, [row], format="json")

    assert response.status_code == 200, response.content
    assert SLISample.objects.get().start == T0


def test_anonymous_is_refused(api, availability):
    assert api.post(URL, [_sample(availability)], format="json").status_code in (401, 403)
    assert not SLISample.objects.exists()


# --- who may write -----------------------------------------------------------------------------


def test_user_without_the_add_permission_is_refused(mallory, payments_team, availability):
    payments_team.members.add(mallory)  # team membership alone is not enough
    response = api_as(mallory).post(URL, [_sample(availability)], format="json")
    assert response.status_code == 403
    assert "add_slisample" in response.json()["detail"]
    assert not SLISample.objects.exists()


def test_engineer_of_the_owning_team_may_ingest(bob, availability):
    """The Engineering role carries add_slisample; bob is on the Payments team."""
    response = api_as(bob).post(URL, [_sample(availability)], format="json")
    assert response.json() == {"created": 1, "updated": 0}


def test_collector_of_another_team_may_not_write_payments_indicators(erin, availability):
    erin = _grant(erin, "add_slisample")
    response = api_as(erin).post(URL, [_sample(availability)], format="json")
    assert response.status_code == 403
    assert f"indicator(s) {availability.pk}" in response.json()["detail"]
    assert not SLISample.objects.exists()


def test_one_foreign_indicator_refuses_the_whole_request(collector, availability):
    foreign = IndicatorFactory(service=ServiceFactory(slug="search"))
    rows = [_sample(availability), _sample(foreign)]
    assert api_as(collector).post(URL, rows, format="json").status_code == 403
    assert not SLISample.objects.exists()


def test_global_collector_may_write_any_service(mallory, availability):
    anywhere = _grant(mallory, "add_slisample", "change_slisample")
    foreign = IndicatorFactory(service=ServiceFactory(slug="search"))
    response = api_as(anywhere).post(URL, [_sample(availability), _sample(foreign)], format="json")
    assert response.json() == {"created": 2, "updated": 0}


def test_service_refuses_without_permission_too(mallory, availability):
    with pytest.raises(PermissionDenied):
        samples_ingest(user=mallory, items=[_sample(availability)])


# --- bad input: 400 naming row and field, nothing written --------------------------------------


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"good": -1}, "good", "cannot be negative"),
        ({"total": -5, "good": 0}, "total", "cannot be negative"),
        ({"good": 101}, "good", "cannot exceed total"),
        ({"good": 1.5}, "good", "whole number"),
        ({"good": 99.0}, "good", "whole number"),
        ({"total": "100"}, "total", "whole number"),
        ({"good": True}, "good", "whole number"),
        ({"total": 2**63}, "total", "too large"),
        ({"start": "2026-03-01T00:00:00", "end": "2026-03-01T01:00:00"}, "start", "UTC offset"),
        ({"start": "yesterday"}, "start", "not an ISO 8601"),
        ({"start": 1767225600}, "start", "ISO 8601"),
        ({"end": "2026-03-01T00:00:00Z"}, "end", "must be after start"),
        ({"end": "2026-02-28T23:00:00Z"}, "end", "must be after start"),
        ({"indicator": "availability"}, "indicator", "indicator id"),
        ({"indicator": 999_999}, "indicator", "Unknown indicator"),
    ],
)
def test_bad_row_is_named_and_nothing_is_written(
    collector, availability, overrides, field, message
):
    rows = [_sample(availability, hour=h) for h in range(5)]
    rows[3].update(overrides)

    response = api_as(collector).post(URL, rows, format="json")

    assert response.status_code == 400, response.content
    errors = response.json()["rows"]
    assert list(errors) == ["3"]
    assert message in " ".join(errors["3"][field])
    assert not SLISample.objects.exists()


@pytest.mark.parametrize("constant", ["NaN", "Infinity", "-Infinity"])
def test_nan_and_infinity_are_named(collector, availability, constant):
    rows = [_sample(availability, hour=0), _sample(availability, hour=1)]
    body = json.dumps(rows).replace('"good": 99,', f'"good": {constant},', 1)
    # the second row keeps its good count; the first one now carries the constant
    assert constant in body

    response = api_as(collector).post(URL, body, content_type="application/json")

    assert response.status_code == 400, response.content
    assert "finite" in response.json()["rows"]["0"]["good"][0]
    assert not SLISample.objects.exists()


def test_missing_fields_are_each_named(collector, availability):
    response = api_as(collector).post(URL, [{"indicator": availability.pk}], format="json")
    errors = response.json()["rows"]["0"]
    assert set(errors) == {"start", "end", "good", "total"}
    assert errors["good"] == ["This field is required."]


@pytest.mark.parametrize(
    ("body", "message"),
    [({"indicator": 1}, "list"), ([], "at least one"), ([5], None)],
)
def test_body_that_is_not_a_list_of_objects(collector, availability, body, message):
    response = api_as(collector).post(URL, body, format="json")
    assert response.status_code == 400
    if message:
        assert message in response.json()["rows"][0]
    else:
        assert "non_field_errors" in response.json()["rows"]["0"]


def test_malformed_json_is_a_400(collector):
    response = api_as(collector).post(URL, "[{", content_type="application/json")
    assert response.status_code == 400
    assert "JSON parse error" in response.json()["detail"]


def test_every_bad_row_is_reported_not_only_the_first(collector, availability):
    rows = [_sample(availability, hour=h, good=200) for h in range(3)]
    response = api_as(collector).post(URL, rows, format="json")
    assert sorted(response.json()["rows"]) == ["0", "1", "2"]


def test_a_flood_of_bad_rows_is_summarised(collector, availability):
    rows = [_sample(availability, hour=h, good=-1) for h in range(250)]
    body = api_as(collector).post(URL, rows, format="json").json()
    assert len(body["rows"]) == sample_rows.MAX_REPORTED_ROWS
    assert body["error_count"] == 250


# --- overlapping buckets -----------------------------------------------------------------------


def test_duplicate_bucket_in_one_request_is_refused(collector, availability):
    rows = [_sample(availability, hour=0), _sample(availability, hour=1), _sample(availability)]
    response = api_as(collector).post(URL, rows, format="json")
    assert response.status_code == 400
    assert "Row 0 already sends this bucket" in response.json()["rows"]["2"]["start"][0]
    assert not SLISample.objects.exists()


def test_buckets_of_different_sizes_overlapping_in_one_request_are_refused(collector, availability):
    # An hour from 00:00 and five minutes from 00:30 would count 00:30–00:35 twice.
    rows = [_sample(availability, hour=0), _sample(availability, minutes=5)]
    rows[1]["start"] = (T0 + timedelta(minutes=30)).isoformat()
    rows[1]["end"] = (T0 + timedelta(minutes=35)).isoformat()
    response = api_as(collector).post(URL, rows, format="json")
    assert response.status_code == 400
    assert "Overlaps the bucket of row 0" in response.json()["rows"]["1"]["start"][0]


def test_unordered_rows_are_checked_in_time_order(collector, availability):
    late, early = _sample(availability, hour=5), _sample(availability, hour=0, minutes=600)
    response = api_as(collector).post(URL, [late, early], format="json")
    assert response.status_code == 400
    assert "0" in response.json()["rows"]


def test_duplicate_among_unordered_rows_is_found(collector, availability):
    rows = [
        _sample(availability, hour=4),
        _sample(availability, hour=1),
        _sample(availability, hour=4),
    ]
    response = api_as(collector).post(URL, rows, format="json")
    assert response.status_code == 400
    errors = response.json()["rows"]
    assert len(errors) == 1
    [(_index, fields)] = errors.items()
    assert "already sends this bucket" in fields["start"][0]


def test_bucket_overlapping_a_stored_one_is_refused(collector, availability):
    samples_upsert(rows=[SampleRow(availability.pk, T0, T0 + timedelta(hours=1), 9, 10)])
    five_minutes = _sample(availability, minutes=5)
    five_minutes["start"] = (T0 + timedelta(minutes=10)).isoformat()
    five_minutes["end"] = (T0 + timedelta(minutes=15)).isoformat()

    response = api_as(collector).post(
        URL, [_sample(availability, hour=2), five_minutes], format="json"
    )

    assert response.status_code == 400
    assert "stored bucket [2026-03-01T00:00:00+00:00" in response.json()["rows"]["1"]["start"][0]
    assert SLISample.objects.count() == 1


def test_stored_bucket_longer_than_the_new_one_is_found(collector, availability):
    # The stored day starts well before the new hour: still an overlap.
    samples_upsert(rows=[SampleRow(availability.pk, T0, T0 + timedelta(days=1), 9, 10)])
    response = api_as(collector).post(URL, [_sample(availability, hour=12)], format="json")
    assert response.status_code == 400


def test_resending_a_bucket_with_the_same_start_replaces_it(collector, availability):
    samples_upsert(rows=[SampleRow(availability.pk, T0, T0 + timedelta(hours=1), 9, 10)])
    response = api_as(collector).post(URL, [_sample(availability, good=7, total=7)], format="json")
    assert response.json() == {"created": 0, "updated": 1}
    assert _stored() == [(T0, 7)]


def test_adjacent_buckets_do_not_overlap(collector, availability, latency):
    samples_upsert(rows=[SampleRow(availability.pk, T0, T0 + timedelta(hours=1), 9, 10)])
    rows = [_sample(availability, hour=1), _sample(latency, hour=0)]
    assert api_as(collector).post(URL, rows, format="json").json() == {"created": 2, "updated": 0}


# --- body size ---------------------------------------------------------------------------------


class ExplodingStream:
    """A request body that must never be read."""

    def read(self, *args):
        raise AssertionError("the body was read")

    readline = read


@override_settings(SLI_SAMPLES_MAX_BODY_BYTES=1000)
def test_body_over_the_limit_is_refused_with_413(collector, availability):
    rows = [_sample(availability, hour=h) for h in range(20)]
    response = api_as(collector).post(URL, rows, format="json")
    assert response.status_code == 413
    assert "1000 bytes" in response.json()["detail"]
    assert not SLISample.objects.exists()


def test_a_100_megabyte_body_is_refused_before_it_is_read(collector):
    response = api_as(collector).generic(
        "POST",
        URL,
        b"[]",
        content_type="application/json",
        CONTENT_LENGTH=str(100 * 1024 * 1024),
        **{"wsgi.input": ExplodingStream()},
    )
    assert response.status_code == 413


# --- query budget ------------------------------------------------------------------------------


def test_ingestion_queries_do_not_grow_with_rows_on_postgresql(
    postgres, collector, availability, latency, django_assert_num_queries
):
    """New buckets in order stream in one pass: permissions (user, groups), savepoint, lock
    indicators, teams, latest stored buckets, release; the COPY runs on the raw psycopg cursor,
    outside the count."""
    small = [_sample(availability, hour=h) for h in range(2)]
    large = [_sample(i, hour=h) for i in (availability, latency) for h in range(10, 1010)]
    fresh = type(collector).objects.get(pk=collector.pk)
    with django_assert_num_queries(7):
        samples_ingest(user=collector, items=small)
    with django_assert_num_queries(7):
        assert samples_ingest(user=fresh, items=large) == (2000, 0)


def test_ingestion_queries_grow_only_by_insert_batches(
    collector, availability, django_assert_num_queries
):
    """SQLite inserts in batches of up to 199 rows (999 parameters); PostgreSQL streams every row
    through COPY on the raw cursor, outside the count. Nothing else grows with the rows."""
    sqlite = connection.vendor == "sqlite"
    few = [_sample(availability, hour=h) for h in range(3)]
    batch = [_sample(availability, hour=h) for h in range(10, 160)]
    two_batches = [_sample(availability, hour=h) for h in range(200, 500)]
    fresh = type(collector).objects.get(pk=collector.pk)
    with django_assert_num_queries(9 if sqlite else 7):
        samples_ingest(user=collector, items=few)
    with django_assert_num_queries(7 if sqlite else 5):  # permissions now cached on the user
        samples_ingest(user=collector, items=batch)
    with django_assert_num_queries(10 if sqlite else 7):
        samples_ingest(user=fresh, items=two_batches)


# --- PostgreSQL: new buckets in order stream through COPY in one pass ------------------------


def _spy_paths(monkeypatch):
    """Which path each samples_ingest call took: 'stream' or 'general'."""
    taken = []
    stream, general = services._stream_appended, services._upsert

    def spy_stream(*args, **kwargs):
        result = stream(*args, **kwargs)
        taken.append("stream")
        return result

    def spy_general(*args, **kwargs):
        taken.append("general")
        return general(*args, **kwargs)

    monkeypatch.setattr(services, "_stream_appended", spy_stream)
    monkeypatch.setattr(services, "_upsert", spy_general)
    return taken


def test_new_buckets_after_the_stored_ones_are_streamed(
    postgres, collector, availability, latency, monkeypatch
):
    taken = _spy_paths(monkeypatch)
    samples_ingest(user=collector, items=[_sample(availability, hour=h) for h in range(3)])
    later = [_sample(i, hour=h) for h in range(3, 6) for i in (availability, latency)]

    assert samples_ingest(user=collector, items=later) == (6, 0)

    assert taken == ["stream", "stream"]
    assert SLISample.objects.filter(indicator=availability).count() == 6
    assert SLISample.objects.filter(indicator=latency).count() == 3


@pytest.mark.parametrize(
    "why, rows_of",
    [
        ("rows out of time order", lambda a: [_sample(a, hour=h) for h in (2, 0, 1)]),
        ("a resent bucket", lambda a: [_sample(a, hour=0, good=7), _sample(a, hour=9)]),
        ("a bucket before the stored ones", lambda a: [_sample(a, hour=-1)]),
    ],
)
def test_anything_but_appending_in_order_takes_the_general_path(
    postgres, collector, availability, monkeypatch, why, rows_of
):
    samples_ingest(user=collector, items=[_sample(availability, hour=0)])
    taken = _spy_paths(monkeypatch)

    samples_ingest(user=collector, items=rows_of(availability))

    assert taken == ["general"], why


def test_a_bad_row_after_streamed_ones_writes_nothing_and_is_named(
    postgres, collector, availability
):
    rows = [_sample(availability, hour=h) for h in range(2000)]
    rows[1500]["good"] = 101

    with pytest.raises(SamplesInvalid) as caught:
        samples_ingest(user=collector, items=rows)

    assert caught.value.rows == {1500: {"good": ["good cannot exceed total (101 > 100)."]}}
    assert not SLISample.objects.exists()


def test_an_overlap_after_streamed_rows_writes_nothing_and_is_named(
    postgres, collector, availability
):
    rows = [_sample(availability, hour=h) for h in range(1000)]
    rows.append(_sample(availability, hour=999, minutes=30))  # row 999 sends this bucket

    with pytest.raises(SamplesInvalid) as caught:
        samples_ingest(user=collector, items=rows)

    assert caught.value.rows == {1000: {"start": ["Row 999 already sends this bucket."]}}
    assert not SLISample.objects.exists()


def test_an_unknown_indicator_is_named_whichever_path(postgres, collector, availability):
    rows = [_sample(availability, hour=0), {**_sample(availability, hour=1), "indicator": 987654}]

    with pytest.raises(SamplesInvalid) as caught:
        samples_ingest(user=collector, items=rows)

    assert caught.value.rows == {1: {"indicator": ["Unknown indicator 987654."]}}
    assert not SLISample.objects.exists()


def test_upsert_refuses_rows_of_an_unknown_indicator(availability):
    """What the foreign key did, for the trusted writers (Prometheus connector, demo data)."""
    rows = [SampleRow(987654, T0, T0 + timedelta(hours=1), 1, 1)]

    with pytest.raises(IntegrityError, match="unknown indicator"), transaction.atomic():
        samples_upsert(rows=_rows(availability, [0]) + rows)

    assert not SLISample.objects.exists()


# --- the PostgreSQL paths give the same answers ------------------------------------------------


def _rows(indicator, hours, good=9):
    return [
        SampleRow(indicator.pk, T0 + timedelta(hours=h), T0 + timedelta(hours=h + 1), good, 10)
        for h in hours
    ]


def test_copy_then_merge_counts_created_and_updated(postgres, availability, latency):
    assert samples_upsert(rows=_rows(availability, range(3))) == (3, 0)  # COPY straight in
    result = samples_upsert(rows=_rows(availability, range(2, 5), good=7) + _rows(latency, [0]))
    assert result == (3, 1)  # merged through the staging table
    assert SLISample.objects.filter(indicator=availability, good=7).count() == 3


def test_repeated_keys_count_once_and_the_last_wins(availability):
    rows = _rows(availability, [0]) + _rows(availability, [0], good=3)
    assert samples_upsert(rows=rows) == (1, 0)
    assert _stored() == [(T0, 3)]
    assert samples_upsert(rows=rows + _rows(availability, [0], good=5)) == (0, 1)
    assert _stored() == [(T0, 5)]


def test_a_thousand_rows_round_trip_identically(availability, latency):
    rows = _rows(availability, range(600)) + _rows(latency, range(400))
    assert samples_upsert(rows=rows) == (1000, 0)
    assert samples_upsert(rows=rows[::2]) == (0, 500)
    assert SLISample.objects.count() == 1000


def test_parse_rejects_nan_directly():
    with pytest.raises(SamplesInvalid) as caught:
        sample_rows.samples_parse(
            [
                {
                    "indicator": 1,
                    "start": "2026-01-01T00:00Z",
                    "end": "2026-01-01T01:00Z",
                    "good": math.nan,
                    "total": 1,
                }
            ]
        )
    assert "finite" in caught.value.rows[0]["good"][0]
