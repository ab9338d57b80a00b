"""The RFC 6962 tree with SM3: the incremental frontier, audit paths and their verification."""

from __future__ import annotations

import pytest

from shuzheng.identity.audit_merkle import (
    EMPTY_ROOT,
    Frontier,
    inclusion_path,
    leaf_hash,
    node_hash,
    root_of,
    sm3,
    verify_inclusion,
)

LEAVES = [leaf_hash(f"event {i}".encode()) for i in range(40)]


def test_hashes_are_domain_separated_sm3() -> None:
    # GB/T 32905 example 1: SM3("abc").
    assert sm3(b"abc").hex() == "66c7f0f462eeedd9d1f2d46bdc10e4e24167c4875cf2f7a2297da02b8f4ba8e0"
    assert leaf_hash(b"x") == sm3(b"\x00x")
    assert node_hash(b"a", b"b") == sm3(b"\x01ab")
    assert leaf_hash(b"\x01ab") != node_hash(b"a", b"b")  # a leaf can never pass for a node


def test_small_trees_follow_the_rfc_shape() -> None:
    a, b, c = LEAVES[:3]
    assert root_of([]) == EMPTY_ROOT
    assert root_of([a]) == a
    assert root_of([a, b, c]) == node_hash(node_hash(a, b), c)
    d, e = LEAVES[3:5]
    assert root_of([a, b, c, d, e]) == node_hash(node_hash(node_hash(a, b), node_hash(c, d)), e)


def test_frontier_gives_the_root_of_every_prefix() -> None:
    frontier = Frontier()
    assert frontier.root() == EMPTY_ROOT
    for n, leaf in enumerate(LEAVES, start=1):
        frontier.append(leaf)
        assert frontier.root() == root_of(LEAVES[:n]), n
        resumed = Frontier(n, frontier.hashes())
        assert resumed.root() == frontier.root()


def test_frontier_refuses_a_wrong_number_of_hashes() -> None:
    with pytest.raises(ValueError, match="frontier"):
        Frontier(3, [LEAVES[0]])


@pytest.mark.parametrize("size", [1, 2, 3, 5, 7, 8, 13, 40])
def test_every_audit_path_verifies_and_nothing_else_does(size: int) -> None:
    leaves = LEAVES[:size]
    root = root_of(leaves)
    for index in range(size):
        path = inclusion_path(index, leaves)
        assert verify_inclusion(index, size, leaves[index], path, root)
        assert not verify_inclusion(index, size, leaf_hash(b"forged"), path, root)
        if size > 1:
            assert not verify_inclusion((index + 1) % size, size, leaves[index], path, root)
            assert not verify_inclusion(index, size, leaves[index], path[:-1], root)
    assert not verify_inclusion(size, size, leaves[0], [], root)


def test_path_outside_the_tree_is_refused() -> None:
    with pytest.raises(IndexError):
        inclusion_path(3, LEAVES[:3])
