"""Correction requests on the GVCN's class records of a locked term (HCMC QĐ 1789 Điều 13:
a correction asked for after the lock needs the leader's permission and is fully logged).

Once the principal locks a term, a change the GVCN saves on a class summary page becomes one
``CorrectionRequest`` per changed value of the record: a TT 22 ``ClassTermRecord``
(``summary_records.save_records``) or a TT 27 ``PrimaryClassRecord`` of a point of that term
(``primary_summary_services.save_records``; term I covers points 1–2, term II points 3–4).
The principal approves (the value is applied with a version bump) or rejects it on the locks
page. Audited with the gradebook's correction actions.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.db import models, transaction
from django.utils import timezone

from hocba.audit.models import AuditEvent
from hocba.audit.services import record
from hocba.gradebook.models import CorrectionRequest
from hocba.gradebook.models_class import RECORD_FIELDS, ClassTermRecord
from hocba.gradebook.models_primary import PrimaryClassRecord, RatingChoice
from hocba.gradebook.primary_cells import POINT_PHRASES
from hocba.gradebook.services import GradebookError, close_correction, require_principal
from hocba.gradebook.year_eval import TERM_LABEL
from hocba.roster.models import SchoolClass

_KEY_OF = {spec.attr: key for key, spec in RECORD_FIELDS.items()}
Record = ClassTermRecord | PrimaryClassRecord


# --- the TT 27 class record's values as a request keeps and shows them -----------------------

def _primary_field(name: str) -> models.Field[Any, Any]:
    field = PrimaryClassRecord._meta.get_field(name)
    assert isinstance(field, models.Field)
    return field


def primary_text(value: Any) -> str:
    """A value of a ``PrimaryClassRecord`` as a request keeps it: ``"D"``, ``"3"``, ``"28.5"``,
    ``"1"`` for a ticked recognition, ``""`` for empty."""
    if value is None or value is False:
        return ""
    return "1" if value is True else str(value)


def primary_value(name: str, text: str) -> Any:
    """The kept text back as the model's value."""
    field = _primary_field(name)
    if isinstance(field, models.BooleanField):
        return text == "1"
    if isinstance(field, models.PositiveSmallIntegerField):
        return int(text or 0)
    if isinstance(field, models.DecimalField):
        return Decimal(text) if text else None
    return text


def primary_label(name: str) -> str:
    """The field's name for people: ``Chăm chỉ``, ``Cân nặng (kg)``."""
    label = str(_primary_field(name).verbose_name)
    return label[:1].upper() + label[1:]


def primary_shown(name: str, text: str) -> str:
    """Ratings in words (TT 27/2020 Điều 7.2: Tốt, Đạt, Cần cố gắng), decimals with a comma."""
    field = _primary_field(name)
    if field.choices and text in RatingChoice.values:
        return str(RatingChoice(text).label)
    if isinstance(field, models.BooleanField):
        return "Có" if text == "1" else "Không"
    if isinstance(field, models.DecimalField):
        return text.replace(".", ",")
    return text


# --- either record ----------------------------------------------------------------------------

def _when(rec: Record) -> str:
    if isinstance(rec, PrimaryClassRecord):
        return POINT_PHRASES[rec.point]
    return TERM_LABEL[rec.term]


def reason_required(rec: Record) -> str:
    return (f"{rec.student.full_name}, {_when(rec)}: học kì đã khoá, sửa tổng hợp "
            "lớp sẽ thành đề nghị gửi Hiệu trưởng; hãy ghi lí do đề nghị sửa "
            "(Quy chế 1789/QĐ-SGDĐT Điều 13).")


def _audit(actor: Any, action: str, rec: Record, role: str, detail: dict[str, Any]) -> None:
    school = rec.school_class.school
    when = ({"thoi_diem": rec.point} if isinstance(rec, PrimaryClassRecord)
            else {"hoc_ki": rec.term})
    record(AuditEvent.Kind.WRITE, action, actor=actor, role=role, obj=rec,
           scope=(school.pk, school.province_id, school.area_id), detail={
               "hoc_sinh": rec.student.student_code, "lop": rec.school_class.name,
               **when, "tong_hop_lop": True, **detail})


def request_corrections(user: Any, role: str, rec: Record,
                        changes: dict[str, list[Any]], reason: str) -> list[CorrectionRequest]:
    """One pending request per changed value (``changes``: model attribute → [old, new]);
    the record itself is left as it is. Call inside the caller's transaction."""
    made = []
    now = timezone.now()
    primary = isinstance(rec, PrimaryClassRecord)
    for attr, (old, new) in changes.items():
        key, text = (attr, primary_text) if primary else (_KEY_OF[attr], str)
        old, new = text(old), text(new)
        correction = CorrectionRequest.objects.create(
            **({"primary_class_record": rec} if primary else {"class_record": rec}),
            field=key, old_value=old, new_value=new,
            reason=reason, requested_by=user, requested_at=now)
        _audit(user, "de_nghi_sua_diem", rec, role, {
            "o": key, "cu": old, "moi": new, "ly_do": reason,
            "de_nghi": correction.pk})
        made.append(correction)
    return made


def pending_count(school_class: SchoolClass) -> int:
    return CorrectionRequest.objects.filter(
        models.Q(class_record__school_class=school_class)
        | models.Q(primary_class_record__school_class=school_class),
        status=CorrectionRequest.Status.PENDING).count()


def _locked_record(target: Record) -> Record:
    model = type(target)
    return model.objects.select_for_update(of=("self",)).select_related(
        "student", "school_class__school").get(pk=target.pk)


def _stored(rec: Record, key: str) -> tuple[str, str, str]:
    """(the value now as a request keeps it, the field's label, that value shown)."""
    if isinstance(rec, PrimaryClassRecord):
        current = primary_text(getattr(rec, key))
        return current, primary_label(key), primary_shown(key, current)
    spec = RECORD_FIELDS[key]
    current = spec.stored(rec)
    return current, spec.label, spec.shown(current)


def _apply(rec: Record, key: str, text: str) -> None:
    if isinstance(rec, PrimaryClassRecord):
        setattr(rec, key, primary_value(key, text))
    else:
        spec = RECORD_FIELDS[key]
        setattr(rec, spec.attr, spec.value(text))


def decide_correction(principal: Any, correction: CorrectionRequest, approve: bool,
                      note: str = "") -> CorrectionRequest:
    """The principal approves (the value is applied, the record's version grows) or rejects a
    request on a class record. Refused when the value changed since the request."""
    target = correction.target
    assert isinstance(target, ClassTermRecord | PrimaryClassRecord)
    school_class = target.school_class
    require_principal(principal, school_class.school, school_class.school_year,
                      "duyệt đề nghị sửa tổng hợp lớp")
    with transaction.atomic():
        correction = CorrectionRequest.objects.select_for_update().get(pk=correction.pk)
        if correction.status != CorrectionRequest.Status.PENDING:
            raise GradebookError("de_nghi", "Đề nghị này đã được xử lí.")
        rec = _locked_record(target)
        current, label, shown = _stored(rec, correction.field)
        if approve and current != correction.old_value:
            raise GradebookError(correction.field, (
                f"{rec.student.full_name}, {label.lower()} {_when(rec)} đã đổi "
                f"thành {shown or '(trống)'} sau khi có đề nghị; hãy từ chối và "
                "để giáo viên chủ nhiệm đề nghị lại."))
        detail = close_correction(correction, principal, approve, note)
        if approve:
            _apply(rec, correction.field, correction.new_value)
            rec.version += 1
            rec.updated_by = principal
            rec.updated_at = correction.decided_at
            rec.save()
            detail["phien_ban"] = rec.version
        _audit(principal, "duyet_sua_diem" if approve else "tu_choi_sua_diem", rec,
               "Hiệu trưởng", detail)
    return correction
