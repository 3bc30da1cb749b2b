"""Which review packets a person may read: the one place the rule lives (pages and API).

Packets repeat contract terms (fees, SLA lines, credits owed, renewals). Roles that see every
contract (legal, engineering, leadership) read every packet; anyone else reads only the packets
of customers with a contract they may see, never a service packet (it spans customers).
"""

from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet

from apps.contracts.policies import sees_all_contracts, visible_contracts

from .choices import PacketScope


def require_view(user) -> None:
    if not user.has_perm("reviews.view_reviewpacket"):
        raise PermissionDenied("You may not read review packets.")


def readable_packets(user, queryset: QuerySet) -> QuerySet:
    if sees_all_contracts(user):
        return queryset
    customers = visible_contracts(user).values("customer_id")
    return queryset.filter(scope=PacketScope.CUSTOMER, scope_id__in=customers)
