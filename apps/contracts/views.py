from django.contrib.auth.decorators import login_required
from django.shortcuts import render

from . import policies


@login_required
def contract_list(request):
    contracts = policies.visible_contracts(request.user).select_related("customer", "owner")
    return render(request, "contracts/contract_list.html", {"contracts": contracts})
