"""The repository stands on its own: no file points to a folder outside it, and the docs it links exist."""

from __future__ import annotations

import re
from pathlib import Path

from django.conf import settings

ROOT = Path(settings.BASE_DIR)
SKIP = {".git", ".venv", "node_modules", "var", "vendor", "__pycache__", ".mypy_cache", ".ruff_cache"}
TEXT = {".py", ".md", ".html", ".toml", ".txt", ".cfg", ".ini", ".sh", ".js", ".css", ""}
# A relative path that climbs out of the folder it is written in; it points outside the repository when
# it resolves above ROOT from that folder.
_CLIMB = re.compile(r"(?<![\w.])(?:\.\./)+[\w.-]+")
_LINK = re.compile(r"\]\(([^)#\s]+)(?:#[^)]*)?\)")


def _files() -> list[Path]:
    found = []
    for path in ROOT.rglob("*"):
        parts = set(path.relative_to(ROOT).parts)
        if parts & SKIP or any(part.endswith(".egg-info") for part in parts) or not path.is_file():
            continue
        if path.suffix in TEXT or path.name in {"Makefile", "run"}:
            found.append(path)
    return found


def test_the_walk_reaches_the_docs_and_the_code():
    names = {path.relative_to(ROOT).as_posix() for path in _files()}
    assert {"README.md", "docs/design.md", "docs/glossary.md", "docs/plan.md", "Makefile"} <= names
    assert "src/shuzheng/core/tests/test_docs_self_contained.py" in names


def _outside(path: Path, line: str) -> bool:
    return any(not (path.parent / target).resolve().is_relative_to(ROOT) for target in _CLIMB.findall(line))


def test_the_check_sees_a_path_above_the_repository():
    readme = ROOT / "README.md"
    assert _outside(readme, "see ../elsewhere/DESIGN.md")
    assert not _outside(ROOT / "docs" / "design.md", "see ../README.md")


def test_no_file_points_outside_the_repository():
    offenders = [
        f"{path.relative_to(ROOT)}:{number}"
        for path in _files()
        for number, line in enumerate(path.read_text(errors="replace").splitlines(), 1)
        if _outside(path, line)
    ]
    assert offenders == []


def test_relative_links_in_the_docs_resolve():
    broken = []
    for doc in [ROOT / "README.md", *sorted((ROOT / "docs").rglob("*.md"))]:
        for target in _LINK.findall(doc.read_text()):
            if "://" in target or target.startswith("/"):
                continue
            if not (doc.parent / target).exists():
                broken.append(f"{doc.relative_to(ROOT)} → {target}")
    assert broken == []
