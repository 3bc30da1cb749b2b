"""CSV upload of SLI samples in the admin: preview with per-row errors, confirm, idempotency."""

from datetime import UTC, datetime

import pytest
from django.contrib.auth.models import Permission
from django.urls import reverse

from apps.measurements.csv_import import samples_csv_import, samples_csv_parse
from apps.measurements.models import SLISample
from tests.factories import IndicatorFactory

UPLOAD = reverse("admin:measurements_slisample_upload_csv")
CHANGELIST = reverse("admin:measurements_slisample_changelist")

GOOD_FILE = (
    "indicator,start,end,good,total\n"
    "payments-api/Availability,2026-03-01T00:00:00Z,2026-03-01T00:05:00Z,998,1000\n"
    "payments-api/Availability,2026-03-01T00:05:00Z,2026-03-01T00:10:00Z,1000,1000\n"
    "{latency},2026-03-01T00:00:00+01:00,2026-03-01T00:05:00+01:00,40,50\n"
)


@pytest.fixture
def uploader(bob):
    """Bob (engineering, Payments) with the sample permissions the upload needs."""
    bob.user_permissions.add(
        *Permission.objects.filter(
            content_type__app_label="measurements",
            codename__in=["add_slisample", "view_slisample"],
        )
    )
    return bob


@pytest.fixture
def good_file(availability, latency) -> bytes:
    return GOOD_FILE.format(latency=latency.pk).encode()


def stored():
    return sorted(
        (s.indicator.name, s.start, s.good, s.total)
        for s in SLISample.objects.select_related("indicator")
    )


class TestParse:
    def test_a_good_file_parses_every_row_with_its_indicator(self, good_file, availability):
        parsed = samples_csv_parse(good_file)

        assert parsed.errors == []
        assert parsed.row_numbers == [2, 3, 4]
        assert parsed.items[0] == {
            "indicator": availability.pk,
            "start": "2026-03-01T00:00:00Z",
            "end": "2026-03-01T00:05:00Z",
            "good": 998,
            "total": 1000,
        }

    def test_every_bad_row_is_listed_with_its_column_and_reason(self, availability):
        text = (
            "indicator,start,end,good,total\n"
            "payments-api/Availability,2026-03-01T00:00:00Z,2026-03-01T00:05:00Z,9,10\n"
            "payments-api/Nope,2026-03-01T00:00:00Z,2026-03-01T00:05:00Z,9,10\n"
            "payments-api/Availability,2026-03-01T00:05:00,2026-03-01T00:10:00Z,9,10\n"
            "payments-api/Availability,2026-03-01T00:10:00Z,2026-03-01T00:15:00Z,11,10\n"
            "payments-api/Availability,2026-03-01T00:15:00Z,2026-03-01T00:20:00Z,1.5,ten\n"
            "999999,2026-03-01T00:20:00Z,2026-03-01T00:15:00Z,1,1\n"
        )

        parsed = samples_csv_parse(text.encode())

        assert [(e.row, e.column) for e in parsed.errors] == [
            (3, "indicator"),
            (4, "start"),
            (5, "good"),
            (6, "good"),
            (6, "total"),
            (7, "indicator"),
        ]
        messages = {(e.row, e.column): e.message for e in parsed.errors}
        assert messages[(3, "indicator")] == (
            "no indicator 'payments-api/Nope' (service slug / indicator name)"
        )
        assert "needs a UTC offset" in messages[(4, "start")]
        assert messages[(5, "good")] == "good cannot exceed total (11 > 10)."
        assert messages[(6, "total")] == "must be a whole number of events (got 'ten')"
        assert messages[(7, "indicator")] == "no indicator with id 999999"

    def test_missing_and_unknown_columns_are_reported_on_the_header_row(self, db):
        parsed = samples_csv_parse(b"indicator,start,end,good,totl\n1,a,b,1,1\n")

        assert [(e.row, e.column, e.message) for e in parsed.errors] == [
            (1, "total", "missing column"),
            (1, "totl", "unknown column (expected indicator, start, end, good, total)"),
        ]

    def test_a_file_that_is_not_utf8_is_refused(self, db):
        assert samples_csv_parse(b"\xff\xfe\x00bad").errors[0].message == (
            "The file is not UTF-8 text."
        )


class TestImport:
    def test_reuploading_the_same_file_updates_and_never_doubles(self, uploader, good_file):
        first = samples_csv_import(user=uploader, data=good_file)
        second = samples_csv_import(user=uploader, data=good_file)

        assert (first.result.created, first.result.updated) == (3, 0)
        assert (second.result.created, second.result.updated) == (0, 3)
        assert SLISample.objects.count() == 3

    def test_a_changed_bucket_replaces_the_stored_one(self, uploader, good_file):
        samples_csv_import(user=uploader, data=good_file)

        samples_csv_import(user=uploader, data=good_file.replace(b",998,1000", b",990,1000"))

        sample = SLISample.objects.get(start=datetime(2026, 3, 1, tzinfo=UTC))
        assert (sample.good, sample.total) == (990, 1000)

    def test_overlapping_buckets_are_row_errors_named_by_spreadsheet_row(
        self, uploader, availability
    ):
        text = (
            "indicator,start,end,good,total\n"
            "payments-api/Availability,2026-03-01T00:00:00Z,2026-03-01T00:10:00Z,9,10\n"
            "payments-api/Availability,2026-03-01T00:05:00Z,2026-03-01T00:15:00Z,9,10\n"
        )

        parsed = samples_csv_import(user=uploader, data=text.encode())

        assert [(e.row, e.column, e.message) for e in parsed.errors] == [
            (3, "start", "Overlaps the bucket of row 2.")
        ]
        assert not SLISample.objects.exists()

    def test_another_teams_indicator_is_refused_and_nothing_is_written(self, uploader, good_file):
        foreign = IndicatorFactory()
        data = good_file + f"{foreign.pk},2026-03-01T00:00:00Z,2026-03-01T00:05:00Z,1,1\n".encode()

        parsed = samples_csv_import(user=uploader, data=data)

        assert "services your team owns" in parsed.errors[0].message
        assert not SLISample.objects.exists()


class TestAdmin:
    def test_changelist_links_to_the_upload(self, client, uploader, good_file):
        client.force_login(uploader)

        response = client.get(CHANGELIST)

        assert response.status_code == 200
        assert UPLOAD in response.content.decode()

    def test_preview_shows_rows_and_counts_and_writes_nothing(self, client, uploader, good_file):
        client.force_login(uploader)

        response = upload(client, good_file)

        page = response.content.decode()
        assert "3 rows, all valid. Confirming will create 3 samples and update 0." in page
        assert "payments-api/Availability" in page
        assert not SLISample.objects.exists()

    def test_confirm_imports_and_reports_created_and_updated(self, client, uploader, good_file):
        client.force_login(uploader)
        token = upload(client, good_file).context["token"]

        response = client.post(UPLOAD, {"confirm": "1", "token": token}, follow=True)

        assert response.redirect_chain[-1][0] == CHANGELIST
        assert "Imported good_file.csv: 3 samples created, 0 updated." in response.content.decode()
        assert len(stored()) == 3

    def test_reupload_through_the_admin_updates_rather_than_doubles(
        self, client, uploader, good_file
    ):
        client.force_login(uploader)
        for _ in range(2):
            token = upload(client, good_file).context["token"]
            response = client.post(UPLOAD, {"confirm": "1", "token": token}, follow=True)

        assert "0 samples created, 3 updated." in response.content.decode()
        assert SLISample.objects.count() == 3

    def test_a_file_with_a_bad_row_lists_it_and_offers_no_confirm(
        self, client, uploader, good_file
    ):
        client.force_login(uploader)
        bad = good_file.replace(b",1000,1000", b",1001,1000")

        response = upload(client, bad)

        page = response.content.decode()
        assert "nothing was imported" in page
        assert "<td>3</td><td>good</td><td>good cannot exceed total (1001 &gt; 1000).</td>" in page
        assert 'name="confirm"' not in page
        assert not SLISample.objects.exists()

    def test_a_stale_confirmation_imports_nothing(self, client, uploader, good_file):
        client.force_login(uploader)
        upload(client, good_file)

        response = client.post(UPLOAD, {"confirm": "1", "token": "forged"})

        assert "has expired or was replaced" in response.content.decode()
        assert not SLISample.objects.exists()

    def test_without_the_add_permission_the_upload_is_forbidden(self, client, carol, good_file):
        # Legal is staff but ingests no measurements.
        client.force_login(carol)

        assert client.get(UPLOAD).status_code == 403

    def test_add_leads_to_the_upload(self, client, uploader):
        client.force_login(uploader)

        response = client.get(reverse("admin:measurements_slisample_add"))

        assert response.status_code == 302
        assert response["Location"] == UPLOAD

    def test_changelist_has_a_fixed_query_budget_whatever_the_rows(
        self, client, uploader, good_file, payments, django_assert_num_queries
    ):
        client.force_login(uploader)
        samples_csv_import(user=uploader, data=good_file)
        client.get(CHANGELIST)  # the session and permission caches are warm from here on
        # session, user, 2 × permissions, indicator filter, page (no COUNT of millions of rows)
        with django_assert_num_queries(6):
            client.get(CHANGELIST)
        other = IndicatorFactory(service=payments, name="Quality")
        SLISample.objects.bulk_create(
            SLISample(
                indicator=other,
                start=datetime(2026, 1, 1, minute=5 * m, tzinfo=UTC),
                end=datetime(2026, 1, 1, minute=5 * m + 5, tzinfo=UTC),
                good=1,
                total=1,
            )
            for m in range(11)
        )

        with django_assert_num_queries(6):
            response = client.get(CHANGELIST)

        assert len(response.context["samples"]) == 14


def upload(client, data: bytes):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return client.post(
        UPLOAD, {"file": SimpleUploadedFile("good_file.csv", data, content_type="text/csv")}
    )
