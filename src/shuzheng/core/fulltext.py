"""Chinese full-text search without an external engine.

Text is segmented with jieba and stored in `SearchEntry.tokens`; SQLite searches an FTS5 index kept
in sync by triggers, PostgreSQL a GIN index over the stored column `tsv` (migration 0005). A query term
matches when any of its search-mode sub-words does ("个体户" finds "个体工商户" through "个体"),
and all terms must match; results are ranked (bm25 / ts_rank).
"""

from __future__ import annotations

import logging
import re
from functools import lru_cache

import jieba
from django.db import connection
from django.db.models.expressions import RawSQL

from shuzheng.core.models import SearchEntry

jieba.setLogLevel(logging.WARNING)

_WORD = re.compile(r"\w+", re.UNICODE)
MAX_QUERY_TERMS = 12


@lru_cache(maxsize=1)
def _ready() -> bool:
    jieba.initialize()
    return True


def warm() -> None:
    """Load the dictionary now (server processes call it at start-up; otherwise the first search does)."""
    _ready()


def _words(text: str) -> list[str]:
    return [w for w in _WORD.findall(text.lower()) if w.strip("_")]


def segment(text: str) -> str:
    """Search-mode segmentation: every word plus its shorter sub-words, space separated."""
    _ready()
    tokens: list[str] = []
    for word in _words(text):
        tokens.extend(t for t in jieba.cut_for_search(word) if _WORD.fullmatch(t))
    return " ".join(tokens)


def query_terms(query: str) -> list[list[str]]:
    """Each precise-mode word with its search-mode alternatives; at most MAX_QUERY_TERMS terms."""
    _ready()
    terms: list[list[str]] = []
    for word in _words(query):
        for term in jieba.cut(word):
            if not _WORD.fullmatch(term):
                continue
            alternatives = list(dict.fromkeys([term, *jieba.cut_for_search(term)]))
            terms.append([a for a in alternatives if _WORD.fullmatch(a)])
    return terms[:MAX_QUERY_TERMS]


def index(doc_type: str, doc_id: str | int, text: str) -> None:
    SearchEntry.objects.update_or_create(
        doc_type=doc_type, doc_id=str(doc_id), defaults={"tokens": segment(text)}
    )


def remove(doc_type: str, doc_id: str | int) -> None:
    SearchEntry.objects.filter(doc_type=doc_type, doc_id=str(doc_id)).delete()


def _tsquery(terms: list[list[str]]) -> str:
    return " & ".join("(" + " | ".join(f"'{t}'" for t in alts) + ")" for alts in terms)


def _fts_match(terms: list[list[str]]) -> str:
    return " AND ".join("(" + " OR ".join(f'"{t}"' for t in alts) + ")" for alts in terms)


def search(doc_type: str, query: str, *, limit: int = 50) -> list[str]:
    """Document ids of `doc_type` matching `query`, best first."""
    terms = query_terms(query)
    if not terms:
        return []
    if connection.vendor == "postgresql":
        tsquery = _tsquery(terms)
        sql = (
            "SELECT doc_id FROM core_searchentry WHERE doc_type = %s "
            "AND tsv @@ to_tsquery('simple', %s) "
            "ORDER BY ts_rank(tsv, to_tsquery('simple', %s)) DESC, id "
            "LIMIT %s"
        )
        params: list[str | int] = [doc_type, tsquery, tsquery, limit]
    else:
        sql = (
            "SELECT e.doc_id FROM core_searchentry_fts f JOIN core_searchentry e ON e.id = f.rowid "
            "WHERE core_searchentry_fts MATCH %s AND e.doc_type = %s "
            "ORDER BY bm25(core_searchentry_fts), e.id LIMIT %s"
        )
        params = [_fts_match(terms), doc_type, limit]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return [row[0] for row in cursor.fetchall()]


def matching(doc_type: str, query: str) -> RawSQL | None:
    """Every integer id of `doc_type` matching `query`, unranked, as a subquery for `pk__in=` (None when
    the query has no terms): the database intersects it with other filters, no id list travels."""
    terms = query_terms(query)
    if not terms:
        return None
    if connection.vendor == "postgresql":
        sql = (
            "SELECT CAST(doc_id AS bigint) FROM core_searchentry "
            "WHERE doc_type = %s AND tsv @@ to_tsquery('simple', %s)"
        )
        return RawSQL(sql, (doc_type, _tsquery(terms)))  # noqa: S611 - constant SQL, bound values
    sql = (
        "SELECT CAST(e.doc_id AS integer) FROM core_searchentry_fts f "
        "JOIN core_searchentry e ON e.id = f.rowid WHERE core_searchentry_fts MATCH %s AND e.doc_type = %s"
    )
    return RawSQL(sql, (_fts_match(terms), doc_type))  # noqa: S611 - constant SQL, bound values
