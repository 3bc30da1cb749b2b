"""Forms of the contract pages. They only parse and display: the rules live in the models and
services, so a form shows the same errors as the admin and the API.
"""

from __future__ import annotations

from itertools import groupby

from django import forms
from django.contrib.auth import get_user_model

from apps.catalog.models import Indicator
from apps.core.roles import LEGAL
from apps.core.validators import TEXT_MAX_LENGTH

from .choices import Decision
from .models import Commitment, Contract, CreditSchedule
from .services import COMMITMENT_FIELDS, CONTRACT_FIELDS

DATE_INPUT = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class ContractForm(forms.ModelForm):
    """The terms of a contract (the owner is whoever drafts it)."""

    class Meta:
        model = Contract
        fields = CONTRACT_FIELDS
        widgets = {
            "start_date": DATE_INPUT,
            "end_date": DATE_INPUT,
            "renewal_date": DATE_INPUT,
            "documents": forms.Textarea(attrs={"rows": 2}),
        }
        help_texts = {"currency": "Three letters, e.g. EUR or USD."}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["legal_reviewer"].queryset = (
            get_user_model().objects.filter(groups__name=LEGAL).order_by("username")
        )
        self.fields["monthly_fee"].widget.attrs.update({"min": "0", "step": "0.01"})
        if self.instance.pk and self.instance.revision > 1:
            # An amendment keeps its number; the service refuses a change anyway.
            self.fields["number"].disabled = True


def indicator_choices() -> list:
    """Indicators grouped by service, for a <select> with one <optgroup> per service: 1 query.

    Each option names its service too ("Payments API · Availability"): a closed select shows the
    option alone, and most services have an "Availability"."""
    indicators = Indicator.objects.select_related("service").order_by("service__name", "name")
    return [
        ("", "— choose an indicator —"),
        *(
            (service_name, [(i.pk, str(i)) for i in group])
            for service_name, group in groupby(indicators, key=lambda i: i.service.name)
        ),
    ]


def credit_schedule_choices() -> list:
    """Each schedule with the credits it pays, so the choice is made on its tiers: 2 queries."""
    schedules = CreditSchedule.objects.prefetch_related("tiers")
    return [("", "— no credits —"), *((s.pk, s.summary()) for s in schedules)]


class CommitmentForm(forms.ModelForm):
    """One SLA line. Choices come from the formset so a page lists them with one query each."""

    class Meta:
        model = Commitment
        fields = COMMITMENT_FIELDS
        widgets = {
            "target": forms.TextInput(attrs={"inputmode": "decimal", "autocomplete": "off"}),
            "exclusions": forms.Textarea(attrs={"rows": 2}),
        }

    def __init__(self, *args, indicator_choices=None, credit_schedule_choices=None, **kwargs):
        super().__init__(*args, **kwargs)
        if indicator_choices is not None:
            self.fields["indicator"].choices = indicator_choices
        if credit_schedule_choices is not None:
            self.fields["credit_schedule"].choices = credit_schedule_choices
        self.fields["target"].help_text = "Percent, e.g. 99.9."

    def service_fields(self) -> dict:
        """What the services take for this line."""
        return {name: self.cleaned_data[name] for name in COMMITMENT_FIELDS}


class BaseCommitmentFormSet(forms.BaseInlineFormSet):
    def add_fields(self, form, index):
        super().add_fields(form, index)
        if "DELETE" in form.fields:
            form.fields["DELETE"].label = "Remove this line"


CommitmentFormSet = forms.inlineformset_factory(
    Contract,
    Commitment,
    form=CommitmentForm,
    formset=BaseCommitmentFormSet,
    extra=1,
    can_delete=True,
)


def commitment_formset(*, data=None, contract: Contract | None = None) -> CommitmentFormSet:
    return CommitmentFormSet(
        data,
        instance=contract or Contract(),
        # The formset keeps this queryset (filtered to the contract) and reads it once.
        queryset=Commitment.objects.select_related("indicator__service"),
        prefix="lines",
        form_kwargs={
            "indicator_choices": indicator_choices(),
            "credit_schedule_choices": credit_schedule_choices(),
        },
    )


class TerminateForm(forms.Form):
    reason = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text="Why the contract ends; recorded in its history.",
    )


class SignatureForm(forms.Form):
    """The confirmation step before a revision is marked signed."""

    signature_date = forms.DateField(
        label="Date of signature",
        widget=DATE_INPUT,
        help_text="The date on the signed document; not in the future.",
    )
    signatory = forms.CharField(
        label="Signed by",
        max_length=200,
        help_text="Name and role of the person who signed, e.g. “Jane Roe, CFO, Acme Corp”.",
    )
    confirm = forms.BooleanField(
        label="I confirm that these terms and lines are the ones signed.",
        error_messages={"required": "Confirm that these are the terms that were signed."},
    )


class LineDecisionForm(forms.Form):
    """Engineering's decision on one line from its page: Approve or Reject, with a comment."""

    decision = forms.ChoiceField(
        choices=Decision.choices,
        error_messages={
            "required": "Choose Approve or Reject.",
            "invalid_choice": "Choose Approve or Reject.",
        },
    )
    comment = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 2}),
        required=False,
        max_length=TEXT_MAX_LENGTH,
        help_text="Required to reject: sales reads it where they edit the line.",
    )
