"""Inclusion proofs from `shuzheng audit-prove`, checked by the stand-alone tools/verify_audit_proof.py."""

from __future__ import annotations

import io
import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from shuzheng.core.crypto import sm2
from shuzheng.identity.audit_merkle import leaf_hash, verify_inclusion
from shuzheng.identity.audit_proof import inclusion_proof
from shuzheng.identity.audit_seal import seal
from shuzheng.identity.tests.audit_tools import behind_the_orm, write
from shuzheng.identity.tests.conftest import AUDIT_KEY

pytestmark = pytest.mark.django_db

SCRIPT = Path(__file__).resolve().parents[4] / "tools" / "verify_audit_proof.py"


def run_script(proof: dict[str, Any], tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    path = tmp_path / "proof.json"
    path.write_text(json.dumps(proof, ensure_ascii=False), encoding="utf-8")
    return subprocess.run(  # noqa: S603 (our own script, fixed arguments)
        [sys.executable, str(SCRIPT), str(path), *args],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def prove(seq: int) -> dict[str, Any]:
    out = io.StringIO()
    call_command("audit_prove", str(seq), stdout=out)
    return json.loads(out.getvalue())


def test_the_script_needs_no_django() -> None:
    source = SCRIPT.read_text(encoding="utf-8")
    assert "django" not in source.lower().replace("不依赖平台", "")
    assert "shuzheng." not in source


def test_proof_of_every_event_verifies_in_process() -> None:
    events = write(3)
    seal()
    events += write(4)
    for event in reversed(events):
        proof = inclusion_proof(event.seq)  # the first one seals the second batch on the way
        leaf = leaf_hash(proof["canonical_event"].encode())
        path = [bytes.fromhex(h) for h in proof["audit_path"]]
        root = bytes.fromhex(proof["signed_head"]["root_hash"])
        assert verify_inclusion(proof["leaf_index"], proof["tree_size"], leaf, path, root)
        assert proof["tree_size"] == 7
        assert proof["public_key"] == sm2.public_key_of(AUDIT_KEY)


def test_script_accepts_a_real_proof(tmp_path: Path, settings) -> None:
    events = write(5)
    proof = prove(events[2].seq)
    result = run_script(
        proof,
        tmp_path,
        "--public-key",
        sm2.public_key_of(AUDIT_KEY),
        "--head-log",
        str(settings.AUDIT_HEAD_LOG),
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert f"通过：事件 #{events[2].seq} 是叶子 #2，包含在树大小 5" in result.stdout


def test_script_refuses_a_changed_event(tmp_path: Path) -> None:
    [event] = write(1)
    proof = prove(event.seq)
    proof["canonical_event"] = proof["canonical_event"].replace('"n":1', '"n":2')
    result = run_script(proof, tmp_path)
    assert result.returncode == 1
    assert "重算的根哈希与签名树头不符" in result.stdout


def test_script_refuses_a_proof_signed_by_another_key(tmp_path: Path) -> None:
    [event] = write(1)
    proof = prove(event.seq)
    other_private, other_public = sm2.generate_keypair()
    result = run_script(proof, tmp_path, "--public-key", other_public)
    assert result.returncode == 1
    assert "不是你信任的公钥" in result.stdout
    assert "SM2 签名无效" in result.stdout
    proof["signed_head"]["root_hash"] = proof["root_hash"] = "00" * 32
    forged = run_script(proof, tmp_path)
    assert forged.returncode == 1
    assert "SM2 签名无效" in forged.stdout
    assert other_private


def test_script_refuses_a_head_missing_from_the_exported_log(tmp_path: Path) -> None:
    [event] = write(1)
    proof = prove(event.seq)
    empty_log = tmp_path / "heads.jsonl"
    empty_log.write_text("", encoding="ascii")
    result = run_script(proof, tmp_path, "--head-log", str(empty_log))
    assert result.returncode == 1
    assert "不在导出日志" in result.stdout


def test_script_refuses_garbage(tmp_path: Path) -> None:
    result = run_script({"format": "shuzheng-audit-inclusion/1"}, tmp_path)
    assert result.returncode == 1
    assert "证明无法解析" in result.stdout


def test_prove_refuses_unknown_or_archived_events() -> None:
    with pytest.raises(CommandError, match="不存在"):
        call_command("audit_prove", "424242", stdout=io.StringIO())


def test_proof_over_a_tampered_leaf_does_not_verify(tmp_path: Path) -> None:
    events = write(4)
    seal()
    with behind_the_orm() as cursor:
        cursor.execute('UPDATE identity_auditleaf SET hash = %s WHERE "index" = 3', ["ef" * 32])
    result = run_script(inclusion_proof(events[0].seq), tmp_path)
    assert result.returncode == 1
