"""Helpdesk sources: a Jira Service Management site or a Zendesk account that sends us webhooks."""

from django.core.exceptions import ValidationError
from django.db import models

from apps.catalog.choices import SupportPriority, TicketStatus
from apps.catalog.models import Customer, Service

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
        if errors:
            raise ValidationError(errors)
