"""Checking a học bạ for anyone: by look-up code plus a second factor, or by its file.

The contract the portal, the API and the benches build on. Every answer is a
``hocba.domain.verdict.VerificationReport`` (three verdicts, ANCHORS.md §14 item 1):

* **integrity** — every signature valid and the document unchanged after the last one
  (``hocba.verification.offline.examine``), and the file *is* the stored original: its SHA-256
  equals the issued one (``IssuedRecord``) and the log's leaf. HCMC QĐ 1789 Điều 2:
  verification = the signatures *and* the comparison with the copy on the state server;
* **status** — issued, revoked (no issued replacement yet), replaced (``replaced_by``), not
  issued (still in the chain, returned, discarded) or unknown; from the database, and for an
  issued record confirmed by the transparency log's inclusion proof (RFC 9162 §2.1.3.2):
  without one, INDETERMINATE/TRY_LATER;
* **issuer** — the seal is the school's registered organisation certificate that the
  Phòng/Sở approved (CV 2088 PL1 III: "only an approved certificate may sign issuance";
  QĐ 1789 Điều 7–10), ``UID=MA_TRUONG`` of the record's school, chaining to a trusted root.

QĐ 1789 Điều 12: valid only when all three passed. A look-up shows personal data (the
student's name) only once the second factor matched, and that read is audited.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import hmac
import time
from collections import OrderedDict
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction

from hocba.audit import services as audit
from hocba.audit.context import acting_from, current_origin
from hocba.audit.models import AuditEvent
from hocba.domain.verdict import (
    RecordStatus,
    SubIndication,
    Verdict,
    VerificationReport,
)
from hocba.records.models import HocBaRecord
from hocba.records.models import RecordStatus as StoredStatus
from hocba.verification import guard, selectors
from hocba.verification.models import FileCheckCache
from hocba.verification.offline import (
    DEFAULT_MAX_BYTES,
    FileCheck,
    LogAnswer,
    Unusable,
    examine,
    kind_of,
    log_answer,
    printed_lookup_code,
)

UNKNOWN_REASON = ("Không tìm thấy học bạ khớp với mã tra cứu và thông tin xác thực (ngày sinh "
                  "hoặc mã xác thực được chia sẻ) đã nhập. Hãy kiểm tra lại mã tra cứu in trên "
                  "học bạ và thông tin thứ hai.")
_UNKNOWN = Verdict.indeterminate(UNKNOWN_REASON, SubIndication.SIGNED_DATA_NOT_FOUND)
UNKNOWN_REPORT = VerificationReport(_UNKNOWN, _UNKNOWN, _UNKNOWN,
                                    record_status=RecordStatus.UNKNOWN)
_DUMMY_FACTOR = "0000-00-00"
SEAL_APPROVAL_SKEW = dt.timedelta(minutes=5)  # clocks of the approver's and the sealer's


class VerificationRefused(ValueError):
    """The input cannot be checked at all (too large, not a PDF or XML, hostile). The message
    is Vietnamese and names what is wrong; nothing is stored."""


def max_upload_bytes() -> int:
    return int(getattr(settings, "VERIFICATION_MAX_UPLOAD_BYTES", DEFAULT_MAX_BYTES))


# --- by look-up code ---------------------------------------------------------------------------

def check_code(lookup_code: str, *, birth_date: dt.date | None = None,
               shared_code: str | None = None, channel: str = "web") -> VerificationReport:
    """The three verdicts of the record with ``lookup_code``, when the second factor (the
    student's date of birth, or a verification code the holder shared) matches.

    An unknown code and a wrong second factor give the same answer (no oracle for
    enumeration); comparisons are constant-time. Cheap enough for the status API's 500
    requests/s: no signature is validated per request (the stored original's validation is
    cached by its hash). The read is audited when it shows personal data."""
    recalled = _recall(lookup_code, birth_date, shared_code)
    if recalled is not None:
        _audit(recalled[0], channel, "ngay_sinh")
        return recalled[1]
    found = selectors.find(lookup_code)
    if not _factor_matches(found, birth_date, shared_code):
        return UNKNOWN_REPORT
    assert found is not None
    record = found.record
    status, record_status, replaced_by, replaces, answer = _status(found)
    if not found.issued:
        integrity = Verdict.failed("Học bạ chưa được phát hành nên không có bản gốc đã ký để "
                                   "kiểm tra.", SubIndication.SIGNED_DATA_NOT_FOUND)
        issuer = Verdict.failed("Học bạ chưa có chữ ký phát hành (con dấu số) của trường.",
                                SubIndication.NO_SIGNING_CERTIFICATE_FOUND)
        signatures: tuple[Any, ...] = ()
    else:
        xml_check, pdf_check = stored_checks(found)
        integrity = _stored_integrity(found, xml_check, pdf_check, answer)
        issuer = _issuer(record, xml_check, pdf_check)
        signatures = tuple(pdf_check.signatures) if pdf_check else ()
    facts = _facts(record, with_name=True)
    _audit(record, channel, "ngay_sinh" if birth_date is not None else "ma_chia_se")
    report = VerificationReport(integrity, status, issuer, lookup_code=str(record.lookup_code),
                                record_status=record_status, replaced_by=replaced_by,
                                replaces=replaces, facts=facts, signatures=signatures)
    _remember(lookup_code, birth_date, shared_code, record, report)
    return report


# Answers to a matched date of birth, kept a few seconds in this process
# (VERIFICATION_STATUS_CACHE_SECONDS; 0 turns it off, as under pytest): a QR scanned by a
# queue of employers, or the 500 requests/s of the status benchmark, cost one audit INSERT
# instead of ~10 ms of queries. Only after the factor matched (a wrong factor and an unknown
# code still take the same uncached path: no timing oracle); never for a shared code (the
# holder may withdraw it). A revocation shows within that many seconds; each read is still
# audited.
_ANSWERS: OrderedDict[tuple[str, str], tuple[float, HocBaRecord, VerificationReport]] = \
    OrderedDict()
_ANSWERS_SIZE = 10_000


def _answer_key(lookup_code: str, birth_date: dt.date | None,
                shared_code: str | None) -> tuple[str, str] | None:
    if shared_code or not isinstance(birth_date, dt.date) or \
            getattr(settings, "VERIFICATION_STATUS_CACHE_SECONDS", 0) <= 0:
        return None
    return str(lookup_code).strip().lower(), birth_date.isoformat()


def _recall(lookup_code: str, birth_date: dt.date | None,
            shared_code: str | None) -> tuple[HocBaRecord, VerificationReport] | None:
    key = _answer_key(lookup_code, birth_date, shared_code)
    found = _ANSWERS.get(key) if key else None
    if found is None or found[0] < time.monotonic():
        return None
    return found[1], found[2]


def _remember(lookup_code: str, birth_date: dt.date | None, shared_code: str | None,
              record: HocBaRecord, report: VerificationReport) -> None:
    key = _answer_key(lookup_code, birth_date, shared_code)
    if key is None:
        return
    expires = time.monotonic() + settings.VERIFICATION_STATUS_CACHE_SECONDS
    _ANSWERS[key] = (expires, record, report)
    while len(_ANSWERS) > _ANSWERS_SIZE:
        _ANSWERS.popitem(last=False)


def _factor_matches(found: selectors.Found | None, birth_date: dt.date | None,
                    shared_code: str | None) -> bool:
    """Constant-time comparison of the second factor (issue 6 §6); a missing record still
    costs one comparison, so the answer's timing does not tell it apart."""
    record = found.record if found is not None else None
    if birth_date is not None:
        expected = record.student.birth_date.isoformat() if record is not None \
            else _DUMMY_FACTOR
        given = birth_date.isoformat() if isinstance(birth_date, dt.date) else str(birth_date)
        return hmac.compare_digest(expected.encode(), given.encode()) and record is not None
    if shared_code:
        from hocba.sharing.selectors import shared_code_matches

        if record is None:
            hmac.compare_digest(b"-", shared_code.encode("utf-8", "replace"))
            return False
        return bool(shared_code_matches(record.pk, shared_code.strip()))
    return False


def _facts(record: HocBaRecord, *, with_name: bool) -> dict[str, str]:
    """What the holder shared by giving the second factor, or what the file shows."""
    facts = {"school_name": record.school.name, "school_code": record.school.code,
             "school_year": record.school_year.name, "class_name": record.school_class.name}
    if with_name:
        facts["student_name"] = record.student.full_name
    return facts


def _audit(record: HocBaRecord, channel: str, factor: str) -> None:
    """Every read of a student's personal data is audited (QĐ 1789 Điều 4 "có lưu vết"); the
    school's place is given, so the log's scope costs no query."""
    origin = current_origin()
    school = record.school
    with acting_from(dataclasses.replace(origin, channel=channel)):
        audit.record(AuditEvent.Kind.READ, "xem", obj=record,
                     scope=(school.pk, school.province_id, school.area_id),
                     detail={"ma_tra_cuu": str(record.lookup_code), "xac_thuc": factor,
                             "tra_cuu_cong_khai": True},
                     grouped=True)


# --- the stored original, checked once -------------------------------------------------------

def stored_checks(found: selectors.Found) -> tuple[FileCheck | None, FileCheck | None]:
    """The checks of the issued XML and PDF, from the cache (by their issued SHA-256), else
    validated now from the stored bytes and cached."""
    if not found.issued:
        return None, None
    anchors, anchors_id = selectors.anchors()
    checks: list[FileCheck | None] = []
    for kind, digest in (("xml", found.xml_sha256), ("pdf", found.pdf_sha256)):
        check = selectors.cached_check(str(digest), anchors_id)
        if check is None:
            data = _stored_bytes(found.record, kind)
            if data is None:
                checks.append(None)
                continue
            check = examine(data, anchors, max_bytes=max(len(data), 1))
            _store(check, anchors_id)
        checks.append(check)
    return checks[0], checks[1]


def _stored_bytes(record: HocBaRecord, kind: str) -> bytes | None:
    """The issued file as the issuance app keeps it."""
    from hocba.issuance.selectors import issued_files

    files = issued_files(record)
    if files is None:
        return None
    return bytes(files[1] if kind == "pdf" else files[0])


def _store(check: FileCheck, anchors_id: str) -> None:
    selectors.remember(check, anchors_id)
    try:
        with transaction.atomic():
            FileCheckCache.objects.get_or_create(
                sha256=check.sha256, anchors=anchors_id,
                defaults={"kind": check.kind, "result": check.to_json()})
    except IntegrityError:  # another process stored it first
        pass


def warm(records: Any) -> int:
    """Validate and cache the stored originals of ``records`` (issued ones), so the first
    look-up of each is as cheap as the next (benches, after an issuance). Returns how many."""
    done = 0
    for record in records:
        found = selectors.find(record.lookup_code)
        if found is not None and found.issued:
            stored_checks(found)
            done += 1
    return done


def _stored_integrity(found: selectors.Found, xml_check: FileCheck | None,
                      pdf_check: FileCheck | None, answer: LogAnswer | None) -> Verdict:
    for kind, check, digest in (("XML", xml_check, found.xml_sha256),
                                ("PDF", pdf_check, found.pdf_sha256)):
        if check is None:
            return Verdict.indeterminate(f"Máy chủ không còn bản {kind} đã phát hành để kiểm "
                                         "tra.", SubIndication.SIGNED_DATA_NOT_FOUND)
        if check.sha256 != digest:
            return Verdict.failed(f"Bản {kind} lưu trên máy chủ khác bản đã phát hành (mã băm "
                                  "SHA-256 không khớp).", SubIndication.HASH_FAILURE)
        if not check.integrity.ok:
            return Verdict(check.integrity.indication,
                           f"Bản {kind} lưu trên máy chủ: {check.integrity.reason}",
                           check.integrity.sub_indication)
    if answer is not None and answer.verdict.sub_indication is SubIndication.HASH_FAILURE:
        return answer.verdict
    return Verdict.passed("Bản gốc XML và PDF lưu trên máy chủ: mọi chữ ký đúng, không bị sửa "
                          "sau chữ ký phát hành; mã băm khớp với bản đã phát hành"
                          + (" và với nhật ký minh bạch." if answer is not None
                             and answer.verdict.ok else "."))


# --- status ---------------------------------------------------------------------------------

def _date(moment: dt.datetime) -> str:
    from django.utils import timezone

    return timezone.localtime(moment).strftime("%d/%m/%Y")


def _status(found: selectors.Found) -> tuple[Verdict, RecordStatus, str | None, str | None,
                                             LogAnswer | None]:
    """(verdict, status, replaced_by, replaces, the log's answer for an issued record)."""
    record, replaces = found.record, found.predecessor_code
    if found.revoked_at is not None:
        when = _date(found.revoked_at)
        if found.replacement_code is not None and found.replacement_issued:
            return (Verdict.failed(
                f"Học bạ đã bị thu hồi ngày {when} và được thay thế bởi học bạ có mã tra cứu "
                f"{found.replacement_code} (QĐ 1789 Điều 21): bản này không còn giá trị.",
                SubIndication.REVOKED), RecordStatus.REPLACED, found.replacement_code,
                replaces, None)
        return (Verdict.failed(
            f"Học bạ đã bị thu hồi ngày {when} (QĐ 1789 Điều 21); học bạ thay thế chưa được "
            "phát hành. Bản này không còn giá trị.", SubIndication.REVOKED),
            RecordStatus.REVOKED, None, replaces, None)
    if not found.issued or found.issued_at is None:
        why = ("đã bị huỷ trước khi phát hành" if record.status == StoredStatus.DISCARDED
               else "đang trong quá trình ký, chưa có chữ ký phát hành (con dấu số) của trường")
        return (Verdict.failed(f"Học bạ chưa được phát hành: {why} (CV 2088 PL1 III bước 7).",
                               SubIndication.GENERIC), RecordStatus.NOT_ISSUED, None, replaces,
                None)
    answer = _log(found)
    issued = f"Đã phát hành ngày {_date(found.issued_at)}, còn hiệu lực"
    if answer is None:
        return (Verdict.indeterminate(
            f"{issued} theo cơ sở dữ liệu, nhưng nhật ký minh bạch chưa có bằng chứng ghi nhận "
            "việc phát hành (RFC 9162): thử lại sau ít phút.", SubIndication.TRY_LATER),
            RecordStatus.ISSUED, None, replaces, None)
    if not answer.verdict.ok:
        return answer.verdict, RecordStatus.ISSUED, None, replaces, answer
    return (Verdict.passed(f"{issued}. {answer.verdict.reason}"), RecordStatus.ISSUED, None,
            replaces, answer)


# Inclusion proofs already verified in this process, by (look-up code, XML and PDF SHA-256).
# The log is append-only (RFC 9162 §2.1.4: every later head is consistent with the one the
# proof was checked against), so an "issued" leaf once proven stays in the log: re-checking
# it on every look-up would cost four queries and a signature for the same answer. Only
# successes are kept; a revocation is read from the database on every request.
_PROVEN: OrderedDict[tuple[str, str, str], LogAnswer] = OrderedDict()
_PROVEN_SIZE = 100_000


def _log(found: selectors.Found) -> LogAnswer | None:
    """The log's inclusion proof of the record's "issued" event, checked against the log key;
    its leaf must carry the issued XML's and PDF's SHA-256. None when the log has no proof."""
    from hocba.transparency.keys import log_public_key
    from hocba.transparency.selectors import inclusion_for

    code = str(found.record.lookup_code)
    key = (code, str(found.xml_sha256), str(found.pdf_sha256))
    known = _PROVEN.get(key)
    if known is not None:
        return known
    proof = inclusion_for(code, "issued")
    if proof is None:
        return None
    answer = log_answer(proof, log_public_key(), kind="xml", digest=str(found.xml_sha256),
                        lookup_code=code)
    if answer.verdict.ok:
        answer = log_answer(proof, log_public_key(), kind="pdf", digest=str(found.pdf_sha256),
                            lookup_code=code)
    if answer.verdict.sub_indication is SubIndication.HASH_FAILURE:
        return LogAnswer(Verdict.failed(
            "Bản đã phát hành trong cơ sở dữ liệu khác bản ghi trong nhật ký minh bạch: dữ liệu "
            "đã bị sửa sau khi phát hành.", SubIndication.HASH_FAILURE), answer.event,
            answer.lookup_code, answer.school)
    if answer.verdict.ok:
        _PROVEN[key] = answer
        while len(_PROVEN) > _PROVEN_SIZE:
            _PROVEN.popitem(last=False)
    return answer


# --- issuer ---------------------------------------------------------------------------------

def _issuer(record: HocBaRecord, *checks: FileCheck | None) -> Verdict:
    """The seal: chains to a trusted root (the files' checks), names the record's school, and
    is the organisation certificate the Phòng/Sở approved for it (CV 2088 PL1 III)."""
    from hocba.certificates.models import CertificateKind, CertificateStatus

    if not checks or any(check is None for check in checks):
        return Verdict.indeterminate("Không có bản đã phát hành để kiểm tra con dấu số.",
                                     SubIndication.SIGNED_DATA_NOT_FOUND)
    present = [check for check in checks if check is not None]
    for check in present:
        if not check.chain.ok:
            return check.chain
    school = record.school
    for check in present:
        if check.seal_school != school.code:
            return Verdict.failed(f"Con dấu số mang MA_TRUONG {check.seal_school}, không phải "
                                  f"của {school.name} (MA_TRUONG {school.code}).",
                                  SubIndication.GENERIC)
    seals = {check.seal_certificate_sha256 for check in present}
    if len(seals) != 1:
        return Verdict.failed("Bản XML và bản PDF mang hai con dấu số khác nhau.",
                              SubIndication.GENERIC)
    check = present[-1]
    registered = selectors.registered_certificate(check.seal_certificate_sha256)
    if registered is None:
        return Verdict.failed(
            f"Con dấu số không phải chứng thư số tổ chức đã đăng ký của {school.name} trong hệ "
            "thống (CV 2088 PL1 II.2).", SubIndication.NO_CERTIFICATE_CHAIN_FOUND)
    if (registered["kind"] != CertificateKind.ORGANISATION
            or registered["school_id"] != school.pk or registered["school_code"] != school.code):
        return Verdict.failed(f"Chứng thư số của con dấu không được đăng ký cho {school.name}.",
                              SubIndication.GENERIC)
    sealed_at = dt.datetime.fromisoformat(check.seal_time) if check.seal_time else None
    decided_at, revoked_at = registered["decided_at"], registered["revoked_at"]
    status = registered["status"]
    approved = status == CertificateStatus.APPROVED or (
        status == CertificateStatus.REVOKED and decided_at is not None
        and revoked_at is not None and sealed_at is not None and revoked_at > sealed_at)
    if not approved or decided_at is None:
        state = str(CertificateStatus(status).label).lower()
        return Verdict.failed(f"Chứng thư số của con dấu {school.name} {state}: chỉ chứng thư "
                              "được Phòng/Sở GDĐT phê duyệt mới được ký phát hành (CV 2088 PL1 "
                              "III, QĐ 1789 Điều 7–10).", SubIndication.GENERIC)
    if sealed_at is not None and decided_at > sealed_at + SEAL_APPROVAL_SKEW:
        return Verdict.failed(f"Con dấu số được dùng ngày {_date(sealed_at)}, trước khi được "
                              f"phê duyệt ngày {_date(decided_at)}.", SubIndication.GENERIC)
    return Verdict.passed(f"Con dấu số của {school.name} (MA_TRUONG {school.code}) đã được "
                          f"Phòng/Sở GDĐT phê duyệt ngày {_date(decided_at)} và chuỗi tới CA "
                          "gốc tin cậy; chứng thư số của mọi người ký hợp lệ.")


# --- by file ---------------------------------------------------------------------------------

def verify_file(data: bytes, *, filename: str = "", channel: str = "web") -> VerificationReport:
    """Full validation of an uploaded PDF or XML: every signature, the XML against its XSD,
    the comparison with the stored original, and the log's inclusion proof.
    ``VerificationRefused`` when the file cannot be checked at all."""
    if not isinstance(data, bytes | bytearray):
        raise VerificationRefused("Cần nội dung tệp (PDF hoặc XML).")
    data = bytes(data)
    try:
        kind = kind_of(data, filename, max_bytes=max_upload_bytes())
        if kind == "pdf":  # a zip bomb, a huge xref, deep nesting: refused before pyHanko
            guard.check_pdf_resources(data, filename)
    except Unusable as exc:
        raise VerificationRefused(str(exc)) from exc
    except guard.Refusal as exc:
        raise VerificationRefused(exc.message) from exc
    anchors, anchors_id = selectors.anchors()
    digest = _sha(data)
    check = selectors.cached_check(digest, anchors_id)
    if check is None:
        seconds = float(getattr(settings, "VERIFICATION_DEADLINE_SECONDS",
                                guard.DEADLINE_SECONDS))
        try:
            check = guard.run_with_deadline(
                lambda: examine(data, anchors, filename=filename, max_bytes=max_upload_bytes()),
                seconds)
        except Unusable as exc:
            raise VerificationRefused(str(exc)) from exc
        except guard.DeadlineExceeded as exc:  # a parser looping on hostile input
            raise VerificationRefused(f"Tệp «{filename or 'tải lên'}» cần hơn {seconds:g} giây "
                                      "để kiểm tra: cấu trúc bất thường, tệp bị từ chối.") from exc
        except (RecursionError, MemoryError) as exc:
            raise VerificationRefused(f"Tệp «{filename or 'tải lên'}» có cấu trúc bất thường, "
                                      "không kiểm tra được.") from exc
    code = check.lookup_code or selectors.code_of_issued_file(kind, digest)
    if code is None and kind == "pdf":
        code = printed_lookup_code(data)
    found = selectors.find(code) if code else None
    if found is None:
        return _report_without_record(check, code)
    record = found.record
    if found.issued and digest == (found.pdf_sha256 if kind == "pdf" else found.xml_sha256):
        _store(check, anchors_id)  # the stored original itself: keep its check
    else:
        selectors.remember(check, anchors_id)
    status, record_status, replaced_by, replaces, answer = _status(found)
    integrity = _file_integrity(check, found, answer)
    issuer = _issuer(record, check)
    genuine = integrity.ok
    _audit(record, channel, f"tep_{kind}")
    return VerificationReport(integrity, status, issuer, lookup_code=str(record.lookup_code),
                              record_status=record_status, replaced_by=replaced_by,
                              replaces=replaces, facts=_facts(record, with_name=genuine),
                              signatures=tuple(check.signatures))


def _sha(data: bytes) -> str:
    import hashlib

    return hashlib.sha256(data).hexdigest()


def _file_integrity(check: FileCheck, found: selectors.Found,
                    answer: LogAnswer | None) -> Verdict:
    if not check.integrity.ok or not found.issued:
        return check.integrity
    stored = str(found.pdf_sha256 if check.kind == "pdf" else found.xml_sha256)
    if check.sha256 != stored:
        return Verdict.failed(
            f"Mọi chữ ký trong tệp đều đúng nhưng tệp khác bản gốc {check.kind.upper()} đã phát "
            f"hành lưu trên máy chủ (QĐ 1789 Điều 2: đối chiếu với bản lưu; mã băm SHA-256 "
            f"{check.sha256[:16]}… ≠ {stored[:16]}…).", SubIndication.HASH_FAILURE)
    if answer is not None and answer.verdict.sub_indication is SubIndication.HASH_FAILURE:
        return answer.verdict
    tail = " và với nhật ký minh bạch" if answer is not None and answer.verdict.ok else ""
    return Verdict.passed(f"{check.integrity.reason} Tệp trùng khớp với bản gốc đã phát hành "
                          f"lưu trên máy chủ{tail} (QĐ 1789 Điều 2).")


def _report_without_record(check: FileCheck, code: str | None) -> VerificationReport:
    where = (f"Không có học bạ nào với mã tra cứu {code} trong cơ sở dữ liệu học bạ."
             if code else "Không tìm thấy mã tra cứu trong tệp, và tệp không trùng với học bạ "
                          "nào đã phát hành.")
    status = Verdict.indeterminate(f"{where} Không xác định được trạng thái phát hành.",
                                   SubIndication.SIGNED_DATA_NOT_FOUND)
    issuer = check.chain if not check.chain.ok else Verdict.indeterminate(
        f"{check.chain.reason} Học bạ không có trong cơ sở dữ liệu nên không đối chiếu được con "
        "dấu số với danh bạ chứng thư số đã phê duyệt.", SubIndication.SIGNED_DATA_NOT_FOUND)
    facts = {k: v for k, v in check.facts.items() if k in ("school_name", "school_year",
                                                           "class_name")}
    return VerificationReport(check.integrity, status, issuer, lookup_code=code,
                              record_status=RecordStatus.UNKNOWN, facts=facts,
                              signatures=tuple(check.signatures))
