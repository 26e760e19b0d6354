"""A small, real OpenID Connect provider on loopback, for the sign-in tests (tests/test_oidc.py).

Authorization code flow only, served by ``http.server`` in a thread on 127.0.0.1 (a free port):

- ``/.well-known/openid-configuration``: the discovery document (issuer = the base URL);
- ``/authorize``: checks the client, the registered ``redirect_uri``, ``response_type=code``, the
  ``openid`` scope and PKCE (``code_challenge`` with method S256, required), then approves at once as the
  configured user (:attr:`OIDCProvider.user`: no login form) and redirects with ``code`` and ``state``;
  an unknown client or redirect gets a 400 page, never a redirect (OpenID Connect Core §3.1.2.6);
- ``/token``: client authenticated by ``client_secret_basic`` or ``client_secret_post``; the code is
  single-use, short-lived, bound to the client, the ``redirect_uri`` and the PKCE verifier; returns an
  RS256-signed ``id_token`` (``iss``, ``sub``, ``aud``, ``exp``, ``iat``, ``auth_time``, ``nonce``, e-mail
  and names) and an ``access_token``;
- ``/jwks``: the public key; ``/userinfo``: the claims for a Bearer access token;
- ``/logout``: end of session, back to a registered ``post_logout_redirect_uri``.

Keys and JWTs with joserfc (installed with Authlib). Every request is recorded in
:attr:`OIDCProvider.requests` as (method, path, HTTP status) so tests can check the flow really went
through the provider.
"""

from __future__ import annotations

import base64
import hashlib
import json
import secrets
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, unquote_plus, urlencode, urlparse

from joserfc import jwt
from joserfc.jwk import RSAKey

CODE_SECONDS = 60
TOKEN_SECONDS = 300


@dataclass
class _Grant:
    client_id: str
    redirect_uri: str
    nonce: str | None
    code_challenge: str
    claims: dict
    scope: str
    expires: float


@dataclass
class OIDCProvider:
    client_id: str
    client_secret: str
    redirect_uris: list[str]
    user: dict = field(default_factory=lambda: {"sub": "agent-0001", "email": "agent@example.gouv.fr",
                                                "given_name": "Agent", "usual_name": "Test"})
    requests: list[tuple[str, str, int]] = field(default_factory=list)

    def __post_init__(self):
        self._key = RSAKey.generate_key(2048, parameters={"kid": secrets.token_hex(8), "use": "sig",
                                                          "alg": "RS256"})
        self._codes: dict[str, _Grant] = {}
        self._tokens: dict[str, dict] = {}
        self._lock = threading.Lock()
        self._server: ThreadingHTTPServer | None = None
        self.issuer = ""

    # --- lifecycle ---------------------------------------------------------------------------

    def start(self) -> OIDCProvider:
        provider = self

        class Handler(_Handler):
            pass

        Handler.provider = provider
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self.issuer = f"http://127.0.0.1:{self._server.server_address[1]}"
        threading.Thread(target=self._server.serve_forever, name="oidc-provider", daemon=True).start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()

    def __enter__(self) -> OIDCProvider:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()

    @property
    def metadata_url(self) -> str:
        return f"{self.issuer}/.well-known/openid-configuration"

    def hits(self, path: str, status: int | None = None) -> int:
        return sum(1 for _, p, s in self.requests if p == path and (status is None or s == status))

    # --- the protocol --------------------------------------------------------------------------

    def metadata(self) -> dict:
        return {
            "issuer": self.issuer,
            "authorization_endpoint": f"{self.issuer}/authorize",
            "token_endpoint": f"{self.issuer}/token",
            "jwks_uri": f"{self.issuer}/jwks",
            "userinfo_endpoint": f"{self.issuer}/userinfo",
            "end_session_endpoint": f"{self.issuer}/logout",
            "response_types_supported": ["code"],
            "grant_types_supported": ["authorization_code"],
            "subject_types_supported": ["public"],
            "id_token_signing_alg_values_supported": ["RS256"],
            "scopes_supported": ["openid", "email", "profile"],
            "token_endpoint_auth_methods_supported": ["client_secret_basic", "client_secret_post"],
            "code_challenge_methods_supported": ["S256"],
            "claims_supported": ["iss", "sub", "aud", "exp", "iat", "auth_time", "nonce", "email", "name",
                                 "given_name", "usual_name"],
        }

    def jwks(self) -> dict:
        return {"keys": [self._key.as_dict(private=False)]}

    def authorize(self, params: dict[str, str]) -> tuple[int, dict[str, str], str]:
        """(status, headers, body) of the authorization endpoint."""
        redirect_uri = params.get("redirect_uri", "")
        if params.get("client_id") != self.client_id:
            return 400, {}, "unknown client_id"
        if redirect_uri not in self.redirect_uris:
            return 400, {}, "redirect_uri not registered for this client"
        state = params.get("state")

        def back(query: dict[str, str]) -> tuple[int, dict[str, str], str]:
            if state is not None:
                query = {**query, "state": state}
            return 302, {"Location": f"{redirect_uri}?{urlencode(query)}"}, ""

        if params.get("response_type") != "code":
            return back({"error": "unsupported_response_type"})
        scope = params.get("scope", "")
        if "openid" not in scope.split():
            return back({"error": "invalid_scope", "error_description": "openid scope required"})
        challenge, method = params.get("code_challenge"), params.get("code_challenge_method")
        if not challenge or method != "S256":
            return back({"error": "invalid_request", "error_description": "PKCE with S256 required"})
        code = secrets.token_urlsafe(24)
        with self._lock:
            self._codes[code] = _Grant(self.client_id, redirect_uri, params.get("nonce"), challenge,
                                       dict(self.user), scope, time.time() + CODE_SECONDS)
        return back({"code": code})

    def _client(self, headers, form: dict[str, str]) -> str | None:
        """The authenticated client id, or None (client_secret_basic or client_secret_post, not both)."""
        auth = headers.get("Authorization", "")
        if auth.startswith("Basic "):
            if "client_secret" in form:
                return None
            try:
                raw = base64.b64decode(auth[6:], validate=True).decode("utf-8")
                cid, secret = (unquote_plus(part) for part in raw.split(":", 1))
            except ValueError:
                return None
        else:
            cid, secret = form.get("client_id"), form.get("client_secret")
        if cid == self.client_id and secret is not None and secrets.compare_digest(secret, self.client_secret):
            return cid
        return None

    def token(self, headers, form: dict[str, str]) -> tuple[int, dict]:
        client = self._client(headers, form)
        if client is None:
            return 401, {"error": "invalid_client"}
        if form.get("grant_type") != "authorization_code":
            return 400, {"error": "unsupported_grant_type"}
        with self._lock:
            grant = self._codes.pop(form.get("code", ""), None)    # single use, even when refused below
        if grant is None or grant.expires < time.time() or grant.client_id != client:
            return 400, {"error": "invalid_grant", "error_description": "unknown, used or expired code"}
        if form.get("redirect_uri") != grant.redirect_uri:
            return 400, {"error": "invalid_grant", "error_description": "redirect_uri mismatch"}
        verifier = form.get("code_verifier", "")
        expected = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode("ascii")).digest()).rstrip(b"=").decode()
        if not verifier or not secrets.compare_digest(expected, grant.code_challenge):
            return 400, {"error": "invalid_grant", "error_description": "PKCE verifier mismatch"}
        now = int(time.time())
        claims = {**grant.claims, "iss": self.issuer, "aud": client, "iat": now, "auth_time": now,
                  "exp": now + TOKEN_SECONDS}
        if grant.nonce is not None:
            claims["nonce"] = grant.nonce
        id_token = jwt.encode({"alg": "RS256", "kid": self._key.kid}, claims, self._key)
        access = secrets.token_urlsafe(24)
        with self._lock:
            self._tokens[access] = {k: v for k, v in grant.claims.items()}
        return 200, {"access_token": access, "token_type": "Bearer", "expires_in": TOKEN_SECONDS,
                     "id_token": id_token, "scope": grant.scope}

    def userinfo(self, headers) -> tuple[int, dict]:
        auth = headers.get("Authorization", "")
        claims = self._tokens.get(auth[7:]) if auth.startswith("Bearer ") else None
        if claims is None:
            return 401, {"error": "invalid_token"}
        return 200, claims

    def logout(self, params: dict[str, str]) -> tuple[int, dict[str, str], str]:
        target = params.get("post_logout_redirect_uri")
        if target:
            if target not in self.redirect_uris:
                return 400, {}, "post_logout_redirect_uri not registered"
            return 302, {"Location": target}, ""
        return 200, {}, "signed out"


class _Handler(BaseHTTPRequestHandler):
    provider: OIDCProvider
    server_version = "loopback-oidc/1"

    def log_message(self, *args) -> None:  # quiet
        pass

    def _params(self) -> dict[str, str]:
        return {k: v[0] for k, v in parse_qs(urlparse(self.path).query).items()}

    def _form(self) -> dict[str, str]:
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length).decode("utf-8") if length else ""
        return {k: v[0] for k, v in parse_qs(body).items()}

    def _send(self, status: int, body: str | dict, headers: dict[str, str] | None = None) -> None:
        path = urlparse(self.path).path
        self.provider.requests.append((self.command, path, status))
        data = (json.dumps(body) if isinstance(body, dict) else body).encode("utf-8")
        self.send_response(status)
        self.send_header("Content-Type", "application/json" if isinstance(body, dict) else "text/plain")
        self.send_header("Cache-Control", "no-store")
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_GET(self) -> None:  # noqa: N802 - http.server's name
        p, path = self.provider, urlparse(self.path).path
        if path == "/.well-known/openid-configuration":
            self._send(200, p.metadata())
        elif path == "/jwks":
            self._send(200, p.jwks())
        elif path == "/authorize":
            status, headers, body = p.authorize(self._params())
            self._send(status, body, headers)
        elif path == "/userinfo":
            status, body = p.userinfo(self.headers)
            self._send(status, body)
        elif path == "/logout":
            status, headers, body = p.logout(self._params())
            self._send(status, body, headers)
        else:
            self._send(404, "not found")

    def do_POST(self) -> None:  # noqa: N802
        p, path = self.provider, urlparse(self.path).path
        if path == "/token":
            status, body = p.token(self.headers, self._form())
            headers = {"WWW-Authenticate": 'Basic realm="token"'} if status == 401 else None
            self._send(status, body, headers)
        elif path == "/userinfo":
            status, body = p.userinfo(self.headers)
            self._send(status, body)
        else:
            self._send(404, "not found")
