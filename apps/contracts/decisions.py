"""Approve or reject one line on its own page (the contract page and the line's admin page).

The same service the admin's bulk actions call decides and records; this module only reads the
posted form and words the outcome, so both pages answer alike.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect
from django.urls import reverse
from django.views.decorators.http import require_POST

from apps.core import errors
from apps.core.errors import DomainError

from . import policies, selectors, services
from .choices import Decision
from .forms import LineDecisionForm
from .models import Commitment, Contract

DONE = {Decision.APPROVE: "approved", Decision.REJECT: "rejected"}


def decide_line(*, line: Commitment, user, data) -> str:
    """Record the decision posted in ``data``; return what to tell the person.

    PermissionDenied (a 403) comes before the form is read; bad input or a refused transition
    raise ValidationError or DomainError and nothing is written.
    """
    policies.check_signoff(user, line)
    form = LineDecisionForm(data)
    if not form.is_valid():
        raise ValidationError(form.errors.as_data())
    decision = form.cleaned_data["decision"]
    services.commitment_signoff(
        commitment=line, user=user, decision=decision, comment=form.cleaned_data["comment"]
    )
    return f"“{selectors.line_label(line)}” {DONE[decision]}."


def refusal_text(error: Exception) -> str:
    """The refusal in plain words, each problem after the name of the field it is about."""
    labels = {name: field.label or name for name, field in LineDecisionForm.base_fields.items()}
    return errors.refusal_text(error, labels)


# What a decision can be refused with, shown to the person; PermissionDenied is left to be a 403.
REFUSALS = (ValidationError, DomainError)


@login_required
@require_POST
def line_decide(request, pk: int, line_pk: int):
    """An engineer of the owning team approves or rejects a line from the contract page."""
    try:
        contract = selectors.contract_for_page(request.user, pk)
    except Contract.DoesNotExist:
        raise Http404("No such contract.") from None
    line = contract.commitments.select_related("indicator__service").filter(pk=line_pk).first()
    if line is None:
        raise Http404("No such line.")
    line.contract = contract
    try:
        done = decide_line(line=line, user=request.user, data=request.POST)
    except REFUSALS as error:
        messages.error(request, f"Nothing changed: {refusal_text(error)}")
    else:
        messages.success(request, done)
    return redirect(f"{reverse('contracts:detail', args=[contract.pk])}#line-{line.pk}")
