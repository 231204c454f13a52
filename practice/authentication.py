from __future__ import annotations

from django.utils import timezone
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework import authentication, exceptions

from practice.models import ApiToken


class ExpiringTokenAuthentication(authentication.BaseAuthentication):
    """`Authorization: Token <key>`; tokens expire and can be revoked. Only hashes are stored."""

    keyword = "Token"

    def authenticate(self, request):
        header = authentication.get_authorization_header(request).split()
        if not header or header[0].lower() != self.keyword.lower().encode():
            return None
        if len(header) != 2:
            raise exceptions.AuthenticationFailed("Invalid token header.")
        try:
            raw = header[1].decode()
        except UnicodeError as error:
            raise exceptions.AuthenticationFailed("Invalid token header.") from error
        token = (
            ApiToken.objects.select_related("user__membership__practice").filter(key_hash=ApiToken.hash(raw)).first()
        )
        if token is None or not token.is_live(timezone.now()):
            raise exceptions.AuthenticationFailed("Invalid or expired token.")
        user = token.user
        membership = user.membership_or_none
        if not user.is_active or membership is None or not membership.is_active:
            raise exceptions.AuthenticationFailed("This account is inactive.")
        return (user, token)

    def authenticate_header(self, request):
        return self.keyword


class ExpiringTokenScheme(OpenApiAuthenticationExtension):
    target_class = "practice.authentication.ExpiringTokenAuthentication"
    name = "tokenAuth"

    def get_security_definition(self, auto_schema):
        return {
            "type": "apiKey",
            "in": "header",
            "name": "Authorization",
            "description": "Token-based authentication: `Token <token>` from POST /api/v1/auth/token/",
        }
