"""The Merkle tree of RFC 6962 / RFC 9162 section 2.1, with SM3 as the hash.

leaf = SM3(0x00 || data), node = SM3(0x01 || left || right); the tree over n leaves splits at the
largest power of two below n. Pure functions over bytes, no Django: the sealer, audit-verify and
audit-prove share them (tools/verify_audit_proof.py carries its own copy, so a verifier needs no
part of the platform).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from cryptography.hazmat.primitives import hashes

LEAF_PREFIX = b"\x00"
NODE_PREFIX = b"\x01"


def sm3(data: bytes) -> bytes:
    digest = hashes.Hash(hashes.SM3())
    digest.update(data)
    return digest.finalize()


def leaf_hash(data: bytes) -> bytes:
    return sm3(LEAF_PREFIX + data)


def node_hash(left: bytes, right: bytes) -> bytes:
    return sm3(NODE_PREFIX + left + right)


EMPTY_ROOT = sm3(b"")


class Frontier:
    """The compact range of a tree prefix: the roots of its perfect subtrees, left to right.

    Appending leaf by leaf gives the root of every prefix size in O(log n) each, which is how the
    sealer extends the tree without reading old leaves and how audit-verify recomputes every head.
    """

    def __init__(self, size: int = 0, hashes_: Sequence[bytes] = ()) -> None:
        if len(hashes_) != bin(size).count("1"):
            raise ValueError("frontier does not match the tree size")
        self.size = size
        self._stack = list(hashes_)

    def append(self, leaf: bytes) -> None:
        self._stack.append(leaf)
        self.size += 1
        # Merge while the subtree just completed has a left sibling of the same height.
        merges = (self.size & -self.size).bit_length() - 1
        for _ in range(merges):
            right = self._stack.pop()
            self._stack[-1] = node_hash(self._stack[-1], right)

    def extend(self, leaves: Iterable[bytes]) -> None:
        for leaf in leaves:
            self.append(leaf)

    def root(self) -> bytes:
        if not self._stack:
            return EMPTY_ROOT
        result = self._stack[-1]
        for left in reversed(self._stack[:-1]):
            result = node_hash(left, result)
        return result

    def hashes(self) -> list[bytes]:
        return list(self._stack)


def root_of(leaves: Sequence[bytes]) -> bytes:
    """MTH(D[n]) by the RFC's recursive definition (the reference the Frontier is tested against)."""
    if not leaves:
        return EMPTY_ROOT
    if len(leaves) == 1:
        return leaves[0]
    k = _split(len(leaves))
    return node_hash(root_of(leaves[:k]), root_of(leaves[k:]))


def _split(n: int) -> int:
    """The largest power of two smaller than n (n >= 2)."""
    return 1 << ((n - 1).bit_length() - 1)


def inclusion_path(index: int, leaves: Sequence[bytes]) -> list[bytes]:
    """PATH(m, D[n]) of RFC 6962 section 2.1.1 for leaf `index` of the tree over `leaves`."""
    if not 0 <= index < len(leaves):
        raise IndexError("leaf index outside the tree")
    path: list[bytes] = []
    low, high = 0, len(leaves)
    # Walk down from the root, collecting the sibling subtree roots (then reverse: leaf first).
    while high - low > 1:
        k = _split(high - low)
        if index - low < k:
            path.append(root_of(leaves[low + k : high]))
            high = low + k
        else:
            path.append(root_of(leaves[low : low + k]))
            low += k
    return path[::-1]


def verify_inclusion(index: int, size: int, leaf: bytes, path: Sequence[bytes], root: bytes) -> bool:
    """RFC 9162 section 2.1.3.2."""
    if not 0 <= index < size:
        return False
    fn, sn, result = index, size - 1, leaf
    for sibling in path:
        if sn == 0:
            return False
        if fn & 1 or fn == sn:
            result = node_hash(sibling, result)
            while not fn & 1 and fn != 0:
                fn >>= 1
                sn >>= 1
        else:
            result = node_hash(result, sibling)
        fn >>= 1
        sn >>= 1
    return sn == 0 and result == root
