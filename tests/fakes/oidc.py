"""A fake OpenID Connect provider: authorize (PKCE S256 and nonce kept), token (an id
token signed RS256 with a key published at /jwks), userinfo."""

from __future__ import annotations

import base64
import hashlib
import secrets
import time
from typing import Any
from urllib.parse import urlencode

import jwt
from cryptography.hazmat.primitives.asymmetric import rsa

from tests.fakes.server import Answer, FakeServer, Request, redirect

CLIENT_ID = "jifen-test"
CLIENT_SECRET = "fake-oidc-secret"


class FakeOIDC(FakeServer):
    routes = {
        ("GET", "/authorize"): "authorize",
        ("POST", "/token"): "token",
        ("GET", "/userinfo"): "userinfo",
        ("GET", "/jwks"): "jwks",
    }

    def __init__(self, users: dict[str, dict[str, Any]] | None = None) -> None:
        """users: sub -> extra claims (e.g. employee_number, amr)."""
        super().__init__()
        self.users = users or {}
        self.key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        self.signed_in = ""
        self.codes: dict[str, dict[str, str]] = {}
        self.access: dict[str, str] = {}

    def sign_in_as(self, sub: str) -> None:
        self.signed_in = sub

    def authorize(self, request: Request) -> Answer:
        assert request.query["client_id"] == CLIENT_ID
        code = secrets.token_hex(8)
        self.codes[code] = {
            "sub": self.signed_in,
            "nonce": request.query.get("nonce", ""),
            "challenge": request.query.get("code_challenge", ""),
        }
        query = urlencode({"code": code, "state": request.query["state"]})
        return redirect(f"{request.query['redirect_uri']}?{query}")

    def token(self, request: Request) -> Answer:
        form = request.form()
        grant = self.codes.pop(form.get("code", ""), None)
        if grant is None or form.get("client_secret") != CLIENT_SECRET:
            return Answer(400, {"error": "invalid_grant"})
        verifier = form.get("code_verifier", "")
        digest = hashlib.sha256(verifier.encode()).digest()
        if base64.urlsafe_b64encode(digest).rstrip(b"=").decode() != grant["challenge"]:
            return Answer(400, {"error": "invalid_grant", "error_description": "PKCE"})
        sub = grant["sub"]
        now = int(time.time())
        claims = {
            "iss": self.url,
            "aud": CLIENT_ID,
            "sub": sub,
            "iat": now,
            "exp": now + 300,
            "nonce": grant["nonce"],
            **{k: v for k, v in self.users.get(sub, {}).items() if k == "amr"},
        }
        id_token = jwt.encode(claims, self.key, algorithm="RS256", headers={"kid": "k1"})
        access = secrets.token_hex(12)
        self.access[access] = sub
        return Answer(body={"access_token": access, "id_token": id_token, "token_type": "Bearer"})

    def userinfo(self, request: Request) -> Answer:
        access = request.headers.get("authorization", "").removeprefix("Bearer ")
        sub = self.access.get(access)
        if sub is None:
            return Answer(401, {"error": "invalid_token"})
        extra = {k: v for k, v in self.users.get(sub, {}).items() if k != "amr"}
        return Answer(body={"sub": sub, **extra})

    def jwks(self, request: Request) -> Answer:
        public = jwt.algorithms.RSAAlgorithm.to_jwk(self.key.public_key(), as_dict=True)
        return Answer(body={"keys": [{**public, "kid": "k1", "alg": "RS256", "use": "sig"}]})
