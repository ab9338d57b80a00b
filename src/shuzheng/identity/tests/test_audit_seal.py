"""The sealer: leaves in sealing order, signed heads, catching up after a crash, export, keys."""

from __future__ import annotations

import io
import json
import threading
import time
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import transaction

from shuzheng.core.crypto import sm2
from shuzheng.identity import audit_seal
from shuzheng.identity.audit_canonical import canonical_bytes
from shuzheng.identity.audit_keys import key_id_of, listed_keys
from shuzheng.identity.audit_merkle import leaf_hash, root_of
from shuzheng.identity.audit_seal import SealRefusedError, head_message, seal
from shuzheng.identity.audit_verify import verify_log
from shuzheng.identity.models import AuditEvent, AuditLeaf, AuditTreeHead
from shuzheng.identity.tasks import seal_audit_log
from shuzheng.identity.tests.audit_tools import behind_the_orm, insert_leaf, sign_head, write
from shuzheng.identity.tests.conftest import AUDIT_KEY

pytestmark = pytest.mark.django_db


def test_seal_puts_events_into_leaves_under_a_signed_head(settings) -> None:
    events = write(3)
    result = seal()
    assert result.sealed == 3
    leaves = list(AuditLeaf.objects.order_by("index"))
    assert [(leaf.index, leaf.event_id) for leaf in leaves] == [(i, e.seq) for i, e in enumerate(events)]
    for leaf, event in zip(leaves, events, strict=True):
        assert leaf.hash == leaf_hash(canonical_bytes(event)).hex()
    head = AuditTreeHead.objects.get()
    assert head.tree_size == 3
    assert head.root_hash == root_of([bytes.fromhex(leaf.hash) for leaf in leaves]).hex()
    public = sm2.public_key_of(AUDIT_KEY)
    assert head.key_id == key_id_of(public)
    message = head_message(
        tree_size=3, timestamp_ms=head.timestamp_ms, root_hash=head.root_hash, key_id=head.key_id
    )
    assert sm2.verify(message, head.signature, public)
    assert "已封存 3 条审计事件" in result.summary()
    # Nothing new: no new head.
    assert seal().sealed == 0
    assert AuditTreeHead.objects.count() == 1


def test_each_run_extends_the_tree_and_heads_stay_consistent() -> None:
    write(2)
    seal()
    write(3)
    seal()
    write(1)
    seal()
    assert list(AuditTreeHead.objects.order_by("tree_size").values_list("tree_size", flat=True)) == [2, 5, 6]
    hashes = [bytes.fromhex(h) for h in AuditLeaf.objects.order_by("index").values_list("hash", flat=True)]
    for head in AuditTreeHead.objects.all():
        assert head.root_hash == root_of(hashes[: head.tree_size]).hex()
    assert verify_log().ok


def test_batches_are_bounded_and_the_sealer_loops() -> None:
    write(7)
    result = seal(batch_size=3)
    assert result.sealed == 7
    assert [h.tree_size for h in result.heads] == [3, 6, 7]


def test_crash_between_commit_and_sealing_is_caught_up() -> None:
    """Events committed while no sealer ran (crash, broker down) are sealed by the next run."""
    first = write(2)
    seal()
    backlog = write(50)  # committed, never sealed: the sealer "crashed"
    assert not AuditLeaf.objects.filter(event_id__in=[e.seq for e in backlog]).exists()
    assert seal().sealed == 50
    sealed = list(AuditLeaf.objects.order_by("index").values_list("event_id", flat=True))
    assert sealed == [e.seq for e in first + backlog]
    assert verify_log().ok


def test_a_late_commit_below_the_sealed_seqs_is_sealed_in_the_next_batch(settings) -> None:
    """Leaf order is sealing order: an event whose id is below sealed ids still gets the next leaf."""
    early, late = write(2)
    # Simulate the commit order: `late` was sealed first, `early`'s transaction committed afterwards.
    digest = leaf_hash(canonical_bytes(late))
    with behind_the_orm() as cursor:
        insert_leaf(cursor, 0, late.seq, digest.hex())
        sign_head(cursor, [digest], private_key=AUDIT_KEY, max_seq=late.seq)
    # The quick path looks back AUDIT_SEAL_LOOKBACK_SECONDS below the last sealed seq.
    assert seal().sealed == 1
    assert AuditLeaf.objects.get(index=1).event_id == early.seq
    assert verify_log().ok


def test_quick_runs_look_back_a_window_and_full_runs_look_at_everything(settings) -> None:
    [straggler] = write(1)
    later = write(2)
    # The later events were sealed long ago (an old head), the straggler's transaction stayed open.
    hashes = [leaf_hash(canonical_bytes(e)) for e in later]
    with behind_the_orm() as cursor:
        for index, (event, digest) in enumerate(zip(later, hashes, strict=True)):
            insert_leaf(cursor, index, event.seq, digest.hex())
        old = int(time.time() * 1000) - 3_600_000
        sign_head(cursor, hashes, private_key=AUDIT_KEY, timestamp_ms=old, max_seq=later[-1].seq)
    settings.AUDIT_SEAL_LOOKBACK_SECONDS = 60
    assert seal().sealed == 0  # below the look-back floor
    assert seal(full=True).sealed == 1
    assert AuditLeaf.objects.get(index=2).event_id == straggler.seq


def test_leaves_no_head_covers_stop_the_sealer() -> None:
    """A forged leaf appended after the last head must never end up under a signed head."""
    events = write(2)
    seal()
    [extra] = write(1)
    with behind_the_orm() as cursor:
        insert_leaf(cursor, 2, extra.seq, "ab" * 32)
    with pytest.raises(SealRefusedError, match="未经签名"):
        seal()
    assert AuditTreeHead.objects.get().tree_size == len(events)
    with pytest.raises(CommandError, match="未经签名"):
        call_command("audit_seal", stdout=io.StringIO())


# --- export -----------------------------------------------------------------------------------------


def test_every_head_is_exported_to_the_log(settings) -> None:
    write(1)
    seal()
    write(2)
    seal()
    lines = [json.loads(line) for line in Path(settings.AUDIT_HEAD_LOG).read_text().splitlines()]
    heads = {h.tree_size: h for h in AuditTreeHead.objects.all()}
    assert [line["tree_size"] for line in lines] == [1, 3]
    for line in lines:
        head = heads[line["tree_size"]]
        assert (line["root_hash"], line["signature"], line["key_id"]) == (
            head.root_hash,
            head.signature,
            head.key_id,
        )


def test_heads_are_posted_to_the_mirror(settings) -> None:
    received: list[dict[str, object]] = []

    class Mirror(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            received.append(json.loads(self.rfile.read(int(self.headers["Content-Length"]))))
            self.send_response(204)
            self.end_headers()

        def log_message(self, *args: object) -> None:
            pass

    server = HTTPServer(("127.0.0.1", 0), Mirror)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        settings.AUDIT_HEAD_MIRROR_URL = f"http://127.0.0.1:{server.server_port}/heads"
        write(2)
        seal()
    finally:
        server.shutdown()
    head = AuditTreeHead.objects.get()
    assert received == [audit_seal.signed_head(head)]


def test_an_unreachable_mirror_does_not_lose_the_head(settings, caplog) -> None:
    settings.AUDIT_HEAD_MIRROR_URL = "http://127.0.0.1:9/heads"
    write(1)
    assert seal().sealed == 1
    assert AuditTreeHead.objects.count() == 1
    assert Path(settings.AUDIT_HEAD_LOG).read_text().count("\n") == 1
    assert "audit.head_mirror_failed" in caplog.text


# --- sealing without a broker -------------------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_without_a_broker_a_commit_is_sealed_within_the_interval(settings) -> None:
    settings.AUDIT_SEAL_AFTER_COMMIT = True
    settings.AUDIT_SEAL_SECONDS = 0.2
    with transaction.atomic():
        [event] = write(1)
    deadline = time.monotonic() + 10
    while not AuditLeaf.objects.filter(event_id=event.seq).exists():
        assert time.monotonic() < deadline, "not sealed within 10 s"
        time.sleep(0.05)
    assert AuditTreeHead.objects.filter(tree_size=1).exists()


def test_without_the_setting_no_timer_is_armed(settings, django_capture_on_commit_callbacks) -> None:
    settings.AUDIT_SEAL_AFTER_COMMIT = False
    with django_capture_on_commit_callbacks() as callbacks:
        write(1)
    assert callbacks == []


# --- keys -------------------------------------------------------------------------------------------


def test_rotated_keys_keep_old_heads_valid(settings) -> None:
    write(1)
    seal()
    old_public = sm2.public_key_of(AUDIT_KEY)
    settings.AUDIT_SIGNING_KEY = sm2.generate_keypair()[0]
    write(1)
    seal()
    assert len(set(AuditTreeHead.objects.values_list("key_id", flat=True))) == 2
    report = verify_log()
    # The old key is not listed yet: its head, in the database and in the export, is refused.
    assert [b.problem for b in report.breaks] == ["unknown_key", "export_bad_signature"]
    settings.AUDIT_VERIFY_KEYS = [old_public]
    assert verify_log().ok
    keys = listed_keys()
    assert [(k.active, k.public_key_hex) for k in keys][1] == (False, old_public)


def test_signing_key_from_a_file(settings, tmp_path) -> None:
    key_file = tmp_path / "audit.key"
    private = sm2.generate_keypair()[0]
    key_file.write_text(private + "\n")
    settings.AUDIT_SIGNING_KEY = ""
    settings.AUDIT_SIGNING_KEY_FILE = str(key_file)
    write(1)
    seal()
    assert AuditTreeHead.objects.get().key_id == key_id_of(sm2.public_key_of(private))


def test_demo_key_is_generated_into_the_data_dir_with_a_warning(settings, tmp_path, caplog) -> None:
    settings.AUDIT_SIGNING_KEY = ""
    settings.DATA_DIR = tmp_path
    out = io.StringIO()
    call_command("audit_keys", stdout=out)
    assert (tmp_path / "audit-sm2-demo.key").exists()
    assert "签名（当前）" in out.getvalue()
    assert "演示密钥" in out.getvalue()
    assert "audit.demo_key" in caplog.text


def test_audit_keys_lists_verification_keys(settings) -> None:
    old_public = sm2.generate_keypair()[1]
    settings.AUDIT_VERIFY_KEYS = ["04" + old_public.upper()]
    out = io.StringIO()
    call_command("audit_keys", stdout=out)
    assert f"{key_id_of(old_public)}  仅验证" in out.getvalue()
    assert old_public in out.getvalue()


def test_a_malformed_verification_key_is_a_configuration_error(settings) -> None:
    settings.AUDIT_VERIFY_KEYS = ["00" * 64]
    with pytest.raises(ImproperlyConfigured, match="SHUZHENG_AUDIT_VERIFY_KEYS"):
        listed_keys()


def test_audit_seal_command_reports_what_it_sealed() -> None:
    write(2)
    out = io.StringIO()
    call_command("audit_seal", stdout=out)
    assert "已封存 2 条审计事件（1 个树头），最新树头：树大小 2" in out.getvalue()
    out = io.StringIO()
    call_command("audit_seal", "--full", stdout=out)
    assert "没有待封存的审计事件" in out.getvalue()
    assert AuditEvent.objects.count() == 2


def test_the_beat_task_seals_and_is_scheduled_every_interval(settings) -> None:
    write(2)
    assert seal_audit_log.delay().get() == 2
    schedule = settings.CELERY_BEAT_SCHEDULE
    assert schedule["audit-seal"]["task"] == seal_audit_log.name
    assert schedule["audit-seal"]["schedule"] == settings.AUDIT_SEAL_SECONDS
    assert schedule["audit-seal-sweep"]["kwargs"] == {"full": True}
