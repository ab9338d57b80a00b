"""Single sign-on: shuzheng is an OpenID Connect provider (django-oauth-toolkit).

Endpoints: discovery at `/.well-known/openid-configuration` (and `/o/.well-known/openid-configuration`),
`/o/authorize/`, `/o/token/`, `/o/userinfo/`, keys at `/o/.well-known/jwks.json` (alias `/o/jwks/`).
PKCE is required (settings `OAUTH2_PROVIDER["PKCE_REQUIRED"]`). Only the authorization-code flow is
offered and accepted (no implicit or hybrid response types, which hand tokens over in the redirect), and
ID tokens are signed with RS256 only: a client registered for HS256 (signed with its own secret) gets
no code, and discovery does not advertise HS256.

Claims (scope in brackets): `sub` = user id [openid]; `name`, `preferred_username`, `kind` and, for
staff, `department` (the department code) [profile]; `email` [email]. ID numbers, mobiles and other
personal identifiers are never released.

Signing key (RS256): the PEM in the environment variable `SHUZHENG_OIDC_RSA_PRIVATE_KEY`. When it is
empty (a demo or a test run), `ensure_signing_key()` — called from `IdentityConfig.ready()` — loads
`<DATA_DIR>/oidc-demo.pem`, creating it (RSA 2048, mode 0600) on first start, fills
`OAUTH2_PROVIDER["OIDC_RSA_PRIVATE_KEY"]` with it and logs a warning: tokens signed with such a key
are only as safe as that file, and a new data directory means a new key (relying parties re-fetch the
JWKS). Production sets the variable.
"""

from __future__ import annotations

import json
import logging
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from django.conf import settings
from django.http import HttpRequest, HttpResponse
from oauth2_provider import views as oauth2_views
from oauth2_provider.models import get_application_model
from oauth2_provider.oauth2_validators import OAuth2Validator
from oauth2_provider.settings import oauth2_settings

logger = logging.getLogger(__name__)
Application = get_application_model()

DEMO_KEY_FILE = "oidc-demo.pem"


def _department_code(request: Any) -> str | None:
    user = request.user
    if user.kind != "staff" or not user.department_id:
        return None
    return str(user.department.code)


class ShuzhengOIDCValidator(OAuth2Validator):
    oidc_claim_scope = {
        **OAuth2Validator.oidc_claim_scope,
        "kind": "profile",
        "department": "profile",
    }

    def get_additional_claims(self) -> dict[str, Callable[[Any], Any]]:
        """Request-agnostic form, so the claim names appear in the discovery document."""
        return {
            "name": lambda request: request.user.full_name,
            "preferred_username": lambda request: request.user.username,
            "kind": lambda request: request.user.kind,
            "department": _department_code,
            "email": lambda request: request.user.email or None,
        }

    def get_oidc_claims(self, token: Any, token_handler: Any, request: Any) -> dict[str, Any]:
        claims = super().get_oidc_claims(token, token_handler, request)
        return {name: value for name, value in claims.items() if value is not None}

    def validate_response_type(
        self, client_id: str, response_type: str, client: Any, request: Any, *args: Any, **kwargs: Any
    ) -> bool:
        """The code flow only, and only for clients whose ID tokens are signed with RS256."""
        if response_type != "code" or client.algorithm == Application.HS256_ALGORITHM:
            return False
        return bool(
            super().validate_response_type(client_id, response_type, client, request, *args, **kwargs)
        )


def _generate_pem() -> str:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    return key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    ).decode("ascii")


def load_or_create_demo_key(directory: Path) -> str:
    """The PEM in `directory/oidc-demo.pem`, created with mode 0600 if missing (race-safe)."""
    path = Path(directory) / DEMO_KEY_FILE
    if path.exists():
        return path.read_text(encoding="ascii")
    path.parent.mkdir(parents=True, exist_ok=True)
    pem = _generate_pem()
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:  # another process won the race; use its key
        return path.read_text(encoding="ascii")
    with os.fdopen(fd, "w", encoding="ascii") as handle:
        handle.write(pem)
    logger.warning("created an OpenID Connect demo signing key at %s", path)
    return pem


def ensure_signing_key() -> None:
    """Fill OAUTH2_PROVIDER["OIDC_RSA_PRIVATE_KEY"] from the demo key file when the environment gave none."""
    provider = getattr(settings, "OAUTH2_PROVIDER", None)
    if not isinstance(provider, dict) or not provider.get("OIDC_ENABLED"):
        return
    if provider.get("OIDC_RSA_PRIVATE_KEY"):
        return
    try:
        pem = load_or_create_demo_key(Path(settings.DATA_DIR))
    except OSError as exc:  # read-only data dir: OIDC stays off rather than the platform failing to start
        logger.warning("oidc_signing_key_unavailable: %s", exc)
        return
    logger.warning(
        "SHUZHENG_OIDC_RSA_PRIVATE_KEY is not set: signing OpenID Connect tokens with the demo key in %s; "
        "set the variable in production.",
        Path(settings.DATA_DIR) / DEMO_KEY_FILE,
    )
    provider["OIDC_RSA_PRIVATE_KEY"] = pem
    oauth2_settings.reload()


class DiscoveryView(oauth2_views.ConnectDiscoveryInfoView):
    """The OpenID Connect discovery document without HS256, which django-oauth-toolkit always lists."""

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        response = super().get(request, *args, **kwargs)
        document = json.loads(response.content)
        document["id_token_signing_alg_values_supported"] = [Application.RS256_ALGORITHM]
        response.content = json.dumps(document).encode()
        return response


class AuthorizationView(oauth2_views.AuthorizationView):
    """The consent page of `/o/authorize/` in Chinese, in the platform's layout."""

    template_name = "identity/oidc_authorize.html"

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        """The consent form posts here, then is redirected to the client: CSP form-action allows both."""
        response: HttpResponse = super().get(request, *args, **kwargs)
        form = (getattr(response, "context_data", None) or {}).get("form")
        target = urlsplit(form.initial.get("redirect_uri") or "") if form is not None else None
        if target is not None and target.scheme and target.netloc:
            response._csp_update = {"form-action": [f"{target.scheme}://{target.netloc}"]}  # type: ignore[attr-defined]
        return response
