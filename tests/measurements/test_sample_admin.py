"""The SLI sample pages of the admin: list (filter, pages, newest first) and delete with a
confirmation, the team ownership rule and an admin log entry per deleted sample."""

from datetime import UTC, datetime, timedelta

import pytest
from django.contrib.admin.models import DELETION, LogEntry
from django.contrib.auth.models import Permission
from django.contrib.contenttypes.models import ContentType
from django.urls import reverse

from apps.measurements.models import SLISample
from tests.measurements.gate_helpers import record_hours

CHANGELIST = reverse("admin:measurements_slisample_changelist")
T0 = datetime(2026, 3, 1, tzinfo=UTC)


def with_sample_permissions(user, *actions):
    user.user_permissions.add(
        *Permission.objects.filter(
            content_type__app_label="measurements",
            codename__in=[f"{action}_slisample" for action in actions],
        )
    )
    return type(user).objects.get(pk=user.pk)  # a fresh permission cache


@pytest.fixture
def deleter(bob):
    """Bob (engineering, Payments) who may also delete samples."""
    return with_sample_permissions(bob, "delete")


@pytest.fixture
def three_hours(availability):
    record_hours(availability, T0, 3, good=9, total=10)
    return list(SLISample.objects.filter(indicator=availability).order_by("start"))


def starts_listed(response) -> list[datetime]:
    return [sample.start for _key, sample, _ratio in response.context["samples"]]


def messages_of(response) -> list[str]:
    return [str(message) for message in response.context["messages"]]


def keys_stored() -> set[str]:
    return {sample.key for sample in SLISample.objects.all()}


# --- the list ----------------------------------------------------------------------------------


class TestList:
    def test_engineering_sees_the_samples_newest_first(self, client, bob, three_hours):
        client.force_login(bob)

        response = client.get(CHANGELIST)

        assert response.status_code == 200
        assert starts_listed(response) == [T0 + timedelta(hours=h) for h in (2, 1, 0)]
        assert "90.0000%" in response.content.decode()

    def test_without_view_permission_the_list_is_forbidden(self, client, carol, three_hours):
        # Legal is staff but has no business with raw measurements.
        client.force_login(carol)

        assert client.get(CHANGELIST).status_code == 403

    def test_a_user_who_is_not_staff_is_sent_to_the_login(self, client, mallory):
        client.force_login(mallory)

        response = client.get(CHANGELIST)

        assert response.status_code == 302
        assert response["Location"].startswith(reverse("admin:login"))

    def test_the_filter_keeps_one_indicators_samples(self, client, bob, availability, latency):
        record_hours(availability, T0, 2, good=1, total=1)
        record_hours(latency, T0 + timedelta(days=1), 3, good=1, total=1)
        client.force_login(bob)

        response = client.get(CHANGELIST, {"indicator": availability.pk})

        assert {sample.indicator for _k, sample, _r in response.context["samples"]} == {
            availability
        }
        assert starts_listed(response) == [T0 + timedelta(hours=1), T0]
        assert f'<option value="{availability.pk}" selected>' in response.content.decode()

    @pytest.mark.parametrize("value", ["payments", "-1", "²", "99999999999999999999"])
    def test_a_filter_that_is_not_an_id_lists_every_indicator(
        self, client, bob, availability, latency, value
    ):
        record_hours(availability, T0, 1, good=1, total=1)
        record_hours(latency, T0, 1, good=1, total=1)
        client.force_login(bob)

        response = client.get(CHANGELIST, {"indicator": value})

        assert response.status_code == 200
        assert len(response.context["samples"]) == 2
        assert response.context["indicator"] == ""

    def test_a_filter_on_an_indicator_with_no_samples_says_so(self, client, bob, latency):
        client.force_login(bob)

        response = client.get(CHANGELIST, {"indicator": latency.pk})

        assert response.context["samples"] == []
        assert "No samples for this indicator." in response.content.decode()

    def test_more_than_a_page_links_to_the_next_which_holds_the_rest(
        self, client, bob, availability
    ):
        record_hours(availability, T0, 103, good=1, total=1)
        client.force_login(bob)

        first = client.get(CHANGELIST, {"indicator": availability.pk})
        second = client.get(CHANGELIST, {"indicator": availability.pk, "p": 2})

        assert starts_listed(first) == [T0 + timedelta(hours=h) for h in range(102, 2, -1)]
        assert f'href="?indicator={availability.pk}&amp;p=2">Older' in first.content.decode()
        assert "Newer" not in first.content.decode()
        assert starts_listed(second) == [T0 + timedelta(hours=h) for h in (2, 1, 0)]
        page = second.content.decode()
        assert f'href="?indicator={availability.pk}&amp;p=1">‹ Newer' in page
        assert "Older" not in page

    @pytest.mark.parametrize("page", ["0", "-1", "two", "²", "100000000000000000"])
    def test_a_page_number_that_is_not_one_shows_the_first_page(
        self, client, bob, three_hours, page
    ):
        # The last one would be an offset past the database's bigint.
        client.force_login(bob)

        response = client.get(CHANGELIST, {"p": page})

        assert response.status_code == 200
        assert response.context["page"] == 1
        assert len(response.context["samples"]) == 3

    def test_the_last_page_the_database_can_reach_is_empty(self, client, bob, three_hours):
        client.force_login(bob)

        response = client.get(CHANGELIST, {"p": "92233720368547758"})

        assert response.status_code == 200
        assert response.context["samples"] == []

    def test_the_list_has_a_fixed_query_budget_across_pages(
        self, client, bob, availability, latency, django_assert_num_queries
    ):
        """session, user, 2 × permissions, the indicator filter, the page: never a COUNT."""
        client.force_login(bob)
        record_hours(availability, T0, 2, good=1, total=1)
        client.get(CHANGELIST)  # the session and permission caches are warm from here on
        with django_assert_num_queries(6):
            small = client.get(CHANGELIST)
        record_hours(latency, T0, 118, good=1, total=1)

        with django_assert_num_queries(6):
            large = client.get(CHANGELIST)
        with django_assert_num_queries(6):
            second = client.get(CHANGELIST, {"p": 2})

        assert len(small.context["samples"]) == 2
        assert len(large.context["samples"]) == 100
        assert len(second.context["samples"]) == 20

    def test_each_indicator_links_to_its_samples(self, client, bob, availability, latency):
        client.force_login(bob)

        response = client.get(reverse("admin:catalog_indicator_changelist"))

        page = response.content.decode()
        for indicator in (availability, latency):
            assert f'<a href="{CHANGELIST}?indicator={indicator.pk}">samples</a>' in page


# --- delete ------------------------------------------------------------------------------------


class TestDelete:
    def test_the_checkboxes_are_shown_only_to_who_may_delete(
        self, client, bob, deleter, erin, three_hours
    ):
        client.force_login(erin)
        assert 'name="selected"' not in client.get(CHANGELIST).content.decode()

        client.force_login(deleter)
        page = client.get(CHANGELIST).content.decode()
        assert f'name="selected" value="{three_hours[0].key}"' in page

    def test_delete_asks_for_confirmation_and_deletes_nothing(self, client, deleter, three_hours):
        client.force_login(deleter)
        chosen = [three_hours[0].key, three_hours[2].key]

        response = client.post(CHANGELIST, {"delete": "1", "selected": chosen})

        assert response.status_code == 200
        assert response.context["confirming"] is True
        assert [key for key, _s, _r in response.context["samples"]] == chosen
        page = response.content.decode()
        assert "These 2 sample(s) will be deleted." in page
        assert 'name="confirm"' in page
        assert three_hours[1].key not in page
        assert len(keys_stored()) == 3
        assert not LogEntry.objects.exists()

    def test_confirming_deletes_exactly_those_and_logs_each_with_the_user(
        self, client, deleter, three_hours
    ):
        client.force_login(deleter)
        chosen = [three_hours[0].key, three_hours[2].key]

        response = client.post(CHANGELIST, {"confirm": "1", "selected": chosen}, follow=True)

        assert response.redirect_chain == [(CHANGELIST, 302)]
        assert messages_of(response) == ["Deleted 2 SLI sample(s)."]
        assert keys_stored() == {three_hours[1].key}
        logged = LogEntry.objects.order_by("object_id")
        assert [(e.object_id, e.user, e.action_flag) for e in logged] == [
            (key, deleter, DELETION) for key in sorted(chosen)
        ]
        assert {e.content_type for e in logged} == {ContentType.objects.get_for_model(SLISample)}
        assert logged[0].change_message == "Deleted SLI sample of Availability."

    def test_a_key_already_gone_is_neither_counted_nor_logged(self, client, deleter, three_hours):
        client.force_login(deleter)
        gone = three_hours[0].key
        SLISample.objects.filter(pk=three_hours[0].pk).delete()

        response = client.post(
            CHANGELIST, {"confirm": "1", "selected": [gone, three_hours[1].key]}, follow=True
        )

        assert messages_of(response) == ["Deleted 1 SLI sample(s)."]
        assert keys_stored() == {three_hours[2].key}
        assert list(LogEntry.objects.values_list("object_id", flat=True)) == [three_hours[1].key]

    def test_keys_of_an_indicator_deleted_meanwhile_count_nothing(
        self, client, deleter, three_hours, latency
    ):
        record_hours(latency, T0, 1, good=1, total=1)
        chosen = [three_hours[0].key, SLISample.objects.get(indicator=latency).key]
        client.force_login(deleter)
        client.post(CHANGELIST, {"delete": "1", "selected": chosen})
        latency.delete()  # by another admin, between the confirmation page and the confirm

        response = client.post(CHANGELIST, {"confirm": "1", "selected": chosen}, follow=True)

        assert messages_of(response) == ["Deleted 1 SLI sample(s)."]
        assert keys_stored() == {three_hours[1].key, three_hours[2].key}
        assert list(LogEntry.objects.values_list("object_id", flat=True)) == [three_hours[0].key]

    def test_without_the_delete_permission_it_is_forbidden(self, client, bob, three_hours):
        # Engineering may view and add samples, not delete them.
        client.force_login(bob)

        for step in ("delete", "confirm"):
            response = client.post(CHANGELIST, {step: "1", "selected": [three_hours[0].key]})
            assert response.status_code == 403
        assert len(keys_stored()) == 3
        assert not LogEntry.objects.exists()

    def test_another_teams_samples_cannot_be_deleted(self, client, erin, three_hours):
        # Erin (Search) may delete samples, but these are the Payments team's.
        erin = with_sample_permissions(erin, "delete")
        client.force_login(erin)

        response = client.post(CHANGELIST, {"confirm": "1", "selected": [three_hours[0].key]})

        assert response.status_code == 403
        assert len(keys_stored()) == 3
        assert not LogEntry.objects.exists()

    def test_one_foreign_sample_among_own_ones_deletes_nothing(
        self, client, deleter, three_hours, search_team
    ):
        from tests.factories import IndicatorFactory, ServiceFactory

        foreign = IndicatorFactory(service=ServiceFactory(slug="search", team=search_team))
        record_hours(foreign, T0, 1, good=1, total=1)
        client.force_login(deleter)
        chosen = [three_hours[0].key, SLISample.objects.get(indicator=foreign).key]

        response = client.post(CHANGELIST, {"confirm": "1", "selected": chosen})

        assert response.status_code == 403
        assert len(keys_stored()) == 4
        assert not LogEntry.objects.exists()

    @pytest.mark.parametrize(
        "bad",
        [
            "not-a-key",
            "{indicator}",
            "{indicator}/yesterday",
            "{indicator}/2026-03-01T00:00:00",  # no UTC offset
            "Availability/2026-03-01T00:00:00+00:00",
            "-5/2026-03-01T00:00:00+00:00",
            "٣/2026-03-01T00:00:00+00:00",  # an Arabic-Indic 3: int() reads it, the id is ASCII
            "99999999999999999999/2026-03-01T00:00:00+00:00",  # past bigint
            "{indicator}/9999-12-31T23:59:59-14:00",  # past year 9999 in UTC
        ],
    )
    def test_a_malformed_key_warns_and_deletes_nothing(
        self, client, deleter, three_hours, availability, bad
    ):
        client.force_login(deleter)
        selected = [three_hours[0].key, bad.format(indicator=availability.pk)]

        for step in ("delete", "confirm"):
            response = client.post(CHANGELIST, {step: "1", "selected": selected}, follow=True)
            assert response.redirect_chain == [(CHANGELIST, 302)]
            assert messages_of(response) == ["Select the samples to delete."]
        assert len(keys_stored()) == 3
        assert not LogEntry.objects.exists()

    def test_deleting_with_nothing_selected_warns(self, client, deleter, three_hours):
        client.force_login(deleter)

        response = client.post(CHANGELIST, {"delete": "1"}, follow=True)

        assert messages_of(response) == ["Select the samples to delete."]
        assert len(keys_stored()) == 3
