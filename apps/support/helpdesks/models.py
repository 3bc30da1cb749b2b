"""Helpdesk sources: a Jira Service Management site or a Zendesk account that sends us webhooks."""

import os

from django.core.exceptions import ValidationError
from django.db import models

from apps.catalog.choices import SupportPriority, TicketStatus
from apps.catalog.models import Customer, Service
from apps.core.outbound import validate_outbound_url

from .mappings import DEFAULT_PRIORITIES, DEFAULT_STATUSES, JIRA_SERVICE_MANAGEMENT, ZENDESK


class HelpdeskKind(models.TextChoices):
    JIRA_SERVICE_MANAGEMENT = JIRA_SERVICE_MANAGEMENT, "Jira Service Management"
    ZENDESK = ZENDESK, "Zendesk"


def _check_mapping(mapping, *, allowed, what: str) -> list[str]:
    if not isinstance(mapping, dict):
        return [f"Give a JSON object of {{helpdesk {what}: Covenant {what}}}."]
    problems = []
    for name, ours in mapping.items():
        if not isinstance(name, str) or not name.strip():
            problems.append(f"Every helpdesk {what} must be a non-empty name.")
        elif ours not in allowed:
            problems.append(
                f"{name!r} maps to {ours!r}, which is not a {what} ({', '.join(allowed)})."
            )
    return problems


class HelpdeskSource(models.Model):
    """A helpdesk whose webhooks we accept: how it authenticates and how its words map to ours.

    ``slug`` is the tickets' ``source`` (so event ids are unique per helpdesk) and the
    ``?source=`` of its webhook URL. ``secret`` signs (Zendesk; Jira admin webhooks) or, for a
    sender that cannot sign, is sent as a token; it is stored because verifying an HMAC needs it,
    and never shown again once saved. ``status_mapping`` and ``priority_mapping`` map the
    helpdesk's names (compared case-insensitively) to ours; ``customer_mapping`` maps a Zendesk
    organization id or a Jira organization name to a customer id.
    """

    name = models.CharField(max_length=100, unique=True)
    slug = models.SlugField(
        max_length=40,
        unique=True,
        help_text="Names the source of its tickets and goes in the webhook URL (?source=…).",
    )
    kind = models.CharField(max_length=40, choices=HelpdeskKind.choices)
    secret = models.CharField(
        max_length=200,
        help_text="The webhook's signing secret (Zendesk, Jira admin webhook) or shared token.",
    )
    status_mapping = models.JSONField(
        default=dict, blank=True, help_text="Helpdesk status → Covenant status."
    )
    priority_mapping = models.JSONField(
        default=dict, blank=True, help_text="Helpdesk priority → P1–P4."
    )
    default_service = models.ForeignKey(
        Service,
        on_delete=models.PROTECT,
        related_name="helpdesk_sources",
        help_text="The service its tickets are held to.",
    )
    default_priority = models.CharField(
        max_length=2,
        choices=SupportPriority.choices,
        default=SupportPriority.P3,
        help_text="For a ticket that arrives without a priority.",
    )
    customer_mapping = models.JSONField(
        default=dict,
        blank=True,
        help_text="Zendesk organization id or Jira organization name → customer id.",
    )
    # Writing back (an escalation's reassignment to a group) through the helpdesk's REST API.
    api_url = models.CharField(
        max_length=300,
        blank=True,
        help_text="The helpdesk's base URL (https://acme.atlassian.net, https://acme.zendesk.com); "
        "set, escalations write their reassignments back to it.",
    )
    api_email = models.EmailField(blank=True, help_text="The account the API token belongs to.")
    api_token = models.CharField(
        max_length=300,
        blank=True,
        help_text="Never shown once saved; empty: taken from the environment variable "
        "HELPDESK_API_TOKEN_<SLUG> (the slug in capitals, dashes as underscores).",
    )
    group_field = models.CharField(
        max_length=60,
        blank=True,
        help_text="Jira: the group picker field that holds the ticket's group (customfield_…).",
    )
    group_mapping = models.JSONField(
        default=dict,
        blank=True,
        help_text="Covenant group → the helpdesk's group id (Zendesk group id, Jira groupId); "
        "a Jira group left out is sent by name.",
    )
    active = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]

    def __str__(self):
        return self.name

    def save(self, *args, **kwargs):
        # A new source starts from its helpdesk's documented vocabulary; the admin edits it.
        if not self.status_mapping and self.kind in DEFAULT_STATUSES:
            self.status_mapping = dict(DEFAULT_STATUSES[self.kind])
        if not self.priority_mapping and self.kind in DEFAULT_PRIORITIES:
            self.priority_mapping = dict(DEFAULT_PRIORITIES[self.kind])
        super().save(*args, **kwargs)

    def clean(self):
        errors = {}
        statuses = _check_mapping(
            self.status_mapping, allowed=list(TicketStatus.values), what="status"
        )
        priorities = _check_mapping(
            self.priority_mapping, allowed=list(SupportPriority.values), what="priority"
        )
        if statuses:
            errors["status_mapping"] = statuses
        if priorities:
            errors["priority_mapping"] = priorities
        customers = self.customer_mapping
        if not isinstance(customers, dict):
            errors["customer_mapping"] = ["Give a JSON object of {organization: customer id}."]
        elif customers:
            ids = {value for value in customers.values() if isinstance(value, int)}
            known = set(Customer.objects.filter(pk__in=ids).values_list("pk", flat=True))
            unknown = [key for key, value in customers.items() if value not in known]
            if unknown:
                errors["customer_mapping"] = [
                    f"No customer with the id given for {', '.join(map(repr, unknown))}."
                ]
        errors.update(self._write_back_problems())
        if errors:
            raise ValidationError(errors)

    def _write_back_problems(self) -> dict:
        errors = {}
        groups = self.group_mapping
        if not isinstance(groups, dict) or not all(
            isinstance(name, str) and name.strip() and isinstance(value, int | str) and value != ""
            for name, value in groups.items()
        ):
            errors["group_mapping"] = ["Give a JSON object of {Covenant group: helpdesk group id}."]
        elif self.kind == ZENDESK and not all(str(value).isdigit() for value in groups.values()):
            errors["group_mapping"] = ["Zendesk group ids are numbers."]
        if not self.api_url:
            return errors
        try:
            validate_outbound_url("api_url", self.api_url)
        except ValidationError as error:
            errors.update(error.message_dict)
        if not self.api_email:
            errors["api_email"] = ["Writing back needs the account the API token belongs to."]
        if self.kind == JIRA_SERVICE_MANAGEMENT and not self.group_field.startswith("customfield_"):
            errors["group_field"] = ["Jira needs the group picker field (customfield_…)."]
        return errors

    @property
    def writes_back(self) -> bool:
        return bool(self.active and self.api_url)

    def api_credentials(self) -> tuple[str, str]:
        """The API account and its token: the stored token, else the environment's."""
        variable = "HELPDESK_API_TOKEN_" + self.slug.upper().replace("-", "_")
        return self.api_email, self.api_token or os.environ.get(variable, "")
