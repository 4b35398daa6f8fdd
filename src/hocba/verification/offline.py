"""Checking a học bạ file with nothing but the file: the Django-free core of verification.

Given the bytes of a PDF or XML, the trust anchors, and optionally the transparency log's
public key and an inclusion proof, ``verify_offline`` gives the three verdicts of
``hocba.domain.verdict`` (ANCHORS.md §14 item 1; ETSI TS 119 102-2). ``hocba verify`` prints
them; ``hocba.verification.services`` starts from ``examine`` and adds what the database
knows (the stored original, the record's status, the registry of approved seals).

What a file alone can tell (HCMC QĐ 1789 Điều 12 "if any check fails, the học bạ is invalid";
Điều 2 and Điều 24: verification = the signatures *and* the comparison with the stored copy):

* **integrity** — every signature intact, its value correct, nothing added after the last
  one but validation data (the seal must cover the whole PDF: ETSI EN 319 142-1), an XML's
  structure valid against its XSD (QĐ 1789 Điều 12 "for XML, the structure against the
  regulation"): ``verify_pdf`` / ``verify_xml`` and ``hocba.domain.moet.validate``;
* **issuer** — the seal (KY_PHAT_HANH, CV 2088 PL1 III step 7) is an organisation certificate
  ``UID=MA_TRUONG:<code>`` of the school the file names, chaining to a trust anchor; without
  the registry of approved seals, the verdict says it was not consulted;
* **status** — only the log can say it offline: an inclusion proof of the file's "issued"
  event under a tree head signed by the log key (RFC 9162 §2.1.3), with the file's SHA-256 in
  the leaf. No proof: INDETERMINATE (TRY_LATER), never valid.
"""

from __future__ import annotations

import hashlib
import json
import re
import shutil
import subprocess
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from cryptography import x509
from cryptography.x509.oid import NameOID

from hocba.domain.certificate_check import SCHOOL_PREFIX
from hocba.domain.moet import safe
from hocba.domain.moet.errors import MoetXmlError
from hocba.domain.verdict import (
    Indication,
    RecordStatus,
    SubIndication,
    Verdict,
    VerificationReport,
)

SEAL = "KY_PHAT_HANH"
DEFAULT_MAX_BYTES = 5 * 1024 * 1024
UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}")
PRINTED_CODE = re.compile(r"Mã số tra cứu học bạ[^:]*:\s*(" + UUID.pattern + ")")
PDFTOTEXT_TIMEOUT = 10  # seconds: a hostile PDF must not hang the verifier


class Unusable(ValueError):
    """The input cannot be checked at all (empty, not a PDF or an XML, too large). The
    message is Vietnamese and names the file."""


# --- what the file is --------------------------------------------------------------------------

def kind_of(data: bytes, filename: str = "", *, max_bytes: int = DEFAULT_MAX_BYTES) -> str:
    """"pdf" or "xml", from the bytes (the name is only quoted): ``Unusable`` otherwise."""
    name = f"«{filename}»" if filename else "tải lên"
    if not data:
        raise Unusable(f"Tệp {name} rỗng: không có gì để kiểm tra.")
    if len(data) > max_bytes:
        raise Unusable((f"Tệp {name} có {len(data):,} byte, vượt giới hạn {max_bytes:,} byte "
                        f"của một học bạ.").replace(",", "."))
    head = data[:1024]
    if b"%PDF-" in head:
        return "pdf"
    body = head[len(safe.UTF8_BOM):] if head.startswith(safe.UTF8_BOM) else head
    if body.lstrip().startswith(b"<"):
        return "xml"
    raise Unusable(f"Tệp {name} không phải PDF hay XML học bạ: chỉ kiểm tra được tệp PDF "
                   f"(bản thể hiện) hoặc XML (dữ liệu học bạ theo CV 2088).")


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


# --- the file's own check (cacheable: a pure function of the bytes and the anchors) ----------

@dataclass(frozen=True)
class FileCheck:
    """What the file says of itself once every signature is checked. The same bytes and
    anchors always give the same ``FileCheck`` (PDF signatures are judged at the seal's
    time-stamp, XML ones at their signing time), so it is cached by ``sha256``."""

    kind: str  # "pdf" or "xml"
    sha256: str
    integrity: Verdict
    chain: Verdict  # the seal's and signers' certificates: chain, identity (the offline issuer)
    sealed: bool  # the seal KY_PHAT_HANH is there
    seal_school: str | None = None  # the seal's MA_TRUONG
    seal_certificate_sha256: str | None = None
    seal_time: str | None = None  # ISO 8601
    lookup_code: str | None = None  # the XML's MA_TRA_CUU_UUID
    school_code: str | None = None  # the XML's MA_TRUONG
    facts: Mapping[str, str] = field(default_factory=dict)  # school, year, class (of the file)
    student_name: str | None = None  # shown only when the holder shared it
    signatures: tuple[Mapping[str, Any], ...] = ()

    def to_json(self) -> dict[str, Any]:
        return {"kind": self.kind, "sha256": self.sha256,
                "integrity": self.integrity.as_dict(), "chain": self.chain.as_dict(),
                "sealed": self.sealed, "seal_school": self.seal_school,
                "seal_certificate_sha256": self.seal_certificate_sha256,
                "seal_time": self.seal_time, "lookup_code": self.lookup_code,
                "school_code": self.school_code, "facts": dict(self.facts),
                "student_name": self.student_name,
                "signatures": [dict(s) for s in self.signatures]}

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> FileCheck:
        return cls(kind=data["kind"], sha256=data["sha256"],
                   integrity=verdict_from_dict(data["integrity"]),
                   chain=verdict_from_dict(data["chain"]), sealed=data["sealed"],
                   seal_school=data.get("seal_school"),
                   seal_certificate_sha256=data.get("seal_certificate_sha256"),
                   seal_time=data.get("seal_time"), lookup_code=data.get("lookup_code"),
                   school_code=data.get("school_code"), facts=data.get("facts") or {},
                   student_name=data.get("student_name"),
                   signatures=tuple(data.get("signatures") or ()))


def verdict_from_dict(data: Mapping[str, Any]) -> Verdict:
    sub = data.get("sub_indication")
    return Verdict(Indication(data["indication"]), data["reason"],
                   SubIndication(sub) if sub else None)


def anchors_fingerprint(anchors: Sequence[x509.Certificate]) -> str:
    """One hash naming a set of trust anchors (a cached check is valid for these only)."""
    from cryptography.hazmat.primitives.serialization import Encoding

    return sha256(b"".join(sorted(hashlib.sha256(a.public_bytes(Encoding.DER)).digest()
                                  for a in anchors)))


def examine(data: bytes, anchors: Sequence[x509.Certificate], *, filename: str = "",
            max_bytes: int = DEFAULT_MAX_BYTES) -> FileCheck:
    """Every signature of the file checked, and what it names. ``Unusable`` when the input
    is not a PDF or XML at all; a PDF or XML too damaged to read is a FORMAT_FAILURE check."""
    kind = kind_of(data, filename, max_bytes=max_bytes)
    if kind == "pdf":
        return _examine_pdf(data, tuple(anchors))
    return _examine_xml(data, tuple(anchors))


def _unreadable(kind: str, digest: str, reason: str) -> FileCheck:
    return FileCheck(kind, digest, Verdict.failed(reason, SubIndication.FORMAT_FAILURE),
                     Verdict.indeterminate("Không đọc được tệp nên không xác định được đơn vị "
                                           "phát hành.", SubIndication.FORMAT_FAILURE),
                     sealed=False)


def _signature_line(name: str, signer: str, identity: str | None, when: datetime | None,
                    valid: bool, reason: str) -> dict[str, Any]:
    return {"field": name, "signer": signer, "identity": identity,
            "signing_time": when.isoformat() if when else None, "valid": valid,
            "reason": reason}


def _examine_pdf(data: bytes, anchors: tuple[x509.Certificate, ...]) -> FileCheck:
    from hocba.signing.pdf_verify import PdfVerificationError, verify_pdf_document

    digest = sha256(data)
    try:
        document = verify_pdf_document(data, anchors)
    except PdfVerificationError as exc:
        return _unreadable("pdf", digest, str(exc))
    except RecursionError:
        return _unreadable("pdf", digest, "Tệp PDF lồng nhau quá sâu: không đọc được.")
    checks = document.checks
    lines = tuple(_signature_line(c.field, c.signer, c.identity_number, c.signing_time,
                                  c.valid, c.reason) for c in checks)
    seals = [c for c in checks if c.field == SEAL or c.field.startswith(f"{SEAL}_")]
    seal = seals[-1] if seals else None
    facts = {"school_name": document.author} if document.author else {}
    if not checks:
        integrity = Verdict.failed("Tệp PDF không có chữ ký số nào: không phải học bạ số.",
                                   SubIndication.NO_SIGNING_CERTIFICATE_FOUND)
    else:
        broken = [p for c in checks for p in c.integrity_problems]
        last = checks[-1]
        if not broken and not (last.covers_whole_document
                               or last.modification_level == "LTA_UPDATES"):
            broken.append(f"Tệp có phần được thêm sau chữ ký cuối cùng «{last.field}» (chữ ký "
                          "cuối không bao trùm toàn bộ tệp): nội dung có thể đã bị thay đổi "
                          "sau khi phát hành.")
        if broken:
            sub = (SubIndication.HASH_FAILURE if any(not c.intact for c in checks)
                   else SubIndication.SIG_CRYPTO_FAILURE if any("Giá trị chữ ký" in p
                                                                for p in broken)
                   else SubIndication.HASH_FAILURE)
            integrity = Verdict.failed(" ".join(broken), sub)
        else:
            integrity = Verdict.passed(
                f"Cả {len(checks)} chữ ký ({', '.join(c.field for c in checks)}) đúng; tệp "
                f"không bị sửa sau chữ ký cuối «{last.field}».")
    school = _school_of(seal.identity_number if seal is not None else None)
    chain = _chain_verdict(
        [(c.field, c.trust_problems) for c in checks], seal is not None, school,
        _pdf_school_problem(seal, document.author))
    return FileCheck("pdf", digest, integrity, chain, seal is not None, school,
                     seal.certificate_sha256 if seal else None,
                     seal.signing_time.isoformat() if seal and seal.signing_time else None,
                     None, None, facts, None, lines)


def _pdf_school_problem(seal: Any, author: str | None) -> str | None:
    """A PDF names its school as its author (``hocba.rendering.pdf``); the seal's
    organisation (O or CN) must be that school."""
    if seal is None or seal.certificate_der is None or not author:
        return None
    try:
        certificate = x509.load_der_x509_certificate(seal.certificate_der)
    except ValueError:
        return None
    names = {str(a.value) for a in certificate.subject.get_attributes_for_oid(
        NameOID.ORGANIZATION_NAME)} | {str(a.value) for a in certificate.subject
                                       .get_attributes_for_oid(NameOID.COMMON_NAME)}
    if author.strip() not in {n.strip() for n in names}:
        return (f"Con dấu số là của «{', '.join(sorted(names))}», không phải của trường "
                f"«{author}» ghi trong tệp.")
    return None


def _chain_verdict(trust: list[tuple[str, tuple[str, ...]]], sealed: bool, school: str | None,
                   mismatch: str | None) -> Verdict:
    if not sealed:
        return Verdict.failed("Tệp không có chữ ký phát hành (con dấu số KY_PHAT_HANH) của "
                              "trường.", SubIndication.NO_SIGNING_CERTIFICATE_FOUND)
    problems = [p for _, found in trust for p in found]
    if mismatch:
        problems.append(mismatch)
    if school is None:
        problems.insert(0, "Chữ ký phát hành không dùng chứng thư số tổ chức của trường "
                           "(thiếu UID=MA_TRUONG:…).")
    if problems:
        sub = (SubIndication.NO_CERTIFICATE_CHAIN_FOUND
               if any("không chuỗi tới CA gốc" in p for p in problems)
               else SubIndication.REVOKED if any("bị thu hồi" in p and "REVOKED" in p
                                                 for p in problems)
               else SubIndication.GENERIC)
        return Verdict.failed(" ".join(problems), sub)
    return Verdict.passed(f"Con dấu số của trường MA_TRUONG {school} và chứng thư số của "
                          f"mọi người ký chuỗi tới CA gốc tin cậy.")


def _examine_xml(data: bytes, anchors: tuple[x509.Certificate, ...]) -> FileCheck:
    from hocba.domain.moet import reader
    from hocba.signing.xml_slots import XmlSigningError
    from hocba.signing.xml_verify import verify_xml

    digest = sha256(data)
    try:
        root, _profile = reader.checked_root(data)  # QĐ 1789 Điều 12: the structure, the XSD
    except MoetXmlError as exc:
        return _unreadable("xml", digest, "Tệp XML không đúng cấu trúc quy định (CV 2088, "
                                          f"QĐ 1789 Điều 12):\n{exc}")
    general = root.find("DU_LIEU_HOC_BA/THONG_TIN_CHUNG")

    def text(tag: str) -> str | None:
        value = general.findtext(tag) if general is not None else None
        return value.strip() if value and value.strip() else None

    facts = {key: value for key, value in (
        ("school_name", text("TEN_TRUONG")), ("school_year", text("TEN_NAM_HOC")
                                               or text("NAM_HOC")),
        ("class_name", text("TEN_LOP"))) if value}
    lookup_code = (text("MA_TRA_CUU_UUID") or "").lower() or None
    try:
        checks = verify_xml(data, anchors)
    except (XmlSigningError, MoetXmlError) as exc:
        return _unreadable("xml", digest, str(exc))
    lines = tuple(_signature_line(c.slot, c.signer, c.identity_number, c.signing_time,
                                  c.valid, c.reason) for c in checks)
    seals = [c for c in checks if c.slot == SEAL]
    seal = seals[-1] if seals else None
    if not checks:
        integrity = Verdict.failed("Tệp XML không có chữ ký số nào (ds:Signature): không phải "
                                   "học bạ số.", SubIndication.NO_SIGNING_CERTIFICATE_FOUND)
    else:
        broken = [p for c in checks for p in c.integrity_problems]
        if broken:
            sub = (SubIndication.HASH_FAILURE if any("đã bị sửa" in p for p in broken)
                   else SubIndication.FORMAT_FAILURE)
            integrity = Verdict.failed(" ".join(broken), sub)
        else:
            integrity = Verdict.passed(
                f"Cả {len(checks)} chữ ký ({', '.join(c.slot for c in checks)}) đúng, dữ liệu "
                f"không bị sửa; tệp đúng cấu trúc XSD của hồ sơ CV 2088.")
    school = _school_of(seal.identity_number if seal is not None else None)
    chain = _chain_verdict([(c.slot, c.trust_problems) for c in checks], seal is not None,
                           school, None)
    return FileCheck("xml", digest, integrity, chain, seal is not None, school,
                     seal.certificate_sha256 if seal else None,
                     seal.signing_time.isoformat() if seal and seal.signing_time else None,
                     lookup_code, text("MA_TRUONG"), facts, text("HO_VA_TEN"), lines)


def printed_lookup_code(pdf: bytes) -> str | None:
    """The look-up code printed on a học bạ PDF's identity page ("Mã số tra cứu học bạ: …"),
    read with poppler's ``pdftotext`` under a time limit; None when it cannot be read."""
    tool = shutil.which("pdftotext")
    if tool is None:
        return None
    try:
        done = subprocess.run([tool, "-q", "-enc", "UTF-8", "-l", "50", "-", "-"], input=pdf,
                              capture_output=True, timeout=PDFTOTEXT_TIMEOUT, check=False)
    except (subprocess.TimeoutExpired, OSError):
        return None
    found = PRINTED_CODE.search(done.stdout.decode("utf-8", "replace"))
    return found.group(1) if found else None


# --- the log -----------------------------------------------------------------------------------

@dataclass(frozen=True)
class LogAnswer:
    """What an inclusion proof says of a file: a verdict for the status, and the leaf."""

    verdict: Verdict
    event: str | None = None
    lookup_code: str | None = None
    school: str | None = None


def log_answer(proof: Any, public_key: Any, *, kind: str, digest: str,
               lookup_code: str | None = None) -> LogAnswer:
    """Check ``proof`` (a ``hocba.domain.ledger.InclusionProof``) against the log key: its
    tree head's signature and its Merkle path (RFC 9162 §2.1.3.2), then that the leaf is this
    file's event (its SHA-256, and the look-up code when known)."""
    from hocba.domain.ledger import LogEvent

    try:
        verified = bool(proof.verify(public_key))
    except Exception:  # a malformed proof is a failed one
        verified = False
    if not verified:
        return LogAnswer(Verdict.failed(
            "Bằng chứng của nhật ký minh bạch không hợp lệ: chữ ký của cây băm hoặc đường dẫn "
            "Merkle sai (RFC 9162 §2.1.3.2).", SubIndication.GENERIC))
    try:
        event = LogEvent.from_leaf(proof.leaf)
    except Exception:
        return LogAnswer(Verdict.failed("Lá của nhật ký minh bạch không đọc được.",
                                        SubIndication.FORMAT_FAILURE))
    leaf_digest = event.xml_sha256 if kind == "xml" else event.pdf_sha256
    where = _where(proof)
    if lookup_code is not None and str(event.lookup_code).lower() != lookup_code.lower():
        return LogAnswer(Verdict.failed(
            f"Nhật ký minh bạch ghi sự kiện của mã tra cứu {event.lookup_code}, không phải của "
            f"học bạ này ({lookup_code}).", SubIndication.GENERIC), event.event,
            event.lookup_code, event.school)
    if leaf_digest != digest:
        return LogAnswer(Verdict.failed(
            f"Tệp khác bản đã ghi vào nhật ký minh bạch ({where}): SHA-256 của tệp là "
            f"{digest[:16]}…, nhật ký ghi {str(leaf_digest)[:16]}….", SubIndication.HASH_FAILURE),
            event.event, event.lookup_code, event.school)
    return LogAnswer(Verdict.passed(f"Có trong nhật ký minh bạch: sự kiện «{event.event}» "
                                    f"({where})."), event.event, event.lookup_code,
                     event.school)


def _where(proof: Any) -> str:
    head = getattr(proof, "head", None)
    when = getattr(head, "timestamp", None)
    text = f"lá số {proof.leaf_index} của cây {proof.tree_size} lá"
    if isinstance(when, datetime):
        text += f", cây băm ký lúc {when:%H:%M:%S %d/%m/%Y} UTC"
    return text


# --- the offline report --------------------------------------------------------------------

NO_REGISTRY = ("Không có mạng nên không đối chiếu được danh bạ chứng thư số đã được Phòng/Sở "
               "GDĐT phê duyệt (CV 2088 PL1 III); hãy tra cứu trực tuyến để chắc chắn.")


def verify_offline(data: bytes, anchors: Sequence[x509.Certificate], *, filename: str = "",
                   log_key: Any = None, proof: Any = None,
                   max_bytes: int = DEFAULT_MAX_BYTES) -> VerificationReport:
    """The three verdicts of a file with no server: signatures against ``anchors``, the
    embedded validation data, and the log's inclusion proof when given. ``Unusable`` when the
    input cannot be checked at all."""
    check = examine(data, anchors, filename=filename, max_bytes=max_bytes)
    answer = None
    if proof is not None and log_key is not None:
        answer = log_answer(proof, log_key, kind=check.kind, digest=check.sha256,
                            lookup_code=check.lookup_code)
    issuer = check.chain
    if issuer.ok and check.kind == "xml" and check.school_code != check.seal_school:
        issuer = Verdict.failed(f"Con dấu số của trường MA_TRUONG {check.seal_school}, tệp ghi "
                                f"MA_TRUONG {check.school_code}.", SubIndication.GENERIC)
    if issuer.ok and answer is not None and answer.school and check.seal_school \
            and str(answer.school) != check.seal_school:
        issuer = Verdict.failed(f"Nhật ký ghi học bạ của trường {answer.school}, con dấu số là "
                                f"của trường {check.seal_school}.", SubIndication.GENERIC)
    if issuer.ok:
        issuer = Verdict.passed(f"{issuer.reason} {NO_REGISTRY}")
    status, record_status = _offline_status(check, proof, log_key, answer)
    lookup_code = check.lookup_code or (answer.lookup_code if answer else None)
    return VerificationReport(check.integrity, status, issuer,
                              lookup_code=str(lookup_code) if lookup_code else None,
                              record_status=record_status, facts=dict(check.facts),
                              signatures=check.signatures)


def _offline_status(check: FileCheck, proof: Any, log_key: Any,
                    answer: LogAnswer | None) -> tuple[Verdict, RecordStatus]:
    if not check.sealed:
        return (Verdict.failed("Học bạ chưa được phát hành: tệp chưa có chữ ký phát hành (con "
                               "dấu số) của trường (CV 2088 PL1 III bước 7).",
                               SubIndication.GENERIC), RecordStatus.NOT_ISSUED)
    if proof is None:
        return (Verdict.indeterminate(
            "Không có bằng chứng từ nhật ký minh bạch (--proof): khi không có mạng, không biết "
            "học bạ còn hiệu lực, đã bị thu hồi hay thay thế. Hãy tra cứu trực tuyến bằng mã "
            "tra cứu.", SubIndication.TRY_LATER), RecordStatus.UNKNOWN)
    if log_key is None or answer is None:
        return (Verdict.indeterminate(
            "Không có khoá công khai của nhật ký minh bạch (--log-key) để kiểm tra bằng "
            "chứng.", SubIndication.TRY_LATER), RecordStatus.UNKNOWN)
    if not answer.verdict.ok:
        return answer.verdict, RecordStatus.UNKNOWN
    if answer.event != "issued":
        return (Verdict.failed(f"Nhật ký minh bạch ghi sự kiện «{answer.event}» cho học bạ "
                               f"này: không còn hiệu lực.", SubIndication.REVOKED),
                RecordStatus.REVOKED)
    return (Verdict.passed(f"Đã phát hành. {answer.verdict.reason} Khi không có mạng, việc thu "
                           "hồi sau thời điểm của cây băm này không kiểm tra được."),
            RecordStatus.ISSUED)


def load_proof(text: str | bytes) -> Any:
    """An ``InclusionProof`` from its JSON; ``Unusable`` when it is not one."""
    from hocba.domain.ledger import InclusionProof

    try:
        raw = json.loads(text)
        return InclusionProof.from_json(raw)
    except Exception as exc:
        raise Unusable(f"Tệp bằng chứng (--proof) không phải bằng chứng của nhật ký minh bạch "
                       f"hợp lệ ({exc}).") from exc


def _school_of(identity_number: str | None) -> str | None:
    """The school code a seal's ``UID=MA_TRUONG:…`` names, or None for any other signer."""
    if identity_number and identity_number.startswith(SCHOOL_PREFIX):
        return identity_number[len(SCHOOL_PREFIX):]
    return None


__all__ = ["DEFAULT_MAX_BYTES", "FileCheck", "LogAnswer", "Unusable", "anchors_fingerprint",
           "examine", "kind_of", "load_proof", "log_answer", "printed_lookup_code", "sha256",
           "verify_offline"]

