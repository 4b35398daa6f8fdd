"""Correction requests on the GVCN's class records of a locked term (HCMC QĐ 1789 Điều 13:
a correction asked for after the lock needs the leader's permission and is fully logged).

Once the principal locks a term, a change the GVCN saves on the class summary page
(``summary_records.save_records``) becomes one ``CorrectionRequest`` per changed value of
the ``ClassTermRecord``; the principal approves (the value is applied with a version bump)
or rejects it on the locks page. Audited with the gradebook's correction actions.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone

from hocba.audit.models import AuditEvent
from hocba.audit.services import record, record_denied
from hocba.domain.access import Action
from hocba.gradebook.models import CorrectionRequest
from hocba.gradebook.models_class import RECORD_FIELDS, ClassTermRecord
from hocba.gradebook.selectors import is_principal_of
from hocba.gradebook.services import GradebookError
from hocba.gradebook.year_eval import TERM_LABEL
from hocba.roster.models import SchoolClass

_KEY_OF = {spec.attr: key for key, spec in RECORD_FIELDS.items()}


def reason_required(rec: ClassTermRecord) -> str:
    return (f"{rec.student.full_name}, {TERM_LABEL[rec.term]}: học kì đã khoá, sửa tổng hợp "
            "lớp sẽ thành đề nghị gửi Hiệu trưởng; hãy ghi lí do đề nghị sửa "
            "(Quy chế 1789/QĐ-SGDĐT Điều 13).")


def _audit(actor: Any, action: str, rec: ClassTermRecord, role: str, detail: dict[str, Any]
           ) -> None:
    school = rec.school_class.school
    record(AuditEvent.Kind.WRITE, action, actor=actor, role=role, obj=rec,
           scope=(school.pk, school.province_id, school.area_id), detail={
               "hoc_sinh": rec.student.student_code, "lop": rec.school_class.name,
               "hoc_ki": rec.term, "tong_hop_lop": True, **detail})


def request_corrections(user: Any, role: str, rec: ClassTermRecord,
                        changes: dict[str, list[Any]], reason: str) -> list[CorrectionRequest]:
    """One pending request per changed value (``changes``: model attribute → [old, new]);
    the record itself is left as it is. Call inside the caller's transaction."""
    made = []
    now = timezone.now()
    for attr, (old, new) in changes.items():
        key = _KEY_OF[attr]
        correction = CorrectionRequest.objects.create(
            class_record=rec, field=key, old_value=str(old), new_value=str(new),
            reason=reason, requested_by=user, requested_at=now)
        _audit(user, "de_nghi_sua_diem", rec, role, {
            "o": key, "cu": str(old), "moi": str(new), "ly_do": reason,
            "de_nghi": correction.pk})
        made.append(correction)
    return made


def pending_count(school_class: SchoolClass) -> int:
    return CorrectionRequest.objects.filter(
        class_record__school_class=school_class,
        status=CorrectionRequest.Status.PENDING).count()


def decide_correction(principal: Any, correction: CorrectionRequest, approve: bool,
                      note: str = "") -> CorrectionRequest:
    """The principal approves (the value is applied, the record's version grows) or rejects a
    request on a class record. Refused when the value changed since the request."""
    target = correction.class_record
    assert target is not None
    school_class = target.school_class
    if not is_principal_of(principal, school_class.school, school_class.school_year):
        reason = (f"Chỉ Hiệu trưởng của {school_class.school.name} được duyệt đề nghị sửa "
                  "tổng hợp lớp.")
        record_denied(principal, Action.EDIT_RESULTS, school_class.school, reason)
        raise PermissionDenied(reason)
    with transaction.atomic():
        correction = CorrectionRequest.objects.select_for_update().get(pk=correction.pk)
        if correction.status != CorrectionRequest.Status.PENDING:
            raise GradebookError("de_nghi", "Đề nghị này đã được xử lí.")
        rec = ClassTermRecord.objects.select_for_update(of=("self",)).select_related(
            "student", "school_class__school").get(pk=target.pk)
        spec = RECORD_FIELDS[correction.field]
        current = spec.stored(rec)
        if approve and current != correction.old_value:
            raise GradebookError(correction.field, (
                f"{rec.student.full_name}, {spec.label.lower()} {TERM_LABEL[rec.term]} đã đổi "
                f"thành {spec.shown(current) or '(trống)'} sau khi có đề nghị; hãy từ chối và "
                "để giáo viên chủ nhiệm đề nghị lại."))
        correction.status = (CorrectionRequest.Status.APPROVED if approve
                             else CorrectionRequest.Status.REJECTED)
        correction.decided_by = principal
        correction.decided_at = timezone.now()
        correction.decision_note = note.strip()
        correction.save()
        detail: dict[str, Any] = {
            "o": correction.field, "cu": correction.old_value, "moi": correction.new_value,
            "de_nghi": correction.pk, "nguoi_de_nghi": str(correction.requested_by),
            "ly_do": correction.reason, "ghi_chu": correction.decision_note}
        if approve:
            setattr(rec, spec.attr, spec.value(correction.new_value))
            rec.version += 1
            rec.updated_by = principal
            rec.updated_at = correction.decided_at
            rec.save()
            detail["phien_ban"] = rec.version
        _audit(principal, "duyet_sua_diem" if approve else "tu_choi_sua_diem", rec,
               "Hiệu trưởng", detail)
    return correction
