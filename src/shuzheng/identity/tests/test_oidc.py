"""OpenID Connect provider: discovery, JWKS, the authorization-code flow with PKCE, userinfo."""

from __future__ import annotations

import base64
import hashlib
import json
import secrets
from datetime import date
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlparse

import pytest
from django.test import Client
from jwcrypto import jwk, jwt
from oauth2_provider.models import Application

from shuzheng.core.actors import SYSTEM
from shuzheng.core.validators import generate_id_number
from shuzheng.identity import oidc
from shuzheng.identity.models import User
from shuzheng.identity.services import accounts as account_services
from shuzheng.identity.tests.conftest import login_verified, staff

pytestmark = pytest.mark.django_db

REDIRECT = "https://rp.example/callback"
SECRET = "rp-client-secret-0123456789"


@pytest.fixture
def app() -> Application:
    return Application.objects.create(
        name="测试业务系统",
        client_type=Application.CLIENT_CONFIDENTIAL,
        authorization_grant_type=Application.GRANT_AUTHORIZATION_CODE,
        redirect_uris=REDIRECT,
        algorithm=Application.RS256_ALGORITHM,
        client_secret=SECRET,
        skip_authorization=True,
    )


def pkce_pair() -> tuple[str, str]:
    verifier = secrets.token_urlsafe(48)
    challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).decode().rstrip("=")
    return verifier, challenge


def authorize(client: Client, app: Application, **params: str) -> Any:
    query = {
        "response_type": "code",
        "client_id": app.client_id,
        "redirect_uri": REDIRECT,
        "scope": "openid profile",
        "state": "state-42",
        "nonce": "nonce-42",
        **params,
    }
    return client.get("/o/authorize/", {k: v for k, v in query.items() if v is not None})


def basic(app: Application) -> str:
    return "Basic " + base64.b64encode(f"{app.client_id}:{SECRET}".encode()).decode()


def exchange(client: Client, app: Application, code: str, verifier: str) -> Any:
    return client.post(
        "/o/token/",
        {
            "grant_type": "authorization_code",
            "code": code,
            "redirect_uri": REDIRECT,
            "code_verifier": verifier,
        },
        HTTP_AUTHORIZATION=basic(app),
    )


def test_discovery_and_jwks(client: Client) -> None:
    discovery = client.get("/.well-known/openid-configuration")
    assert discovery.status_code == 200
    body = discovery.json()
    assert body["authorization_endpoint"] == "http://testserver/o/authorize/"
    assert body["token_endpoint"] == "http://testserver/o/token/"
    assert body["userinfo_endpoint"] == "http://testserver/o/userinfo/"
    assert body["jwks_uri"] == "http://testserver/o/.well-known/jwks.json"
    assert "RS256" in body["id_token_signing_alg_values_supported"]
    assert "S256" in body["code_challenge_methods_supported"]
    assert {"sub", "name", "preferred_username", "kind", "department"} <= set(body["claims_supported"])
    assert client.get("/o/.well-known/openid-configuration").json()["issuer"] == body["issuer"]
    keys = client.get(body["jwks_uri"]).json()["keys"]
    assert keys[0]["kty"] == "RSA"
    assert client.get("/o/jwks/").json() == {"keys": keys}


def test_authorization_code_flow_with_pkce(org, client: Client, app: Application) -> None:
    user = staff(org.bureau, username="clerk", full_name="郑嘉欣", email="clerk@example.cn")
    User.objects.filter(pk=user.pk).update(id_number=generate_id_number("440785", date(1990, 3, 7), 1, False))
    client.force_login(user)
    _verifier, challenge = pkce_pair()
    response = authorize(client, app, code_challenge=challenge, code_challenge_method="S256")
    assert response.status_code == 302, response.content
    location = urlparse(response["Location"])
    assert f"{location.scheme}://{location.netloc}{location.path}" == REDIRECT
    query = parse_qs(location.query)
    assert query["state"] == ["state-42"]
    code = query["code"][0]

    # A wrong verifier cannot redeem the code.
    assert exchange(client, app, code, "x" * 50).status_code == 400

    verifier2, challenge2 = pkce_pair()
    code = parse_qs(
        urlparse(
            authorize(client, app, code_challenge=challenge2, code_challenge_method="S256")["Location"]
        ).query
    )["code"][0]
    token = exchange(Client(), app, code, verifier2)
    assert token.status_code == 200, token.content
    tokens = token.json()
    assert tokens["token_type"] == "Bearer"

    keyset = jwk.JWKSet.from_json(json.dumps(client.get("/o/jwks/").json()))
    id_token = jwt.JWT(jwt=tokens["id_token"], key=keyset, algs=["RS256"])
    claims = json.loads(id_token.claims)
    issuer = client.get("/.well-known/openid-configuration").json()["issuer"]
    assert claims["iss"] == issuer
    assert claims["aud"] == app.client_id
    assert claims["sub"] == str(user.pk)
    assert claims["nonce"] == "nonce-42"
    assert claims["preferred_username"] == "clerk"
    assert claims["name"] == "郑嘉欣"
    assert claims["kind"] == "staff"
    assert claims["department"] == "T001"
    assert "id_number" not in claims
    assert "email" not in claims  # the email scope was not asked for

    info = Client().get("/o/userinfo/", HTTP_AUTHORIZATION=f"Bearer {tokens['access_token']}")
    assert info.status_code == 200
    userinfo = info.json()
    assert userinfo["sub"] == str(user.pk)
    assert userinfo["department"] == "T001"
    assert "id_number" not in userinfo
    assert "440785" not in json.dumps(userinfo)


def test_citizen_claims_have_no_department(client: Client, app: Application) -> None:
    citizen = account_services.citizen_create(
        actor=SYSTEM,
        username="chenjm",
        full_name="陈建明",
        id_number=generate_id_number("440785", date(1990, 3, 7), 1, False),
    )
    client.force_login(citizen)
    verifier, challenge = pkce_pair()
    code = parse_qs(
        urlparse(
            authorize(client, app, code_challenge=challenge, code_challenge_method="S256")["Location"]
        ).query
    )["code"][0]
    tokens = exchange(Client(), app, code, verifier).json()
    claims = json.loads(jwt.JWT(jwt=tokens["id_token"], key=_keys(client), algs=["RS256"]).claims)
    assert claims["kind"] == "citizen"
    assert "department" not in claims
    assert claims["sub"] == str(citizen.pk)


def _keys(client: Client) -> jwk.JWKSet:
    return jwk.JWKSet.from_json(json.dumps(client.get("/o/jwks/").json()))


def test_a_request_without_pkce_is_refused(org, client: Client, app: Application) -> None:
    client.force_login(staff(org.bureau))
    response = authorize(client, app)
    assert response.status_code == 302
    query = parse_qs(urlparse(response["Location"]).query)
    assert query["error"] == ["invalid_request"]
    assert "code" not in query


def test_plain_pkce_or_unknown_clients_are_refused(org, client: Client, app: Application) -> None:
    client.force_login(staff(org.bureau))
    response = authorize(client, app, code_challenge="a" * 50, code_challenge_method="plain")
    query = parse_qs(urlparse(response.get("Location", "")).query)
    assert query["error"] == ["invalid_request"]
    assert "code" not in query
    assert client.get("/.well-known/openid-configuration").json()["code_challenge_methods_supported"] == [
        "S256"
    ]
    unknown = authorize(
        client, app, client_id="nosuch", code_challenge="a" * 50, code_challenge_method="S256"
    )
    assert unknown.status_code == 400


def test_authorize_sends_anonymous_users_to_the_platform_login(client: Client, app: Application) -> None:
    _verifier, challenge = pkce_pair()
    response = authorize(client, app, code_challenge=challenge, code_challenge_method="S256")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/?next=")


def test_unverified_staff_pass_the_second_factor_before_authorizing(
    otp_required, org, client: Client, app: Application
) -> None:
    clerk = staff(org.bureau)
    client.force_login(clerk)
    _verifier, challenge = pkce_pair()
    response = authorize(client, app, code_challenge=challenge, code_challenge_method="S256")
    assert response["Location"].startswith("/accounts/otp/?next=%2Fo%2Fauthorize%2F")
    login_verified(client, clerk)
    response = authorize(client, app, code_challenge=challenge, code_challenge_method="S256")
    assert "code" in parse_qs(urlparse(response["Location"]).query)


def test_demo_key_is_created_once_with_private_permissions(tmp_path: Path) -> None:
    pem = oidc.load_or_create_demo_key(tmp_path)
    path = tmp_path / oidc.DEMO_KEY_FILE
    assert pem.startswith("-----BEGIN PRIVATE KEY-----")
    assert path.stat().st_mode & 0o777 == 0o600
    assert oidc.load_or_create_demo_key(tmp_path) == pem


def test_ensure_signing_key_fills_the_setting_only_when_empty(settings, tmp_path: Path) -> None:
    settings.DATA_DIR = tmp_path
    settings.OAUTH2_PROVIDER = {**settings.OAUTH2_PROVIDER, "OIDC_RSA_PRIVATE_KEY": ""}
    oidc.ensure_signing_key()
    assert settings.OAUTH2_PROVIDER["OIDC_RSA_PRIVATE_KEY"] == (tmp_path / oidc.DEMO_KEY_FILE).read_text()
    settings.OAUTH2_PROVIDER = {**settings.OAUTH2_PROVIDER, "OIDC_RSA_PRIVATE_KEY": "from-env"}
    oidc.ensure_signing_key()
    assert settings.OAUTH2_PROVIDER["OIDC_RSA_PRIVATE_KEY"] == "from-env"


def test_consent_page_is_chinese_and_grants_a_code(org, client: Client, app: Application) -> None:
    app.skip_authorization = False
    app.save()
    client.force_login(staff(org.bureau))
    _verifier, challenge = pkce_pair()
    page = authorize(client, app, code_challenge=challenge, code_challenge_method="S256")
    assert page.status_code == 200
    html = page.content.decode()
    assert "授权“测试业务系统”使用您的账号登录" in html
    assert "姓名与账号" in html
    form = {k: v for k, v in page.context["form"].initial.items() if v is not None}
    denied = client.post("/o/authorize/", form)
    assert parse_qs(urlparse(denied["Location"]).query)["error"] == ["access_denied"]
    allowed = client.post("/o/authorize/", {**form, "allow": "授权"})
    assert "code" in parse_qs(urlparse(allowed["Location"]).query)


def test_self_service_client_registration_is_not_exposed(org, client: Client) -> None:
    client.force_login(staff(org.bureau))
    assert client.get("/o/applications/").status_code == 404
    assert client.get("/o/applications/register/").status_code == 404


@pytest.mark.parametrize(
    "url",
    [
        "/.well-known/openid-configuration",
        "/o/.well-known/openid-configuration",
        "/o/.well-known/oauth-authorization-server",
    ],
)
def test_discovery_offers_only_the_code_flow_and_rs256(client: Client, url: str) -> None:
    body = client.get(url).json()
    assert body["response_types_supported"] == ["code"]
    assert body.get("id_token_signing_alg_values_supported", ["RS256"]) == ["RS256"]
    assert "implicit" not in body.get("grant_types_supported", [])
    assert body.get("code_challenge_methods_supported", ["S256"]) == ["S256"]


@pytest.mark.parametrize(
    "response_type", ["token", "id_token", "id_token token", "code id_token token", "code token"]
)
def test_implicit_and_hybrid_requests_are_refused(org, client: Client, response_type: str) -> None:
    hybrid = Application.objects.create(
        name="混合模式系统",
        client_type=Application.CLIENT_CONFIDENTIAL,
        authorization_grant_type=Application.GRANT_OPENID_HYBRID,
        redirect_uris=REDIRECT,
        algorithm=Application.RS256_ALGORITHM,
        client_secret=SECRET,
        skip_authorization=True,
    )
    client.force_login(staff(org.bureau))
    _verifier, challenge = pkce_pair()
    response = authorize(
        client, hybrid, response_type=response_type, code_challenge=challenge, code_challenge_method="S256"
    )
    location = urlparse(response.get("Location", ""))
    returned = parse_qs(location.query) | parse_qs(location.fragment)
    assert "access_token" not in returned
    assert "id_token" not in returned
    assert "code" not in returned
    assert response.status_code == 400 or returned.get("error")


def test_a_client_registered_for_hs256_gets_no_code(org, client: Client, app: Application) -> None:
    app.algorithm = Application.HS256_ALGORITHM
    app.save()
    client.force_login(staff(org.bureau))
    _verifier, challenge = pkce_pair()
    response = authorize(client, app, code_challenge=challenge, code_challenge_method="S256")
    returned = parse_qs(urlparse(response.get("Location", "")).query)
    assert "code" not in returned
    assert returned.get("error") == ["unauthorized_client"]


def test_the_consent_page_may_post_only_to_itself_and_the_client(
    org, client: Client, app: Application
) -> None:
    app.skip_authorization = False
    app.save()
    client.force_login(staff(org.bureau))
    _verifier, challenge = pkce_pair()
    page = authorize(client, app, code_challenge=challenge, code_challenge_method="S256")
    directives = dict(part.strip().split(" ", 1) for part in page["Content-Security-Policy"].split(";"))
    assert directives["form-action"].split() == ["'self'", "https://rp.example"]
