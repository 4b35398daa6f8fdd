"""Reads of the transparency log: the latest signed tree head, a record's inclusion proof
against it, consistency proofs between two sizes (RFC 9162 §2.1.3, §2.1.4).

A proof needs O(log n) perfect-subtree hashes (``hocba.domain.ledger.proof_nodes``): they are
fetched by primary key in at most two reads (stored nodes, and leaf hashes for level 0).
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence

from hocba.domain import ledger
from hocba.domain.ledger import ISSUED, InclusionProof, LedgerError, Range, TreeHead
from hocba.transparency.models import Leaf, LogState, Node, SignedTreeHead, node_key


def _head(row: SignedTreeHead) -> TreeHead:
    return TreeHead(origin=row.origin, size=int(row.size), root=bytes(row.root),
                    timestamp=row.timestamp, key_id=bytes(row.key_id),
                    signature=bytes(row.signature))


def latest_tree_head() -> TreeHead | None:
    """The most recent signed tree head, or None while the log is empty."""
    row = SignedTreeHead.objects.order_by("-size", "-id").first()
    return _head(row) if row is not None else None


def tree_heads() -> list[TreeHead]:
    """Every signed head, in the order they were signed."""
    return [_head(row) for row in SignedTreeHead.objects.order_by("id")]


def log_size() -> int:
    state = LogState.objects.filter(pk=1).values_list("size", flat=True).first()
    return int(state or 0)


def _hashes(ranges: Sequence[Range]) -> list[bytes]:
    needed = ledger.proof_nodes(ranges)
    found: dict[tuple[int, int], bytes] = {}
    leaves = [index for level, index in needed if level == 0]
    if leaves:
        for index, digest in Leaf.objects.filter(index__in=leaves).values_list("index",
                                                                                "leaf_hash"):
            found[(0, int(index))] = bytes(digest)
    inner = [node_key(level, index) for level, index in needed if level > 0]
    if inner:
        for key, digest in Node.objects.filter(key__in=inner).values_list("key", "hash"):
            found[(int(key) >> 48, int(key) & ((1 << 48) - 1))] = bytes(digest)
    missing = needed - found.keys()
    if missing:
        raise LedgerError(f"Nhật ký thiếu nút {sorted(missing)[0]}: cần kiểm toán.")
    return [ledger.range_hash(a, b, lambda level, index: found[(level, index)])
            for a, b in ranges]


def root_at(size: int) -> bytes:
    """MTH of the first ``size`` leaves, from the stored nodes."""
    if size == 0:
        return ledger.EMPTY_ROOT
    [digest] = _hashes([(0, size)])
    return digest


def inclusion_path(index: int, tree_size: int) -> list[bytes]:
    return _hashes(ledger.inclusion_ranges(index, tree_size))


def _proof(leaf: Leaf | None) -> InclusionProof | None:
    head = latest_tree_head()
    if leaf is None or head is None or leaf.index >= head.size:
        return None
    return InclusionProof(leaf=bytes(leaf.data), leaf_index=int(leaf.index),
                          tree_size=head.size, path=inclusion_path(int(leaf.index), head.size),
                          head=head)


def inclusion_for(lookup_code: str, event: str = ISSUED) -> InclusionProof | None:
    """The inclusion proof of the record's ``event`` leaf ("issued" or "revoked") against the
    latest signed head; None when the code is malformed or the event was never logged."""
    try:
        code = uuid.UUID(str(lookup_code))
    except ValueError:
        return None
    return _proof(Leaf.objects.filter(lookup_code=code, event=event).first())


def inclusion_at(index: int) -> InclusionProof | None:
    """The inclusion proof of the leaf at ``index`` against the latest signed head."""
    return _proof(Leaf.objects.filter(index=index).first())


def leaf_at(index: int) -> bytes | None:
    data = Leaf.objects.filter(index=index).values_list("data", flat=True).first()
    return bytes(data) if data is not None else None


def consistency_between(old_size: int, new_size: int) -> list[bytes]:
    """PROOF(old_size, D[new_size]) (RFC 9162 §2.1.4.1). LedgerError (Vietnamese) when
    0 < old_size ≤ new_size ≤ the log's size does not hold."""
    size = log_size()
    if new_size > size:
        raise LedgerError(f"Nhật ký mới có {size} lá: không có cây {new_size} lá.")
    return _hashes(ledger.consistency_ranges(old_size, new_size))
