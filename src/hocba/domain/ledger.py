"""The transparency log's mathematics: RFC 9162 (Certificate Transparency 2.0) Merkle trees,
their inclusion and consistency proofs, the canonical leaf of a học bạ event and the signed
tree head. Pure Python, no Django.

- RFC 9162 §2.1.1: the Merkle Tree Hash of n leaves. A leaf is ``SHA-256(0x00 || d)``, an
  inner node ``SHA-256(0x01 || left || right)``; the tree splits at the largest power of two
  smaller than n; the empty tree's hash is ``SHA-256()``.
- §2.1.3: inclusion proofs, and their verification (§2.1.3.2).
- §2.1.4: consistency proofs, and their verification (§2.1.4.2).

Every subtree a proof names is aligned: it is either *perfect* (2^level leaves starting at a
multiple of 2^level, stored by a log as node ``(level, index)``) or the right edge of a tree,
which is a right fold of perfect subtrees. So a proof is computed from ``O(log n)`` perfect
nodes: ``inclusion_ranges`` / ``consistency_ranges`` say which ranges of leaves the proof
hashes, ``nodes_of`` which perfect nodes make them up, and ``range_hash`` folds them. A
database-backed log fetches those nodes in one read (``hocba.transparency``); the functions
below over a plain list of leaf hashes are the same algorithm.

The signed tree head is a C2SP tlog-checkpoint signed note (Ed25519 signature type 0x01)
with one extension line ``Timestamp: <milliseconds since the epoch, UTC>`` (the unit of RFC
9162 §4.10's ``timestamp``):

    <origin>
    <tree size>
    <base64 root hash>
    Timestamp: <ms>

    — <origin> <base64(key id (4 bytes) || Ed25519 signature (64 bytes))>
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import hashlib
import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

HASH_SIZE = 32
EMPTY_ROOT = hashlib.sha256(b"").digest()
ISSUED = "issued"
REVOKED = "revoked"
EVENTS = (ISSUED, REVOKED)


class LedgerError(ValueError):
    """A malformed leaf, tree head or proof, or a request the RFC does not define."""


# --- RFC 9162 §2.1.1: the Merkle Tree Hash ----------------------------------------------------

def leaf_hash(data: bytes) -> bytes:
    """``SHA-256(0x00 || data)`` (RFC 9162 §2.1.1)."""
    return hashlib.sha256(b"\x00" + data).digest()


def node_hash(left: bytes, right: bytes) -> bytes:
    """``SHA-256(0x01 || left || right)`` (RFC 9162 §2.1.1)."""
    return hashlib.sha256(b"\x01" + left + right).digest()


def _split(n: int) -> int:
    """The largest power of two strictly smaller than ``n`` (n ≥ 2)."""
    return 1 << ((n - 1).bit_length() - 1)


def root(leaf_hashes: Sequence[bytes]) -> bytes:
    """MTH of the tree whose leaves hash to ``leaf_hashes`` (RFC 9162 §2.1.1)."""
    if not leaf_hashes:
        return EMPTY_ROOT
    frontier = Frontier()
    for h in leaf_hashes:
        frontier.append(h)
    return frontier.root()


# --- aligned subtrees -------------------------------------------------------------------------

Node = tuple[int, int]  # (level, index): leaves [index·2^level, (index+1)·2^level)
Range = tuple[int, int]  # leaves [start, end)


def nodes_of(start: int, end: int) -> list[Node]:
    """The perfect subtrees, left to right, whose right fold is MTH(D[start:end]) — for a
    range a proof names (aligned: ``start`` is a multiple of the split of its size)."""
    out: list[Node] = []
    while end > start:
        size = end - start
        k = size if size & (size - 1) == 0 else _split(size)
        level = k.bit_length() - 1
        if start % k:
            raise LedgerError(f"Dải lá [{start}, {end}) không thẳng hàng với cây Merkle.")
        out.append((level, start >> level))
        start += k
    return out


def fold(hashes: Sequence[bytes]) -> bytes:
    """Right fold of perfect subtrees' hashes: H(a, H(b, H(c, d)))."""
    if not hashes:
        return EMPTY_ROOT
    acc = hashes[-1]
    for h in reversed(hashes[:-1]):
        acc = node_hash(h, acc)
    return acc


def range_hash(start: int, end: int, node: Callable[[int, int], bytes]) -> bytes:
    """MTH(D[start:end]) from the perfect nodes ``node(level, index)``."""
    return fold([node(level, index) for level, index in nodes_of(start, end)])


def inclusion_ranges(index: int, size: int) -> list[Range]:
    """The leaf ranges whose hashes make PATH(index, D[size]), in proof order (§2.1.3.1)."""
    if not 0 <= index < size:
        raise LedgerError(f"Lá số {index} không nằm trong cây {size} lá.")
    out: list[Range] = []
    start, end = 0, size
    while end - start > 1:
        k = _split(end - start)
        if index < start + k:
            out.append((start + k, end))
            end = start + k
        else:
            out.append((start, start + k))
            start += k
    out.reverse()  # the recursion appends the sibling after the deeper path
    return out


def consistency_ranges(old_size: int, new_size: int) -> list[Range]:
    """The leaf ranges whose hashes make PROOF(old_size, D[new_size]) (§2.1.4.1)."""
    if old_size <= 0:
        raise LedgerError("Bằng chứng nhất quán cần cây cũ có ít nhất 1 lá (RFC 9162 §2.1.4).")
    if old_size > new_size:
        raise LedgerError(f"Cây cũ ({old_size} lá) lớn hơn cây mới ({new_size} lá).")
    out: list[Range] = []
    start, end, m, whole = 0, new_size, old_size, True
    while True:
        if m == end - start:
            if not whole:
                out.append((start, end))
            break
        k = _split(end - start)
        if m <= k:
            out.append((start + k, end))
            end = start + k
        else:
            out.append((start, start + k))
            m -= k
            start += k
            whole = False
    out.reverse()
    return out


def proof_nodes(ranges: Sequence[Range]) -> set[Node]:
    """Every perfect node the proof's ranges need (one database read fetches them)."""
    return {n for start, end in ranges for n in nodes_of(start, end)}


def _list_node(leaf_hashes: Sequence[bytes]) -> Callable[[int, int], bytes]:
    def node(level: int, index: int) -> bytes:
        return root(leaf_hashes[index << level:(index + 1) << level])
    return node


# --- RFC 9162 §2.1.3: inclusion ---------------------------------------------------------------

def inclusion_proof(index: int, leaf_hashes: Sequence[bytes]) -> list[bytes]:
    """PATH(index, D[n]) for the tree of ``leaf_hashes`` (RFC 9162 §2.1.3.1)."""
    node = _list_node(leaf_hashes)
    return [range_hash(a, b, node) for a, b in inclusion_ranges(index, len(leaf_hashes))]


def verify_inclusion(leaf_hash: bytes, index: int, tree_size: int, proof: Sequence[bytes],
                     root: bytes) -> bool:
    """RFC 9162 §2.1.3.2, step by step."""
    if not 0 <= index < tree_size or any(len(p) != HASH_SIZE for p in proof):
        return False
    fn, sn, r = index, tree_size - 1, leaf_hash
    for p in proof:
        if sn == 0:
            return False
        if fn & 1 or fn == sn:
            r = node_hash(p, r)
            if not fn & 1:
                while fn and not fn & 1:
                    fn >>= 1
                    sn >>= 1
        else:
            r = node_hash(r, p)
        fn >>= 1
        sn >>= 1
    return sn == 0 and r == root


# --- RFC 9162 §2.1.4: consistency -------------------------------------------------------------

def consistency_proof(old_size: int, leaf_hashes: Sequence[bytes]) -> list[bytes]:
    """PROOF(old_size, D[n]) (RFC 9162 §2.1.4.1); empty when old_size == n. ``old_size`` 0
    is refused: the RFC defines no proof from the empty tree."""
    node = _list_node(leaf_hashes)
    return [range_hash(a, b, node)
            for a, b in consistency_ranges(old_size, len(leaf_hashes))]


def verify_consistency(old_size: int, new_size: int, old_root: bytes, new_root: bytes,
                       proof: Sequence[bytes]) -> bool:
    """RFC 9162 §2.1.4.2, step by step. Equal sizes need an empty proof and equal roots;
    an old size of 0 is refused (no proof defined)."""
    if old_size <= 0 or old_size > new_size or any(len(p) != HASH_SIZE for p in proof):
        return False
    if old_size == new_size:
        return not proof and old_root == new_root
    path = list(proof)
    if not path:  # step 1
        return False
    if old_size & (old_size - 1) == 0:  # step 2: a power of two
        path.insert(0, old_root)
    fn, sn = old_size - 1, new_size - 1  # step 3
    while fn & 1:  # step 4
        fn >>= 1
        sn >>= 1
    fr = sr = path[0]  # step 5
    for c in path[1:]:  # step 6
        if sn == 0:
            return False
        if fn & 1 or fn == sn:
            fr = node_hash(c, fr)
            sr = node_hash(c, sr)
            if not fn & 1:
                while fn and not fn & 1:
                    fn >>= 1
                    sn >>= 1
        else:
            sr = node_hash(sr, c)
        fn >>= 1
        sn >>= 1
    return fr == old_root and sr == new_root and sn == 0  # step 7


# --- appending: the compact frontier ----------------------------------------------------------

@dataclass
class Frontier:
    """The perfect subtrees covering a tree of ``size`` leaves, largest first (one per set
    bit of ``size``): all a log needs to append and to know its root."""

    size: int = 0
    hashes: list[bytes] = field(default_factory=list)

    def append(self, leaf: bytes) -> list[tuple[int, int, bytes]]:
        """Add one leaf hash; return the perfect nodes of level ≥ 1 it completes, as
        (level, index, hash)."""
        made: list[tuple[int, int, bytes]] = []
        carry, level, index = leaf, 0, self.size
        while index & 1:
            carry = node_hash(self.hashes.pop(), carry)
            level += 1
            index >>= 1
            made.append((level, index, carry))
        self.hashes.append(carry)
        self.size += 1
        return made

    def root(self) -> bytes:
        return fold(self.hashes)

    def to_bytes(self) -> bytes:
        return b"".join(self.hashes)

    @classmethod
    def from_bytes(cls, size: int, data: bytes) -> Frontier:
        hashes = [bytes(data[i:i + HASH_SIZE]) for i in range(0, len(data), HASH_SIZE)]
        if len(hashes) != bin(size).count("1") or len(data) % HASH_SIZE:
            raise LedgerError(f"Biên cây không khớp kích thước {size}.")
        return cls(size, hashes)


# --- the canonical leaf -----------------------------------------------------------------------

def rfc3339(moment: dt.datetime) -> str:
    """UTC, ``Z``, fraction of a second only when there is one (deterministic)."""
    if moment.tzinfo is None:
        raise LedgerError("Thời điểm phải có múi giờ.")
    utc = moment.astimezone(dt.UTC)
    text = utc.strftime("%Y-%m-%dT%H:%M:%S")
    if utc.microsecond:
        text += f".{utc.microsecond:06d}"
    return text + "Z"


def parse_rfc3339(text: str) -> dt.datetime:
    if not text.endswith("Z"):
        raise LedgerError(f"Thời điểm «{text}» không theo RFC 3339 UTC.")
    moment = dt.datetime.fromisoformat(text[:-1] + "+00:00")
    if rfc3339(moment) != text:
        raise LedgerError(f"Thời điểm «{text}» không ở dạng chuẩn.")
    return moment


@dataclass(frozen=True)
class LogEvent:
    """One leaf: a record issued or revoked. No personal data — the look-up code, the
    record's hash (``identity_hash``), the issued files' hashes, the school code (MA_TRUONG),
    the time and, for a replacement's issue, the look-up code of the record it replaces.

    Canonical bytes: JSON, keys sorted, UTF-8, no spaces, every key present (``null`` when
    empty), so ``from_leaf(b).to_leaf() == b`` and any other spelling is refused."""

    event: str
    lookup_code: str
    record_sha256: str
    school: str
    time: dt.datetime
    xml_sha256: str | None = None
    pdf_sha256: str | None = None
    predecessor: str | None = None

    VERSION = 1

    def as_dict(self) -> dict[str, Any]:
        return {"v": self.VERSION, "event": self.event, "lookup_code": self.lookup_code,
                "record_sha256": self.record_sha256, "school": self.school,
                "time": rfc3339(self.time), "xml_sha256": self.xml_sha256,
                "pdf_sha256": self.pdf_sha256, "predecessor": self.predecessor}

    def to_leaf(self) -> bytes:
        if self.event not in EVENTS:
            raise LedgerError(f"Loại sự kiện «{self.event}» không hợp lệ.")
        return json.dumps(self.as_dict(), sort_keys=True, separators=(",", ":"),
                          ensure_ascii=False).encode()

    @classmethod
    def from_leaf(cls, data: bytes) -> LogEvent:
        try:
            raw = json.loads(data.decode())
            keys = {"v", "event", "lookup_code", "record_sha256", "school", "time",
                    "xml_sha256", "pdf_sha256", "predecessor"}
            if not isinstance(raw, dict) or set(raw) != keys or raw["v"] != cls.VERSION:
                raise LedgerError("Lá nhật ký thiếu hoặc thừa trường.")
            event = cls(event=raw["event"], lookup_code=raw["lookup_code"],
                        record_sha256=raw["record_sha256"], school=raw["school"],
                        time=parse_rfc3339(raw["time"]), xml_sha256=raw["xml_sha256"],
                        pdf_sha256=raw["pdf_sha256"], predecessor=raw["predecessor"])
        except (UnicodeDecodeError, json.JSONDecodeError, TypeError, ValueError) as exc:
            if isinstance(exc, LedgerError):
                raise
            raise LedgerError(f"Lá nhật ký không đọc được: {exc}") from exc
        if event.to_leaf() != data:
            raise LedgerError("Lá nhật ký không ở dạng JSON chuẩn (khoá sắp xếp, không dấu cách).")
        return event


# --- the signed tree head (C2SP tlog-checkpoint, signed note) ---------------------------------

def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


def _unb64(text: str, what: str) -> bytes:
    try:
        return base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError) as exc:
        raise LedgerError(f"{what} không phải base64.") from exc


def key_id(name: str, public_key: Ed25519PublicKey) -> bytes:
    """C2SP signed-note key ID: SHA-256(name || 0x0A || 0x01 || public key)[:4]."""
    raw = public_key.public_bytes(Encoding.Raw, PublicFormat.Raw)
    return hashlib.sha256(name.encode() + b"\n\x01" + raw).digest()[:4]


def vkey(name: str, public_key: Ed25519PublicKey) -> str:
    """The note verifier key string ``name+hex(id)+base64(0x01 || key)``."""
    raw = b"\x01" + public_key.public_bytes(Encoding.Raw, PublicFormat.Raw)
    return f"{name}+{key_id(name, public_key).hex()}+{_b64(raw)}"


@dataclass(frozen=True)
class TreeHead:
    """A signed tree head: ``size`` leaves with ``root``, at ``timestamp`` (ms precision,
    UTC), signed by the log key named ``origin``."""

    origin: str
    size: int
    root: bytes
    timestamp: dt.datetime
    key_id: bytes
    signature: bytes

    @staticmethod
    def body(origin: str, size: int, root: bytes, timestamp: dt.datetime) -> bytes:
        ms = _millis(timestamp)
        return f"{origin}\n{size}\n{_b64(root)}\nTimestamp: {ms}\n".encode()

    @classmethod
    def sign(cls, origin: str, size: int, root: bytes, timestamp: dt.datetime,
             private_key: Ed25519PrivateKey) -> TreeHead:
        if "\n" in origin or not origin.strip() or " " in origin or "+" in origin:
            raise LedgerError("Tên nhật ký (origin) không hợp lệ.")
        moment = _from_millis(_millis(timestamp))
        signature = private_key.sign(cls.body(origin, size, root, moment))
        return cls(origin, size, root, moment, key_id(origin, private_key.public_key()),
                   signature)

    def note_body(self) -> bytes:
        return self.body(self.origin, self.size, self.root, self.timestamp)

    def verify(self, public_key: Ed25519PublicKey) -> bool:
        if self.key_id != key_id(self.origin, public_key) or len(self.root) != HASH_SIZE:
            return False
        try:
            public_key.verify(self.signature, self.note_body())
        except InvalidSignature:
            return False
        return True

    def to_checkpoint(self) -> str:
        sig = _b64(self.key_id + self.signature)
        return self.note_body().decode() + f"\n\u2014 {self.origin} {sig}\n"

    @classmethod
    def from_checkpoint(cls, text: str) -> TreeHead:
        body, sep, signatures = text.partition("\n\n")
        lines = body.split("\n")
        if not sep or len(lines) != 4 or not lines[3].startswith("Timestamp: "):
            raise LedgerError("Điểm kiểm (checkpoint) không đúng định dạng.")
        origin = lines[0]
        try:
            size, ms = int(lines[1]), int(lines[3].removeprefix("Timestamp: "))
        except ValueError as exc:
            raise LedgerError("Điểm kiểm: kích thước hoặc thời điểm không phải số.") from exc
        tree_root = _unb64(lines[2], "Gốc cây")
        for line in signatures.splitlines():
            parts = line.split(" ")
            if len(parts) == 3 and parts[0] == "\u2014" and parts[1] == origin:
                raw = _unb64(parts[2], "Chữ ký")
                if len(raw) == 68:
                    return cls(origin, size, tree_root, _from_millis(ms), raw[:4], raw[4:])
        raise LedgerError(f"Điểm kiểm không có chữ ký của «{origin}».")

    def to_json(self) -> dict[str, Any]:
        return {"origin": self.origin, "tree_size": self.size, "root_hash": _b64(self.root),
                "timestamp": _millis(self.timestamp), "time": rfc3339(self.timestamp),
                "key_id": self.key_id.hex(), "signature": _b64(self.signature),
                "checkpoint": self.to_checkpoint()}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> TreeHead:
        try:
            return cls(str(data["origin"]), int(data["tree_size"]),
                       _unb64(data["root_hash"], "Gốc cây"), _from_millis(int(data["timestamp"])),
                       bytes.fromhex(data["key_id"]), _unb64(data["signature"], "Chữ ký"))
        except (KeyError, TypeError, ValueError) as exc:
            if isinstance(exc, LedgerError):
                raise
            raise LedgerError(f"Đầu cây đã ký thiếu trường: {exc}") from exc


def _millis(moment: dt.datetime) -> int:
    if moment.tzinfo is None:
        raise LedgerError("Thời điểm phải có múi giờ.")
    delta = moment.astimezone(dt.UTC) - dt.datetime(1970, 1, 1, tzinfo=dt.UTC)
    return delta // dt.timedelta(milliseconds=1)


def _from_millis(ms: int) -> dt.datetime:
    return dt.datetime(1970, 1, 1, tzinfo=dt.UTC) + dt.timedelta(milliseconds=ms)


# --- an inclusion proof, for the record's holder and the offline verifier ---------------------

@dataclass(frozen=True)
class InclusionProof:
    """The leaf (its canonical event bytes), where it sits, the audit path, and the signed
    head the path leads to."""

    leaf: bytes
    leaf_index: int
    tree_size: int
    path: list[bytes]
    head: TreeHead

    @property
    def event(self) -> LogEvent:
        return LogEvent.from_leaf(self.leaf)

    def verify(self, public_key: Ed25519PublicKey) -> bool:
        """The head is signed by the log key, the proof is against that head, and the path
        leads from the leaf to its root (RFC 9162 §2.1.3.2)."""
        return (self.head.verify(public_key) and self.tree_size == self.head.size
                and verify_inclusion(leaf_hash(self.leaf), self.leaf_index, self.tree_size,
                                     self.path, self.head.root))

    def to_json(self) -> dict[str, Any]:
        return {"leaf": _b64(self.leaf), "leaf_hash": _b64(leaf_hash(self.leaf)),
                "leaf_index": self.leaf_index, "tree_size": self.tree_size,
                "inclusion_path": [_b64(p) for p in self.path],
                "event": json.loads(self.leaf), "tree_head": self.head.to_json()}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> InclusionProof:
        try:
            return cls(_unb64(data["leaf"], "Lá"), int(data["leaf_index"]),
                       int(data["tree_size"]),
                       [_unb64(p, "Đường dẫn") for p in data["inclusion_path"]],
                       TreeHead.from_json(data["tree_head"]))
        except (KeyError, TypeError, ValueError) as exc:
            if isinstance(exc, LedgerError):
                raise
            raise LedgerError(f"Bằng chứng thiếu trường: {exc}") from exc
