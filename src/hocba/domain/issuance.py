"""The signing chain of a học bạ year, as pure rules: which signatures a record needs, in
which order, who may give each, and when an issued record may still be revoked and replaced.

No Django. Works on the canonical record (``hocba.record/1`` JSON, a dict) and plain values,
so the services, the worker and the tests ask the same questions.

Sources:

- CV 2088 PL1 II.1.5 and Phụ lục 1.1: the signatures of a primary record are GVCN (optional
  in v1.0), CBQL and KY_PHAT_HANH (the school's organisation signature, which issues it).
- CV 2088 PL1 III (creation and issuance, steps 4–7): the teacher signs, then the school
  leader, then the văn thư with the approved organisation certificate.
- HCMC QĐ 1789/QĐ-SGDĐT Điều 14, 17, 20: at year end each GVBM signs their subject, then the
  GVCN each student, then the leader (CBQL), then the văn thư seals and issues.
- HCMC QĐ 1789 Điều 21: data closed by 30 June (15 August for students under a supplementary
  evaluation); revoke or replace only before closing; after it, a correction request the Sở
  approves, then the school re-creates the record.
- CV 2088 PL1 II.1: a replacement record gets a new look-up code (UUID v4).
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from enum import StrEnum
from typing import Any

from hocba.domain.access import Role

GVBM_PREFIX = "GVBM:"
GVCN = "GVCN"
CBQL = "CBQL"
KY_PHAT_HANH = "KY_PHAT_HANH"


class IssuanceRefused(ValueError):
    """A step of the chain that may not be taken now; the message says why, in Vietnamese."""


class Stage(StrEnum):
    """The four steps of the chain, in order (QĐ 1789 Điều 20 a–d)."""

    SUBJECTS = "gvbm"
    HOMEROOM = "gvcn"
    PRINCIPAL = "cbql"
    SEAL = "phat_hanh"


STAGE_ORDER = (Stage.SUBJECTS, Stage.HOMEROOM, Stage.PRINCIPAL, Stage.SEAL)

# Who fills each stage. The GVBM signs their subject, the GVCN the student, the principal as
# CBQL, the văn thư with the organisation certificate (QĐ 1789 Điều 5, 20, 34).
STAGE_ROLE = {
    Stage.SUBJECTS: Role.GVBM,
    Stage.HOMEROOM: Role.GVCN,
    Stage.PRINCIPAL: Role.PRINCIPAL,
    Stage.SEAL: Role.VAN_THU,
}


def gvbm_slot(subject_code: str) -> str:
    return f"{GVBM_PREFIX}{subject_code}"


def subject_of(slot: str) -> str | None:
    """``TOAN`` for ``GVBM:TOAN``; None for the other slots."""
    return slot[len(GVBM_PREFIX):] if slot.startswith(GVBM_PREFIX) else None


def stage_of(slot: str) -> Stage:
    if slot.startswith(GVBM_PREFIX) and len(slot) > len(GVBM_PREFIX):
        return Stage.SUBJECTS
    try:
        return {GVCN: Stage.HOMEROOM, CBQL: Stage.PRINCIPAL, KY_PHAT_HANH: Stage.SEAL}[slot]
    except KeyError:
        raise IssuanceRefused(f"Chỗ ký «{slot}» không có trong học bạ số (chỉ GVBM:<mã môn>, "
                              "GVCN, CBQL, KY_PHAT_HANH).") from None


def pdf_field(slot: str) -> str:
    """The PDF signature field of a slot: ``GVBM_TOAN``, ``GVCN``, ``CBQL``, ``KY_PHAT_HANH``
    (``hocba.rendering.signature_fields``)."""
    code = subject_of(slot)
    return f"GVBM_{code}" if code else slot


def slot_label(slot: str) -> str:
    code = subject_of(slot)
    if code:
        return f"Giáo viên bộ môn ({code})"
    return {GVCN: "Giáo viên chủ nhiệm", CBQL: "Hiệu trưởng (CBQL)",
            KY_PHAT_HANH: "Ký phát hành (chứng thư số của trường)"}.get(slot, slot)


@dataclass(frozen=True)
class SlotSpec:
    """One signature a record needs: the slot, who signs it, and, where the record names the
    signer, the identity number the certificate must carry."""

    slot: str
    stage: Stage
    role: Role
    identity_number: str | None  # the record's signer (GVCN, CBQL); None: by role only
    signer_name: str | None

    @property
    def label(self) -> str:
        return slot_label(self.slot)


def required_slots(record: Mapping[str, Any]) -> tuple[SlotSpec, ...]:
    """Every signature ``record`` (canonical JSON) needs, in chain order.

    Secondary: one GVBM slot per subject that has a teacher (subjects in the record's order;
    DOMAIN-SECONDARY §2.1, QĐ 1789 Điều 20.a), then GVCN, CBQL, KY_PHAT_HANH. Primary: GVCN
    when the record names one (optional in CV 2088 v1.0; the demo always has one), then CBQL
    and KY_PHAT_HANH (mandatory, CV 2088 PL1 Phụ lục 1.1). GVBM do not sign primary records.
    """
    signers = record.get("signers") or {}
    slots: list[SlotSpec] = []
    secondary = record.get("secondary")
    if secondary:
        teacher_of = {}
        for teacher in signers.get("subject_teachers") or ():
            for code in teacher.get("subjects") or ():
                teacher_of[code] = teacher
        for subject in secondary.get("subjects") or ():
            teacher = teacher_of.get(subject.get("code"))
            if teacher is None:
                continue  # a subject nobody taught has no GVBM slot
            slots.append(SlotSpec(gvbm_slot(subject["code"]), Stage.SUBJECTS, Role.GVBM,
                                  None, teacher.get("name")))
    homeroom = signers.get("homeroom")
    if homeroom:
        slots.append(SlotSpec(GVCN, Stage.HOMEROOM, Role.GVCN,
                              homeroom.get("identity_number"), homeroom.get("name")))
    principal = signers.get("principal") or {}
    slots.append(SlotSpec(CBQL, Stage.PRINCIPAL, Role.PRINCIPAL,
                          principal.get("identity_number"), principal.get("name")))
    slots.append(SlotSpec(KY_PHAT_HANH, Stage.SEAL, Role.VAN_THU, None, None))
    return tuple(slots)


def next_slots(required: Iterable[SlotSpec], filled: Collection[str]) -> tuple[SlotSpec, ...]:
    """The slots that may be signed now: every open slot of the earliest unfinished stage.

    The subject teachers sign in any order among themselves; the GVCN only once every subject
    is signed; the CBQL after the GVCN; the seal last (QĐ 1789 Điều 20; CV 2088 PL1 III
    steps 4, 5, 7). Empty once every slot is filled (the record is issued)."""
    open_slots = [s for s in required if s.slot not in filled]
    for stage in STAGE_ORDER:
        now = tuple(s for s in open_slots if s.stage is stage)
        if now:
            return now
    return ()


def is_complete(required: Iterable[SlotSpec], filled: Collection[str]) -> bool:
    return all(s.slot in filled for s in required)


@dataclass(frozen=True)
class SignerIdentity:
    """What the signer's certificate says about them: a person's 12-digit identity number
    (UID ``CCCD:…``) or a school's code (UID ``MA_TRUONG:…``)."""

    identity_number: str | None = None
    school_code: str | None = None


def check_may_sign(record: Mapping[str, Any], filled: Collection[str], slot: str, *,
                   role: Role, signer: SignerIdentity, returned: bool = False,
                   issued: bool = False) -> SlotSpec:
    """The slot's spec if a holder of ``role`` whose certificate says ``signer`` may sign
    ``slot`` of ``record`` now; otherwise ``IssuanceRefused`` naming the slot and the reason."""
    label = slot_label(slot)
    stage_of(slot)  # an unknown slot name is refused by name
    if issued:
        # CV 119/BGDĐT-GDTH: once issued the record cannot be changed.
        raise IssuanceRefused(f"Học bạ đã phát hành; không ký thêm vào «{label}».")
    if returned:
        raise IssuanceRefused(f"Học bạ đã bị trả lại; không ký «{label}». Học vụ tạo lại "
                              "học bạ sau khi sửa.")
    required = required_slots(record)
    spec = next((s for s in required if s.slot == slot), None)
    if spec is None:
        raise IssuanceRefused(f"Học bạ này không có chỗ ký «{label}».")
    if slot in filled:
        raise IssuanceRefused(f"Chỗ ký «{label}» đã được ký.")
    due = next_slots(required, filled)
    if spec not in due:
        waiting = ", ".join(s.label for s in due)
        # QĐ 1789 Điều 20: GVBM → GVCN → CBQL → văn thư.
        raise IssuanceRefused(f"Chưa đến lượt ký «{label}»: còn chờ {waiting}.")
    if role is not spec.role:
        raise IssuanceRefused(f"Chỗ ký «{label}» dành cho {spec.role.label}, không phải "
                              f"{role.label}.")
    if spec.identity_number is not None:
        # The record names its GVCN and CBQL by identity number (CV 2088 PL1 Phụ lục 1.1:
        # GVCN/SO_CCCD, SO_CCCD_GIAM_HIEU_KY_HOC_BA); the certificate must be theirs.
        if signer.identity_number != spec.identity_number:
            raise IssuanceRefused(
                f"Chứng thư số (số định danh {signer.identity_number or 'không có'}) không "
                f"phải của người ký «{label}» ghi trong học bạ ({spec.signer_name}, "
                f"{spec.identity_number}).")
    if spec.stage is Stage.SEAL:
        # CV 2088 PL1 III: the portal matches KY_PHAT_HANH against the school's approved
        # organisation certificate; it must be this school's.
        school_code = (record.get("school") or {}).get("code")
        if signer.school_code != school_code:
            raise IssuanceRefused(
                f"Chứng thư số tổ chức (mã trường {signer.school_code or 'không có'}) không "
                f"phải của trường phát hành học bạ ({school_code}).")
    return spec


def check_may_return(record: Mapping[str, Any], filled: Collection[str], *, role: Role,
                     reason: str, returned: bool = False, issued: bool = False) -> SlotSpec:
    """A signer whose turn it is may refuse to sign and return the record with a reason
    (QĐ 1789 Điều 13: a correction goes back to whoever entered it). Returns the slot due."""
    if issued:
        raise IssuanceRefused("Học bạ đã phát hành; không trả lại được. Hiệu trưởng thu hồi "
                              "và thay thế (trước ngày chốt) hoặc đề nghị chỉnh lý.")
    if returned:
        raise IssuanceRefused("Học bạ đã bị trả lại.")
    if not reason.strip():
        raise IssuanceRefused("Cần ghi lý do trả lại học bạ (trường «Lý do»).")
    due = next_slots(required_slots(record), filled)
    for spec in due:
        if spec.role is role:
            return spec
    waiting = ", ".join(s.label for s in due)
    raise IssuanceRefused(f"Chỉ người đang đến lượt ký ({waiting}) mới trả lại học bạ.")


# --- closing dates, revocation and correction (QĐ 1789 Điều 21) ----------------------------

def year_end(school_year: str) -> int:
    """2025 for "2024-2025"."""
    try:
        first, second = school_year.split("-")
        start, end = int(first), int(second)
    except ValueError:
        raise IssuanceRefused(f"Năm học «{school_year}» phải có dạng 2024-2025.") from None
    if end != start + 1:
        raise IssuanceRefused(f"Năm học «{school_year}» phải có dạng 2024-2025.")
    return end


def needs_supplementary(record: Mapping[str, Any]) -> bool:
    """Whether the student was under a supplementary evaluation after the year: a TT 22
    re-test or summer training (Điều 13–14) or a TT 27 pupil who had not completed the grade
    (Điều 11: đánh giá bổ sung)."""
    secondary = record.get("secondary")
    if secondary:
        if any(s.get("retest") is not None for s in secondary.get("subjects") or ()):
            return True
        return any((secondary.get(k) or {}).get("after_summer") is not None
                   for k in ("hoc_tap", "ren_luyen"))
    primary = record.get("primary") or {}
    return primary.get("completed_grade") is False


def closing_date(school_year: str, *, supplementary: bool) -> date:
    """The day a year's học bạ data is closed (chốt) in the Sở database: 30 June, or 15
    August for students under a supplementary evaluation (QĐ 1789 Điều 21)."""
    end = year_end(school_year)
    return date(end, 8, 15) if supplementary else date(end, 6, 30)


def record_closing_date(record: Mapping[str, Any]) -> date:
    return closing_date(str(record.get("school_year")), supplementary=needs_supplementary(record))


def check_may_revoke(record: Mapping[str, Any], *, today: date, issued: bool, revoked: bool,
                     correction_approved: bool = False) -> None:
    """Revoke and replace an issued record: only before the closing date (QĐ 1789 Điều 21;
    CV 2088 PL1 4.3 "khi chưa chốt học bạ số"), or after it once the Sở approved a correction
    request for it (Điều 21: the school then re-creates the record)."""
    if not issued:
        raise IssuanceRefused("Chỉ thu hồi học bạ đã phát hành; học bạ chưa phát hành thì "
                              "trả lại hoặc huỷ để tạo lại.")
    if revoked:
        raise IssuanceRefused("Học bạ này đã bị thu hồi.")
    closing = record_closing_date(record)
    if today > closing and not correction_approved:
        raise IssuanceRefused(
            f"Đã qua ngày chốt dữ liệu {closing:%d/%m/%Y} (QĐ 1789 Điều 21): không thu hồi, "
            "thay thế được nữa. Nhà trường gửi đề nghị chỉnh lý để Sở GDĐT duyệt.")


def check_may_request_correction(record: Mapping[str, Any], *, today: date, issued: bool,
                                 revoked: bool, pending: bool, reason: str) -> None:
    """A correction (chỉnh lý) is requested after the closing date, for an issued record not
    revoked, one request at a time (QĐ 1789 Điều 21)."""
    if not issued or revoked:
        raise IssuanceRefused("Chỉ đề nghị chỉnh lý học bạ đã phát hành và chưa bị thu hồi.")
    closing = record_closing_date(record)
    if today <= closing:
        raise IssuanceRefused(
            f"Chưa đến ngày chốt dữ liệu {closing:%d/%m/%Y}: hiệu trưởng thu hồi và thay thế "
            "học bạ, không cần đề nghị chỉnh lý.")
    if pending:
        raise IssuanceRefused("Học bạ này đã có một đề nghị chỉnh lý đang chờ Sở GDĐT duyệt.")
    if not reason.strip():
        raise IssuanceRefused("Cần ghi nội dung đề nghị chỉnh lý (trường «Lý do»).")


def check_may_decide_correction(*, decided: bool, approve: bool, note: str) -> None:
    if decided:
        raise IssuanceRefused("Đề nghị chỉnh lý này đã được quyết định.")
    if not approve and not note.strip():
        raise IssuanceRefused("Cần ghi lý do từ chối đề nghị chỉnh lý (trường «Ghi chú»).")
