# ruff: noqa: E501 (the table keeps one request per line)
"""Who may do what, from one table: role × resource × action over the API, the pages and the admin.

Each row names a request and the status every role gets, in the order of ``ROLES``. The guards at
the end fail when a route of the API's viewsets, a page or an admin model has no row, and when a
role has no user: a new model, route or role cannot be forgotten. An object a role may not see
answers 404 (IDOR), one it sees but may not change 403.

The data is built once for the module; every request runs in a savepoint rolled back after it,
so a write that is allowed changes nothing for the next request.
"""

from __future__ import annotations

import os
from dataclasses import dataclass

import pytest
from django.contrib import admin
from django.db import transaction
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from rest_framework.test import APIClient
from simple_history.admin import SimpleHistoryAdmin

from apps.core.roles import ENGINEERING, LEADERSHIP, LEGAL, SALES, SUPPORT
from apps.core.roles import ROLES as ROLE_GROUPS
from apps.reviews import exports
from apps.support.reports import exports as report_exports
from tests.security.permission_world import build_world

# Columns of every row. "norole" is staff without a role: the admin's own checks are what stop it.
ROLES = ("sales", "legal", "eng_own", "eng_other", "leadership", "support", "norole", "anonymous")
# Each Django group (apps/core/roles.py) and the columns that stand for it.
GROUP_COLUMNS = {
    SALES: ["sales"],
    LEGAL: ["legal"],
    ENGINEERING: ["eng_own", "eng_other"],
    LEADERSHIP: ["leadership"],
    SUPPORT: ["support"],
}


@dataclass(frozen=True)
class Row:
    surface: str  # api, web or admin
    resource: str
    action: str
    method: str
    path: str  # formatted with the world's ids
    expected: str  # one status per role, in ROLES order
    data: dict | None = None
    route: str = ""  # the URL name it stands for (guards)


def api(resource, action, method, path, expected, data=None, *, route):
    return Row("api", resource, action, method, "/api/v1/" + path, expected, data, route)


def web(resource, action, method, path, expected, data=None, *, route):
    return Row("web", resource, action, method, path, expected, data, route)


# fmt: off
#                                                                         sales legal own other lead norole anon
API = [
    api("team", "list", "get", "teams/", "200 200 200 200 200 200 403 401", route="team-list"),
    api("team", "create", "post", "teams/", "403 403 403 403 403 403 403 401", {"name": "New team"}, route="team-list"),
    api("team", "detail", "get", "teams/{team}/", "200 200 200 200 200 200 403 401", route="team-detail"),
    api("team", "update", "patch", "teams/{team}/", "403 403 403 403 403 403 403 401", {"name": "Renamed"}, route="team-detail"),
    api("team", "replace", "put", "teams/{team}/", "403 403 403 403 403 403 403 401", {"name": "Renamed"}, route="team-detail"),
    api("team", "history", "get", "teams/{team}/history/", "200 200 200 200 200 200 403 401", route="team-history"),
    api("service", "list", "get", "services/", "200 200 200 200 200 200 403 401", route="service-list"),
    api("service", "create", "post", "services/", "403 403 201 403 403 403 403 401", {"slug": "new-svc", "name": "New", "team": "{team}"}, route="service-list"),
    api("service", "detail", "get", "services/{service}/", "200 200 200 200 200 200 403 401", route="service-detail"),
    api("service", "update", "patch", "services/{service}/", "403 403 200 403 403 403 403 401", {"name": "Renamed"}, route="service-detail"),
    api("service", "move", "put", "services/{service}/", "403 403 403 403 403 403 403 401", {"slug": "payments-api", "name": "P", "team": "{other_team}"}, route="service-detail"),
    api("service", "history", "get", "services/{service}/history/", "200 200 200 200 200 200 403 401", route="service-history"),
    api("customer", "list", "get", "customers/", "200 200 200 200 200 200 403 401", route="customer-list"),
    api("customer", "create", "post", "customers/", "201 201 403 403 403 403 403 401", {"name": "New Co"}, route="customer-list"),
    api("customer", "detail", "get", "customers/{customer}/", "200 200 200 200 200 200 403 401", route="customer-detail"),
    api("customer", "update", "patch", "customers/{customer}/", "200 200 403 403 403 403 403 401", {"name": "Renamed Co"}, route="customer-detail"),
    api("customer", "replace", "put", "customers/{customer}/", "200 200 403 403 403 403 403 401", {"name": "Renamed Co"}, route="customer-detail"),
    api("customer", "history", "get", "customers/{customer}/history/", "200 200 200 200 200 200 403 401", route="customer-history"),
    api("indicator", "list", "get", "indicators/", "200 200 200 200 200 200 403 401", route="indicator-list"),
    api("indicator", "create", "post", "indicators/", "403 403 201 403 403 403 403 401", {"service": "{service}", "name": "Errors", "kind": "quality"}, route="indicator-list"),
    api("indicator", "detail", "get", "indicators/{indicator}/", "200 200 200 200 200 200 403 401", route="indicator-detail"),
    api("indicator", "update", "patch", "indicators/{indicator}/", "403 403 200 403 403 403 403 401", {"name": "Renamed"}, route="indicator-detail"),
    api("indicator", "replace", "put", "indicators/{indicator}/", "403 403 200 403 403 403 403 401", {"service": "{service}", "name": "Avail", "kind": "availability"}, route="indicator-detail"),
    api("indicator", "history", "get", "indicators/{indicator}/history/", "200 200 200 200 200 200 403 401", route="indicator-history"),
    api("slo", "list", "get", "slos/", "200 200 200 200 200 200 403 401", route="slo-list"),
    api("slo", "create", "post", "slos/", "403 403 201 403 403 403 403 401", {"indicator": "{indicator}", "target": "99.5", "status": "draft"}, route="slo-list"),
    api("slo", "detail", "get", "slos/{slo}/", "200 200 200 200 200 200 403 401", route="slo-detail"),
    api("slo", "update", "patch", "slos/{slo}/", "403 403 200 403 403 403 403 401", {"target": "99.95"}, route="slo-detail"),
    api("slo", "replace", "put", "slos/{slo}/", "403 403 200 403 403 403 403 401", {"indicator": "{indicator}", "target": "99.95"}, route="slo-detail"),
    api("slo", "history", "get", "slos/{slo}/history/", "200 200 200 200 200 200 403 401", route="slo-history"),
    api("schedule", "list", "get", "credit-schedules/", "200 200 200 200 200 200 403 401", route="creditschedule-list"),
    api("schedule", "create", "post", "credit-schedules/", "403 201 403 403 403 403 403 401", {"name": "New schedule", "tiers": []}, route="creditschedule-list"),
    api("schedule", "detail", "get", "credit-schedules/{schedule}/", "200 200 200 200 200 200 403 401", route="creditschedule-detail"),
    api("schedule", "update", "patch", "credit-schedules/{free_schedule}/", "403 200 403 403 403 403 403 401", {"cap_percent": "50"}, route="creditschedule-detail"),
    api("schedule", "replace", "put", "credit-schedules/{free_schedule}/", "403 200 403 403 403 403 403 401", {"name": "Free", "cap_percent": "50", "tiers": []}, route="creditschedule-detail"),
    api("schedule", "evaluate", "get", "credit-schedules/{schedule}/evaluate/?attainment=99.5", "200 200 200 200 200 200 403 401", route="creditschedule-evaluate"),
    api("schedule", "history", "get", "credit-schedules/{schedule}/history/", "200 200 200 200 200 200 403 401", route="creditschedule-history"),
    # Contracts: sales sees its own (another owner's is a 404), the other roles see all.
    api("contract", "list", "get", "contracts/", "200 200 200 200 200 200 200 401", route="contract-list"),
    api("contract", "create", "post", "contracts/", "201 403 403 403 403 403 403 401", {"customer": "{customer}", "number": "NEW-1", "monthly_fee": "100.00", "currency": "EUR", "start_date": "2026-01-01"}, route="contract-list"),
    api("contract", "detail", "get", "contracts/{contract}/", "200 200 200 200 200 404 404 401", route="contract-detail"),
    api("contract", "detail (other owner)", "get", "contracts/{their_contract}/", "404 200 200 200 200 404 404 401", route="contract-detail"),
    api("contract", "update", "patch", "contracts/{contract}/", "200 200 403 403 403 404 404 401", {"title": "Renamed"}, route="contract-detail"),
    api("contract", "update (other owner)", "patch", "contracts/{their_contract}/", "404 200 403 403 403 404 404 401", {"title": "Renamed"}, route="contract-detail"),
    api("contract", "replace (other owner)", "put", "contracts/{their_contract}/", "404 200 403 403 403 404 404 401", {"customer": "{their_customer}", "number": "G-001", "monthly_fee": "100.00", "currency": "EUR", "start_date": "2024-06-01", "title": "Renamed"}, route="contract-detail"),
    api("contract", "submit (other owner)", "post", "contracts/{their_contract}/submit/", "404 403 403 403 403 404 404 401", route="contract-submit"),
    api("contract", "submit", "post", "contracts/{contract}/submit/", "200 403 403 403 403 404 404 401", route="contract-submit"),
    api("contract", "legal approve", "post", "contracts/{in_review_contract}/legal-approve/", "403 200 403 403 403 404 404 401", route="contract-legal-approve"),
    api("contract", "sign", "post", "contracts/{signed_contract}/sign/", "403 409 403 403 403 404 404 401", route="contract-sign"),
    api("contract", "amend", "post", "contracts/{signed_contract}/amend/", "201 201 403 403 403 404 404 401", route="contract-amend"),
    api("contract", "terminate", "post", "contracts/{signed_contract}/terminate/", "403 200 403 403 403 404 404 401", {"reason": "Ended."}, route="contract-terminate"),
    api("contract", "history (other owner)", "get", "contracts/{their_contract}/history/", "404 200 200 200 200 404 404 401", route="contract-history"),
    api("line", "list", "get", "commitments/", "200 200 200 200 200 200 200 401", route="commitment-list"),
    api("line", "create (other owner)", "post", "commitments/", "400 201 400 400 400 400 400 401", {"contract": "{their_contract}", "indicator": "{indicator}", "target": "99.5", "period": "month"}, route="commitment-list"),
    api("line", "detail (other owner)", "get", "commitments/{their_line}/", "404 200 200 200 200 404 404 401", route="commitment-detail"),
    api("line", "update (other owner)", "patch", "commitments/{their_line}/", "404 200 403 403 403 404 404 401", {"target": "99.0"}, route="commitment-detail"),
    api("line", "replace (other owner)", "put", "commitments/{their_line}/", "404 200 400 400 400 404 404 401", {"contract": "{their_contract}", "indicator": "{indicator}", "target": "99.0", "period": "month"}, route="commitment-detail"),
    api("line", "delete (other owner)", "delete", "commitments/{their_line}/", "404 403 403 403 403 404 404 401", route="commitment-detail"),
    api("line", "delete", "delete", "commitments/{line}/", "204 403 403 403 403 404 404 401", route="commitment-detail"),
    api("line", "alignment (other owner)", "get", "commitments/{their_line}/alignment/", "404 200 200 200 200 404 404 401", route="commitment-alignment"),
    api("line", "sign-offs (other owner)", "get", "commitments/{their_line}/signoffs/", "404 200 200 200 200 404 404 401", route="commitment-signoffs"),
    api("line", "approve", "post", "commitments/{approvable_line}/signoffs/", "403 403 201 403 403 404 404 401", {"decision": "approve", "comment": "ok"}, route="commitment-signoffs"),
    api("line", "history (other owner)", "get", "commitments/{their_line}/history/", "404 200 200 200 200 404 404 401", route="commitment-history"),
    api("waiver", "list", "get", "waivers/", "200 200 200 200 200 200 200 401", route="waiver-list"),
    api("waiver", "create", "post", "waivers/", "403 403 403 403 201 400 400 401", {"commitment": "{review_line}", "justification": "Known risk.", "expires_on": "2099-01-01"}, route="waiver-list"),
    api("waiver", "detail (other owner)", "get", "waivers/{their_waiver}/", "404 200 200 200 200 404 404 401", route="waiver-detail"),
    api("waiver", "history (other owner)", "get", "waivers/{their_waiver}/history/", "404 200 200 200 200 404 404 401", route="waiver-history"),
    # Documents: read by whoever sees the contract, attached by its owner and legal (no file
    # sent here: a 400 is a request let past the permission checks).
    api("document", "list", "get", "contracts/{contract}/documents/", "200 200 200 200 200 404 404 401", route="contract-document-list"),
    api("document", "list (other owner)", "get", "contracts/{their_contract}/documents/", "404 200 200 200 200 404 404 401", route="contract-document-list"),
    api("document", "attach", "post", "contracts/{contract}/documents/", "400 400 403 403 403 404 404 401", route="contract-document-list"),
    api("document", "attach (other owner)", "post", "contracts/{their_contract}/documents/", "404 400 403 403 403 404 404 401", route="contract-document-list"),
    api("document", "download", "get", "contracts/{contract}/documents/{document}/", "200 200 200 200 200 404 404 401", route="contract-document-detail"),
    api("document", "download (other owner)", "get", "contracts/{their_contract}/documents/{their_document}/", "404 200 200 200 200 404 404 401", route="contract-document-detail"),
    api("review cycle", "list", "get", "review-cycles/", "200 200 200 200 200 403 403 401", route="review-cycle-list"),
    api("review cycle", "open", "post", "review-cycles/", "403 403 403 403 201 403 403 401", {"year": 2024}, route="review-cycle-list"),
    api("review cycle", "detail", "get", "review-cycles/{cycle}/", "200 200 200 200 200 403 403 401", route="review-cycle-detail"),
    api("review packet", "list", "get", "review-packets/", "200 200 200 200 200 403 403 401", route="review-packet-list"),
    api("review packet", "detail", "get", "review-packets/{packet}/", "200 200 200 200 200 403 403 401", route="review-packet-detail"),
    api("review packet", "detail (other owner)", "get", "review-packets/{their_packet}/", "404 200 200 200 200 403 403 401", route="review-packet-detail"),
    api("review packet", "service packet", "get", "review-packets/{service_packet}/", "404 200 200 200 200 403 403 401", route="review-packet-detail"),
    api("review packet", "csv (other owner)", "get", "review-packets/{their_packet}/csv/", "404 200 200 200 200 403 403 401", route="review-packet-csv"),
    api("review packet", "pdf (other owner)", "get", "review-packets/{their_packet}/pdf/", "404 200 200 200 200 403 403 401", route="review-packet-pdf"),
    api("review packet", "regenerate", "post", "review-packets/{packet}/regenerate/", "403 403 403 403 201 403 403 401", route="review-packet-regenerate"),
    api("review packet", "sign-offs (other owner)", "get", "review-packets/{their_packet}/signoffs/", "404 200 200 200 200 403 403 401", route="review-packet-signoffs"),
    api("review packet", "sign off (other owner)", "post", "review-packets/{their_packet}/signoffs/", "404 201 201 201 403 403 403 401", {"role": "{own_role}"}, route="review-packet-signoffs"),
    api("calendar", "list", "get", "calendars/", "403 403 200 200 200 200 403 401", route="calendar-list"),
    api("calendar", "create", "post", "calendars/", "403 403 403 403 403 201 403 401", {"name": "New hours", "timezone": "UTC"}, route="calendar-list"),
    api("calendar", "detail", "get", "calendars/{calendar}/", "403 403 200 200 200 200 403 401", route="calendar-detail"),
    api("calendar", "update", "patch", "calendars/{calendar}/", "403 403 403 403 403 200 403 401", {"name": "Renamed hours"}, route="calendar-detail"),
    api("calendar", "replace", "put", "calendars/{calendar}/", "403 403 403 403 403 200 403 401", {"name": "Renamed hours", "timezone": "UTC"}, route="calendar-detail"),
    api("calendar", "delete", "delete", "calendars/{calendar}/", "403 403 403 403 403 403 403 401", route="calendar-detail"),
    api("calendar", "due", "get", "calendars/{calendar}/due/?start=2026-01-05T09:00:00%2B00:00&minutes=30", "403 403 200 200 200 200 403 401", route="calendar-due"),
    api("calendar", "elapsed", "get", "calendars/{calendar}/elapsed/?start=2026-01-05T09:00:00%2B00:00&end=2026-01-05T10:00:00%2B00:00", "403 403 200 200 200 200 403 401", route="calendar-elapsed"),
    api("calendar", "holidays", "get", "calendars/{calendar}/holidays/?year=2026", "403 403 200 200 200 200 403 401", route="calendar-holidays"),
    api("calendar", "history", "get", "calendars/{calendar}/history/", "403 403 200 200 200 200 403 401", route="calendar-history"),
    api("ticket", "list", "get", "tickets/", "403 403 200 200 200 200 403 401", route="ticket-list"),
    api("ticket", "create", "post", "tickets/", "403 403 403 403 403 201 403 401", {"external_id": "T-NEW", "service": "{service}", "priority": "P2", "created_at": "2026-01-05T09:00:00Z"}, route="ticket-list"),
    api("ticket", "detail", "get", "tickets/{ticket}/", "403 403 200 200 200 200 403 401", route="ticket-detail"),
    api("ticket", "clocks", "get", "tickets/{ticket}/clocks/", "403 403 200 200 200 200 403 401", route="ticket-clocks"),
    api("ticket", "escalations", "get", "tickets/{ticket}/escalations/", "403 403 200 200 200 200 403 401", route="ticket-escalations"),
    api("support report", "list", "get", "support-reports/", "403 403 403 403 200 200 403 401", route="support-report-list"),
    api("support report", "request", "post", "support-reports/", "403 403 403 403 201 201 403 401", {"kind": "weekly", "scope": "service", "service": "{service}", "period_start": "2026-01-05"}, route="support-report-list"),
    api("support report", "detail", "get", "support-reports/{support_report}/", "403 403 403 403 200 200 403 401", route="support-report-detail"),
    api("escalation policy", "list", "get", "escalation-policies/", "403 403 200 200 200 200 403 401", route="escalation-policy-list"),
    api("escalation policy", "create", "post", "escalation-policies/", "403 403 403 403 403 201 403 401", {"name": "Signed desk", "service": "{service}", "contract": "{signed_contract}", "levels": [{"percent": "75", "notify_assignee": True}]}, route="escalation-policy-list"),
    api("escalation policy", "detail", "get", "escalation-policies/{escalation_policy}/", "403 403 200 200 200 200 403 401", route="escalation-policy-detail"),
    api("escalation policy", "update", "patch", "escalation-policies/{escalation_policy}/", "403 403 403 403 403 200 403 401", {"name": "Payments on call"}, route="escalation-policy-detail"),
    api("escalation policy", "replace", "put", "escalation-policies/{escalation_policy}/", "403 403 403 403 403 200 403 401", {"name": "Payments on call", "service": "{service}", "levels": [{"percent": "75", "notify_assignee": True}]}, route="escalation-policy-detail"),
    api("ticket", "add event", "post", "tickets/{ticket}/events/", "403 403 403 403 403 201 403 401", {"at": "2026-01-05T10:00:00Z", "type": "public_reply"}, route="ticket-events"),
    api("helpdesk source", "list", "get", "helpdesk-sources/", "403 403 403 403 403 200 403 401", route="helpdesk-source-list"),
    api("helpdesk source", "create", "post", "helpdesk-sources/", "403 403 403 403 403 201 403 401", {"name": "Desk 2", "slug": "desk-2", "kind": "zendesk", "secret": "s3cret-value-long-enough", "default_service": "{service}"}, route="helpdesk-source-list"),
    api("helpdesk source", "detail", "get", "helpdesk-sources/{helpdesk}/", "403 403 403 403 403 200 403 401", route="helpdesk-source-detail"),
    api("helpdesk source", "update", "patch", "helpdesk-sources/{helpdesk}/", "403 403 403 403 403 200 403 401", {"active": False}, route="helpdesk-source-detail"),
    api("helpdesk source", "replace", "put", "helpdesk-sources/{helpdesk}/", "403 403 403 403 403 200 403 401", {"name": "Desk", "slug": "desk", "kind": "zendesk", "secret": "s3cret-value-long-enough", "default_service": "{service}"}, route="helpdesk-source-detail"),
    api("notification channel", "list", "get", "notification-channels/", "403 403 200 200 200 403 403 401", route="notification-channel-list"),
    api("notification channel", "create", "post", "notification-channels/", "403 403 201 403 403 403 403 401", {"team": "{team}", "name": "Pager", "kind": "email", "target": "pager@example.com"}, route="notification-channel-list"),
    api("notification channel", "detail", "get", "notification-channels/{channel}/", "403 403 200 200 200 403 403 401", route="notification-channel-detail"),
    api("notification channel", "update", "patch", "notification-channels/{channel}/", "403 403 200 403 403 403 403 401", {"name": "Payments pager"}, route="notification-channel-detail"),
    api("notification channel", "replace", "put", "notification-channels/{channel}/", "403 403 200 403 403 403 403 401", {"team": "{team}", "name": "Payments pager", "kind": "email", "target": "oncall@example.com"}, route="notification-channel-detail"),
]

WEB = [
    # Everyone signed in is sent on to their own work (tests/web/test_landing.py says where).
    web("home", "landing", "get", "/", "302 302 302 302 302 302 302 302", route="home"),
    web("contract", "list", "get", "/contracts/", "200 200 200 200 200 200 200 302", route="contracts:list"),
    web("contract", "create", "get", "/contracts/new/", "200 403 403 403 403 403 403 302", route="contracts:create"),
    web("contract", "alignment preview", "get", "/contracts/alignment-preview/?indicator={indicator}&target=99.5", "200 200 200 200 200 200 403 302", route="contracts:alignment-preview"),
    web("contract", "detail (other owner)", "get", "/contracts/{their_contract}/", "404 200 200 200 200 404 404 302", route="contracts:detail"),
    web("contract", "edit (other owner)", "get", "/contracts/{their_contract}/edit/", "404 200 302 302 302 404 404 302", route="contracts:edit"),
    web("contract", "submit (other owner)", "post", "/contracts/{their_contract}/submit/", "404 302 302 302 302 404 404 302", route="contracts:submit"),
    web("contract", "legal approve", "post", "/contracts/{in_review_contract}/legal-approve/", "302 302 302 302 302 404 404 302", route="contracts:legal-approve"),
    web("contract", "confirm credit schedule", "post", "/contracts/{in_review_contract}/lines/{review_line}/confirm-schedule/", "302 302 302 302 302 404 404 302", {"comment": "On purpose."}, route="contracts:line-schedule-confirm"),
    web("contract", "decide a line", "post", "/contracts/{in_review_contract}/lines/{approvable_line}/decide/", "403 403 302 403 403 404 404 302", {"decision": "approve", "comment": "Fits the SLO."}, route="contracts:line-decide"),
    web("admin line", "decide on its page", "post", "/admin/contracts/commitment/{approvable_line}/decide/", "302 403 302 403 403 404 404 302", {"decision": "approve", "comment": "Fits the SLO."}, route="admin:contracts_commitment_decide"),
    web("contract", "sign", "post", "/contracts/{signed_contract}/sign/", "302 302 302 302 302 404 404 302", route="contracts:sign"),
    web("contract", "sign confirmation (already signed)", "get", "/contracts/{signed_contract}/sign/confirm/", "302 302 302 302 302 404 404 302", route="contracts:sign-confirm"),
    web("contract", "amend (other owner)", "post", "/contracts/{their_signed_contract}/amend/", "404 302 302 302 302 404 404 302", route="contracts:amend"),
    web("contract", "terminate", "post", "/contracts/{signed_contract}/terminate/", "302 302 302 302 302 404 404 302", route="contracts:terminate"),
    web("contract", "attach document (other owner)", "post", "/contracts/{their_contract}/documents/", "404 302 302 302 302 404 404 302", route="contracts:document-upload"),
    web("contract", "download document (other owner)", "get", "/contracts/{their_contract}/documents/{their_document}/", "404 200 200 200 200 404 404 302", route="contracts:document-download"),
    web("review", "cycles", "get", "/reviews/cycles/", "200 200 200 200 200 403 403 302", route="reviews:cycle-list"),
    web("review", "open cycle", "post", "/reviews/cycles/open/", "403 403 403 403 302 403 403 302", {"year": "2024"}, route="reviews:cycle-open"),
    web("review", "packet", "get", "/reviews/packets/{packet}/", "200 200 200 200 200 403 403 302", route="reviews:packet-detail"),
    web("review", "packet (other owner)", "get", "/reviews/packets/{their_packet}/", "404 200 200 200 200 403 403 302", route="reviews:packet-detail"),
    web("review", "sign off (other owner)", "post", "/reviews/packets/{their_packet}/signoff/", "404 302 302 302 403 403 403 302", {"role": "{own_role}"}, route="reviews:packet-signoff"),
    web("review", "pdf (other owner)", "get", "/reviews/packets/{their_packet}/pdf/", "404 200 200 200 200 403 403 302", route="reviews:packet-pdf"),
    web("review", "csv (other owner)", "get", "/reviews/packets/{their_packet}/csv/", "404 200 200 200 200 403 403 302", route="reviews:packet-csv"),
    web("dashboard", "portfolio", "get", "/dashboards/", "403 403 403 403 200 403 403 302", route="dashboards:portfolio"),
    web("dashboard", "commitments", "get", "/dashboards/commitments/", "403 403 403 403 200 403 403 302", route="dashboards:commitments"),
    web("dashboard", "contracts", "get", "/dashboards/contracts/", "403 403 403 403 200 403 403 302", route="dashboards:contracts"),
    web("dashboard", "credits", "get", "/dashboards/credits/", "403 403 403 403 200 403 403 302", route="dashboards:credits"),
    web("dashboard", "slos", "get", "/dashboards/slos/", "403 403 403 403 200 403 403 302", route="dashboards:slos"),
    web("dashboard", "browse", "get", "/dashboards/browse/", "403 200 200 200 200 403 403 302", route="dashboards:index"),
    web("dashboard", "service", "get", "/dashboards/services/payments-api/", "403 200 200 200 200 403 403 302", route="dashboards:service"),
    web("dashboard", "customer (other owner)", "get", "/dashboards/customers/{their_customer}/", "403 200 200 200 200 403 403 302", route="dashboards:customer"),
    web("slo", "page", "get", "/slos/{slo}/", "200 200 200 200 200 200 403 302", route="slo-detail"),
    web("slo", "backtest preview", "get", "/contracts/backtest-preview/?indicator={indicator}&target=99.5", "200 200 200 200 200 403 403 302", route="contracts:backtest-preview"),
    web("support", "tickets", "get", "/support/", "403 403 403 403 403 200 403 302", route="support:tickets"),
    web("support", "ticket", "get", "/support/tickets/{ticket}/", "403 403 403 403 403 200 403 302", route="support:ticket"),
    web("support", "metrics", "get", "/support/metrics/", "403 403 403 403 200 200 403 302", route="support:metrics"),
    web("support", "breaches", "get", "/support/breaches/", "403 403 403 403 403 200 403 302", route="support:breaches"),
    web("support", "reports", "get", "/support/reports/", "403 403 403 403 200 200 403 302", route="support:reports"),
    web("support", "report", "get", "/support/reports/{support_report}/", "403 403 403 403 200 200 403 302", route="support:report"),
    web("support", "report pdf", "get", "/support/reports/{support_report}/pdf/", "403 403 403 403 200 200 403 302", route="support:report-pdf"),
    web("support", "report csv", "get", "/support/reports/{support_report}/csv/", "403 403 403 403 200 200 403 302", route="support:report-csv"),
    web("support", "report regenerate", "post", "/support/reports/{support_report}/regenerate/", "403 403 403 403 302 302 403 302", route="support:report-regenerate"),
    web("support", "board", "get", "/support/board/", "403 403 403 403 403 200 403 302", route="support:board"),
    web("support", "board refresh", "get", "/support/board/?fragment=board", "403 403 403 403 403 200 403 302", route="support:board"),
]

# The admin: every page of every registered model. Sales and anonymous are not staff: every
# admin page sends them to the login page. "norole" is staff without a single permission.
# Each model names the world's object its object pages open ("" when the world has none) and
# the status of each page for the staff columns: legal, eng_own, eng_other, leadership, norole.
ADMIN_PAGES = ("changelist", "add", "change", "change POST", "delete", "history", "history form", "history POST")
STAFF = ("legal", "eng_own", "eng_other", "leadership", "support", "norole")
ADMIN = {
    "support.ticket": ("ticket", {"changelist": "403 200 200 200 200 403", "add": "403 403 403 403 403 403", "change": "403 200 200 200 200 403", "change POST": "403 403 403 403 403 403", "delete": "403 403 403 403 403 403"}),
    "support.ticketclock": ("", {"changelist": "403 200 200 200 200 403", "add": "403 403 403 403 403 403"}),
    "support.escalationpolicy": ("", {"changelist": "403 200 200 200 200 403", "add": "403 403 403 403 200 403"}),
    "support.escalation": ("", {"changelist": "403 200 200 200 200 403", "add": "403 403 403 403 403 403"}),
    "support.breachcause": ("", {"changelist": "403 200 200 200 200 403", "add": "403 403 403 403 403 403"}),
    "support.breachreview": ("", {"changelist": "403 200 200 200 200 403", "add": "403 403 403 403 403 403"}),
    "support.supportreport": ("support_report", {"changelist": "403 403 403 200 200 403", "add": "403 403 403 403 403 403", "change": "403 403 403 200 200 403", "change POST": "403 403 403 403 403 403", "delete": "403 403 403 403 403 403"}),
    "support.helpdesksource": ("helpdesk", {"changelist": "403 403 403 403 200 403", "add": "403 403 403 403 200 403", "change": "403 403 403 403 200 403", "change POST": "403 403 403 403 200 403", "delete": "403 403 403 403 403 403"}),
    "calendars.calendar": ("calendar", {"changelist": "403 200 200 200 200 403", "add": "403 403 403 403 200 403", "change": "403 200 200 200 200 403", "change POST": "403 403 403 403 200 403", "delete": "403 403 403 403 403 403", "history": "403 200 200 200 200 403", "history form": "403 200 200 200 200 403", "history POST": "403 403 403 403 200 403"}),
    "auth.group": ("", {"changelist": "403 403 403 403 403 403", "add": "403 403 403 403 403 403"}),
    "auth.user": ("", {"changelist": "403 403 403 403 403 403", "add": "403 403 403 403 403 403"}),
    "authtoken.tokenproxy": ("", {"changelist": "403 403 403 403 403 403", "add": "403 403 403 403 403 403"}),
    "axes.accessattempt": ("", {"changelist": "403 403 403 403 403 403", "add": "403 403 403 403 403 403"}),
    "axes.accesslog": ("", {"changelist": "403 403 403 403 403 403", "add": "403 403 403 403 403 403"}),
    "axes.accessfailurelog": ("", {"changelist": "403 403 403 403 403 403", "add": "403 403 403 403 403 403"}),
    "catalog.team": ("team", {"changelist": "200 200 200 200 200 403", "add": "403 403 403 403 403 403", "change": "200 200 200 200 200 403", "change POST": "403 403 403 403 403 403", "delete": "403 403 403 403 403 403", "history": "200 200 200 200 200 403", "history form": "200 200 200 200 200 403", "history POST": "403 403 403 403 403 403"}),
    "catalog.service": ("service", {"changelist": "200 200 200 200 200 403", "add": "403 200 200 403 403 403", "change": "200 200 200 200 200 403", "change POST": "403 200 403 403 403 403", "delete": "403 403 403 403 403 403", "history": "200 200 200 200 200 403", "history form": "200 200 200 200 200 403", "history POST": "403 200 403 403 403 403"}),
    "catalog.customer": ("customer", {"changelist": "200 200 200 200 200 403", "add": "200 403 403 403 403 403", "change": "200 200 200 200 200 403", "change POST": "200 403 403 403 403 403", "delete": "403 403 403 403 403 403", "history": "200 200 200 200 200 403", "history form": "200 200 200 200 200 403", "history POST": "200 403 403 403 403 403"}),
    "catalog.indicator": ("indicator", {"changelist": "200 200 200 200 200 403", "add": "403 200 200 403 403 403", "change": "200 200 200 200 200 403", "change POST": "403 200 403 403 403 403", "delete": "403 403 403 403 403 403", "history": "200 200 200 200 200 403", "history form": "200 200 200 200 200 403", "history POST": "403 200 403 403 403 403"}),
    "slos.slo": ("slo", {"changelist": "200 200 200 200 200 403", "add": "403 200 200 403 403 403", "change": "200 200 200 200 200 403", "change POST": "403 200 403 403 403 403", "delete": "403 403 403 403 403 403", "history": "200 200 200 200 200 403", "history form": "200 200 200 200 200 403", "history POST": "403 200 403 403 403 403"}),
    "slos.bufferpolicy": ("buffer_policy", {"changelist": "200 200 200 200 200 403", "add": "403 200 200 403 403 403", "change": "200 200 200 200 200 403", "change POST": "403 200 403 403 403 403", "delete": "403 403 403 403 403 403", "history": "200 200 200 200 200 403", "history form": "200 200 200 200 200 403", "history POST": "403 200 403 403 403 403"}),
    "contracts.creditschedule": ("free_schedule", {"changelist": "200 200 200 200 200 403", "add": "200 403 403 403 403 403", "change": "200 200 200 200 200 403", "change POST": "200 403 403 403 403 403", "delete": "403 403 403 403 403 403", "history": "200 200 200 200 200 403", "history form": "200 200 200 200 200 403", "history POST": "200 403 403 403 403 403"}),
    "contracts.contract": ("their_contract", {"changelist": "200 200 200 200 403 403", "add": "403 403 403 403 403 403", "change": "200 200 200 200 403 403", "change POST": "403 403 403 403 403 403", "delete": "403 403 403 403 403 403", "history": "200 200 200 200 404 404", "history form": "200 200 200 200 404 404", "history POST": "403 403 403 403 404 404"}),
    "contracts.commitment": ("their_line", {"changelist": "200 200 200 200 403 403", "add": "403 403 403 403 403 403", "change": "200 200 200 200 403 403", "change POST": "403 403 403 403 403 403", "delete": "403 403 403 403 403 403", "history": "200 200 200 200 404 404", "history form": "200 200 200 200 404 404", "history POST": "403 403 403 403 404 404"}),
    "contracts.signoff": ("signoff", {"changelist": "200 200 200 200 403 403", "add": "403 403 403 403 403 403", "change": "200 200 200 200 403 403", "change POST": "403 403 403 403 403 403", "delete": "403 403 403 403 403 403", "history": "200 200 200 200 404 404", "history form": "200 200 200 200 404 404", "history POST": "403 403 403 403 404 404"}),
    "contracts.contractdocument": ("their_document", {"changelist": "200 200 200 200 403 403", "add": "403 403 403 403 403 403", "change": "200 200 200 200 403 403", "change POST": "403 403 403 403 403 403", "delete": "403 403 403 403 403 403", "history": "200 200 200 200 404 404", "history form": "200 200 200 200 404 404", "history POST": "403 403 403 403 404 404"}),
    "contracts.waiver": ("their_waiver", {"changelist": "200 200 200 200 403 403", "add": "403 403 403 200 403 403", "change": "200 200 200 200 403 403", "change POST": "403 403 403 403 403 403", "delete": "403 403 403 403 403 403", "history": "200 200 200 200 404 404", "history form": "200 200 200 200 404 404", "history POST": "403 403 403 403 404 404"}),
    "measurements.releasegateexception": ("gate_exception", {"changelist": "403 200 200 200 403 403", "add": "403 200 200 403 403 403", "change": "403 200 200 200 403 403", "change POST": "403 403 403 403 403 403", "delete": "403 403 403 403 403 403", "history": "403 200 200 200 403 403", "history form": "403 200 200 200 403 403", "history POST": "403 403 403 403 403 403"}),
    "reviews.reviewcycle": ("cycle", {"changelist": "200 200 200 200 403 403", "add": "403 403 403 403 403 403", "change": "200 200 200 200 403 403", "change POST": "403 403 403 403 403 403", "delete": "403 403 403 403 403 403", "history": "200 200 200 200 403 403", "history form": "200 200 200 200 403 403", "history POST": "403 403 403 403 403 403"}),
    "reviews.reviewpacket": ("their_packet", {"changelist": "200 200 200 200 403 403", "add": "403 403 403 403 403 403", "change": "200 200 200 200 403 403", "change POST": "403 403 403 403 403 403", "delete": "403 403 403 403 403 403"}),
    "reviews.reviewsignoff": ("review_signoff", {"changelist": "200 200 200 200 403 403", "add": "403 403 403 403 403 403", "change": "200 200 200 200 403 403", "change POST": "403 403 403 403 403 403", "delete": "403 403 403 403 403 403", "history": "200 200 200 200 403 403", "history form": "200 200 200 200 403 403", "history POST": "403 403 403 403 403 403"}),
    "drift.driftevent": ("", {"changelist": "403 200 200 200 403 403", "add": "403 403 403 403 403 403"}),
    "notifications.notificationchannel": ("channel", {"changelist": "403 200 200 200 403 403", "add": "403 200 200 403 403 403", "change": "403 200 200 200 403 403", "change POST": "403 200 403 403 403 403", "delete": "403 403 403 403 403 403", "history": "403 200 200 200 403 403", "history form": "403 200 200 200 403 403", "history POST": "403 200 403 403 403 403"}),
    "notifications.notificationdelivery": ("", {"changelist": "403 200 200 200 403 403", "add": "403 403 403 403 403 403"}),
}
# fmt: on

RECORD = os.environ.get("MATRIX_RECORD") == "1"


# --- the world ---------------------------------------------------------------------------------


@pytest.fixture(scope="module", autouse=True)
def _no_pdf_rendering():
    """Who may download a packet's PDF is under test here, not the PDF (tests/reviews renders
    it): drawing it for every reader would be most of this module's time."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(exports, "packet_pdf", lambda packet, signoffs: b"%PDF-1.7 matrix")
        patch.setattr(report_exports, "report_pdf", lambda report: b"%PDF-1.7 matrix")
        yield


@pytest.fixture(scope="module")
def world(django_db_setup, django_db_blocker):
    """Every object a row refers to, built once; rolled back when the module ends."""
    with django_db_blocker.unblock(), transaction.atomic():
        yield build_world()
        transaction.set_rollback(True)


def _fill(value, world, role):
    if isinstance(value, str):
        return value.format(**world["ids"], own_role=world["own_role"][role])
    if isinstance(value, dict):
        return {key: _fill(item, world, role) for key, item in value.items()}
    if isinstance(value, list):
        return [_fill(item, world, role) for item in value]
    return value


def _client(surface, world, role):
    user = world["users"].get(role)
    if surface == "api":
        client = APIClient()
        if user:
            client.force_authenticate(user)
        return client
    client = Client()
    if user:
        client.force_login(user)
    return client


def _status(client, surface, method, path, data) -> int:
    """The status of one request, in a savepoint rolled back after it."""
    with transaction.atomic():
        call = getattr(client, method)
        if data is None:
            response = call(path)
        elif surface == "api":
            response = call(path, data, format="json")
        else:
            response = call(path, data)
        transaction.set_rollback(True)
    return response.status_code


def _mismatches(rows, world, role) -> list[str]:
    column = ROLES.index(role)
    clients = {}
    found = []
    for row in rows:
        client = clients.setdefault(row.surface, _client(row.surface, world, role))
        path = _fill(row.path, world, role)
        got = _status(client, row.surface, row.method, path, _fill(row.data, world, role))
        expected = row.expected.split()[column]
        if RECORD:
            with open("/tmp/helpera_record.txt", "a") as out:
                out.write(
                    f"{role} {row.method.upper()} {path} ({row.resource}: {row.action}): {got} [{expected}]\n"
                )
        if str(got) != expected:
            found.append(
                f"{row.method.upper()} {path} ({row.resource}: {row.action}): {got}, not {expected}"
            )
    return found


def _admin_rows(world) -> list[Row]:
    rows = []
    for label, (key, pages) in ADMIN.items():
        app_label, model_name = label.split(".")
        obj_id = world["ids"].get(key) if key else None
        history_id = world["history"].get(key) if key else None
        for page, codes in pages.items():
            name = f"admin:{app_label}_{model_name}_"
            if page == "changelist":
                path = reverse(name + "changelist")
            elif page == "add":
                path = reverse(name + "add")
            elif page.startswith("change"):
                path = reverse(name + "change", args=[obj_id])
            elif page == "delete":
                path = reverse(name + "delete", args=[obj_id])
            elif page == "history":
                path = reverse(name + "history", args=[obj_id])
            else:
                path = reverse(name + "simple_history", args=[obj_id, history_id])
            method = "post" if page.endswith("POST") else "get"
            expected = " ".join(
                codes.split()[STAFF.index(role)] if role in STAFF else "302" for role in ROLES
            )
            rows.append(
                Row("admin", label, page, method, path, expected, {} if method == "post" else None)
            )
    return rows


@pytest.mark.django_db
@pytest.mark.parametrize("role", ROLES)
def test_admin(world, role):
    assert _mismatches(_admin_rows(world), world, role) == []


@pytest.mark.django_db
@pytest.mark.parametrize("role", ROLES)
def test_api(world, role):
    assert _mismatches(API, world, role) == []


@pytest.mark.django_db
@pytest.mark.parametrize("role", ROLES)
def test_pages(world, role):
    assert _mismatches(WEB, world, role) == []


# --- guards: nothing is left out of the table ---------------------------------------------------

# Named routes that are not pages a role reads or acts on.
NOT_PAGES = {"login", "logout"}


def _routes(patterns=None, namespace=""):
    """(full name, pattern) of every URL, with its namespace."""
    for pattern in get_resolver().url_patterns if patterns is None else patterns:
        if isinstance(pattern, URLResolver):
            inner = f"{namespace}{pattern.namespace}:" if pattern.namespace else namespace
            yield from (
                (name, found, str(pattern.pattern) + route)
                for name, found, route in _routes(pattern.url_patterns, inner)
            )
        elif isinstance(pattern, URLPattern):
            name = f"{namespace}{pattern.name}" if pattern.name else None
            yield name, pattern, str(pattern.pattern)


def test_every_role_has_a_column():
    assert set(GROUP_COLUMNS) == set(ROLE_GROUPS)
    assert {"norole", "anonymous"} | {c for cs in GROUP_COLUMNS.values() for c in cs} == set(ROLES)
    for row in [*API, *WEB]:
        assert len(row.expected.split()) == len(ROLES), row
    for label, (_, pages) in ADMIN.items():
        for page, codes in pages.items():
            assert len(codes.split()) == len(STAFF), (label, page)


def test_every_api_viewset_route_and_method_has_a_row():
    covered = {(row.route, row.method) for row in API}
    missing = []
    for name, pattern, route in _routes():
        actions = getattr(pattern.callback, "actions", None)
        if not route.startswith("api/") or not actions:
            continue
        methods = set(actions) - {"head", "options"}  # answered as GET / by DRF itself
        missing += [(name, method) for method in methods if (name, method) not in covered]
    assert missing == []


def test_every_page_has_a_row():
    covered = {row.route for row in WEB}
    missing = {
        name
        for name, _, route in _routes()
        if name and not route.startswith(("api/", "admin/")) and name not in NOT_PAGES
    } - covered
    assert missing == set()


def test_every_admin_model_and_page_has_a_row():
    registered = {
        model._meta.label_lower: model_admin for model, model_admin in admin.site._registry.items()
    }
    assert set(ADMIN) == set(registered)
    for label, (key, pages) in ADMIN.items():
        wanted = {"changelist", "add"}
        if isinstance(registered[label], SimpleHistoryAdmin):
            wanted |= set(ADMIN_PAGES)  # a history-tracked model: every page, history forms too
        assert wanted <= set(pages), label
        assert not (set(pages) - {"changelist", "add"}) or key, label
