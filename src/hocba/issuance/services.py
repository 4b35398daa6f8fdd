"""The signing chain's writes: sign a slot of many records, return one, revoke and replace,
request and decide a correction. Each is one transaction per user action (per chunk of
records when signing), authorised through ``hocba.accounts.authz`` and audited.

The rules (order, roles, named signers, closing dates) are ``hocba.domain.issuance``; the
signature formats and the certificates sit behind ``hocba.issuance.signing_step``.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import uuid
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from cryptography.hazmat.primitives.serialization import Encoding
from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from hocba.accounts.authz import grants_for, require
from hocba.accounts.targets import class_target
from hocba.audit.services import record_denied, record_write
from hocba.curriculum.models import Subject
from hocba.domain import issuance as rules
from hocba.domain.access import Action, Decision, Role, decide
from hocba.domain.record import HocBa, sha256_hex
from hocba.issuance import signing_step
from hocba.issuance.models import (
    Artefacts,
    CorrectionDecision,
    CorrectionRequest,
    IssuedRecord,
    PdfRevision,
    Replacement,
    ReturnedRecord,
    Revocation,
    SignatureEvent,
    SigningJobItem,
    XmlRevision,
)
from hocba.issuance.selectors import (
    ChainState,
    Files,
    chain_state,
    chain_states,
    remember_files,
    signing_files,
)
from hocba.records.models import HocBaRecord, RecordStatus
from hocba.signing.backends import SignerBackend
from hocba.transparency import services as transparency

CHUNK = 50  # records per confirmation of the signer's key (one ``sign_digests`` call)
Progress = Callable[[int, int], None]


def _sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


@dataclass
class SignOutcome:
    """What one confirmation did: records signed (and issued, for the seal), records whose
    slot was already signed, and records refused with the reason."""

    slot: str
    signed: list[HocBaRecord] = field(default_factory=list)
    issued: list[HocBaRecord] = field(default_factory=list)
    already: list[HocBaRecord] = field(default_factory=list)
    refused: dict[int, str] = field(default_factory=dict)  # record id → why

    def describe(self) -> str:
        parts = [f"đã ký {len(self.signed)} học bạ"]
        if self.issued:
            parts.append(f"phát hành {len(self.issued)}")
        if self.already:
            parts.append(f"{len(self.already)} đã ký từ trước")
        if self.refused:
            parts.append(f"{len(self.refused)} chưa ký được")
        return f"«{rules.slot_label(self.slot)}»: " + ", ".join(parts) + "."


# --- authorisation ----------------------------------------------------------------------------

def _subject_ids(codes: Iterable[str]) -> dict[str, int]:
    return dict(Subject.objects.filter(code__in=set(codes)).values_list("code", "pk"))


def authorise_slot(actor: Any, records: Sequence[HocBaRecord], slot: str) -> Decision:
    """May ``actor`` sign ``slot`` on every one of ``records``, in the role the slot needs?

    The role comes from the slot, not from whichever grant answers first: a GVCN who also
    teaches the class signs their subject as GVBM and the class as GVCN (QĐ 1789 Điều 20).
    Refusals are audited, as ``authz.require`` does."""
    stage = rules.stage_of(slot)
    role = rules.STAGE_ROLE[stage]
    action = Action.SEAL_RECORDS if stage is rules.Stage.SEAL else Action.SIGN_RECORDS
    grants = [g for g in grants_for(actor) if g.role is role]
    code = rules.subject_of(slot)
    subject_id = _subject_ids([code]).get(code) if code else None
    decision = Decision(False, "Không có học bạ nào để ký.")
    for record in records:
        if not grants:
            reason = (f"Chỗ ký «{rules.slot_label(slot)}» dành cho {role.label}; tài khoản "
                      "không có vai trò này.")
        else:
            target = class_target(record.school_class, kind="record", student=record.student_id,
                                  **({"subject": subject_id} if code else {}))
            decision = decide(grants, action, target)
            if decision:
                continue
            reason = decision.reason
        record_denied(actor, action, record, reason)
        raise PermissionDenied(reason)
    return decision


# --- the unsigned renditions ------------------------------------------------------------------

def ensure_artefacts(records: Sequence[HocBaRecord], *, now: dt.datetime | None = None) -> None:
    """Render the unsigned XML and PDF of each record that has none yet (the first signer's
    confirmation does this once; every later signature builds on the stored bytes)."""
    have = set(Artefacts.objects.filter(record__in=[r.pk for r in records])
               .values_list("record_id", flat=True))
    now = now or timezone.now()
    rows = []
    for record in records:
        if record.pk in have:
            continue
        xml, pdf = signing_step.render(record)
        rows.append(Artefacts(record=record, xml=xml, pdf=pdf, xml_sha256=_sha(xml),
                              pdf_sha256=_sha(pdf), version=0, rendered_at=now))
        if len(rows) >= CHUNK:
            Artefacts.objects.bulk_create(rows, ignore_conflicts=True)
            rows = []
    if rows:
        Artefacts.objects.bulk_create(rows, ignore_conflicts=True)


# --- signing ----------------------------------------------------------------------------------

def sign_records(actor: Any, records: Iterable[HocBaRecord], slot: str, *,
                 backend: SignerBackend | None = None, now: dt.datetime | None = None,
                 chunk_size: int = CHUNK, progress: Progress | None = None,
                 items: dict[int, SigningJobItem] | None = None, job: Any = None
                 ) -> SignOutcome:
    """``actor`` signs ``slot`` on ``records``: one confirmation, one signing time.

    Checks the role and scope (``authorise_slot``), the signer's active certificate (for the
    seal: the school's approved organisation certificate), then per record the chain's order
    and the named signer (``rules.check_may_sign``). Every record's XML and PDF digests go to
    the key in one ``sign_digests`` call per chunk; each record's signature event, new
    artefacts (and, for the seal, its issue) are written together, so a crash leaves each
    record either signed once or not at all."""
    rows = list(records)
    outcome = SignOutcome(slot)
    if not rows:
        return outcome
    decision = authorise_slot(actor, rows, slot)
    stage = rules.stage_of(slot)
    role = rules.STAGE_ROLE[stage]
    signing_time = now or timezone.now()
    # The registered certificate decides, also when the caller brings the signer (a token,
    # a remote service already opened): only the school's approved seal issues, and a person
    # signs with their own active certificate (CV 2088 PL1 III; QĐ 1789 Điều 7-10).
    if stage is rules.Stage.SEAL:
        if len({r.school_id for r in rows}) != 1:
            raise rules.IssuanceRefused("Mỗi lần ký phát hành chỉ cho học bạ của một trường.")
        registration = signing_step.seal_registration(rows[0].school, at=signing_time)
    else:
        registration = signing_step.personal_registration(actor, at=signing_time)
    if backend is None:
        backend = signing_step.backend_of(registration)
    elif backend.certificate != signing_step.certificate_of(registration):
        raise rules.IssuanceRefused(
            f"Thiết bị ký không giữ chứng thư số đã đăng ký cho «{rules.slot_label(slot)}» "
            "(chứng thư số đang dùng hoặc đã được duyệt): không ký.")
    identity = signing_step.identity_of(backend.certificate)
    states = chain_states(rows)
    ready: list[HocBaRecord] = []
    for record in rows:
        state = states[record.pk]
        if slot in state.filled:
            outcome.already.append(record)
            continue
        if record.status != RecordStatus.COMPOSED:
            outcome.refused[record.pk] = "Học bạ đã huỷ hoặc đã thu hồi."
            continue
        try:
            rules.check_may_sign(state.data, state.filled, slot, role=role, signer=identity,
                                 returned=state.returned, issued=state.issued)
        except rules.IssuanceRefused as refused:
            outcome.refused[record.pk] = str(refused)
            continue
        ready.append(record)
    if items is not None:
        _settle_items(items, outcome)
    ensure_artefacts(ready, now=signing_time)
    done = 0
    for start in range(0, len(ready), chunk_size):
        chunk = ready[start:start + chunk_size]
        _sign_chunk(actor, decision, chunk, slot, backend, signing_time, outcome, items, job)
        done += len(chunk)
        if progress is not None:
            progress(done, len(ready))
    return outcome


def _common_prefix(a: bytes, b: bytes, limit: int) -> int:
    """How many leading bytes ``a`` and ``b`` share (at most ``limit``): a binary search over
    slice comparisons (memcmp), not a Python loop over 77 KB."""
    low, high = 0, limit
    while low < high:
        middle = (low + high + 1) // 2
        if a[low:middle] == b[low:middle]:
            low = middle
        else:
            high = middle - 1
    return low


def _common_suffix(a: bytes, b: bytes, limit: int) -> int:
    low, high = 0, limit
    while low < high:
        middle = (low + high + 1) // 2
        if a[len(a) - middle:len(a) - low] == b[len(b) - middle:len(b) - low]:
            low = middle
        else:
            high = middle - 1
    return low


@dataclass
class _Signed:
    """One record's slot signed: the files before and after, what to store of each (the XML's
    changed bytes, the PDF's appended update) and the hashes. ``pdf_hash`` is the running
    SHA-256 of the PDF before, so the new PDF's hash costs only its update."""

    record: HocBaRecord
    before: Files
    xml: bytes
    pdf: bytes
    pdf_hash: Any
    xml_sha256: str = ""
    pdf_sha256: str = ""
    head: int = 0
    tail: int = 0

    def __post_init__(self) -> None:
        old = self.before.xml
        self.xml_sha256 = _sha(self.xml)
        limit = min(len(old), len(self.xml))
        self.head = _common_prefix(old, self.xml, limit)
        self.tail = _common_suffix(old, self.xml, limit - self.head)
        self.pdf_hash.update(self.pdf[len(self.before.pdf):])
        self.pdf_sha256 = self.pdf_hash.hexdigest()

    @property
    def number(self) -> int:
        return self.before.signatures + 1

    @property
    def xml_change(self) -> bytes:
        return self.xml[self.head:len(self.xml) - self.tail]


def _sign_chunk(actor: Any, decision: Decision, chunk: list[HocBaRecord], slot: str,
                backend: SignerBackend, signing_time: dt.datetime, outcome: SignOutcome,
                items: dict[int, SigningJobItem] | None, job: Any) -> None:
    files = signing_files(chunk)
    prepared = []
    for record in chunk:
        current = files[record.pk]
        pdf_hash = hashlib.sha256(current.pdf)
        if pdf_hash.hexdigest() != current.pdf_sha256:
            raise rules.IssuanceRefused(f"Bản PDF đang ký của học bạ {record.lookup_code} không "
                                        "khớp mã băm đã lưu: không ký tiếp.")
        if _sha(current.xml) != current.xml_sha256:
            raise rules.IssuanceRefused(f"Bản XML đang ký của học bạ {record.lookup_code} không "
                                        "khớp mã băm đã lưu: không ký tiếp.")
        pair = signing_step.prepare(current.xml, current.pdf, slot, backend,
                                    signing_time=signing_time)
        prepared.append((record, current, pdf_hash, pair))
    # One confirmation of the key for the whole chunk (a remote signing service asks the
    # signer once per call: DOMAIN.md §3.4).
    digests = [digest for *_, pair in prepared for digest in pair.digests]
    signatures = backend.sign_digests(digests)
    signed = []
    for n, (record, current, pdf_hash, pair) in enumerate(prepared):
        xml, pdf = signing_step.finish(pair, signatures[2 * n], signatures[2 * n + 1], slot=slot)
        if not pdf.startswith(current.pdf):
            raise rules.IssuanceRefused(f"Chữ ký «{rules.slot_label(slot)}» không được thêm "
                                        "vào cuối tệp PDF (cập nhật tăng dần): không lưu.")
        signed.append(_Signed(record, current, xml, pdf, pdf_hash))
    _Store(actor, decision, slot, backend, signing_time, outcome, items, job).store(signed)


@dataclass
class _Store:
    """Writes one chunk's signatures: the fast path in a few statements for the whole chunk,
    and, if any record collides (signed meanwhile by a retry, a second worker or another
    slot's signer), record by record."""

    actor: Any
    decision: Decision
    slot: str
    backend: SignerBackend
    signing_time: dt.datetime
    outcome: SignOutcome
    items: dict[int, SigningJobItem] | None
    job: Any

    def __post_init__(self) -> None:
        certificate = self.backend.certificate
        self.der = certificate.public_bytes(Encoding.DER)
        self.serial = format(certificate.serial_number, "x")
        self.subject = certificate.subject.rfc4514_string()[:400]
        self.seal = rules.stage_of(self.slot) is rules.Stage.SEAL

    def _event(self, item: _Signed) -> SignatureEvent:
        current = item.before
        return SignatureEvent(
            record=item.record, slot=self.slot, signer=self.actor,
            role=self.decision.role_label[:20], certificate=self.der,
            certificate_serial=self.serial, certificate_subject=self.subject,
            signing_time=self.signing_time, xml_before=current.xml_sha256,
            xml_after=item.xml_sha256, pdf_before=current.pdf_sha256,
            pdf_after=item.pdf_sha256, job=self.job)

    def _revision(self, item: _Signed) -> PdfRevision:
        # PAdES appends: the new PDF is the old one plus this signature's update. The unique
        # (record, number) pair makes a second writer of the same version fail.
        return PdfRevision(record=item.record, number=item.number,
                           data=item.pdf[len(item.before.pdf):], pdf_sha256=item.pdf_sha256)

    @staticmethod
    def _xml_revision(item: _Signed) -> XmlRevision:
        # Only the bytes this signature changed (its slot, the issue date): a few KB, not the
        # whole XML; unique (record, number) like the PDF's.
        return XmlRevision(record=item.record, number=item.number, head=item.head,
                           tail=item.tail, data=item.xml_change, xml_sha256=item.xml_sha256)

    @staticmethod
    def _issued_xml(items: list[_Signed]) -> None:
        """At the seal the issued XML and the final hashes go into the record's artefacts
        (then frozen by the triggers), only from the rendition they were signed on."""
        with connection.cursor() as cursor:
            cursor.executemany(
                "UPDATE issuance_artefacts SET xml = %s, xml_sha256 = %s, pdf_sha256 = %s, "
                "version = %s WHERE record_id = %s AND version < %s",
                [(i.xml, i.xml_sha256, i.pdf_sha256, i.number, i.record.pk, i.number)
                 for i in items])
            if cursor.rowcount != len(items):
                raise IntegrityError("artefacts changed meanwhile")

    def _issue(self, item: _Signed, event: SignatureEvent) -> IssuedRecord:
        return IssuedRecord(record=item.record, issued_at=self.signing_time,
                            issued_by=self.actor, seal=event, xml_sha256=item.xml_sha256,
                            pdf_sha256=item.pdf_sha256)

    def store(self, signed: list[_Signed]) -> None:
        try:
            with transaction.atomic():
                self._all(signed)
                self._done(signed)
        except IntegrityError:
            with transaction.atomic():
                stored = [item for item in signed if self._one(item)]
                self._done(stored)

    def _all(self, signed: list[_Signed]) -> None:
        PdfRevision.objects.bulk_create([self._revision(i) for i in signed])
        XmlRevision.objects.bulk_create([self._xml_revision(i) for i in signed])
        events = SignatureEvent.objects.bulk_create([self._event(i) for i in signed])
        if self.seal:
            self._issued_xml(signed)
            transparency.append_issued(IssuedRecord.objects.bulk_create(
                [self._issue(i, e) for i, e in zip(signed, events, strict=True)]))
        if self.items is not None:
            ids = [self.items[i.record.pk].pk for i in signed if i.record.pk in self.items]
            SigningJobItem.objects.filter(pk__in=ids).update(
                state=SigningJobItem.State.DONE, message="", done_at=timezone.now(),
                lease_until=None)

    def _one(self, item: _Signed) -> bool:
        record = item.record
        try:
            with transaction.atomic():
                self._revision(item).save()
                self._xml_revision(item).save()
                event = self._event(item)
                event.save()
                if self.seal:
                    self._issued_xml([item])
                    self._issue(item, event).save()
                    transparency.append_issued([self._issue(item, event)])
                if self.items is not None and record.pk in self.items:
                    _finish_item(self.items[record.pk], SigningJobItem.State.DONE, "")
            return True
        except IntegrityError:
            pass
        if SignatureEvent.objects.filter(record=record, slot=self.slot).exists():
            # A retry or a second worker signed this slot: the unique (record, slot)
            # constraint kept it to one signature.
            self.outcome.already.append(record)
            if self.items is not None and record.pk in self.items:
                _finish_item(self.items[record.pk], SigningJobItem.State.DONE,
                             "Đã được ký từ trước.")
        else:
            # Another slot's signer changed the record meanwhile: sign again on the new bytes.
            self.outcome.refused[record.pk] = (
                f"Học bạ vừa được ký ở chỗ ký khác; ký lại «{rules.slot_label(self.slot)}».")
            if self.items is not None and record.pk in self.items:
                SigningJobItem.objects.filter(pk=self.items[record.pk].pk).update(
                    state=SigningJobItem.State.PENDING, claimed_by="", lease_until=None)
        return False

    def _done(self, stored: list[_Signed]) -> None:
        for item in stored:
            self.outcome.signed.append(item.record)
            if not self.seal:  # the next slot of this record reuses these bytes
                remember_files(item.record.pk, Files(item.xml, item.pdf, item.xml_sha256,
                                                     item.pdf_sha256, item.number))
            if self.seal:
                self.outcome.issued.append(item.record)
        _audit_chunk(self.actor, self.decision, stored, self.slot, self.signing_time,
                     self.backend.certificate, self.seal)


def _audit_chunk(actor: Any, decision: Decision, stored: list[_Signed], slot: str,
                 signing_time: dt.datetime, certificate: Any, seal: bool) -> None:
    by_class: dict[int, list[_Signed]] = {}
    for item in stored:
        by_class.setdefault(item.record.school_class_id, []).append(item)
    for items in by_class.values():
        school_class = items[0].record.school_class
        record_write(actor, "phat_hanh_hoc_ba" if seal else "ky_hoc_ba", school_class,
                     role=decision.role_label, detail={
                         "cho_ky": slot, "thoi_diem_ky": signing_time.isoformat(),
                         "chung_thu": format(certificate.serial_number, "x"),
                         "so_hoc_ba": len(items),
                         "hoc_ba": [{"ma_tra_cuu": str(i.record.lookup_code),
                                     "xml_sha256": i.xml_sha256, "pdf_sha256": i.pdf_sha256}
                                    for i in items]})


def _finish_item(item: SigningJobItem, state: str, message: str) -> None:
    now = timezone.now()
    SigningJobItem.objects.filter(pk=item.pk).update(state=state, message=message, done_at=now,
                                                     lease_until=None)
    item.state, item.message, item.done_at = state, message, now


def _settle_items(items: dict[int, SigningJobItem], outcome: SignOutcome) -> None:
    """Items whose slot is already signed count as done; refused ones as failed."""
    for record in outcome.already:
        if record.pk in items:
            _finish_item(items[record.pk], SigningJobItem.State.DONE, "Đã được ký từ trước.")
    for record_id, reason in outcome.refused.items():
        if record_id in items:
            _finish_item(items[record_id], SigningJobItem.State.FAILED, reason)


# --- returning a record -----------------------------------------------------------------------

def return_record(actor: Any, record: HocBaRecord, reason: str, *,
                  now: dt.datetime | None = None) -> ReturnedRecord:
    """The signer whose turn it is refuses to sign and sends the record back with the
    reason. The record is discarded; học vụ composes it again (a new look-up code) once the
    gradebook is corrected (QĐ 1789 Điều 13, 20)."""
    state = chain_state(record)
    due_roles = {s.role for s in state.due}
    if not due_roles:
        raise rules.IssuanceRefused("Học bạ này không còn chờ ai ký: không trả lại được.")
    # Try the roles whose turn it is, in chain order: the actor acts as one of them.
    decision: Decision | None = None
    role: Role | None = None
    for spec in state.due:
        slot_decision = _try_authorise(actor, record, spec.slot)
        if slot_decision:
            decision, role = slot_decision, spec.role
            break
    if decision is None or role is None:
        action = Action.SIGN_RECORDS
        reason_text = "Chỉ người đang đến lượt ký mới trả lại được học bạ."
        record_denied(actor, action, record, reason_text)
        raise PermissionDenied(reason_text)
    spec = rules.check_may_return(state.data, state.filled, role=role, reason=reason,
                                  returned=state.returned, issued=state.issued)
    now = now or timezone.now()
    with transaction.atomic():
        returned = ReturnedRecord.objects.create(record=record, slot=spec.slot,
                                                 returned_by=actor, role=decision.role_label,
                                                 reason=reason.strip(), returned_at=now)
        HocBaRecord.objects.filter(pk=record.pk, status=RecordStatus.COMPOSED).update(
            status=RecordStatus.DISCARDED, discarded_by=actor, discarded_at=now)
        record_write(actor, "tra_lai_hoc_ba", record, role=decision.role_label, detail={
            "ma_tra_cuu": str(record.lookup_code), "cho_ky": spec.slot,
            "ly_do": reason.strip(), "da_ky": sorted(state.filled)})
    return returned


def may_return(actor: Any, record: HocBaRecord, state: ChainState) -> bool:
    """Whether ``actor`` is one of the signers whose turn it is (for the record page)."""
    return any(_try_authorise(actor, record, spec.slot) for spec in state.due)


def _try_authorise(actor: Any, record: HocBaRecord, slot: str) -> Decision:
    stage = rules.stage_of(slot)
    role = rules.STAGE_ROLE[stage]
    action = Action.SEAL_RECORDS if stage is rules.Stage.SEAL else Action.SIGN_RECORDS
    code = rules.subject_of(slot)
    extra = {"subject": _subject_ids([code]).get(code)} if code else {}
    target = class_target(record.school_class, kind="record", student=record.student_id,
                          **extra)
    return decide([g for g in grants_for(actor) if g.role is role], action, target)


# --- revocation and replacement ---------------------------------------------------------------

def _today(now: dt.datetime) -> dt.date:
    return timezone.localdate(now)


def revoke_and_replace(actor: Any, record: HocBaRecord, reason: str, *,
                       now: dt.datetime | None = None) -> HocBaRecord:
    """The principal revokes an issued record and a replacement is composed from the same
    data with a NEW look-up code (CV 2088 PL1 II.1), to be signed again from the start.
    Before the closing date; after it only on a correction the Sở approved (QĐ 1789 Điều
    21). Returns the replacement."""
    decision = require(actor, Action.REVOKE_RECORDS, record)
    if not reason.strip():
        raise rules.IssuanceRefused("Cần ghi lý do thu hồi học bạ (trường «Lý do»).")
    now = now or timezone.now()
    state = chain_state(record)
    correction = (CorrectionRequest.objects.filter(record=record, decision__approved=True,
                                                   revocation__isnull=True)
                  .order_by("-requested_at").first())
    rules.check_may_revoke(state.data, today=_today(now), issued=state.issued,
                           revoked=state.revoked, correction_approved=correction is not None)
    with transaction.atomic():
        revocation = Revocation.objects.create(record=record, revoked_by=actor, revoked_at=now,
                                               reason=reason.strip(), correction=correction)
        HocBaRecord.objects.filter(pk=record.pk, status=RecordStatus.COMPOSED).update(
            status=RecordStatus.REVOKED)
        replacement = _recompose(actor, record, state.data, now)
        Replacement.objects.create(revocation=revocation, record=replacement)
        transparency.append_revoked(revocation)
        record_write(actor, "thu_hoi_thay_the_hoc_ba", record, role=decision.role_label,
                     detail={"ma_tra_cuu": str(record.lookup_code),
                             "ma_tra_cuu_thay_the": str(replacement.lookup_code),
                             "ly_do": reason.strip(),
                             "de_nghi_chinh_ly": correction.pk if correction else None})
    return replacement


def _recompose(actor: Any, record: HocBaRecord, data: dict[str, Any],
               now: dt.datetime) -> HocBaRecord:
    """The same year's data as a new record: a new UUID v4 and the time of re-creation."""
    draft = dict(data)
    draft["lookup_code"] = str(uuid.uuid4())
    draft["composed_at"] = timezone.localtime(now).isoformat(timespec="seconds")
    draft["created_on"] = _today(now).isoformat()
    draft["issued_on"] = None
    hocba = HocBa.from_json(draft)
    canonical = hocba.canonical_bytes()
    return HocBaRecord.objects.create(
        book=record.book, student=record.student, school=record.school,
        school_year=record.school_year, school_class=record.school_class,
        lookup_code=hocba.lookup_code, schema=record.schema, canonical=canonical.decode(),
        identity_hash=sha256_hex(canonical), composed_by=actor, composed_at=now)


# --- corrections after the closing date -------------------------------------------------------

def request_correction(actor: Any, record: HocBaRecord, reason: str, *,
                       now: dt.datetime | None = None) -> CorrectionRequest:
    """The school (its principal) asks the Sở to correct an issued record after the closing
    date (QĐ 1789 Điều 21)."""
    decision = require(actor, Action.REVOKE_RECORDS, record)
    now = now or timezone.now()
    state = chain_state(record)
    pending = CorrectionRequest.objects.filter(record=record, decision__isnull=True).exists()
    rules.check_may_request_correction(state.data, today=_today(now), issued=state.issued,
                                       revoked=state.revoked, pending=pending, reason=reason)
    with transaction.atomic():
        request = CorrectionRequest.objects.create(record=record, requested_by=actor,
                                                   requested_at=now, reason=reason.strip())
        record_write(actor, "de_nghi_chinh_ly", record, role=decision.role_label, detail={
            "ma_tra_cuu": str(record.lookup_code), "noi_dung": reason.strip()})
    return request


def decide_correction(actor: Any, request: CorrectionRequest, *, approve: bool, note: str = "",
                      now: dt.datetime | None = None) -> CorrectionDecision:
    """The Sở approves or rejects; on approval the school may revoke and replace the record
    after the closing date."""
    record = request.record
    decision = require(actor, Action.APPROVE_CORRECTION, record)
    decided = CorrectionDecision.objects.filter(request=request).exists()
    rules.check_may_decide_correction(decided=decided, approve=approve, note=note)
    now = now or timezone.now()
    with transaction.atomic():
        answer = CorrectionDecision.objects.create(request=request, approved=approve,
                                                   decided_by=actor, decided_at=now,
                                                   note=note.strip())
        record_write(actor, "duyet_chinh_ly" if approve else "tu_choi_chinh_ly", record,
                     role=decision.role_label, detail={
                         "ma_tra_cuu": str(record.lookup_code), "de_nghi": request.pk,
                         "ghi_chu": note.strip()})
    return answer


def chain_summary(state: ChainState) -> dict[str, Any]:
    """For the pages and the JSON endpoint: every slot with whether it is signed."""
    return {"slots": [{"slot": s.slot, "label": s.label, "signed": s.slot in state.filled}
                      for s in state.required],
            "issued": state.issued, "returned": state.returned, "revoked": state.revoked,
            "due": [s.slot for s in state.due]}


def canonical(record: HocBaRecord) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(record.canonical)
    return data

