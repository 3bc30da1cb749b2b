"""The contract list's search, filters and sort: what a person may ask of the list, checked like
a form so that a bad value is named and ignored rather than failing the page."""

from __future__ import annotations

from django import forms
from django.contrib.auth import get_user_model

from apps.catalog.models import Customer
from apps.slos import alignment

from .choices import ContractStatus

LEGAL_QUEUE = "legal"
OWNER_ME = "me"
RENEWAL_MAX_DAYS = 3660

# Each sort key and the columns it orders by; "-key" reverses it. The id breaks ties so that
# pages never repeat or skip a row.
SORTS = {
    "number": ("number", "revision"),
    "customer": ("customer__name", "number"),
    "status": ("status", "number"),
    "owner": ("owner__username", "number"),
    "fee": ("monthly_fee", "number"),
    "start": ("start_date", "number"),
    "end": ("end_date", "number"),
    "renewal": ("renewal_date", "number"),
    "created": ("created_at",),
}
DEFAULT_SORT = "-created"


def ordering(sort: str) -> list[str]:
    """The ORDER BY of a sort key such as "fee" or "-renewal"."""
    descending = sort.startswith("-")
    columns = SORTS[sort.removeprefix("-")]
    prefix = "-" if descending else ""
    return [f"{prefix}{column}" for column in columns] + [f"{prefix}id"]


def _sort_choices():
    return [(key, key) for name in SORTS for key in (name, f"-{name}")]


class ContractFilterForm(forms.Form):
    """The filters of the contract list; an unknown value is shown as an error and ignored."""

    q = forms.CharField(
        label="Search",
        required=False,
        max_length=100,
        strip=True,
        widget=forms.TextInput(attrs={"type": "search", "placeholder": "Number, customer, title"}),
    )
    status = forms.ChoiceField(
        choices=[("", "Any status"), *ContractStatus.choices], required=False
    )
    verdict = forms.ChoiceField(
        label="A line is",
        choices=[("", "Any verdict")]
        + [(verdict.value, verdict.value.replace("_", " ")) for verdict in alignment.Verdict],
        required=False,
    )
    customer = forms.ModelChoiceField(
        queryset=Customer.objects.none(), required=False, empty_label="Any customer"
    )
    owner = forms.ChoiceField(required=False)
    queue = forms.ChoiceField(
        label="Queue",
        choices=[("", "All contracts"), (LEGAL_QUEUE, "Waiting for legal")],
        required=False,
    )
    renewal = forms.IntegerField(
        label="Renews within (days)",
        required=False,
        min_value=0,
        max_value=RENEWAL_MAX_DAYS,
        widget=forms.NumberInput(attrs={"size": 5}),
    )
    sort = forms.ChoiceField(choices=_sort_choices(), required=False, widget=forms.HiddenInput)

    def __init__(self, *args, customers, owners, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["customer"].queryset = customers
        self.fields["owner"].choices = [
            ("", "Anyone"),
            (OWNER_ME, "Me"),
            *((str(user.pk), user.get_full_name() or user.get_username()) for user in owners),
        ]

    def criteria(self, user) -> dict:
        """The valid filters as keyword arguments of ``contracts_for_list``: a field with a bad
        value is left out (its error is shown), the others still apply."""
        self.is_valid()
        data = {name: value for name, value in self.cleaned_data.items() if name not in self.errors}
        owner = data.get("owner") or ""
        customer = data.get("customer")
        return {
            "search": data.get("q") or None,
            "status": data.get("status") or None,
            "verdict": data.get("verdict") or None,
            "customer_id": customer.pk if customer else None,
            "owner_id": user.pk if owner == OWNER_ME else (int(owner) if owner else None),
            "legal_queue": data.get("queue") == LEGAL_QUEUE,
            "renewal_within": data.get("renewal"),
            "sort": data.get("sort") or DEFAULT_SORT,
        }

    def problems(self) -> list[str]:
        """One sentence per ignored filter, for the message above the list."""
        return [f"{self[name].label}: {' '.join(errors)}" for name, errors in self.errors.items()]


def owners_of(contracts) -> list:
    """The people who own any of these contracts, for the owner filter: one query."""
    return list(
        get_user_model()
        .objects.filter(pk__in=contracts.values("owner_id"))
        .order_by("first_name", "username")
    )
