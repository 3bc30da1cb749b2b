"""How people and machines prove who they are: login throttling and expiring API tokens.

Failed logins are counted by django-axes (its backend comes first in AUTHENTICATION_BACKENDS),
per username and per client address, on the sign-in page, the admin's and the API token route.
"""

from __future__ import annotations

from axes.backends import AxesStandaloneBackend
from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from rest_framework import exceptions
from rest_framework.authentication import TokenAuthentication

from .tokens import token_is_expired


class LoginAttemptsBackend(AxesStandaloneBackend):
    """django-axes' backend (first in AUTHENTICATION_BACKENDS), for logins that came over HTTP.

    Every login a client can attempt (the sign-in page, the admin's, the API token route) passes
    its request, so it is counted and refused while locked out. A call without a request (the
    test client's ``login()``, a shell) has no address to count and nobody to throttle; axes
    would raise instead, so it is left to the next backend.
    """

    def authenticate(self, request, username=None, password=None, **kwargs):
        if request is None:
            return None
        return super().authenticate(request, username=username, password=password, **kwargs)


class ExpiringTokenAuthentication(TokenAuthentication):
    """DRF's token authentication, refusing a token older than ``API_TOKEN_TTL_HOURS``."""

    def authenticate_credentials(self, key):
        user, token = super().authenticate_credentials(key)
        if token_is_expired(token):
            raise exceptions.AuthenticationFailed("Token has expired.")
        return user, token


def lockout_message() -> str:
    minutes = int(settings.AXES_COOLOFF_TIME.total_seconds() // 60)
    return (
        f"Too many failed login attempts: this account or address is locked for {minutes} "
        "minutes. Try again later or ask an administrator to unlock it."
    )


def lockout_response(
    request: HttpRequest, original_response=None, credentials=None
) -> HttpResponse:
    """What a locked-out login gets (AXES_LOCKOUT_CALLABLE): JSON on the API, a page elsewhere."""
    status = settings.AXES_HTTP_RESPONSE_CODE
    if request.path.startswith("/api/"):
        return JsonResponse({"detail": lockout_message()}, status=status)
    return render(
        request, "registration/locked_out.html", {"message": lockout_message()}, status=status
    )


class LoginLockedOut(exceptions.APIException):
    """The API's answer to a login while django-axes holds the user or the address locked."""

    status_code = 429
    default_code = "locked_out"

    def __init__(self):
        super().__init__(lockout_message())
