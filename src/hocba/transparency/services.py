"""Writes to the transparency log: append the events of issued and revoked records, in the
transaction that issues or revokes them, and sign the new tree head.

Appends are serialised: the one ``LogState`` row is locked (``SELECT … FOR UPDATE`` on
PostgreSQL; SQLite's ``BEGIN IMMEDIATE`` transactions already hold the write lock), then the
leaves, the perfect subtrees they complete and the new frontier are written, and a tree head
for the new size is signed with the log key and stored — all in the caller's transaction, so
the log and the records commit or roll back together, and the latest signed head always
covers every leaf (a head per appending transaction: one Ed25519 signature, ~0.1 ms, per
chunk of issued records).
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Sequence
from typing import TYPE_CHECKING

from django.db import connection, transaction
from django.utils import timezone

from hocba.domain.ledger import ISSUED, REVOKED, Frontier, LogEvent, TreeHead, leaf_hash
from hocba.transparency.keys import log_origin, log_private_key
from hocba.transparency.models import Leaf, LogState, SignedTreeHead, node_key

if TYPE_CHECKING:
    from hocba.issuance.models import IssuedRecord, Revocation


def issued_event(issued: IssuedRecord, school_code: str, predecessor: str | None) -> LogEvent:
    record = issued.record
    return LogEvent(event=ISSUED, lookup_code=str(record.lookup_code),
                    record_sha256=record.identity_hash, school=school_code,
                    time=issued.issued_at, xml_sha256=issued.xml_sha256,
                    pdf_sha256=issued.pdf_sha256, predecessor=predecessor)


def revoked_event(revocation: Revocation, issued: IssuedRecord | None,
                  school_code: str) -> LogEvent:
    record = revocation.record
    return LogEvent(event=REVOKED, lookup_code=str(record.lookup_code),
                    record_sha256=record.identity_hash, school=school_code,
                    time=revocation.revoked_at,
                    xml_sha256=issued.xml_sha256 if issued else None,
                    pdf_sha256=issued.pdf_sha256 if issued else None)


def append_issued(issued_records: Sequence[IssuedRecord]) -> None:
    """Log the issue of each record (a chunk of the seal's confirmation): three small reads
    for the whole chunk (school codes, predecessors, the locked state) and bulk inserts."""
    if not issued_records:
        return
    from hocba.issuance.models import Replacement
    from hocba.organisation.models import School

    records = [i.record for i in issued_records]
    schools = dict(School.objects.filter(pk__in={r.school_id for r in records})
                   .values_list("pk", "code"))
    predecessors = {rid: str(code) for rid, code in Replacement.objects.filter(
        record__in=[r.pk for r in records]).values_list("record_id",
                                                         "revocation__record__lookup_code")}
    append_events([issued_event(i, schools[i.record.school_id], predecessors.get(i.record.pk))
                   for i in issued_records])


def append_revoked(revocation: Revocation) -> None:
    """Log a revocation, naming the issued files it revokes."""
    from hocba.issuance.models import IssuedRecord

    record = revocation.record
    issued = IssuedRecord.objects.filter(record=record.pk).first()
    append_events([revoked_event(revocation, issued, record.school.code)])


def append_events(events: Sequence[LogEvent], *, now: dt.datetime | None = None) -> TreeHead:
    """Append ``events`` in order and sign the new head (in the caller's transaction, or in
    one of its own)."""
    with transaction.atomic():
        state = _locked_state()
        frontier = Frontier.from_bytes(state.size, bytes(state.frontier))
        now = now or timezone.now()
        code_field = Leaf._meta.get_field("lookup_code")
        moment = Leaf._meta.get_field("appended_at").get_db_prep_value(now, connection)
        leaves, nodes = [], []
        for event in events:
            data = event.to_leaf()
            digest = leaf_hash(data)
            index = frontier.size
            nodes += [(node_key(level, position), h)
                      for level, position, h in frontier.append(digest)]
            code = code_field.get_db_prep_value(uuid.UUID(event.lookup_code), connection)
            leaves.append((index, data, digest, event.event, code, moment))
        # Plain INSERTs: Django's bulk_create prepares every value of every row through the
        # field machinery, three times the cost of the hashing itself (bench_ledger.py).
        with connection.cursor() as cursor:
            cursor.executemany(_LEAF_INSERT, leaves)
            if nodes:
                cursor.executemany(_NODE_INSERT, nodes)
        LogState.objects.filter(pk=1).update(size=frontier.size, frontier=frontier.to_bytes())
        return sign_head(frontier.size, frontier.root(), now)


_LEAF_INSERT = ('INSERT INTO transparency_leaf ("index", data, leaf_hash, event, lookup_code, '
                "appended_at) VALUES (%s, %s, %s, %s, %s, %s)")
_NODE_INSERT = "INSERT INTO transparency_node (key, hash) VALUES (%s, %s)"


def sign_head(size: int, root: bytes, now: dt.datetime) -> TreeHead:
    head = TreeHead.sign(log_origin(), size, root, now, log_private_key())
    SignedTreeHead.objects.create(size=head.size, root=head.root, timestamp=head.timestamp,
                                  origin=head.origin, key_id=head.key_id,
                                  signature=head.signature)
    return head


def _locked_state() -> LogState:
    query = LogState.objects.filter(pk=1)
    if connection.vendor == "postgresql":
        query = query.select_for_update()
    state = query.first()
    if state is None:
        # The first append (or a flushed test database): create the row, losing no race.
        LogState.objects.bulk_create([LogState(pk=1)], ignore_conflicts=True)
        state = query.get()
    return state


def backfill(*, chunk: int = 500) -> int:
    """Append the issues and revocations that predate the log (or are missing from it), in
    the order they happened. Returns how many events were appended."""
    from hocba.issuance.models import IssuedRecord, Replacement, Revocation

    logged = set(Leaf.objects.values_list("lookup_code", "event"))
    predecessors = {rid: str(code) for rid, code in Replacement.objects.values_list(
        "record_id", "revocation__record__lookup_code")}
    pending: list[tuple[dt.datetime, int, LogEvent]] = []
    issued_of: dict[int, IssuedRecord] = {}
    for issued in IssuedRecord.objects.select_related("record__school").order_by("pk"):
        issued_of[issued.record_id] = issued
        if (issued.record.lookup_code, ISSUED) not in logged:
            pending.append((issued.issued_at, 0, issued_event(
                issued, issued.record.school.code, predecessors.get(issued.record_id))))
    for revocation in Revocation.objects.select_related("record__school").order_by("pk"):
        if (revocation.record.lookup_code, REVOKED) not in logged:
            pending.append((revocation.revoked_at, 1, revoked_event(
                revocation, issued_of.get(revocation.record_id), revocation.record.school.code)))
    pending.sort(key=lambda p: (p[0], p[1]))
    events = [p[2] for p in pending]
    for start in range(0, len(events), chunk):
        append_events(events[start:start + chunk])
    return len(events)
