"""Helpers for the audit-log tests: write events, and change audit rows as an attacker would."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from django.db import connection, transaction

from shuzheng.core.crypto import sm2
from shuzheng.identity.audit import write_event
from shuzheng.identity.audit_keys import key_id_of
from shuzheng.identity.audit_merkle import Frontier
from shuzheng.identity.audit_seal import head_message
from shuzheng.identity.models import AuditEvent


def write(n: int, *, action: str = "test.thing.update", actor: Any = None) -> list[AuditEvent]:
    return [
        write_event(
            actor=actor,
            action=action,
            subject_type="test.thing",
            subject_id=str(i),
            before={"n": i},
            after={"n": i + 1},
        )
        for i in range(n)
    ]


@contextmanager
def behind_the_orm() -> Iterator[Any]:
    """A raw cursor with database-owner powers: on PostgreSQL the append-only triggers are lifted
    for this block, as someone who can ALTER the tables would."""
    with transaction.atomic(), connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SELECT set_config('shuzheng.audit_purge', 'on', true)")
        yield cursor
        if connection.vendor == "postgresql":
            cursor.execute("SELECT set_config('shuzheng.audit_purge', '', true)")


def insert_leaf(cursor: Any, index: int, seq: int, digest: str) -> None:
    cursor.execute(
        'INSERT INTO identity_auditleaf ("index", event_id, hash) VALUES (%s, %s, %s)', [index, seq, digest]
    )


def sign_head(
    cursor: Any, hashes: list[bytes], *, private_key: str, timestamp_ms: int | None = None, max_seq: int = 0
) -> None:
    """Write a tree head over `hashes` signed with `private_key`, as the sealer would (or a forger)."""
    frontier = Frontier()
    frontier.extend(hashes)
    root = frontier.root().hex()
    timestamp_ms = int(time.time() * 1000) if timestamp_ms is None else timestamp_ms
    public = sm2.public_key_of(private_key)
    key_id = key_id_of(public)
    signature = sm2.sign(
        head_message(tree_size=frontier.size, timestamp_ms=timestamp_ms, root_hash=root, key_id=key_id),
        private_key,
    )
    cursor.execute(
        "INSERT INTO identity_audittreehead (tree_size, root_hash, timestamp_ms, key_id, signature, frontier,"
        " max_seq) VALUES (%s, %s, %s, %s, %s, %s, %s)",
        [
            frontier.size,
            root,
            timestamp_ms,
            key_id,
            signature,
            json.dumps([h.hex() for h in frontier.hashes()]),
            max_seq,
        ],
    )
