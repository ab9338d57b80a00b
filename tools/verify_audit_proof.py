#!/usr/bin/env python3
"""Verify a shuzheng audit inclusion proof (`shuzheng audit-prove <seq> > proof.json`) without the platform.

Needs only `cryptography` (SM3) and the SM2 library `snowland-smx` (pysmx). Checks:

1. leaf = SM3(0x00 || canonical event bytes), the audit path (RFC 9162 section 2.1.3.2, with
   node = SM3(0x01 || left || right)) leads to the root of the signed tree head;
2. the head's SM2 signature (GB/T 32918.2, Z_A with the default user id) over its canonical JSON;
3. with --public-key, that the head was signed by the key you trust (otherwise the key in the
   proof is only reported: anybody can put a key into a file);
4. with --head-log, that the signed head is among the heads exported by the platform.

Usage: verify_audit_proof.py proof.json [--public-key HEX] [--head-log audit-heads.jsonl]
Exit status 0 when the proof holds, 1 otherwise.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives import hashes
from pysmx import SM2

HEAD_FORMAT = "shuzheng-audit-sth/1"
PROOF_FORMAT = "shuzheng-audit-inclusion/1"
# GB/T 32918.5 curve parameters (a, b, G) for Z_A.
CURVE_A = "fffffffeffffffffffffffffffffffffffffffff00000000fffffffffffffffc"
CURVE_B = "28e9fa9e9d9f5e344d5a9e4bcf6509a7f39789f515ab8f92ddbcbd414d940e93"
CURVE_G = (
    "32c4ae2c1f1981195f9904466a39c9948fe30bbff2660be1715a4589334c74c7"
    "bc3736a2f4f6779c59bdcee36b692153d0a9877cc62a474002df32e52139f0a0"
)


def sm3(data: bytes) -> bytes:
    digest = hashes.Hash(hashes.SM3())
    digest.update(data)
    return digest.finalize()


def canonical_json(data: dict[str, Any]) -> bytes:
    return json.dumps(
        data, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False
    ).encode()


def root_from_path(index: int, size: int, leaf: bytes, path: list[bytes]) -> bytes | None:
    """RFC 9162 section 2.1.3.2; None when the path does not fit the tree size."""
    if not 0 <= index < size:
        return None
    fn, sn, result = index, size - 1, leaf
    for sibling in path:
        if sn == 0:
            return None
        if fn & 1 or fn == sn:
            result = sm3(b"\x01" + sibling + result)
            while not fn & 1 and fn != 0:
                fn >>= 1
                sn >>= 1
        else:
            result = sm3(b"\x01" + result + sibling)
        fn >>= 1
        sn >>= 1
    return result if sn == 0 else None


def sm2_verify(message: bytes, signature_hex: str, public_hex: str, user_id: bytes) -> bool:
    public = public_hex.lower().removeprefix("04") if len(public_hex) == 130 else public_hex.lower()
    z = sm3(
        (len(user_id) * 8).to_bytes(2, "big") + user_id + bytes.fromhex(CURVE_A + CURVE_B + CURVE_G + public)
    )
    e = sm3(z + message).hex()
    try:
        return bool(SM2.Verify(signature_hex.lower(), e, public, 64, Hexstr=1))
    except (TypeError, ValueError):
        return False


def check(proof: dict[str, Any], *, trusted_key: str | None, head_log: Path | None) -> list[str]:
    """The problems found (in Chinese, as the platform reports them); empty means the proof holds."""
    problems: list[str] = []
    if proof.get("format") != PROOF_FORMAT:
        return [f"不是审计包含证明（format 应为 {PROOF_FORMAT}）"]
    head = proof["signed_head"]
    event_bytes = proof["canonical_event"].encode("utf-8")
    if canonical_json(json.loads(event_bytes)) != event_bytes:
        problems.append("事件字节不是规范 JSON")
    if json.loads(event_bytes).get("seq") != proof["event_seq"]:
        problems.append("事件字节中的 seq 与证明不符")
    if (proof["tree_size"], proof["root_hash"]) != (head["tree_size"], head["root_hash"]):
        problems.append("证明的树大小或根哈希与签名树头不符")
    root = root_from_path(
        proof["leaf_index"],
        head["tree_size"],
        sm3(b"\x00" + event_bytes),
        [bytes.fromhex(h) for h in proof["audit_path"]],
    )
    if root is None or root.hex() != head["root_hash"]:
        problems.append("按审计路径重算的根哈希与签名树头不符：事件不在该树中或已被改动")
    public = trusted_key or proof["public_key"]
    if trusted_key and proof["public_key"].lower().removeprefix("04") != trusted_key.lower().removeprefix(
        "04"
    ):
        problems.append("证明中的公钥不是你信任的公钥")
    message = canonical_json(
        {k: head[k] for k in ("format", "key_id", "root_hash", "timestamp_ms", "tree_size")}
    )
    if head.get("format") != HEAD_FORMAT or not sm2_verify(
        message, head["signature"], public, proof["sm2_user_id"].encode("ascii")
    ):
        problems.append("签名树头的 SM2 签名无效")
    if head_log is not None:
        exported = {line.strip() for line in head_log.read_text(encoding="ascii").splitlines()}
        if json.dumps(head, sort_keys=True, separators=(",", ":")) not in exported:
            problems.append(f"签名树头不在导出日志 {head_log} 中")
    return problems


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="校验数政审计日志的包含证明（不依赖平台与数据库）")
    parser.add_argument("proof", type=Path, help="shuzheng audit-prove 输出的 JSON 文件（- 为标准输入）")
    parser.add_argument("--public-key", help="你信任的审计签名公钥（十六进制 x||y）")
    parser.add_argument("--head-log", type=Path, help="平台导出的树头日志（JSON Lines）")
    args = parser.parse_args(argv)
    text = sys.stdin.read() if str(args.proof) == "-" else args.proof.read_text(encoding="utf-8")
    try:
        proof = json.loads(text)
        problems = check(proof, trusted_key=args.public_key, head_log=args.head_log)
    except (ValueError, KeyError, TypeError, AttributeError) as exc:
        problems = [f"证明无法解析：{exc.__class__.__name__}"]
    if problems:
        for problem in problems:
            print(f"不通过：{problem}")
        return 1
    if not args.public_key:
        print("提示：未指定 --public-key，签名只针对证明中自带的公钥核验。")
    head = proof["signed_head"]
    print(
        f"通过：事件 #{proof['event_seq']} 是叶子 #{proof['leaf_index']}，包含在树大小 {head['tree_size']}、"
        f"根哈希 {head['root_hash']} 的签名树头中（密钥 {head['key_id']}）。"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
