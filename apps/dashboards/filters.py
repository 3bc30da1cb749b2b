"""The dashboards' filters (team, customer, year, quarter), read from the query string.

Team and customer narrow every figure; the period (a year, or one quarter of it) decides which
past measurement periods the credits count and which months the drill-down charts show.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date
from urllib.parse import urlencode

from django import forms
from django.utils import timezone

from apps.catalog.models import Customer, Team
from apps.measurements import maths


@dataclass(frozen=True)
class Filters:
    """What the portfolio and its lists are narrowed to; None means everything."""

    year: int
    quarter: int | None = None
    team_id: int | None = None
    customer_id: int | None = None

    @classmethod
    def default(cls) -> Filters:
        return cls(year=timezone.localdate().year)

    @property
    def first_day(self) -> date:
        """First day of the period (the year, or the chosen quarter)."""
        return date(self.year, 1 if self.quarter is None else 3 * self.quarter - 2, 1)

    @property
    def end_day(self) -> date:
        """First day after the period."""
        return maths.add_months(self.first_day, 12 if self.quarter is None else 3)

    @property
    def label(self) -> str:
        return str(self.year) if self.quarter is None else f"{self.year}-Q{self.quarter}"

    def params(self, **extra) -> dict[str, str]:
        """Query-string parameters that reproduce these filters (plus ``extra``)."""
        values = {
            "team": self.team_id,
            "customer": self.customer_id,
            "year": self.year,
            "quarter": self.quarter,
            **extra,
        }
        return {name: str(value) for name, value in values.items() if value not in (None, "")}

    def query(self, **extra) -> str:
        return urlencode(self.params(**extra))

    def without_period(self) -> Filters:
        return replace(self, quarter=None)


class FilterForm(forms.Form):
    """Validates the query string; the page renders its own selects (thousands of customers
    would cost a template render per option through the widget)."""

    team = forms.ModelChoiceField(queryset=Team.objects.all(), required=False)
    customer = forms.ModelChoiceField(queryset=Customer.objects.all(), required=False)
    year = forms.IntegerField(required=False, min_value=2000, max_value=2100)
    quarter = forms.TypedChoiceField(
        required=False,
        coerce=int,
        empty_value=None,
        choices=[("", "Whole year"), *[(str(q), f"Q{q}") for q in range(1, 5)]],
    )

    def filters(self) -> Filters:
        data = self.cleaned_data
        team, customer = data.get("team"), data.get("customer")
        return Filters(
            year=data.get("year") or timezone.localdate().year,
            quarter=data.get("quarter"),
            team_id=team.pk if team else None,
            customer_id=customer.pk if customer else None,
        )


def read_filters(query) -> tuple[Filters | None, FilterForm]:
    """(filters, form) from request.GET; filters None when the form has errors."""
    form = FilterForm(query)
    if not form.is_valid():
        return None, form
    return form.filters(), form
