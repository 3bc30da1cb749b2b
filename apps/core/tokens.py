"""API tokens: issued on a good login, refused once older than ``API_TOKEN_TTL_HOURS``, revocable.

A token is DRF's ``authtoken`` row (one per user); its ``created`` time is when it was issued, so
its expiry needs no column of its own. An expired token is replaced by a fresh one at the next
login rather than extended, so a leaked token stops working on schedule whatever its owner does.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from rest_framework.authtoken.models import Token


def token_lifetime() -> timedelta:
    return timedelta(hours=settings.API_TOKEN_TTL_HOURS)


def token_expires_at(token: Token) -> datetime:
    return token.created + token_lifetime()


def token_is_expired(token: Token, *, now: datetime | None = None) -> bool:
    return (now or timezone.now()) >= token_expires_at(token)


@transaction.atomic
def token_issue(*, user) -> Token:
    """The user's token: the current one while it is valid, else a new one (the old is deleted)."""
    token = Token.objects.select_for_update().filter(user=user).first()
    if token is not None and not token_is_expired(token):
        return token
    if token is not None:
        token.delete()
    return Token.objects.create(user=user)


def token_revoke(*, user) -> bool:
    """Delete the user's token; whoever holds it is refused from the next request on."""
    deleted, _ = Token.objects.filter(user=user).delete()
    return bool(deleted)
