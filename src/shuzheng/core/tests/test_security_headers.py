"""Content-Security-Policy on every response, and no inline script or style the policy would block.

The policy forbids inline scripts and <style> elements, so the templates must not contain any: the scan
below walks every template of the project, and the page tests check the HTML as rendered.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from html.parser import HTMLParser

import pytest
from django.conf import settings
from django.test import Client

from shuzheng.core.tests.html_checks import inline_problems
from shuzheng.identity.tests.factories import CitizenFactory, UserFactory

TEMPLATES = sorted(settings.SRC_DIR.glob("*/templates/**/*.html"))
_COMMENTS = re.compile(r"\{#.*?#\}|\{% comment %\}.*?\{% endcomment %\}", re.DOTALL)


def test_the_finder_sees_what_the_policy_blocks():
    html = (
        '<a href="javascript:go()">x</a><button onclick="go()">y</button><style>p{}</style>'
        "<script>go()</script><script src='/static/a.js'></script>"
        '<script type="application/json" id="d">{"a": 1}</script>'
    )
    assert inline_problems(html) == [
        "<a href=javascript:…>",
        "<button onclick=…> handler",
        "<style> element",
        "inline <script> (text/javascript)",
    ]


def test_the_scan_finds_the_templates():
    assert len(TEMPLATES) > 50
    assert any(path.name == "base.html" for path in TEMPLATES)


@pytest.mark.parametrize("path", TEMPLATES, ids=lambda p: str(p.relative_to(settings.SRC_DIR)))
def test_no_template_has_inline_script_or_style_element(path):
    source = _COMMENTS.sub("", path.read_text(encoding="utf-8"))
    assert inline_problems(source) == []
    # Handlers hidden inside template tags ({% if %} onclick=…) escape the parser; a plain search does not.
    assert not re.search(r"\son[a-z]+\s*=", source), path


def _assert_policy(response) -> None:
    policy = response["Content-Security-Policy"]
    directives = dict(part.strip().split(" ", 1) for part in policy.split(";"))
    assert directives["script-src"] == "'self'"
    assert directives["style-src"] == "'self'"
    assert directives["object-src"] == "'none'"
    assert directives["frame-ancestors"] == "'none'"
    assert "unsafe-inline" not in directives["script-src"] + directives["default-src"]


@pytest.mark.django_db
@pytest.mark.parametrize(
    "url",
    ["/", "/accounts/login/", "/guide/", "/appeals/", "/open-data/", "/no-such-page/", "/api/v1/docs"],
)
def test_public_pages_send_the_policy_and_render_no_inline_script(url):
    response = Client().get(url)
    assert response.status_code in {200, 404}
    _assert_policy(response)
    if response["Content-Type"].startswith("text/html"):
        assert inline_problems(response.content.decode()) == []


@pytest.mark.django_db
def test_staff_workbench_and_admin_send_the_policy():
    client = Client()
    client.force_login(UserFactory.create(is_superuser=True, is_staff=True))
    for url in ("/workbench/", "/workbench/profile/", "/admin/", "/admin/identity/user/"):
        response = client.get(url)
        assert response.status_code == 200, url
        _assert_policy(response)
        if url.startswith("/workbench/"):
            assert inline_problems(response.content.decode()) == [], url


@pytest.mark.django_db
def test_citizen_pages_and_api_answers_send_the_policy():
    client = Client()
    client.force_login(CitizenFactory.create())
    for url in ("/cases/mine/", "/api/v1/identity/me"):
        response = client.get(url)
        assert response.status_code == 200, url
        _assert_policy(response)


class _References(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.urls: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.urls += [value or "" for name, value in attrs if name in {"src", "href"}]


@pytest.mark.django_db
def test_the_api_docs_load_everything_from_this_site():
    client = Client()
    response = client.get("/api/v1/docs")
    assert response.status_code == 200
    page = response.content.decode()
    references = _References()
    references.feed(page)
    assert any(url.endswith("swagger-ui-bundle.js") for url in references.urls)
    for url in references.urls:
        assert url.startswith("/"), url
        assert not url.startswith("//"), url
        assert client.get(url).status_code == 200, url
    assert '"validatorUrl": null' in page  # no badge image from Swagger's public validator


def _https_settings(tmp_path, **env: str) -> dict[str, object]:
    """The settings module read in a fresh interpreter with `env` (as a server process would start)."""
    code = (
        "import json; from shuzheng.config.settings import base as s; print(json.dumps({n: getattr(s, n) "
        "for n in ('SECURE_HSTS_SECONDS', 'SECURE_SSL_REDIRECT', 'SECURE_HSTS_INCLUDE_SUBDOMAINS')}))"
    )
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("SHUZHENG_", "DJANGO_"))}
    result = subprocess.run(  # noqa: S603 - this interpreter with a fixed snippet
        [sys.executable, "-c", code],
        env={**clean, "SHUZHENG_DATA_DIR": str(tmp_path), **env},
        capture_output=True,
        text=True,
        check=True,
    )
    loaded: dict[str, object] = json.loads(result.stdout.strip().splitlines()[-1])
    return loaded


def test_hsts_is_on_by_default_once_tls_is_in_the_picture(tmp_path):
    assert _https_settings(tmp_path)["SECURE_HSTS_SECONDS"] == 0
    behind_proxy = _https_settings(tmp_path, SHUZHENG_TRUSTED_PROXIES="10.0.0.5")
    assert behind_proxy["SECURE_HSTS_SECONDS"] == 365 * 24 * 3600
    redirected = _https_settings(tmp_path, SHUZHENG_SSL_REDIRECT="true")
    assert redirected["SECURE_SSL_REDIRECT"] is True
    assert redirected["SECURE_HSTS_SECONDS"] == 365 * 24 * 3600
    chosen = _https_settings(tmp_path, SHUZHENG_HSTS_SECONDS="600", SHUZHENG_HSTS_INCLUDE_SUBDOMAINS="true")
    assert chosen == {
        "SECURE_HSTS_SECONDS": 600,
        "SECURE_SSL_REDIRECT": False,
        "SECURE_HSTS_INCLUDE_SUBDOMAINS": True,
    }


@pytest.mark.django_db
def test_hsts_is_sent_on_https_only_and_probes_are_not_redirected(settings):
    settings.SECURE_HSTS_SECONDS = 31536000
    settings.SECURE_SSL_REDIRECT = True
    client = Client()
    assert client.get("/", secure=True)["Strict-Transport-Security"] == "max-age=31536000"
    plain = client.get("/")
    assert plain.status_code == 301
    assert plain["Location"].startswith("https://")
    assert "Strict-Transport-Security" not in plain
    assert client.get("/healthz").status_code == 200


@pytest.mark.django_db
def test_a_post_without_csrf_token_gets_the_chinese_page_in_the_site_layout():
    client = Client(enforce_csrf_checks=True)
    response = client.post("/accounts/login/", {"username": "nobody", "password": "x"})
    assert response.status_code == 403
    html = response.content.decode()
    assert "页面已过期" in html
    assert "刷新" in html
    assert 'class="portal-header"' in html or "skip-link" in html  # the site's own layout
    assert "CSRF verification failed" not in html
    assert "Forbidden" not in html
    _assert_policy(response)
    problem = client.post("/accounts/login/", {}, HTTP_ACCEPT="application/json").json()
    assert problem["code"] == "csrf_failed"
    assert problem["status"] == 403
