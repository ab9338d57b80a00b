"""What a Content-Security-Policy without 'unsafe-inline' for scripts and <style> would block in a page:
used by the template scan and page tests (core) and by the role crawl over the demo data (web)."""

from __future__ import annotations

from html.parser import HTMLParser

# Script blocks that only carry data (json_script, ninja's Swagger settings) are never executed.
_DATA_SCRIPT_TYPES = {"application/json", "application/ld+json"}


class _InlineFinder(HTMLParser):
    """Collects what a CSP without 'unsafe-inline' for scripts and style elements would block."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.problems: list[str] = []
        self._script: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        for name, value in attrs:
            if name.startswith("on"):
                self.problems.append(f"<{tag} {name}=…> handler")
            if name in {"href", "src", "action", "formaction"} and (value or "").strip().lower().startswith(
                "javascript:"
            ):
                self.problems.append(f"<{tag} {name}=javascript:…>")
        if tag == "style":
            self.problems.append("<style> element")
        if tag == "script" and not values.get("src"):
            kind = (values.get("type") or "").strip().lower()
            self._script = None if kind in _DATA_SCRIPT_TYPES else kind or "text/javascript"

    def handle_endtag(self, tag: str) -> None:
        if tag == "script" and self._script is not None:
            self.problems.append(f"inline <script> ({self._script})")
            self._script = None


def inline_problems(html: str) -> list[str]:
    finder = _InlineFinder()
    finder.feed(html)
    return finder.problems
