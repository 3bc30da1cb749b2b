"""The request form of the reports page."""

from django import forms

from apps.catalog.models import Customer, Service

from ..report_models import ReportKind, ReportScope


class ReportRequestForm(forms.Form):
    kind = forms.ChoiceField(choices=ReportKind.choices)
    scope = forms.ChoiceField(choices=ReportScope.choices, label="About a")
    service = forms.ModelChoiceField(queryset=Service.objects.order_by("name"), required=False)
    customer = forms.ModelChoiceField(queryset=Customer.objects.order_by("name"), required=False)
    period_start = forms.DateField(
        label="Period",
        help_text="Any day of the week, month or quarter to report on.",
        widget=forms.DateInput(attrs={"type": "date"}),
    )
