"""Issue 6 §2–3: the three verdicts (integrity, status, issuer — ANCHORS.md §14 item 1, ETSI
TS 119 102-2) of real issued records, by look-up code and by file.

One demo database for the module (the fixtures of ``test_issuance``): a primary class issues
four records through the real chain (GVCN → CBQL → seal, B-LT, each logged in the
transparency log); one stays genuine, one is revoked (its replacement not yet issued), one is
revoked and replaced (the replacement issued), and one more is signed by GVCN and CBQL and
then sealed with a certificate of a separate, self-made CA (an unknown issuer).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from django.db import transaction
from django.test import override_settings

from hocba.audit.models import AuditEvent
from hocba.domain.verdict import Indication, RecordStatus, SubIndication
from hocba.issuance import demo, selectors, services, signing_step
from hocba.issuance.models import IssuedRecord
from hocba.records.models import HocBaRecord
from hocba.signing.backends import Pkcs12Signer
from hocba.signing.services import PkiServices
from hocba.verification import offline
from hocba.verification.services import (
    UNKNOWN_REASON,
    UNKNOWN_REPORT,
    VerificationRefused,
    check_code,
    verify_file,
)
from tests.test_issuance import (  # noqa: F401
    VN,
    _class,
    _composed,
    _issued,
    _principal,
    _signers,
    demo_db,
    pki_services,
)
from tests.test_issuance_acceptance import page_content_flipped, score_flipped

pytestmark = pytest.mark.django_db
PASSED, FAILED, INDETERMINATE = Indication.PASSED, Indication.FAILED, Indication.INDETERMINATE


@dataclass(frozen=True)
class Files:
    xml: bytes
    pdf: bytes


@dataclass(frozen=True)
class Scenario:
    genuine: HocBaRecord
    revoked: HocBaRecord
    replaced: HocBaRecord
    replacement: HocBaRecord
    composed: HocBaRecord  # signed by GVCN and CBQL, not sealed
    foreign: Files  # ``composed`` sealed by a self-made CA's "school" certificate
    files: dict[int, Files]

    def of(self, record: HocBaRecord) -> Files:
        return self.files[record.pk]


def files_of(record: HocBaRecord) -> Files:
    found = selectors.current_files([record])[record.pk] \
        if hasattr(selectors, "current_files") else None
    if found is not None:
        return Files(bytes(found.xml), bytes(found.pdf))
    from hocba.issuance.models import Artefacts

    pdf = selectors.current_pdf(record)
    assert pdf is not None
    return Files(bytes(Artefacts.objects.get(record=record).xml), pdf)


def self_made_seal(school: Any) -> Pkcs12Signer:
    """A CA of our own making (not a trust anchor) and an organisation certificate it issues
    in the school's name, ``UID=MA_TRUONG:<code>`` like a real seal (TT 15/2025 Phụ lục II:
    only a chain to a trusted root counts)."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    now = dt.datetime.now(dt.UTC)
    ca_key, key = ec.generate_private_key(ec.SECP256R1()), ec.generate_private_key(ec.SECP256R1())
    ca_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "CA tự lập (không tin cậy)")])
    subject = x509.Name([
        x509.NameAttribute(NameOID.USER_ID, f"MA_TRUONG:{school.code}"),
        x509.NameAttribute(NameOID.COMMON_NAME, school.name),
        x509.NameAttribute(NameOID.ORGANIZATION_NAME, school.name),
        x509.NameAttribute(NameOID.COUNTRY_NAME, "VN")])

    def build(name: x509.Name, public: Any, ca: bool) -> x509.CertificateBuilder:
        return (x509.CertificateBuilder().subject_name(name).issuer_name(ca_name)
                .public_key(public).serial_number(x509.random_serial_number())
                .not_valid_before(now - dt.timedelta(days=1))
                .not_valid_after(now + dt.timedelta(days=365))
                .add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True))

    build(ca_name, ca_key.public_key(), True).sign(ca_key, hashes.SHA256())
    usage = x509.KeyUsage(True, True, False, False, False, False, False, False, False)
    certificate = build(subject, key.public_key(), False).add_extension(
        usage, critical=True).sign(ca_key, hashes.SHA256())
    return Pkcs12Signer(key, certificate, ())


def sealed_by_foreign_ca(record: HocBaRecord) -> Files:
    """The record's files sealed in its KY_PHAT_HANH slot by ``self_made_seal`` (not stored:
    the issuance service refuses a seal that is not the school's approved one)."""
    backend = self_made_seal(record.school)
    current = files_of(record)
    pair = signing_step.prepare(current.xml, current.pdf, "KY_PHAT_HANH", backend,
                                signing_time=dt.datetime.now(dt.UTC))
    xml_sig, pdf_sig = backend.sign_digests(list(pair.digests))
    xml, pdf = signing_step.finish(pair, xml_sig, pdf_sig, slot="KY_PHAT_HANH")
    return Files(xml, pdf)


@pytest.fixture(scope="module")
def scenario(demo_db: Any, pki_services: PkiServices) -> Iterator[Scenario]:  # noqa: F811
    with demo_db.unblock(), transaction.atomic():
        school_class = _class("27260001", "4A")
        records = _composed(school_class, 4)
        assert demo.issue_class(school_class, base_url=pki_services.base_url,
                                records=records[:3]) == 3
        genuine, revoked, replaced, composed = records
        principal = _principal(school_class)
        june = dt.datetime(2025, 6, 20, 9, 0, tzinfo=VN)
        services.revoke_and_replace(principal, revoked, "Sai ngày sinh", now=june)
        replacement = services.revoke_and_replace(principal, replaced, "Sai điểm Toán",
                                                  now=june)
        assert demo.issue_class(school_class, base_url=pki_services.base_url,
                                records=[replacement]) == 1
        signers = _signers(school_class, pki_services)
        services.sign_records(signers["GVCN"], [composed], "GVCN")
        services.sign_records(signers["CBQL"], [composed], "CBQL")
        foreign = sealed_by_foreign_ca(composed)
        rows = {r.pk: HocBaRecord.objects.get(pk=r.pk)
                for r in (genuine, revoked, replaced, replacement, composed)}
        yield Scenario(rows[genuine.pk], rows[revoked.pk], rows[replaced.pk],
                       rows[replacement.pk], rows[composed.pk], foreign,
                       {pk: files_of(r) for pk, r in rows.items()})
        transaction.set_rollback(True)


def verdicts(report: Any) -> tuple[Indication, Indication, Indication]:
    return (report.integrity.indication, report.status.indication,
            report.issuer.indication)


def dob(record: HocBaRecord) -> dt.date:
    return record.student.birth_date


# --- genuine ---------------------------------------------------------------------------------

def test_a_genuine_record_passes_all_three_by_code(scenario: Scenario) -> None:
    record = scenario.genuine
    report = check_code(str(record.lookup_code), birth_date=dob(record), channel="api")
    assert verdicts(report) == (PASSED, PASSED, PASSED), report.as_dict()
    assert report.valid and report.record_status is RecordStatus.ISSUED
    assert "nhật ký minh bạch" in report.status.reason
    assert "Phòng/Sở GDĐT phê duyệt" in report.issuer.reason
    assert report.facts["student_name"] == record.student.full_name
    assert report.facts["school_code"] == "27260001" and report.facts["class_name"] == "4A"
    # Every read of personal data is audited, on the channel it came through.
    read = AuditEvent.objects.filter(kind=AuditEvent.Kind.READ, object_id=str(record.pk),
                                     detail__ma_tra_cuu=str(record.lookup_code)).last()
    assert read is not None and read.channel == "api" and read.detail["xac_thuc"] == "ngay_sinh"


def test_the_stored_originals_are_validated_once_then_served_from_the_cache(
        scenario: Scenario, monkeypatch: pytest.MonkeyPatch) -> None:
    from hocba.verification import services as verification

    record = scenario.genuine
    check_code(str(record.lookup_code), birth_date=dob(record))

    def no_validation(*args: Any, **kwargs: Any) -> Any:
        raise AssertionError("a look-up must not validate a signature")

    monkeypatch.setattr(verification, "examine", no_validation)
    assert check_code(str(record.lookup_code), birth_date=dob(record)).valid


@pytest.mark.parametrize("kind", ["pdf", "xml"])
def test_a_genuine_file_passes_all_three(scenario: Scenario, kind: str) -> None:
    record = scenario.genuine
    data = getattr(scenario.of(record), kind)
    report = verify_file(data, filename=f"hoc-ba.{kind}")
    assert verdicts(report) == (PASSED, PASSED, PASSED), report.as_dict()
    assert report.lookup_code == str(record.lookup_code)
    assert "trùng khớp với bản gốc đã phát hành" in report.integrity.reason
    assert [s["field"] for s in report.signatures][-1] == "KY_PHAT_HANH"


# --- tampered ---------------------------------------------------------------------------------

def test_a_flipped_byte_of_page_content_fails_integrity(scenario: Scenario) -> None:
    record = scenario.genuine
    report = verify_file(page_content_flipped(scenario.of(record).pdf), filename="sua.pdf")
    assert report.integrity.indication is FAILED and not report.valid
    assert report.integrity.sub_indication is SubIndication.HASH_FAILURE
    assert "bị sửa" in report.integrity.reason
    # Found by the look-up code printed on the PDF: the record itself is still issued.
    assert report.lookup_code == str(record.lookup_code)
    assert "student_name" not in report.facts  # not the original: nothing more is shown


def test_a_flipped_score_in_the_xml_fails_integrity(scenario: Scenario) -> None:
    tampered, _ = score_flipped(scenario.of(scenario.genuine).xml)
    report = verify_file(tampered, filename="sua.xml")
    assert report.integrity.indication is FAILED and not report.valid
    assert "đã bị sửa" in report.integrity.reason


def test_an_xml_against_its_xsd_fails_integrity_as_a_format_failure(scenario: Scenario) -> None:
    """QĐ 1789 Điều 12: for XML, "the structure against the regulation" is a check of its own."""
    xml = scenario.of(scenario.genuine).xml
    renamed = xml.replace(b"<TEN_LOP>", b"<TEN_LOP_KHAC>").replace(b"</TEN_LOP>",
                                                                    b"</TEN_LOP_KHAC>")
    assert renamed != xml
    report = verify_file(renamed, filename="sai-cau-truc.xml")
    assert report.integrity.indication is FAILED and not report.valid
    assert report.integrity.sub_indication is SubIndication.FORMAT_FAILURE
    assert "không đúng cấu trúc quy định" in report.integrity.reason
    assert "TEN_LOP_KHAC" in report.integrity.reason


def test_a_validly_signed_file_that_is_not_the_stored_original_fails_integrity(
        scenario: Scenario) -> None:
    """QĐ 1789 Điều 2: verification compares the file with the copy on the state server. The
    record's PDF before its seal has valid signatures, but it is not what was issued."""
    from hocba.issuance.models import PdfRevision

    record = scenario.genuine
    seal = PdfRevision.objects.filter(record=record).order_by("-number").first()
    assert seal is not None
    earlier = scenario.of(record).pdf[:-len(bytes(seal.data))]
    report = verify_file(earlier, filename="ban-truoc.pdf")
    assert report.integrity.indication is FAILED, report.as_dict()
    assert "khác bản gốc PDF đã phát hành" in report.integrity.reason


# --- revoked, replaced ------------------------------------------------------------------------

def test_a_revoked_record_fails_status_with_its_reason(scenario: Scenario) -> None:
    record = scenario.revoked
    report = check_code(str(record.lookup_code), birth_date=dob(record))
    assert report.status.indication is FAILED and not report.valid
    assert report.status.sub_indication is SubIndication.REVOKED
    assert report.record_status is RecordStatus.REVOKED and report.replaced_by is None
    assert "đã bị thu hồi ngày 20/06/2025" in report.status.reason
    assert "chưa được phát hành" in report.status.reason
    assert report.integrity.indication is PASSED  # the file itself is intact
    by_file = verify_file(scenario.of(record).pdf, filename="thu-hoi.pdf")
    assert by_file.status == report.status and not by_file.valid


def test_a_replaced_record_names_its_replacement_which_passes(scenario: Scenario) -> None:
    old, new = scenario.replaced, scenario.replacement
    report = check_code(str(old.lookup_code), birth_date=dob(old))
    assert report.status.indication is FAILED and report.record_status is RecordStatus.REPLACED
    assert report.replaced_by == str(new.lookup_code)
    assert f"thay thế bởi học bạ có mã tra cứu {new.lookup_code}" in report.status.reason
    by_file = verify_file(scenario.of(old).xml, filename="cu.xml")
    assert by_file.replaced_by == str(new.lookup_code) and not by_file.valid
    fresh = check_code(str(new.lookup_code), birth_date=dob(new))
    assert verdicts(fresh) == (PASSED, PASSED, PASSED), fresh.as_dict()
    assert fresh.replaces == str(old.lookup_code)
    assert verify_file(scenario.of(new).pdf, filename="moi.pdf").valid


# --- not issued, unknown issuer --------------------------------------------------------------

def test_a_record_still_in_the_chain_is_not_issued(scenario: Scenario) -> None:
    record = scenario.composed
    report = check_code(str(record.lookup_code), birth_date=dob(record))
    assert report.record_status is RecordStatus.NOT_ISSUED and not report.valid
    assert report.status.indication is FAILED
    assert "chưa được phát hành" in report.status.reason


@pytest.mark.parametrize("kind", ["pdf", "xml"])
def test_a_seal_from_another_ca_fails_issuer(scenario: Scenario, kind: str) -> None:
    report = verify_file(getattr(scenario.foreign, kind), filename=f"gia.{kind}")
    assert report.issuer.indication is FAILED, report.as_dict()
    assert report.issuer.sub_indication is SubIndication.NO_CERTIFICATE_CHAIN_FOUND
    assert "không chuỗi tới CA gốc tin cậy" in report.issuer.reason
    assert report.record_status is RecordStatus.NOT_ISSUED and not report.valid


def test_a_seal_whose_approval_is_not_in_force_fails_issuer(scenario: Scenario) -> None:
    """CV 2088 PL1 III: only a certificate the Phòng/Sở approved may sign issuance."""
    from hocba.certificates.models import CertificateStatus, SigningCertificate

    record = scenario.genuine
    seal = IssuedRecord.objects.get(record=record).seal
    SigningCertificate.objects.filter(der=seal.certificate).update(
        status=CertificateStatus.REJECTED)
    report = check_code(str(record.lookup_code), birth_date=dob(record))
    assert report.issuer.indication is FAILED and not report.valid
    assert "bị từ chối" in report.issuer.reason and "Phòng/Sở GDĐT phê duyệt" in \
        report.issuer.reason


# --- the second factor ------------------------------------------------------------------------

def test_a_wrong_birth_date_is_answered_like_an_unknown_code(scenario: Scenario) -> None:
    record = scenario.genuine
    before = AuditEvent.objects.count()
    wrong = check_code(str(record.lookup_code), birth_date=dob(record) + dt.timedelta(days=1))
    unknown = check_code("5f0c7a44-8d6e-4c1b-9a57-0d5e3c1b2a99", birth_date=dob(record))
    malformed = check_code("không-phải-mã", birth_date=dob(record))
    nothing = check_code(str(record.lookup_code))
    assert wrong == unknown == malformed == nothing == UNKNOWN_REPORT
    assert wrong.as_dict() == unknown.as_dict()
    assert wrong.status.reason == UNKNOWN_REASON and wrong.record_status is RecordStatus.UNKNOWN
    assert verdicts(wrong) == (INDETERMINATE,) * 3 and not wrong.valid
    assert not wrong.facts  # no personal data without the factor
    assert AuditEvent.objects.count() == before  # nothing was read


def test_a_shared_code_is_a_second_factor(scenario: Scenario,
                                          monkeypatch: pytest.MonkeyPatch) -> None:
    from hocba.sharing import selectors as sharing

    record = scenario.genuine
    monkeypatch.setattr(sharing, "shared_code_matches",
                        lambda record_id, code: record_id == record.pk and code == "ABCD-2345")
    assert check_code(str(record.lookup_code), shared_code="ABCD-2345").valid
    assert check_code(str(record.lookup_code), shared_code="ABCD-2346") == UNKNOWN_REPORT


# --- refusals and hostile files ---------------------------------------------------------------

def test_what_cannot_be_checked_is_refused_in_vietnamese() -> None:
    with pytest.raises(VerificationRefused, match="rỗng"):
        verify_file(b"", filename="trong.pdf")
    with pytest.raises(VerificationRefused, match="không phải PDF hay XML"):
        verify_file(b"\x89PNG\r\n\x1a\n" + b"\x00" * 100, filename="anh.png")
    with override_settings(VERIFICATION_MAX_UPLOAD_BYTES=1000), \
            pytest.raises(VerificationRefused, match=r"vượt giới hạn 1\.000 byte"):
        verify_file(b"%PDF-1.7\n" + b"0" * 2000, filename="lon.pdf")


@pytest.mark.parametrize("data", [
    b"%PDF-1.7\n1 0 obj\n<< /Type /Catalog",  # truncated
    b"%PDF-1.7\n" + b"[" * 50_000,  # deeply nested
    b'<?xml version="1.0"?><!DOCTYPE l [<!ENTITY a "aaaa"><!ENTITY b "&a;&a;&a;&a;">]>'
    b"<HOC_BA>&b;</HOC_BA>",  # billion laughs
    '<?xml version="1.0" encoding="UTF-16"?><HOC_BA/>'.encode("utf-16"),  # wrong encoding
    b"<HOC_BA><DU_LIEU_HOC_BA>" * 3 + b"</DU_LIEU_HOC_BA>",  # malformed
], ids=["truncated-pdf", "nested-pdf", "billion-laughs", "utf16", "malformed-xml"])
def test_hostile_files_get_a_format_failure_or_a_refusal_never_a_crash(data: bytes) -> None:
    try:
        report = verify_file(data, filename="doc-hai")
    except VerificationRefused as refused:
        assert str(refused)
        return
    assert report.integrity.indication is FAILED and not report.valid
    assert report.integrity.sub_indication in (SubIndication.FORMAT_FAILURE,
                                               SubIndication.NO_SIGNING_CERTIFICATE_FOUND)


def test_the_offline_core_imports_no_django() -> None:
    import subprocess
    import sys

    done = subprocess.run([sys.executable, "-c", (
        "import sys; import hocba.verification.offline as o; "
        "import hocba.verification.commands; "
        "print('django' in sys.modules)")], capture_output=True, text=True, check=True,
        env={"PATH": "/usr/bin:/bin"})
    assert done.stdout.strip() == "False", done.stderr
    assert offline.kind_of(b"%PDF-1.7") == "pdf"


def test_an_issued_record_the_log_cannot_prove_yet_is_indeterminate(
        scenario: Scenario, monkeypatch: pytest.MonkeyPatch) -> None:
    """Issue 6 §1: the status is confirmed by the log's inclusion proof; without one, the
    answer is INDETERMINATE (TRY_LATER) and never valid."""
    from hocba.transparency import selectors as log
    from hocba.verification import services as verification

    monkeypatch.setattr(verification, "_PROVEN", type(verification._PROVEN)())
    monkeypatch.setattr(log, "inclusion_for", lambda code, event="issued": None)
    record = scenario.genuine
    report = check_code(str(record.lookup_code), birth_date=dob(record))
    assert report.status.indication is INDETERMINATE and not report.valid
    assert report.status.sub_indication is SubIndication.TRY_LATER
    assert report.record_status is RecordStatus.ISSUED
    assert "chưa có bằng chứng" in report.status.reason


def test_the_issued_file_uploaded_again_is_answered_from_its_cached_check(
        scenario: Scenario, monkeypatch: pytest.MonkeyPatch) -> None:
    from hocba.verification import services as verification

    data = scenario.of(scenario.genuine).pdf
    assert verify_file(data, filename="lan-1.pdf").valid

    def no_validation(*args: Any, **kwargs: Any) -> Any:
        raise AssertionError("the stored original's check is cached by its SHA-256")

    monkeypatch.setattr(verification, "examine", no_validation)
    assert verify_file(data, filename="lan-2.pdf").valid
