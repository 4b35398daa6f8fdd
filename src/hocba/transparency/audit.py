"""``hocba log audit``: does the log agree with itself, with its signed heads and with the
database's issued and revoked records?

1. Every leaf, in index order with no gap, hashes (RFC 9162 §2.1.1) to its stored leaf hash
   and is a canonical event; the perfect subtrees recomputed from the leaves are the stored
   nodes, no more, no fewer; the log state (size, frontier) is the recomputed one.
2. Every stored head is signed by the log key, and its root is the root recomputed from the
   leaves at its size; consecutive heads have a consistency proof (§2.1.4.2) built from the
   stored nodes.
3. Both ways: every issued record and every revocation has its leaf with the same look-up
   code, record hash, files' hashes, school, time and predecessor; every leaf has its record.

Every difference is one Vietnamese sentence naming the look-up code or the leaf index.
"""

from __future__ import annotations

from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from hocba.domain import ledger
from hocba.domain.ledger import ISSUED, REVOKED, Frontier, LedgerError, LogEvent
from hocba.transparency import selectors
from hocba.transparency.keys import log_public_key
from hocba.transparency.models import LEVEL_SHIFT, Leaf, LogState, Node, SignedTreeHead, node_key

FIELDS = {"record_sha256": "mã băm học bạ", "xml_sha256": "SHA-256 của XML phát hành",
          "pdf_sha256": "SHA-256 của PDF phát hành", "school": "mã trường",
          "time": "thời điểm", "predecessor": "học bạ được thay thế"}
WHAT = {ISSUED: "phát hành", REVOKED: "thu hồi"}


def audit(public_key: Ed25519PublicKey | None = None, *, records: bool = True) -> list[str]:
    """Every difference found, in Vietnamese; an empty list when the log is clean.
    ``records=False`` checks the log and its heads only (step 3 skipped)."""
    problems: list[str] = []
    heads = list(SignedTreeHead.objects.order_by("id"))
    logged, roots = _leaves(problems, {int(h.size) for h in heads})
    _heads(problems, heads, roots, public_key or log_public_key())
    if records:
        _records(problems, logged)
    return problems


def _leaves(problems: list[str], head_sizes: set[int]
            ) -> tuple[dict[tuple[str, str], tuple[int, LogEvent | None]], dict[int, bytes]]:
    frontier = Frontier()
    expected_nodes: dict[int, bytes] = {}
    roots = {0: ledger.EMPTY_ROOT}
    logged: dict[tuple[str, str], tuple[int, LogEvent | None]] = {}
    rows = Leaf.objects.order_by("index").values_list(
        "index", "data", "leaf_hash", "event", "lookup_code")
    for index, data, stored_hash, kind, code in rows.iterator(chunk_size=2000):
        if index != frontier.size:
            problems.append(f"Lá số {frontier.size}: không có trong nhật ký (lá kế tiếp mang số "
                            f"{index}) — nhật ký đã bị xoá bớt hoặc chèn thêm.")
        data = bytes(data)
        digest = ledger.leaf_hash(data)
        if digest != bytes(stored_hash):
            problems.append(f"Lá số {index} (mã tra cứu {code}): băm lá đã lưu không khớp nội "
                            "dung lá — lá đã bị sửa.")
        event: LogEvent | None
        try:
            event = LogEvent.from_leaf(data)
        except LedgerError as exc:
            event = None
            problems.append(f"Lá số {index} (mã tra cứu {code}): {exc}")
        if event is not None and (event.event, event.lookup_code) != (kind, str(code)):
            problems.append(f"Lá số {index}: cột loại/mã tra cứu ({kind}, {code}) khác nội dung "
                            f"lá ({event.event}, {event.lookup_code}).")
        if (str(code), kind) in logged:
            problems.append(f"Lá số {index}: sự kiện «{WHAT.get(kind, kind)}» của học bạ {code} "
                            f"đã có ở lá số {logged[(str(code), kind)][0]}.")
        logged[(str(code), kind)] = (int(index), event)
        for level, position, h in frontier.append(digest):
            expected_nodes[node_key(level, position)] = h
        if frontier.size in head_sizes:
            roots[frontier.size] = frontier.root()
    for key, stored in Node.objects.values_list("key", "hash").iterator(chunk_size=5000):
        where = f"Nút ({int(key) >> LEVEL_SHIFT}, {int(key) & ((1 << LEVEL_SHIFT) - 1)})"
        want = expected_nodes.pop(int(key), None)
        if want is None:
            problems.append(f"{where}: không ứng với cây con nào của các lá.")
        elif want != bytes(stored):
            problems.append(f"{where}: băm đã lưu khác băm tính lại từ các lá.")
    for key in sorted(expected_nodes):
        problems.append(f"Nút ({key >> LEVEL_SHIFT}, {key & ((1 << LEVEL_SHIFT) - 1)}): thiếu "
                        "trong cơ sở dữ liệu.")
    state = LogState.objects.filter(pk=1).first()
    size, front = (int(state.size), bytes(state.frontier)) if state else (0, b"")
    if (size, front) != (frontier.size, frontier.to_bytes()):
        problems.append(f"Trạng thái nhật ký ghi {size} lá, tính lại từ các lá được "
                        f"{frontier.size} lá (hoặc biên cây khác).")
    return logged, roots


def _heads(problems: list[str], heads: list[SignedTreeHead], roots: dict[int, bytes],
           key: Ed25519PublicKey) -> None:
    previous: ledger.TreeHead | None = None
    for row in heads:
        head = selectors._head(row)
        name = f"Đầu cây #{row.pk} ({head.size} lá)"
        if not head.verify(key):
            problems.append(f"{name}: chữ ký không hợp lệ với khoá nhật ký.")
        if head.size not in roots:
            problems.append(f"{name}: nhật ký không có đủ {head.size} lá.")
        elif roots[head.size] != head.root:
            problems.append(f"{name}: gốc cây đã ký khác gốc tính lại từ các lá — lịch sử đã bị "
                            "viết lại.")
        if previous is not None:
            _consistent(problems, name, previous, head)
        previous = head


def _consistent(problems: list[str], name: str, old: ledger.TreeHead,
                new: ledger.TreeHead) -> None:
    if new.size < old.size:
        problems.append(f"{name}: nhỏ hơn đầu cây trước ({old.size} lá).")
        return
    if old.size == 0:
        return
    try:
        proof = selectors.consistency_between(old.size, new.size)
    except LedgerError as exc:
        problems.append(f"{name}: không dựng được bằng chứng nhất quán từ {old.size} lá: {exc}")
        return
    if not ledger.verify_consistency(old.size, new.size, old.root, new.root, proof):
        problems.append(f"{name}: không nhất quán với đầu cây {old.size} lá trước đó "
                        "(RFC 9162 §2.1.4.2).")


def _records(problems: list[str],
             logged: dict[tuple[str, str], tuple[int, LogEvent | None]]) -> None:
    from hocba.issuance.models import Artefacts, IssuedRecord, Replacement, Revocation
    from hocba.transparency import services

    predecessors = {rid: str(code) for rid, code in Replacement.objects.values_list(
        "record_id", "revocation__record__lookup_code")}
    artefacts = {rid: (x, p) for rid, x, p in Artefacts.objects.filter(
        record__issue__isnull=False).values_list("record_id", "xml_sha256", "pdf_sha256")}
    issued_of: dict[int, Any] = {}
    seen: set[tuple[str, str]] = set()
    for issued in IssuedRecord.objects.select_related("record__school").order_by("pk"):
        issued_of[issued.record_id] = issued
        want = services.issued_event(issued, issued.record.school.code,
                                     predecessors.get(issued.record_id))
        _compare(problems, want, logged, seen)
        stored = artefacts.get(issued.record_id)
        if stored is not None and stored != (issued.xml_sha256, issued.pdf_sha256):
            problems.append(f"Học bạ {want.lookup_code}: mã băm của tệp XML/PDF đang lưu khác "
                            "mã băm lúc phát hành.")
    for revocation in Revocation.objects.select_related("record__school").order_by("pk"):
        want = services.revoked_event(revocation, issued_of.get(revocation.record_id),
                                      revocation.record.school.code)
        _compare(problems, want, logged, seen)
    for (code, kind), (index, _) in sorted(logged.items(), key=lambda kv: kv[1][0]):
        if (code, kind) not in seen:
            problems.append(f"Lá số {index}: sự kiện «{WHAT.get(kind, kind)}» của học bạ {code} "
                            "có trong nhật ký nhưng không có trong cơ sở dữ liệu.")


def _compare(problems: list[str], want: LogEvent,
             logged: dict[tuple[str, str], tuple[int, LogEvent | None]],
             seen: set[tuple[str, str]]) -> None:
    key = (want.lookup_code, want.event)
    seen.add(key)
    what = WHAT[want.event]
    if key not in logged:
        problems.append(f"Học bạ {want.lookup_code}: đã {what} trong cơ sở dữ liệu nhưng không "
                        "có trong nhật ký minh bạch.")
        return
    index, event = logged[key]
    if event is None:
        return
    have, need = event.as_dict(), want.as_dict()
    for name, label in FIELDS.items():
        if have[name] != need[name]:
            problems.append(f"Học bạ {want.lookup_code}: {label} trong cơ sở dữ liệu "
                            f"«{need[name]}» khác nhật ký (lá số {index}, {what}) "
                            f"«{have[name]}».")
