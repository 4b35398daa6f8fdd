"""The transparency log beside the signing chain (issue 6 §1), on the demo's finished year:
every record the seal issues is one "issued" leaf appended in the same transaction; a
revocation is a "revoked" leaf and the replacement's issue names its predecessor; every
issued record's inclusion proof verifies against the latest signed head, consecutive heads
are consistent, ``hocba log audit`` is clean — and names the exact difference when someone
with database access goes around the triggers and rewrites history."""

from __future__ import annotations

import argparse
import datetime as dt
import json
from typing import Any

import pytest
from django.db import connection, transaction

from hocba.domain import ledger
from hocba.issuance import demo, services
from hocba.issuance.models import IssuedRecord
from hocba.records.models import HocBaRecord
from hocba.signing.services import PkiServices
from hocba.transparency import commands, selectors
from hocba.transparency import services as log_services
from hocba.transparency.audit import audit
from hocba.transparency.keys import log_public_key
from hocba.transparency.models import Leaf, LogState, SignedTreeHead
from tests.test_issuance import (  # noqa: F401  (the module's demo PKI, TSA, OCSP and year)
    _class,
    _issued,
    _principal,
    demo_db,
    pki_services,
)

pytestmark = pytest.mark.django_db
VN = dt.timezone(dt.timedelta(hours=7))
JUNE = dt.datetime(2025, 6, 20, 9, 0, tzinfo=VN)


@pytest.fixture
def db_demo(demo_db: Any, pki_services: PkiServices) -> Any:  # noqa: F811
    with demo_db.unblock(), transaction.atomic():
        yield pki_services
        transaction.set_rollback(True)


def _events(kind: str = ledger.ISSUED) -> list[ledger.LogEvent]:
    return [ledger.LogEvent.from_leaf(bytes(d))
            for d in Leaf.objects.filter(event=kind).order_by("index").values_list("data",
                                                                                   flat=True)]


def _run(command: Any, capsys: pytest.CaptureFixture[str], **kwargs: Any) -> tuple[int, str]:
    code = command(argparse.Namespace(**kwargs))
    return code, capsys.readouterr().out


def _without_triggers(*tables: str) -> None:
    """What someone with database access could do: switch the append-only triggers off
    (inside the test's transaction, so they come back when it rolls back)."""
    with connection.cursor() as cursor:
        for table in tables:
            if connection.vendor == "postgresql":
                cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")  # no pending trigger events
                cursor.execute(f"ALTER TABLE {table} DISABLE TRIGGER USER")
            else:
                cursor.execute("SELECT name FROM sqlite_master WHERE type = 'trigger' AND "
                               "tbl_name = %s", [table])
                for (name,) in cursor.fetchall():
                    cursor.execute(f"DROP TRIGGER {name}")


def test_each_issued_record_is_one_leaf_whose_proof_verifies_against_the_signed_head(
        db_demo: PkiServices, capsys: pytest.CaptureFixture[str]) -> None:
    records = _issued(_class("27260001", "4A"), db_demo, count=3)
    issued = {str(i.record.lookup_code): i for i in
              IssuedRecord.objects.filter(record__in=records).select_related("record")}
    events = _events()
    assert sorted(e.lookup_code for e in events) == sorted(issued)  # one leaf per record
    for event in events:
        row = issued[event.lookup_code]
        assert (event.record_sha256, event.xml_sha256, event.pdf_sha256, event.school,
                event.time, event.predecessor) == (
            row.record.identity_hash, row.xml_sha256, row.pdf_sha256, "27260001",
            row.issued_at, None)
    head = selectors.latest_tree_head()
    assert head is not None and head.size == Leaf.objects.count()
    for code in issued:
        proof = selectors.inclusion_for(code)
        assert proof is not None and proof.verify(log_public_key())
        assert proof.head == head
    assert audit() == []
    status, out = _run(commands.cmd_audit, capsys)
    assert status == 0 and "Kiểm toán nhật ký: khớp" in out
    status, out = _run(commands.cmd_proof, capsys, code=next(iter(issued)), event="issued")
    assert status == 0
    assert ledger.InclusionProof.from_json(json.loads(out)).verify(log_public_key())
    status, out = _run(commands.cmd_checkpoint, capsys)
    assert ledger.TreeHead.from_checkpoint(out) == head


def test_revoke_and_replace_logs_the_revocation_and_the_replacement_names_its_predecessor(
        db_demo: PkiServices) -> None:
    school_class = _class("27260001", "4A")
    [record] = _issued(school_class, db_demo)
    before = Leaf.objects.count()
    replacement = services.revoke_and_replace(_principal(school_class), record, "Sai ngày sinh",
                                              now=JUNE)
    [revoked] = _events(ledger.REVOKED)
    issued = IssuedRecord.objects.get(record=record)
    assert (revoked.lookup_code, revoked.time, revoked.pdf_sha256) == (
        str(record.lookup_code), JUNE, issued.pdf_sha256)
    assert Leaf.objects.count() == before + 1
    demo.issue_class(school_class, base_url=db_demo.base_url,
                     records=[HocBaRecord.objects.get(pk=replacement.pk)])
    [again] = [e for e in _events() if e.lookup_code == str(replacement.lookup_code)]
    assert again.predecessor == str(record.lookup_code)
    revoked_proof = selectors.inclusion_for(str(record.lookup_code), ledger.REVOKED)
    assert revoked_proof is not None and revoked_proof.verify(log_public_key())
    # Every signed head is consistent with every later one (RFC 9162 §2.1.4.2).
    heads = selectors.tree_heads()
    assert len(heads) >= 3
    for old in heads:
        for new in heads:
            if 0 < old.size < new.size:
                assert ledger.verify_consistency(
                    old.size, new.size, old.root, new.root,
                    selectors.consistency_between(old.size, new.size))
    assert audit() == []


def test_the_audit_names_an_issued_records_rewritten_hash(db_demo: PkiServices,
                                                          capsys: pytest.CaptureFixture[str]
                                                          ) -> None:
    [record] = _issued(_class("27260001", "4A"), db_demo)
    index = Leaf.objects.get(lookup_code=record.lookup_code).index
    _without_triggers("issuance_issuedrecord")
    with connection.cursor() as cursor:
        cursor.execute("UPDATE issuance_issuedrecord SET pdf_sha256 = %s WHERE record_id = %s",
                       ["0" * 64, record.pk])
    logged = IssuedRecord.objects.get(record=record)
    problems = audit()
    assert any(p.startswith(f"Học bạ {record.lookup_code}: SHA-256 của PDF phát hành trong cơ "
                            f"sở dữ liệu «{'0' * 64}» khác nhật ký (lá số {index}, phát hành")
               for p in problems), problems
    assert logged.pdf_sha256 == "0" * 64
    status, out = _run(commands.cmd_audit, capsys)
    assert status == 1 and str(record.lookup_code) in out


def test_the_audit_catches_a_rewritten_or_deleted_leaf(db_demo: PkiServices) -> None:
    records = _issued(_class("27260001", "4A"), db_demo, count=2)
    first, second = (Leaf.objects.get(lookup_code=r.lookup_code) for r in records)
    _without_triggers("transparency_leaf")
    with connection.cursor() as cursor:
        forged = bytes(first.data).replace(b'"school":"27260001"', b'"school":"27260002"')
        cursor.execute('UPDATE transparency_leaf SET data = %s WHERE "index" = %s',
                       [forged, first.index])
    problems = audit()
    assert (f"Lá số {first.index} (mã tra cứu {first.lookup_code}): băm lá đã lưu không khớp "
            "nội dung lá — lá đã bị sửa.") in problems
    assert any("gốc cây đã ký khác gốc tính lại từ các lá" in p for p in problems)
    assert any(p.startswith(f"Học bạ {first.lookup_code}: mã trường trong cơ sở dữ liệu "
                            "«27260001» khác nhật ký") for p in problems)
    with connection.cursor() as cursor:
        cursor.execute('DELETE FROM transparency_leaf WHERE "index" = %s', [second.index])
    problems = audit()
    assert (f"Học bạ {second.lookup_code}: đã phát hành trong cơ sở dữ liệu nhưng không có "
            "trong nhật ký minh bạch.") in problems


def test_backfill_logs_records_issued_before_the_log_existed(db_demo: PkiServices) -> None:
    records = _issued(_class("27260001", "4A"), db_demo, count=2)
    _without_triggers("transparency_leaf", "transparency_node", "transparency_signedtreehead")
    with connection.cursor() as cursor:
        for table in ("transparency_leaf", "transparency_node", "transparency_signedtreehead"):
            cursor.execute(f"DELETE FROM {table}")  # noqa: S608
    LogState.objects.update(size=0, frontier=b"")
    assert any("không có trong nhật ký minh bạch" in p for p in audit())
    assert log_services.backfill() == 2
    assert {e.lookup_code for e in _events()} == {str(r.lookup_code) for r in records}
    assert log_services.backfill() == 0
    assert audit() == [] and SignedTreeHead.objects.count() == 1
