"""The support pages' filters, as FilterSets like the API's: a value that cannot be one is an
error naming the filter, never a 500 and never a silent match on something else."""

from __future__ import annotations

import django_filters
from django import forms

from apps.catalog.models import Customer, Team

from .models import TicketClock


class BoardFilterSet(django_filters.FilterSet):
    """The live board's filters: the team owning the ticket's service, the customer, the
    assignee (as the helpdesk names them, case aside)."""

    team = django_filters.ModelChoiceFilter(
        field_name="ticket__service__team",
        queryset=Team.objects.order_by("name"),
        label="Team",
        empty_label="Any team",
    )
    customer = django_filters.ModelChoiceFilter(
        field_name="ticket__customer",
        queryset=Customer.objects.order_by("name"),
        label="Customer",
        empty_label="Any customer",
    )
    assignee = django_filters.CharFilter(
        field_name="ticket__assignee",
        lookup_expr="iexact",
        max_length=150,
        label="Assignee",
        widget=forms.TextInput(attrs={"list": "board-assignees"}),
    )

    class Meta:
        model = TicketClock
        fields = ["team", "customer", "assignee"]

    def problems(self) -> list[str]:
        """One sentence per filter that cannot be used, naming it, for the page and the poll."""
        form = self.form
        return [
            f"{form[name].label}: {' '.join(errors)}"
            for name, errors in form.errors.items()
            if name in form.fields
        ]
