"""The transparency log's storage: the leaves, the perfect subtrees' hashes, the signed tree
heads (all append-only, refused UPDATE/DELETE by database triggers, migration 0002), and one
row of log state (size and frontier) that serialises appends.

A perfect subtree (``level``, ``index``) — leaves ``[index·2^level, (index+1)·2^level)`` — is
stored once, when its last leaf arrives (level ≥ 1; level 0 is ``Leaf.leaf_hash``), under the
key ``level << 48 | index``. An inclusion or consistency proof at any size then needs at most
2·log₂(n) stored hashes, fetched by primary key in two reads (RFC 9162 §2.1.3, §2.1.4;
``hocba.domain.ledger.proof_nodes``).
"""

from __future__ import annotations

from typing import Any

from django.db import models

from hocba.issuance.models import AppendOnly

LEVEL_SHIFT = 48


def node_key(level: int, index: int) -> int:
    return level << LEVEL_SHIFT | index


class Leaf(AppendOnly):
    """One event, at its index in the log: its canonical bytes and ``SHA-256(0x00 || data)``."""

    index = models.BigIntegerField("số thứ tự", primary_key=True)
    data = models.BinaryField("sự kiện (JSON chuẩn)")
    leaf_hash = models.BinaryField("băm lá", max_length=32)
    event = models.CharField("loại", max_length=8)
    lookup_code = models.UUIDField("mã tra cứu", db_index=True)
    appended_at = models.DateTimeField("lúc ghi")

    class Meta:
        ordering = ["index"]
        constraints = [models.UniqueConstraint(fields=["lookup_code", "event"],
                                               name="one_leaf_per_record_event")]
        verbose_name = "lá nhật ký"
        verbose_name_plural = "lá nhật ký"

    def __str__(self) -> str:
        return f"#{self.index} {self.event} {self.lookup_code}"


class Node(AppendOnly):
    """The hash of a perfect subtree of 2^level leaves (level ≥ 1)."""

    key = models.BigIntegerField(primary_key=True)  # level << 48 | index
    hash = models.BinaryField(max_length=32)

    class Meta:
        verbose_name = "nút cây Merkle"
        verbose_name_plural = "nút cây Merkle"

    @property
    def level(self) -> int:
        return int(self.key) >> LEVEL_SHIFT

    @property
    def position(self) -> int:
        return int(self.key) & ((1 << LEVEL_SHIFT) - 1)

    def __str__(self) -> str:
        return f"({self.level}, {self.position})"


class SignedTreeHead(AppendOnly):
    """A tree head signed by the province's log key (C2SP checkpoint, ``ledger.TreeHead``)."""

    size = models.BigIntegerField("số lá", db_index=True)
    root = models.BinaryField("gốc cây", max_length=32)
    timestamp = models.DateTimeField("thời điểm")
    origin = models.CharField("tên nhật ký", max_length=200)
    key_id = models.BinaryField("mã khoá", max_length=4)
    signature = models.BinaryField("chữ ký Ed25519", max_length=64)

    class Meta:
        ordering = ["id"]
        verbose_name = "đầu cây đã ký"
        verbose_name_plural = "đầu cây đã ký"

    def __str__(self) -> str:
        return f"{self.size} lá — {self.timestamp:%Y-%m-%d %H:%M:%S}"


class LogState(models.Model):
    """The one row that says how big the log is and holds its frontier (the perfect subtrees
    covering it, largest first). Appenders lock it (``select_for_update``) so that appends are
    serialised; ``hocba log audit`` recomputes it from the leaves."""

    id = models.PositiveSmallIntegerField(primary_key=True, default=1)
    size = models.BigIntegerField(default=0)
    frontier = models.BinaryField(default=b"")

    class Meta:
        verbose_name = "trạng thái nhật ký"

    def __str__(self) -> str:
        return f"{self.size} lá"

    def delete(self, *args: Any, **kwargs: Any) -> Any:
        raise RuntimeError("Trạng thái nhật ký không được xoá.")
