"""Writes after a TT 22 school year: the rèn luyện after summer training (TT 22/2021 Điều 13)
and the results of the re-evaluation of subjects (kiểm tra, đánh giá lại, Điều 14).

Who. The principal and học vụ organise the re-evaluation and approve summer training on the
system (HCMC QĐ 1789 Điều 28): ``Action.REASSESS``, for both kinds of entry. The GVCN assesses
rèn luyện at the end of the summer (TT 22/2021 Điều 13 khoản 3): with ``Action.EDIT_RESULTS``
on the class they may enter the summer rèn luyện, not re-evaluation results.

What. Only what the engine says the student must do (``tt22_summer.summer_plan``): a summer
rèn luyện for a student whose year rèn luyện is Chưa đạt; a result for a subject the plan
lists, once rèn luyện (after the summer) is at least Đạt. A value may always be cleared.

How. Every edit is checked first and any problem refuses them all; then one transaction
writes the changed rows, each audited; a row changed by someone else since the page was
loaded refuses the whole save with their name (nothing half-written).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.utils import timezone

from hocba.accounts.authz import can, require
from hocba.audit.models import AuditEvent
from hocba.audit.services import record
from hocba.curriculum.models import Subject
from hocba.domain.access import Action, Decision
from hocba.domain.assessment.common import Level
from hocba.domain.assessment.tt22_summer import Reevaluation
from hocba.domain.curriculum import Assessment
from hocba.domain.text import clean
from hocba.gradebook import cells
from hocba.gradebook.models_reassessment import SubjectRetest, SummerConduct
from hocba.gradebook.summary_records import conduct_value
from hocba.gradebook.year_eval import ClassYear, Evaluated, evaluate, load_class_year
from hocba.roster.models import SchoolClass, Student

SUMMER_RULE = "TT 22/2021 Điều 13"
RETEST_RULE = "TT 22/2021 Điều 14"


class ReassessmentError(ValueError):
    """Refused: nothing was written. ``problems`` are Vietnamese messages naming the student
    and the field; ``conflict`` says that one of them is a stale version."""

    def __init__(self, problems: list[str], conflict: bool = False) -> None:
        super().__init__("; ".join(problems))
        self.problems = problems
        self.conflict = conflict


@dataclass(frozen=True)
class SummerEdit:
    """The rèn luyện after summer as posted (``"DAT"``, ``"Đạt"`` or empty to clear)."""

    student: Student
    value: str
    expected_version: int


@dataclass(frozen=True)
class RetestEdit:
    """A subject's re-evaluation result as posted (``"6,5"``, ``"Đ"`` or empty to clear)."""

    student: Student
    subject_code: str
    value: str
    expected_version: int


def _authorise(user: Any, school_class: SchoolClass, summer: bool, retests: bool
               ) -> tuple[Decision | None, Decision | None]:
    """PermissionDenied (audited) unless the user may enter every kind of value posted."""
    summer_decision = retest_decision = None
    if summer:
        summer_decision = can(user, Action.EDIT_RESULTS, school_class)
        if not summer_decision:
            summer_decision = require(user, Action.REASSESS, school_class)
    if retests:
        retest_decision = require(user, Action.REASSESS, school_class)
    return summer_decision, retest_decision


def _not_ready(evaluated: Evaluated) -> str:
    first = evaluated.missing[0] if evaluated.missing else "chưa đủ kết quả"
    return (f"{evaluated.student.full_name}: chưa có kết quả cả năm nên chưa xét rèn luyện hè, "
            f"kiểm tra lại ({first}).")


def _check_summer(year: ClassYear, edit: SummerEdit, problems: list[str]) -> str | None:
    student = edit.student
    who = f"{student.full_name}, rèn luyện sau hè"
    value = conduct_value(edit.value)
    if value is None:
        problems.append(f"{who}: “{clean(edit.value)}” không phải là mức rèn luyện; chỉ nhận "
                        "Tốt, Khá, Đạt, Chưa đạt (TT 22/2021 Điều 8).")
        return None
    if not value:
        return value  # clearing is always allowed
    evaluated = evaluate(year, student)
    if evaluated.after is None:
        problems.append(_not_ready(evaluated))
        return None
    if not evaluated.after.plan.summer_training:
        level = evaluated.after.year_end.ren_luyen_year
        problems.append(f"{who}: rèn luyện cả năm là {level.label if level else 'chưa có'}, "
                        f"không thuộc diện rèn luyện trong kì nghỉ hè ({SUMMER_RULE} khoản 1: "
                        "chỉ khi rèn luyện cả năm Chưa đạt).")
        return None
    return value


def _parse_retest(kind: Assessment, raw: str) -> tuple[Decimal | None, str]:
    """(score, rating) of a posted value: TT 22/2021 Điều 5.3.b scores, 5.3.a Đ/CĐ."""
    if kind is Assessment.SCORE:
        return cells.parse_score("kt", raw), ""
    return None, cells.parse_rating("kt", raw) or ""


def _check_retest(year: ClassYear, edit: RetestEdit, summer: dict[int, str],
                  problems: list[str]) -> tuple[Decimal | None, str] | None:
    student, code = edit.student, edit.subject_code
    row = next((r for r in year.curriculum if r.code == code), None)
    name = row.name if row else code
    who = f"{student.full_name}, kiểm tra lại môn {name}"
    if row is None:
        problems.append(f"{who}: lớp {year.school_class.name} không học môn này.")
        return None
    try:
        value = _parse_retest(row.assessment, edit.value)
    except cells.CellError as exc:
        problems.append(f"{who}: {exc.message}")
        return None
    if value == (None, ""):
        return value  # clearing is always allowed
    level = summer.get(student.pk)
    evaluated = (evaluate(year, student) if level is None else
                 evaluate(year, student, summer=Level(level) if level else None))
    after = evaluated.after
    if after is None:
        problems.append(_not_ready(evaluated))
        return None
    plan = after.plan
    if code not in plan.subjects:
        problems.append(f"{who}: môn này không thuộc diện kiểm tra, đánh giá lại; chỉ các môn "
                        "có ĐTBmcn dưới 5,0 hoặc đánh giá Chưa đạt, của học sinh có kết quả "
                        f"học tập cả năm Chưa đạt ({RETEST_RULE}).")
    elif plan.reevaluation is Reevaluation.AFTER_SUMMER:
        problems.append(f"{who}: chưa kiểm tra lại được vì rèn luyện cả năm Chưa đạt; cần nhập "
                        "rèn luyện sau hè trước, và chỉ kiểm tra lại khi đạt từ mức Đạt "
                        "(TT 22/2021 Điều 13, 14).")
    elif plan.reevaluation is Reevaluation.REFUSED:
        problems.append(f"{who}: rèn luyện sau hè vẫn Chưa đạt nên không được kiểm tra, đánh "
                        f"giá lại ({RETEST_RULE}).")
    else:
        return value
    return None


def _scope(school_class: SchoolClass) -> tuple[int | None, int | None, int | None]:
    school = school_class.school
    return school.pk, school.province_id, school.area_id


def _stale(what: str, row: SummerConduct | SubjectRetest) -> str:
    when = (f" lúc {timezone.localtime(row.updated_at):%H:%M %d/%m/%Y}"
            if isinstance(row.updated_at, datetime) else "")
    by = str(row.updated_by) if row.updated_by else "người khác"
    return (f"{row.student.full_name}, {what}: vừa được {by} sửa{when}; không lưu để không "
            "ghi đè. Hãy tải lại trang, xem lại rồi lưu.")


def _stamp(row: SummerConduct | SubjectRetest, user: Any) -> None:
    row.version += 1
    row.updated_by = user
    row.updated_at = timezone.now()
    row.save()


def save_after_year(user: Any, school_class: SchoolClass, summer: list[SummerEdit],
                    retests: list[RetestEdit]) -> int:
    """Save the summer's changed values, all or nothing. Returns the number of rows written.

    Raises PermissionDenied (see the module doc) or ReassessmentError (an impossible value, a
    student or subject the plan does not name, a student not in the class, or a row changed
    by someone else since the page was loaded); nothing is written then."""
    summer_decision, retest_decision = _authorise(user, school_class, bool(summer),
                                                  bool(retests))
    year = load_class_year(school_class)
    members = {s.pk for s in year.members}
    problems: list[str] = []
    edits: list[SummerEdit | RetestEdit] = [*summer, *retests]
    for edit in edits:
        if edit.student.pk not in members:
            problems.append(f"{edit.student.full_name} không còn học lớp {school_class.name}.")
    if problems:
        raise ReassessmentError(problems)
    levels = {e.student.pk: _check_summer(year, e, problems) for e in summer}
    known = {pk: v for pk, v in levels.items() if v is not None}
    values = [(e, _check_retest(year, e, known, problems)) for e in retests]
    if problems:
        raise ReassessmentError(problems)
    written = 0
    scope = _scope(school_class)
    with transaction.atomic():
        conflicts: list[str] = []
        for edit in summer:
            level = known[edit.student.pk]
            found = SummerConduct.objects.filter(student=edit.student,
                                                 school_class=school_class).first()
            if found is None and not level:
                continue
            row, _ = SummerConduct.objects.get_or_create(student=edit.student,
                                                         school_class=school_class)
            row = SummerConduct.objects.select_for_update(of=("self",)).select_related(
                "student", "updated_by").get(pk=row.pk)
            if row.level == level:
                continue
            if row.version != edit.expected_version:
                conflicts.append(_stale("rèn luyện sau hè", row))
                continue
            old = row.level
            row.level = level
            _stamp(row, user)
            written += 1
            assert summer_decision is not None
            record(AuditEvent.Kind.WRITE, "nhap_ren_luyen_he", actor=user,
                   role=summer_decision.role_label, obj=row, scope=scope, detail={
                       "hoc_sinh": edit.student.student_code, "lop": school_class.name,
                       "cu": old, "moi": level, "phien_ban": row.version,
                       "can_cu": SUMMER_RULE})
        for retest, parsed in values:
            assert parsed is not None
            score, rating = parsed
            subject = Subject.objects.get(code=retest.subject_code)
            found_retest = SubjectRetest.objects.filter(
                student=retest.student, school_class=school_class, subject=subject).first()
            if found_retest is None and score is None and not rating:
                continue
            got, _ = SubjectRetest.objects.get_or_create(
                student=retest.student, school_class=school_class, subject=subject)
            got = SubjectRetest.objects.select_for_update(of=("self",)).select_related(
                "student", "updated_by").get(pk=got.pk)
            new = f"{score.normalize():f}" if score is not None else rating
            if got.stored == new:
                continue
            if got.version != retest.expected_version:
                conflicts.append(_stale(f"kiểm tra lại môn {subject.name}", got))
                continue
            old = got.stored
            got.score, got.rating = score, rating
            _stamp(got, user)
            written += 1
            assert retest_decision is not None
            record(AuditEvent.Kind.WRITE, "nhap_kiem_tra_lai", actor=user,
                   role=retest_decision.role_label, obj=got, scope=scope, detail={
                       "hoc_sinh": retest.student.student_code, "lop": school_class.name,
                       "mon": subject.code, "cu": old, "moi": new,
                       "phien_ban": got.version, "can_cu": RETEST_RULE})
        if conflicts:  # leaving the block by an exception rolls every row back
            raise ReassessmentError(conflicts, conflict=True)
    return written
