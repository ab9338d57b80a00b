"""Audit log, step 2 of 3: the events of the old SM3 hash chain become the first leaves of the
Merkle tree under one signed head — after the chain is verified, so a broken chain is never sealed."""

import time

from django.db import migrations

from shuzheng.core.crypto.sm3 import sm3_hex
from shuzheng.identity.audit_canonical import canonical_bytes
from shuzheng.identity.audit_keys import active_signer
from shuzheng.identity.audit_merkle import Frontier, leaf_hash
from shuzheng.identity.audit_seal import export_head, head_message

GENESIS_HASH = "0" * 64
BATCH = 5000


def seal_the_chain(apps, schema_editor):  # type: ignore[no-untyped-def]
    db = schema_editor.connection.alias
    event_model = apps.get_model("identity", "AuditEvent")
    leaf_model = apps.get_model("identity", "AuditLeaf")
    head_model = apps.get_model("identity", "AuditTreeHead")
    if apps.get_model("identity", "AuditArchive").objects.using(db).exists():
        raise RuntimeError(
            "存在旧格式的审计归档记录：请先用旧版本运行 shuzheng audit-verify --archives 校验并另行保存"
            "归档文件，再删除 identity_auditarchive 中的记录后重新迁移。"
        )
    if leaf_model.objects.using(db).exists():
        return
    frontier, prev, expected, last_seq = Frontier(), GENESIS_HASH, 1, 0
    events = event_model.objects.using(db).order_by("seq")
    while batch := list(events.filter(seq__gt=last_seq)[:BATCH]):
        leaves = []
        for event in batch:
            content = canonical_bytes(event)
            if (
                event.seq != expected
                or event.prev_hash != prev
                or sm3_hex(prev.encode() + content) != event.hash
            ):
                raise RuntimeError(
                    f"旧审计链在 #{event.seq} 处断裂（序号、前一哈希或哈希不符），不能封存；"
                    "请先用旧版本运行 shuzheng audit-verify 查明原因。"
                )
            digest = leaf_hash(content)
            leaves.append(leaf_model(index=frontier.size, event_id=event.seq, hash=digest.hex()))
            frontier.append(digest)
            prev, expected, last_seq = event.hash, event.seq + 1, event.seq
        leaf_model.objects.using(db).bulk_create(leaves)
    if not frontier.size:
        return
    key_id, signer = active_signer()
    timestamp_ms, root = int(time.time() * 1000), frontier.root().hex()
    head = head_model.objects.using(db).create(
        tree_size=frontier.size,
        root_hash=root,
        timestamp_ms=timestamp_ms,
        key_id=key_id,
        signature=signer.sign(
            head_message(tree_size=frontier.size, timestamp_ms=timestamp_ms, root_hash=root, key_id=key_id)
        ),
        frontier=[h.hex() for h in frontier.hashes()],
        max_seq=last_seq,
    )
    export_head(head)


class Migration(migrations.Migration):
    dependencies = [
        ("identity", "0006_audit_seq_is_the_id"),
    ]

    operations = [
        migrations.RunPython(seal_the_chain, migrations.RunPython.noop),
    ]
