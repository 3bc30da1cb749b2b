"""The admin site lists pages that are not a ModelAdmin's (SLI samples) beside their app's models,
to those who may view them."""

import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db

SAMPLES = reverse("admin:measurements_slisample_changelist")
UPLOAD = reverse("admin:measurements_slisample_upload_csv")


def test_engineering_sees_sli_samples_on_the_index_with_the_upload_as_add(client, bob):
    client.force_login(bob)

    response = client.get(reverse("admin:index"))

    measurements = next(
        app for app in response.context["app_list"] if app["app_label"] == "measurements"
    )
    samples = next(m for m in measurements["models"] if m["object_name"] == "SLISample")
    assert samples["name"] == "SLI samples"
    assert samples["admin_url"] == SAMPLES
    assert samples["add_url"] == UPLOAD
    assert f'href="{SAMPLES}"' in response.content.decode()


def test_the_app_page_lists_them_too(client, bob):
    client.force_login(bob)

    response = client.get(reverse("admin:app_list", kwargs={"app_label": "measurements"}))

    names = [m["name"] for m in response.context["app_list"][0]["models"]]
    assert "SLI samples" in names


def test_someone_who_may_not_view_samples_is_not_offered_them(client, carol):
    # Legal is staff but reads no measurements.
    client.force_login(carol)

    response = client.get(reverse("admin:index"))

    assert SAMPLES not in response.content.decode()
    assert client.get(SAMPLES).status_code == 403
