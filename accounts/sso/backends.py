"""The authentication backend a session signed in through 企业微信 or 钉钉 is kept with.

Those providers' views (accounts/sso/views.py) find the login through
linking.identity_user and sign it in with this backend; Django then reloads the user from
the session on every request through get_user, which refuses a disabled login.
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth.backends import ModelBackend


class ExternalIdentityBackend(ModelBackend):
    def authenticate(self, request: Any, *args: Any, **kwargs: Any) -> None:
        return None  # never from a username and password
