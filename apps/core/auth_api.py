"""``/api/v1/auth/token/``: obtain an API token with a username and password, or revoke it."""

from __future__ import annotations

from django.contrib.auth import authenticate
from drf_spectacular.utils import extend_schema
from rest_framework import permissions, serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from .api import RefuseUnknownFields
from .authentication import LoginLockedOut
from .tokens import token_expires_at, token_issue, token_revoke


class CredentialsSerializer(RefuseUnknownFields, serializers.Serializer):
    username = serializers.CharField(max_length=150, write_only=True)
    password = serializers.CharField(
        max_length=4096, write_only=True, trim_whitespace=False, style={"input_type": "password"}
    )


class TokenSerializer(serializers.Serializer):
    token = serializers.CharField()
    expires_at = serializers.DateTimeField()


class AuthTokenView(APIView):
    """POST credentials for a token (failures count towards the lockout); DELETE revokes it."""

    throttle_classes = ()
    # The schema's error answers (apps/core/schema.py): a login is never in conflict, and a
    # revocation has no input to refuse.
    error_codes = {"POST": ["400", "413", "415", "429"], "DELETE": ["401"]}

    def get_authenticators(self):
        # A login must not be refused for an expired token sent along out of habit.
        if self.request is not None and self.request.method == "POST":
            return []
        return super().get_authenticators()

    def get_permissions(self):
        if self.request.method == "POST":
            return [permissions.AllowAny()]
        return [permissions.IsAuthenticated()]

    @extend_schema(auth=[], request=CredentialsSerializer, responses={200: TokenSerializer})
    def post(self, request):
        credentials = CredentialsSerializer(data=request.data)
        credentials.is_valid(raise_exception=True)
        # authenticate() with the request, so that django-axes counts this attempt and refuses a
        # locked-out user or address before the password is even checked.
        user = authenticate(request=request, **credentials.validated_data)
        if getattr(request, "axes_locked_out", False):
            raise LoginLockedOut()
        if user is None:
            raise serializers.ValidationError(
                {"non_field_errors": ["Unable to log in with the credentials provided."]}
            )
        token = token_issue(user=user)
        return Response(
            TokenSerializer({"token": token.key, "expires_at": token_expires_at(token)}).data
        )

    @extend_schema(
        request=None,
        responses={204: None},
        description="Revoke the caller's API token: it is refused from the next request on.",
    )
    def delete(self, request):
        token_revoke(user=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)
