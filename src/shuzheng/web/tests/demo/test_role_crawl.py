"""The role crawl: every demo role opens every page it can reach by links from the home pages, over the
full demo data, and none of them is a server error (nor has inline script the CSP would block).

Tests that build their own few rows miss what real data brings (a system transition with no actor, an
empty optional field, a role with two scopes); this one sees what each demo user would see. Breadth
first from ``/`` and ``/workbench/``, same-site GET links only (``<a href>`` and htmx ``hx-get``), a few
URLs per URL shape (ids and codes in the path are one shape), every failure reported at once.
"""

from __future__ import annotations

import re
import time
import traceback
from collections import Counter, deque
from dataclasses import dataclass, field
from html.parser import HTMLParser
from urllib.parse import urljoin, urlsplit

import pytest
from django.test import Client

from shuzheng.core.tests.html_checks import inline_problems
from shuzheng.web.tests.demo.conftest import Demo, client_for, one_account_per_role

pytestmark = pytest.mark.django_db

START = ("/", "/workbench/")
PER_SHAPE = 3  # URLs visited per URL shape
PER_ROLE = 2000  # a bound that only a crawler bug reaches
#: Not pages: the back office (Django admin), the machine interfaces (API, OpenID Connect, Open311),
#: static files, and leaving the session. Downloads and Excel exports are visited like pages.
SKIP = re.compile(r"^/(admin|api|static|media|o|open311)/|logout")
NUMBERED = re.compile(r"\d")
#: Codes without digits that name one record each (一件事 bundle codes such as /bundles/canyin/).
CODED = re.compile(r"^(/workbench)?/bundles/(?!applications/|new/|versions/)[a-z][a-z0-9-]*/")


class Links(HTMLParser):
    """The targets of ``<a href>``, of GET forms (submitted as they are) and of ``hx-get`` on any element,
    with whether htmx asks for them."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.found: list[tuple[str, bool]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        if tag == "a" and values.get("href"):
            self.found.append((values["href"] or "", False))
        if tag == "form" and (values.get("method") or "get").lower() == "get" and values.get("action"):
            self.found.append((values["action"] or "", False))
        if values.get("hx-get"):
            self.found.append((values["hx-get"] or "", True))


def shape(path: str, query: str) -> str:
    """One shape for URLs that differ only in ids or codes in the path; with a query (filters, pages,
    sorting), one more shape for all its variants."""
    path = CODED.sub(r"\1/bundles/#/", path)
    segments = ["#" if NUMBERED.search(s) else s for s in path.split("/")]
    return "/".join(segments) + ("?" if query else "")


@dataclass
class Crawl:
    who: str
    visited: list[str] = field(default_factory=list)
    failures: list[str] = field(default_factory=list)
    seconds: float = 0.0


def _where(exc: Exception) -> str:
    """The innermost line of our own code the exception passed through."""
    frames = [f for f in traceback.extract_tb(exc.__traceback__) if "/shuzheng/" in f.filename]
    frame = (frames or traceback.extract_tb(exc.__traceback__))[-1]
    return f"{frame.filename.rsplit('/src/', 1)[-1]}:{frame.lineno}"


def crawl(client: Client, who: str) -> Crawl:
    result = Crawl(who)
    started = time.perf_counter()
    queue: deque[tuple[str, bool]] = deque((url, False) for url in START)
    seen = set(START)
    shapes = Counter(shape(url, "") for url in START)
    while queue and len(result.visited) < PER_ROLE:
        url, htmx = queue.popleft()
        result.visited.append(url)
        try:
            response = client.get(url, headers={"HX-Request": "true"} if htmx else {})
            if response.streaming:
                b"".join(response.streaming_content)  # type: ignore[attr-defined]
        except Exception as exc:
            result.failures.append(f"{who} GET {url}: {type(exc).__name__}: {exc} ({_where(exc)})")
            continue
        if response.status_code >= 500:
            result.failures.append(f"{who} GET {url}: HTTP {response.status_code}")
            continue
        if 300 <= response.status_code < 400:
            targets = [(response["Location"], False)]
        elif "html" in response.get("Content-Type", ""):
            html = response.content.decode()
            # The Content-Security-Policy would block inline script and <style> over the real data too.
            result.failures += [f"{who} GET {url}: {problem}" for problem in inline_problems(html)]
            if "Content-Security-Policy" not in response:
                result.failures.append(f"{who} GET {url}: no Content-Security-Policy header")
            parser = Links()
            parser.feed(html)
            targets = parser.found
        else:
            continue
        for target, by_htmx in targets:
            parts = urlsplit(urljoin(url, target))
            if parts.scheme not in ("", "http") or parts.netloc not in ("", "testserver"):
                continue
            if not parts.path.startswith("/") or SKIP.search(parts.path):
                continue
            key = parts.path + (f"?{parts.query}" if parts.query else "")
            kind = shape(parts.path, parts.query)
            if key in seen or shapes[kind] >= PER_SHAPE:
                continue
            seen.add(key)
            shapes[kind] += 1
            queue.append((key, by_htmx))
    result.seconds = time.perf_counter() - started
    return result


def test_no_page_reachable_by_any_demo_role_is_a_server_error(demo: Demo, settings, record_property):
    settings.MEDIA_ROOT = demo.media_root  # where the demo put its uploads
    settings.SHUZHENG_STAFF_OTP_REQUIRED = False  # as in the demo: staff log in with a password
    crawls = [
        crawl(client_for(username), username or "anonymous") for username in [*one_account_per_role(), None]
    ]
    summary = "\n".join(
        f"  {c.who:<14} {len(c.visited):>4} pages {c.seconds:>6.1f} s {len(c.failures):>3} server errors"
        for c in crawls
    )
    summary = (
        f"role crawl: demo loaded in {demo.seconds:.1f} s, {sum(len(c.visited) for c in crawls)} pages "
        f"in {sum(c.seconds for c in crawls):.1f} s\n{summary}"
    )
    print(summary)
    record_property("role_crawl", summary)
    failures = [failure for c in crawls for failure in c.failures]
    assert not failures, f"{len(failures)} server errors:\n" + "\n".join(failures)
