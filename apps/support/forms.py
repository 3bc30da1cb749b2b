"""The built-in ticket list's forms: a new ticket, and the changes an agent makes to one."""

from django import forms

from apps.catalog.models import Customer, Service
from apps.contracts.models import Contract

from .choices import SUPPORT_KINDS, SupportPriority, TicketStatus


def support_services():
    """Services with at least one support indicator: the ones a ticket can be held to."""
    return Service.objects.filter(indicators__kind__in=sorted(SUPPORT_KINDS)).distinct()


class TicketForm(forms.Form):
    service = forms.ModelChoiceField(queryset=Service.objects.none())
    customer = forms.ModelChoiceField(queryset=Customer.objects.all(), required=False)
    priority = forms.ChoiceField(choices=SupportPriority.choices, initial=SupportPriority.P3)
    subject = forms.CharField(max_length=300)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["service"].queryset = support_services().order_by("name")


class StatusForm(forms.Form):
    status = forms.ChoiceField(choices=TicketStatus.choices)


class PriorityForm(forms.Form):
    priority = forms.ChoiceField(choices=SupportPriority.choices)


class ReplyForm(forms.Form):
    """A public reply (it stops the response clock) or an internal comment (it does not)."""

    text = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}), max_length=5000)


class AssignForm(forms.Form):
    assignee = forms.CharField(max_length=150, required=False)


class MetricsForm(forms.Form):
    """The support metrics page's filters (each optional; the period's days are included)."""

    service = forms.ModelChoiceField(queryset=Service.objects.none(), required=False)
    customer = forms.ModelChoiceField(queryset=Customer.objects.all(), required=False)
    contract = forms.ModelChoiceField(
        queryset=Contract.objects.select_related("customer").order_by("number"), required=False
    )
    start = forms.DateField(required=False, widget=forms.DateInput(attrs={"type": "date"}))
    end = forms.DateField(required=False, widget=forms.DateInput(attrs={"type": "date"}))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["service"].queryset = support_services().order_by("name")

    def clean(self):
        data = super().clean()
        if data.get("start") and data.get("end") and data["end"] < data["start"]:
            self.add_error("end", "The end is before the start.")
        return data
