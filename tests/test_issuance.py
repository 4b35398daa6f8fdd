"""The signing chain on the demo's finished year (issue 5 §5–§7): each slot signed by its
signer with a registered demo certificate, the record issued by the school's approved seal,
returned with a reason, revoked and replaced before the closing date, corrected after it
with the Sở's approval, and immutable once issued — in the application and in the database.

Signatures are checked by independent tools: ``xmlsec1``-backed ``verify_xml`` for the XML
and poppler's ``pdfsig`` for the PDF. One demo database per module; each test rolls back.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import os
import subprocess
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied
from django.db import DatabaseError, connection, transaction
from django.utils import timezone

from hocba.accounts.models import RoleAssignment, User
from hocba.audit.models import AuditEvent
from hocba.certificates.keys import pki_dir
from hocba.demo import generator
from hocba.domain import issuance as rules
from hocba.domain.access import Role
from hocba.issuance import demo, selectors, services
from hocba.issuance.models import (
    Artefacts,
    CorrectionRequest,
    FrozenError,
    IssuedRecord,
    ReturnedRecord,
    SignatureEvent,
    XmlRevision,
)
from hocba.records import compose
from hocba.records.models import HocBaRecord, RecordStatus
from hocba.roster.models import SchoolClass
from hocba.signing import trust_anchors
from hocba.signing.services import PkiServices
from hocba.signing.xmldsig import verify_xml

pytestmark = pytest.mark.django_db
VN = dt.timezone(dt.timedelta(hours=7))


@pytest.fixture(scope="module")
def pki_services(tmp_path_factory: pytest.TempPathFactory) -> Iterator[PkiServices]:
    """A demo PKI of this module's own, its TSA and OCSP on a free port (the seal is B-LT,
    with every signer's OCSP answer). Certificates name where their OCSP is served, and the
    demo PKI keeps a certificate it issued once: so the module gets its own ``$HOCBA_VAR``
    (its PKI lives in ``$HOCBA_VAR/pki``), and while it runs the PKI's default address is
    this server's, so the demo seed's certificates name it."""
    from hocba.signing import pki

    saved = {name: os.environ.get(name) for name in ("HOCBA_VAR", "HOCBA_TSA_URL")}
    os.environ["HOCBA_VAR"] = str(tmp_path_factory.mktemp("issuance-var"))
    defaults = pki.ensure_demo_pki.__kwdefaults__
    try:
        with PkiServices.for_directory(pki_dir()) as running:
            pki.ensure_demo_pki.__kwdefaults__ = {**(defaults or {}),
                                                  "base_url": running.base_url}
            os.environ["HOCBA_TSA_URL"] = f"{running.base_url}/tsa"
            yield running
    finally:
        pki.ensure_demo_pki.__kwdefaults__ = defaults
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


@pytest.fixture(scope="module")
def demo_db(django_db_setup: Any, django_db_blocker: Any, pki_services: PkiServices) -> Any:
    with django_db_blocker.unblock(), transaction.atomic():
        generator.seed(size="small")
        yield django_db_blocker
        transaction.set_rollback(True)


@pytest.fixture
def db_demo(demo_db: Any, pki_services: PkiServices) -> Any:
    with demo_db.unblock(), transaction.atomic():
        yield pki_services
        transaction.set_rollback(True)


def _class(school: str, name: str) -> SchoolClass:
    return SchoolClass.objects.select_related("school", "school_year").get(
        school__code=school, school_year__name="2024-2025", name=name)


def _principal(school_class: SchoolClass) -> User:
    return RoleAssignment.objects.filter(
        role=Role.PRINCIPAL, school=school_class.school,
        school_year=school_class.school_year).get().user


def _composed(school_class: SchoolClass, count: int) -> list[HocBaRecord]:
    compose.compose_class(_principal(school_class), school_class)
    return list(selectors.signing_records(school_class=school_class)[:count])


def _signers(school_class: SchoolClass, services_: PkiServices) -> dict[str, User]:
    signers = demo.signers_of_class(school_class)
    demo.ensure_demo_certificates(
        school_class.school, [u for s, u in signers.items() if s != rules.KY_PHAT_HANH],
        base_url=services_.base_url)
    return signers


def _pdfsig(pdf: bytes, tmp_path: Path) -> str:
    path = tmp_path / "hocba.pdf"
    path.write_bytes(pdf)
    nss = tmp_path / "nss"
    nss.mkdir(exist_ok=True)
    subprocess.run(["certutil", "-N", "-d", f"sql:{nss}", "--empty-password"], check=True,
                   capture_output=True)
    subprocess.run(["certutil", "-A", "-d", f"sql:{nss}", "-n", "hocba-demo-root", "-t",
                    "CT,C,C", "-i", str(pki_dir() / "root-ca.pem")], check=True,
                   capture_output=True)
    done = subprocess.run(["pdfsig", "-nssdir", f"sql:{nss}", str(path)], capture_output=True,
                          text=True, check=False)
    return done.stdout + done.stderr


class CountingBackend:
    """A signer that counts its confirmations (``sign_digests`` calls)."""

    def __init__(self, inner: Any) -> None:
        self.inner = inner
        self.calls: list[int] = []

    @property
    def certificate(self) -> Any:
        return self.inner.certificate

    @property
    def chain(self) -> Any:
        return self.inner.chain

    def sign_digests(self, digests: Sequence[bytes]) -> list[bytes]:
        self.calls.append(len(digests))
        signatures: list[bytes] = self.inner.sign_digests(digests)
        return signatures


# --- the whole chain -------------------------------------------------------------------------

def test_a_primary_class_is_signed_gvcn_cbql_and_sealed_and_both_tools_accept_it(
        db_demo: PkiServices, tmp_path: Path) -> None:
    school_class = _class("27260001", "4A")
    records = _composed(school_class, 2)
    issued = demo.issue_class(school_class, base_url=db_demo.base_url, records=records)
    assert issued == 2
    record = records[0]
    artefacts = Artefacts.objects.get(record=record)
    issue = IssuedRecord.objects.get(record=record)
    assert (issue.xml_sha256, issue.pdf_sha256) == (artefacts.xml_sha256, artefacts.pdf_sha256)
    events = list(SignatureEvent.objects.filter(record=record).order_by("id"))
    assert [e.slot for e in events] == ["GVCN", "CBQL", "KY_PHAT_HANH"]
    # Each signature builds on the previous one's bytes.
    assert [e.xml_before for e in events[1:]] == [e.xml_after for e in events[:-1]]
    assert events[-1].xml_after == artefacts.xml_sha256 and issue.seal == events[-1]
    checks = verify_xml(bytes(artefacts.xml), trust_anchors())
    assert [(c.slot, c.valid) for c in checks] == [("GVCN", True), ("CBQL", True),
                                                    ("KY_PHAT_HANH", True)]
    pdf = selectors.current_pdf(record)
    assert pdf is not None and hashlib.sha256(pdf).hexdigest() == issue.pdf_sha256
    # What verifiers read: the issued pair, the XML stored whole at the seal.
    assert selectors.issued_files(record) == (bytes(artefacts.xml), pdf)
    assert selectors.current_xml(record) == bytes(artefacts.xml)
    assert XmlRevision.objects.filter(record=record).count() == 3
    printed = _pdfsig(pdf, tmp_path)
    assert printed.count("Signature is Valid") == 3, printed
    for field in ("GVCN", "CBQL", "KY_PHAT_HANH"):
        assert f"Signature Field Name: {field}" in printed
    assert "Certificate is Trusted" in printed


def test_subject_teachers_sign_before_the_homeroom_teacher_in_one_confirmation_each(
        db_demo: PkiServices) -> None:
    school_class = _class("27260002", "7A")
    records = _composed(school_class, 3)
    signers = _signers(school_class, db_demo)
    gvbm = sorted(s for s in signers if s.startswith("GVBM:"))
    early = services.sign_records(signers["GVCN"], records, "GVCN")
    assert not early.signed and set(early.refused) == {r.pk for r in records}
    assert "còn chờ Giáo viên bộ môn" in next(iter(early.refused.values()))
    backend = CountingBackend(demo_backend(signers[gvbm[0]]))
    done = services.sign_records(signers[gvbm[0]], records, gvbm[0], backend=backend,
                                 chunk_size=2)
    # Two chunks, each one confirmation carrying the XML and PDF digest of every record.
    assert backend.calls == [4, 2] and len(done.signed) == 3
    again = services.sign_records(signers[gvbm[0]], records, gvbm[0])
    assert len(again.already) == 3 and not again.signed
    assert SignatureEvent.objects.filter(record__in=records, slot=gvbm[0]).count() == 3


def test_two_subject_teachers_signing_at_once_neither_overwrites_the_other(
        db_demo: PkiServices, monkeypatch: pytest.MonkeyPatch) -> None:
    """Both start from the same bytes; the second to store finds the record changed, is told
    to sign again, and its retry builds on the first one's signature."""
    school_class = _class("27260002", "7A")
    records = _composed(school_class, 1)
    signers = _signers(school_class, db_demo)
    first, second = [s for s in sorted(signers) if s.startswith("GVBM:")][:2]
    original = services._Store.store
    raced: list[bool] = []

    def store_after_the_other(self: Any, signed: Any) -> None:
        if self.slot == second and not raced:
            raced.append(True)  # the other teacher's confirmation lands first
            services.sign_records(signers[first], records, first)
        original(self, signed)

    monkeypatch.setattr(services._Store, "store", store_after_the_other)
    late = services.sign_records(signers[second], records, second)
    assert not late.signed and "ký lại" in late.refused[records[0].pk]
    again = services.sign_records(signers[second], records, second)
    assert len(again.signed) == 1
    xml = selectors.current_xml(records[0])  # as signed so far: the rendition + revisions
    assert xml is not None
    checks = {c.slot: c.valid for c in verify_xml(xml, trust_anchors())}
    assert checks == {first: True, second: True}
    assert SignatureEvent.objects.filter(record=records[0]).count() == 2


def demo_backend(user: User) -> Any:
    from hocba.issuance.signing_step import personal_signer

    return personal_signer(user)


def test_a_teacher_cannot_sign_a_subject_they_do_not_teach_and_the_refusal_is_logged(
        db_demo: PkiServices) -> None:
    school_class = _class("27260002", "7A")
    records = _composed(school_class, 1)
    signers = _signers(school_class, db_demo)
    gvbm = sorted(s for s in signers if s.startswith("GVBM:"))
    other = next(s for s in gvbm if signers[s] != signers[gvbm[0]])
    with pytest.raises(PermissionDenied):
        services.sign_records(signers[gvbm[0]], records, other)
    assert AuditEvent.objects.filter(kind=AuditEvent.Kind.DENIED, actor=signers[gvbm[0]],
                                     action="records.sign").exists()
    with pytest.raises(PermissionDenied, match="dành cho Văn thư"):
        services.sign_records(signers["CBQL"], records, "KY_PHAT_HANH")


def test_the_gvcn_slot_is_the_named_homeroom_teachers_even_after_a_change_of_teacher(
        db_demo: PkiServices) -> None:
    """The record names its GVCN (GVCN/SO_CCCD): a teacher who took the class over after
    the record was composed holds the GVCN role but is not the signer the record names."""
    from hocba.accounts.authz import forget_grants
    from hocba.roster.models import Teacher

    school_class = _class("27260001", "4A")
    records = _composed(school_class, 1)
    signers = _signers(school_class, db_demo)
    named = school_class.homeroom_teacher
    assert named is not None
    newcomer = Teacher.objects.filter(school=school_class.school, user__isnull=False).exclude(
        pk=named.pk).exclude(personal_id=None).first()
    assert newcomer is not None
    SchoolClass.objects.filter(pk=school_class.pk).update(homeroom_teacher=newcomer)
    user = User.objects.get(teacher=newcomer)
    forget_grants(user)
    demo.ensure_demo_certificates(school_class.school, [user], base_url=db_demo.base_url)
    outcome = services.sign_records(user, records, "GVCN")
    assert not outcome.signed
    assert "không phải của người ký «Giáo viên chủ nhiệm»" in outcome.refused[records[0].pk]
    assert named.full_name in outcome.refused[records[0].pk]
    # And a signer that does not hold the signer's registered certificate is refused.
    with pytest.raises(rules.IssuanceRefused, match="không giữ chứng thư số đã đăng ký"):
        services.sign_records(user, records, "GVCN", backend=demo_backend(signers["CBQL"]))


def test_no_seal_without_an_approved_organisation_certificate(db_demo: PkiServices) -> None:
    from hocba.certificates.models import CertificateStatus, SigningCertificate

    school_class = _class("27260001", "4A")
    records = _composed(school_class, 1)
    signers = _signers(school_class, db_demo)
    services.sign_records(signers["GVCN"], records, "GVCN")
    services.sign_records(signers["CBQL"], records, "CBQL")
    SigningCertificate.objects.filter(school=school_class.school, kind="to_chuc").update(
        status=CertificateStatus.REGISTERED)
    with pytest.raises(rules.IssuanceRefused, match="chưa có chứng thư số tổ chức được"):
        services.sign_records(signers["KY_PHAT_HANH"], records, "KY_PHAT_HANH")
    assert not IssuedRecord.objects.filter(record__in=records).exists()


# --- returning, revoking, correcting ---------------------------------------------------------

def _issued(school_class: SchoolClass, services_: PkiServices, count: int = 1
            ) -> list[HocBaRecord]:
    records = _composed(school_class, count)
    demo.issue_class(school_class, base_url=services_.base_url, records=records)
    return records


def test_the_principal_returns_a_record_with_a_reason_and_it_is_composed_again(
        db_demo: PkiServices) -> None:
    school_class = _class("27260001", "4A")
    records = _composed(school_class, 1)
    signers = _signers(school_class, db_demo)
    services.sign_records(signers["GVCN"], records, "GVCN")
    with pytest.raises(PermissionDenied):
        services.return_record(signers["KY_PHAT_HANH"], records[0], "Sai")
    returned = services.return_record(signers["CBQL"], records[0], "Sai điểm kiểm tra môn Toán")
    assert (returned.slot, returned.reason) == ("CBQL", "Sai điểm kiểm tra môn Toán")
    old = HocBaRecord.objects.get(pk=records[0].pk)
    assert old.status == RecordStatus.DISCARDED
    again = services.sign_records(signers["CBQL"], [old], "CBQL")
    assert not again.signed
    compose.compose_class(_principal(school_class), school_class)
    fresh = HocBaRecord.objects.get(student=old.student, school_year=old.school_year,
                                    status=RecordStatus.COMPOSED)
    assert fresh.lookup_code != old.lookup_code
    assert AuditEvent.objects.filter(action="tra_lai_hoc_ba", detail__cho_ky="CBQL").exists()


def test_before_closing_the_principal_revokes_and_a_replacement_gets_a_new_uuid(
        db_demo: PkiServices) -> None:
    school_class = _class("27260001", "4A")
    [record] = _issued(school_class, db_demo)
    principal = _principal(school_class)
    june = dt.datetime(2025, 6, 20, 9, 0, tzinfo=VN)
    replacement = services.revoke_and_replace(principal, record, "Sai ngày sinh", now=june)
    record.refresh_from_db()
    assert record.status == RecordStatus.REVOKED
    assert replacement.lookup_code != record.lookup_code
    assert record.revocation.replacement.record == replacement
    assert replacement.replaces.revocation.record == record
    assert replacement.student == record.student and replacement.status == RecordStatus.COMPOSED
    assert selectors.chain_state(replacement).filled == set()  # signed again from the start
    with pytest.raises(rules.IssuanceRefused, match="đã bị thu hồi"):
        services.revoke_and_replace(principal, record, "Lần nữa", now=june)


def test_after_closing_only_an_approved_correction_lets_the_school_re_create_the_record(
        db_demo: PkiServices) -> None:
    school_class = _class("27260001", "4A")
    [record] = _issued(school_class, db_demo)
    principal = _principal(school_class)
    so = User.objects.get(username="so")
    july = dt.datetime(2025, 9, 2, 9, 0, tzinfo=VN)
    with pytest.raises(rules.IssuanceRefused, match="Đã qua ngày chốt dữ liệu"):
        services.revoke_and_replace(principal, record, "Sai tên cha", now=july)
    request = services.request_correction(principal, record, "Sai tên cha", now=july)
    with pytest.raises(PermissionDenied):
        services.decide_correction(principal, request, approve=True)
    services.decide_correction(so, request, approve=True, now=july)
    replacement = services.revoke_and_replace(principal, record, "Sai tên cha", now=july)
    assert CorrectionRequest.objects.get(pk=request.pk).revocation.record == record
    assert replacement.replaces.revocation.correction == request
    actions = set(AuditEvent.objects.filter(action__in=[
        "de_nghi_chinh_ly", "duyet_chinh_ly", "thu_hoi_thay_the_hoc_ba"]).values_list(
        "action", flat=True))
    assert actions == {"de_nghi_chinh_ly", "duyet_chinh_ly", "thu_hoi_thay_the_hoc_ba"}


# --- immutability ----------------------------------------------------------------------------

def _refused_by_database(sql: str, params: Sequence[Any]) -> str:
    with pytest.raises(DatabaseError) as refused, transaction.atomic(), \
            connection.cursor() as cursor:
        cursor.execute(sql, params)
    return str(refused.value)


def test_an_issued_record_its_artefacts_and_signatures_cannot_be_changed_even_in_raw_sql(
        db_demo: PkiServices) -> None:
    school_class = _class("27260001", "4A")
    [record] = _issued(school_class, db_demo)
    event = SignatureEvent.objects.filter(record=record).first()
    assert event is not None
    for sql in ("UPDATE issuance_signatureevent SET slot = 'CBQL' WHERE id = %s",
                "DELETE FROM issuance_signatureevent WHERE id = %s"):
        assert "append-only" in _refused_by_database(sql, [event.pk])
    for sql in ("UPDATE issuance_issuedrecord SET xml_sha256 = 'x' WHERE record_id = %s",
                "DELETE FROM issuance_issuedrecord WHERE record_id = %s",
                "UPDATE issuance_artefacts SET xml = %s WHERE record_id = %s",
                "UPDATE issuance_pdfrevision SET data = %s WHERE record_id = %s",
                "DELETE FROM issuance_pdfrevision WHERE record_id = %s",
                "UPDATE issuance_xmlrevision SET data = %s WHERE record_id = %s",
                "DELETE FROM issuance_xmlrevision WHERE record_id = %s",
                "DELETE FROM issuance_artefacts WHERE record_id = %s",
                "UPDATE records_hocbarecord SET canonical = '{}' WHERE id = %s",
                "UPDATE records_hocbarecord SET status = 'da_huy' WHERE id = %s",
                "DELETE FROM records_hocbarecord WHERE id = %s"):
        params: list[Any] = [b"<x/>", record.pk] if "= %s WHERE" in sql else [record.pk]
        assert _refused_by_database(sql, params)
    with pytest.raises(FrozenError):
        event.save()
    with pytest.raises(FrozenError):
        event.delete()
    artefacts = Artefacts.objects.get(record=record)
    artefacts.xml = b"<x/>"
    with pytest.raises(FrozenError):
        artefacts.save()
    # What was stored is what was issued.
    stored = Artefacts.objects.get(record=record)
    assert stored.xml_sha256 == IssuedRecord.objects.get(record=record).xml_sha256


def test_a_record_being_signed_keeps_its_content_but_can_be_returned(
        db_demo: PkiServices) -> None:
    school_class = _class("27260001", "4A")
    records = _composed(school_class, 1)
    signers = _signers(school_class, db_demo)
    services.sign_records(signers["GVCN"], records, "GVCN")
    assert _refused_by_database(
        "UPDATE records_hocbarecord SET canonical = '{}' WHERE id = %s", [records[0].pk])
    # Discarding is the records app's path; once signed it needs a return first.
    assert _refused_by_database(
        "UPDATE records_hocbarecord SET status = 'da_huy' WHERE id = %s", [records[0].pk])
    services.return_record(signers["CBQL"], records[0], "Sai nhận xét")
    assert ReturnedRecord.objects.filter(record=records[0]).exists()


def test_the_issue_command_signs_and_issues_a_class(db_demo: PkiServices,
                                                   capsys: pytest.CaptureFixture[str]) -> None:
    from hocba.cli import main

    school_class = _class("24222002", "1A")
    compose.compose_class(_principal(school_class), school_class)
    live = HocBaRecord.objects.filter(school_class=school_class,
                                      status=RecordStatus.COMPOSED).count()
    assert main(["issue", "--school", "24222002", "--class", "1A", "--year", "2024-2025",
                 "--pki-port", "0"]) == 0
    out = capsys.readouterr().out
    assert f"Đã phát hành {live} học bạ" in out
    assert IssuedRecord.objects.filter(record__school_class=school_class).count() == live
    assert AuditEvent.objects.filter(action="phat_hanh_hoc_ba", channel="cli").exists()


def test_signing_time_is_one_instant_per_confirmation(db_demo: PkiServices) -> None:
    school_class = _class("27260001", "4A")
    records = _composed(school_class, 2)
    signers = _signers(school_class, db_demo)
    moment = timezone.now().replace(microsecond=0)
    services.sign_records(signers["GVCN"], records, "GVCN", now=moment)
    times = set(SignatureEvent.objects.filter(record__in=records).values_list("signing_time",
                                                                              flat=True))
    assert times == {moment}


def test_an_issued_record_exports_as_its_signed_originals_not_a_fresh_rendering(
        db_demo: PkiServices) -> None:
    # QĐ 1789 Điều 3, 24: the issued XML and PDF are the record; an unsigned re-rendering
    # would have no legal value. The class zip and `hocba export` use the same rendition.
    from hocba.records import renditions

    record = _issued(_class("27260001", "4A"), db_demo)[0]
    files = selectors.issued_files(record)
    assert files is not None
    xml, pdf = files
    assert renditions.rendition(record, renditions.Format.PDF) == pdf
    assert renditions.rendition(record, renditions.Format.XML) == xml
    assert b"/ByteRange" in pdf
    assert b"SignatureValue" in xml
