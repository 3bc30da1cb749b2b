"""Signing a review packet off from its page: the roles the person holds, a comment, history,
who signed and who is missing, and a page whose cost does not grow with its sign-offs."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from apps.core.validators import TEXT_MAX_LENGTH
from apps.reviews import exports, services
from apps.reviews.choices import SignOffRole
from apps.reviews.models import ReviewSignOff

from .test_packet_pdf_pages import flat, pdf_pages

pytestmark = pytest.mark.django_db

# session, user, permissions (user, groups), roles, the packet with its currency, the sign-offs
# with their users.
PACKET_PAGE_QUERIES = 7


def _page(browser, packet) -> str:
    return browser.get(reverse("reviews:packet-detail", args=[packet.pk])).content.decode()


def _sign(browser, packet, **data):
    url = reverse("reviews:packet-signoff", args=[packet.pk])
    return browser.post(url, data, follow=True)


def _offered(html: str) -> list[str]:
    form = (
        html.split("data-packet-signoff", 1)[1].split("</form>", 1)[0]
        if ("data-packet-signoff" in html)
        else ""
    )
    return [part.split('"', 1)[0] for part in form.split('<option value="')[1:]]


def test_every_role_that_signs_is_listed_as_missing_until_it_signs(web, carol, service_packet):
    html = _page(web(carol), service_packet)
    assert f"0 of {len(SignOffRole)} roles signed" in html
    for role in SignOffRole:
        assert f'<tr data-signoff-role="{role.value}"><th scope="row">{role.label}</th>' in html
    assert html.count(">missing</span>") == len(SignOffRole)
    assert "/4" not in html


@pytest.mark.parametrize(
    ("actor", "packet", "roles"),
    [
        ("alice", "customer_packet", ["sales", "customer_success"]),
        ("bob", "service_packet", ["engineering"]),
        ("carol", "service_packet", ["legal"]),
        ("dave", "service_packet", []),
    ],
)
def test_the_form_offers_only_the_roles_the_person_holds(web, request, actor, packet, roles):
    html = _page(web(request.getfixturevalue(actor)), request.getfixturevalue(packet))
    assert _offered(html) == roles


def test_signing_off_records_it_with_its_comment_and_history(web, alice, customer_packet):
    browser = web(alice)
    response = _sign(browser, customer_packet, role="sales", comment="Renewal terms agreed.")
    html = response.content.decode()
    assert "Signed off for sales." in html
    signoff = ReviewSignOff.objects.get(packet=customer_packet)
    assert (signoff.role, signoff.user, signoff.comment) == (
        "sales",
        alice,
        "Renewal terms agreed.",
    )
    record = signoff.history.get()
    assert (record.history_user, record.history_change_reason) == (alice, "Signed off for sales.")
    # The row names who and when, with the comment; sales is no longer offered.
    signed_row = html.split('<tr data-signoff-role="sales">', 1)[1].split("</tr>", 1)[0]
    assert "<td>alice</td>" in signed_row
    assert f"{signoff.signed_at:%Y-%m-%d}" in signed_row
    assert "<td>Renewal terms agreed.</td>" in signed_row
    assert f"1 of {len(SignOffRole)} roles signed" in html
    assert _offered(html) == ["customer_success"]


def test_a_second_sign_off_by_the_same_role_is_refused_with_a_clear_message(
    web, bob, erin, service_packet
):
    _sign(web(bob), service_packet, role="engineering", comment="SLOs reviewed.")
    response = _sign(web(erin), service_packet, role="engineering", comment="Me too.")
    assert (
        "Nothing changed: Engineering already signed off this packet (bob, "
        in response.content.decode()
    )
    assert ReviewSignOff.objects.get(packet=service_packet).user == bob


def test_an_unknown_role_names_the_field(web, bob, service_packet):
    response = _sign(web(bob), service_packet, role="marketing")
    assert "Nothing changed: Role: Choose one of: engineering, sales" in response.content.decode()
    assert not ReviewSignOff.objects.exists()


def test_a_comment_too_long_names_the_field(web, bob, service_packet):
    response = _sign(
        web(bob), service_packet, role="engineering", comment="x" * (TEXT_MAX_LENGTH + 1)
    )
    assert "Nothing changed: Comment: Keep the comment to 10,000 characters" in (
        response.content.decode()
    )
    assert not ReviewSignOff.objects.exists()


def test_a_role_the_person_does_not_hold_is_403(web, bob, service_packet):
    response = web(bob).post(
        reverse("reviews:packet-signoff", args=[service_packet.pk]), {"role": "legal"}
    )
    assert response.status_code == 403
    assert not ReviewSignOff.objects.exists()


def test_once_every_role_signed_the_page_says_so(web, alice, bob, carol, customer_packet):
    for user, role in [
        (alice, "sales"),
        (alice, "customer_success"),
        (bob, "engineering"),
        (carol, "legal"),
    ]:
        services.packet_signoff(packet=customer_packet, user=user, role=role)
    html = _page(web(alice), customer_packet)
    assert f"{len(SignOffRole)} of {len(SignOffRole)} roles signed" in html
    assert ">missing</span>" not in html
    assert _offered(html) == []
    assert "Every role you sign for has signed off this packet." in html


def _count(browser, packet) -> int:
    url = reverse("reviews:packet-detail", args=[packet.pk])
    browser.get(url)  # warm the per-process caches
    with CaptureQueriesContext(connection) as queries:
        assert browser.get(url).status_code == 200
    return len(queries)


def test_the_packet_page_has_a_fixed_budget_whatever_its_sign_offs(
    web, alice, bob, carol, dave, customer_packet
):
    browser = web(dave)
    before = _count(browser, customer_packet)
    services.packet_signoff(packet=customer_packet, user=alice, role="sales", comment="ok")
    services.packet_signoff(packet=customer_packet, user=bob, role="engineering")
    services.packet_signoff(packet=customer_packet, user=carol, role="legal")
    assert before == _count(browser, customer_packet) == PACKET_PAGE_QUERIES


def test_the_pdf_names_who_signed_and_who_is_missing(bob, carol, service_packet):
    signoff = services.packet_signoff(
        packet=service_packet, user=bob, role="engineering", comment="SLOs held."
    )
    services.packet_signoff(packet=service_packet, user=carol, role="legal")
    signoffs = list(service_packet.signoffs.select_related("user"))
    first = flat(
        pdf_pages(exports.packet_pdf(service_packet, signoffs), "signoffs-of-a-service")[0]
    )
    assert (
        f"Sign-offs: Engineering (bob, {signoff.signed_at:%Y-%m-%d}: “SLOs held.”); "
        "Sales (missing); Customer success (missing); Legal (carol, "
    ) in first
