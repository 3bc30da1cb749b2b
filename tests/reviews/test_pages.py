"""Review pages: login, who reads, fixed query budgets, sign-off and opening from the page."""

import pytest
from django.urls import reverse

from apps.reviews.models import ReviewCycle, ReviewSignOff
from tests.factories import ServiceFactory

from .conftest import YEAR


@pytest.fixture
def web(client):
    def as_user(user):
        client.force_login(user)
        return client

    return as_user


def test_pages_need_a_login(client, service_packet):
    for url in (reverse("reviews:cycle-list"), f"/reviews/packets/{service_packet.pk}/"):
        response = client.get(url)
        assert response.status_code == 302
        assert response["Location"].startswith("/login/")


def test_a_user_without_a_role_is_refused(web, mallory, service_packet):
    assert web(mallory).get(f"/reviews/packets/{service_packet.pk}/").status_code == 403


def test_packet_page_shows_figures_charts_and_signoff_form(web, bob, service_packet):
    response = web(bob).get(f"/reviews/packets/{service_packet.pk}/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "2 breaches, 3,500.00 EUR of credits owed." in html
    assert "smallest monthly margin -0.9 points" in html
    assert "Breached in 2 of 12 periods, 3,500.00 EUR of credits owed" in html
    assert "<svg" in html
    assert 'value="engineering"' in html
    assert 'value="legal"' not in html
    assert service_packet.content_hash in html


def test_signing_off_from_the_page(web, carol, service_packet):
    response = web(carol).post(
        f"/reviews/packets/{service_packet.pk}/signoff/", {"role": "legal", "comment": "ok"}
    )
    assert response.status_code == 302
    assert ReviewSignOff.objects.get().user == carol
    again = web(carol).post(
        f"/reviews/packets/{service_packet.pk}/signoff/", {"role": "legal"}, follow=True
    )
    assert "Legal already signed off" in again.content.decode()


def test_leadership_opens_a_cycle_from_the_page(web, dave, reviewed):
    response = web(dave).post(reverse("reviews:cycle-open"), {"year": YEAR}, follow=True)
    assert "Review 2025 opened" in response.content.decode()
    assert ReviewCycle.objects.filter(year=YEAR).exists()


def test_pdf_and_csv_downloads_from_the_page(web, carol, service_packet):
    client = web(carol)
    pdf = client.get(f"/reviews/packets/{service_packet.pk}/pdf/")
    assert pdf.content.startswith(b"%PDF")
    assert "review-2025-service" in pdf["Content-Disposition"]
    csv = client.get(f"/reviews/packets/{service_packet.pk}/csv/")
    assert b"credits_owed_EUR,3500.00" in csv.content


def test_cycle_list_has_a_fixed_query_budget(
    web, dave, cycle, django_assert_num_queries, django_capture_on_commit_callbacks
):
    client = web(dave)
    url = reverse("reviews:cycle-list")
    client.get(url)
    # session, user, perms (user, groups), roles, cycles with progress, current packets
    with django_assert_num_queries(7):
        response = client.get(url)
    assert "2/2 ready" in response.content.decode()
    for number in range(4):
        ServiceFactory(slug=f"more-{number}")
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("reviews:cycle-open"), {"year": YEAR - 1})
    with django_assert_num_queries(7):
        response = client.get(url)
    assert "6/6 ready" in response.content.decode()  # five services and Acme


def test_packet_page_has_a_fixed_query_budget(web, bob, service_packet, django_assert_num_queries):
    client = web(bob)
    url = f"/reviews/packets/{service_packet.pk}/"
    client.get(url)
    # session, user, perms (user, groups), packet, sign-offs, roles, the navigation's queue count
    with django_assert_num_queries(8):
        client.get(url)
