"""What a request may do through the API beyond being signed in: a read token reads.

Who may see and do what to which object is decided by each app's permission helpers,
exactly as for the pages (the views call them); this is only the token's scope."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _
from rest_framework import permissions
from rest_framework.request import Request

from .models import ApiToken


class TokenScope(permissions.BasePermission):
    message = _("This token may only read; make a token with the write scope.")

    def has_permission(self, request: Request, view: Any) -> bool:
        if request.method in permissions.SAFE_METHODS:
            return True
        token = request.auth
        return not isinstance(token, ApiToken) or token.may_write


class SignedIn(permissions.IsAuthenticated):
    message = _("Sign in, or send a personal access token.")
