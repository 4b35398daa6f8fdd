"""Reads of the gradebook: a sheet's shape, a cell's value, a row's term result, the grid."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db.models import Q, QuerySet

from hocba.accounts.authz import can, grants_for, require
from hocba.accounts.targets import ClassSubject
from hocba.curriculum.models import Subject
from hocba.curriculum.selectors import curriculum_of
from hocba.domain.access import Action, Role
from hocba.domain.assessment.common import CommentResult, vn_number
from hocba.domain.assessment.tt22 import (
    CommentTerm,
    ScoreTerm,
    comment_term_result,
    term_average,
)
from hocba.domain.curriculum import Assessment
from hocba.gradebook.cells import COMMENT_FIELD, RATING_LABELS, CellError, SheetShape
from hocba.gradebook.models import CorrectionRequest, TermLock, TermResult
from hocba.organisation.models import School, SchoolYear
from hocba.roster.models import SchoolClass, Student, TeachingAssignment
from hocba.roster.selectors import current_members

# TT 22/2021 Điều 6.2.a [B in DOMAIN.md §2.2]: comment-only subjects, 2 ĐĐGtx per term.
COMMENT_REGULAR = 2


@dataclass(frozen=True)
class Sheet:
    """One class × subject × term of the gradebook, with its columns."""

    school_class: SchoolClass
    subject: Subject
    term: int
    shape: SheetShape


def sheet_of(school_class: SchoolClass, subject: Subject, term: int) -> Sheet:
    """The sheet, its columns from the curriculum of the class's year (TT 22/2021 Điều 6.2).
    Raises CellError for a subject the grade does not study or that TT 27 assesses by level.
    """
    if term not in (1, 2):
        raise CellError("hk", "Học kì chỉ là 1 hoặc 2.")
    row = next((s for s in curriculum_of(school_class) if s.code == subject.code), None)
    if row is None:
        raise CellError("mon", f"Lớp {school_class.name} không học môn {subject.name}.")
    if row.assessment is Assessment.LEVEL:
        raise CellError("mon", "Tiểu học đánh giá theo mức (TT 27/2020); sổ điểm này dành cho "
                               "THCS, THPT (TT 22/2021).")
    scored = row.assessment is Assessment.SCORE
    regular = row.regular_assessments if scored else COMMENT_REGULAR
    assert regular is not None
    return Sheet(school_class, subject, term, SheetShape(row.name, row.grade, regular, scored))


def sheet_of_row(row: TermResult) -> Sheet:
    return sheet_of(row.school_class, row.subject, row.term)


def stored_value(shape: SheetShape, row: TermResult | None, name: str) -> str:
    """The canonical stored text of a cell: ``"8.5"``, ``"D"`` or ``""``."""
    if row is None:
        return ""
    if name == COMMENT_FIELD:
        return row.comment
    if name.startswith("tx"):
        index = int(name[2:]) - 1
        return str(row.tx[index]) if index < len(row.tx) else ""
    if shape.scored:
        score = row.gk if name == "gk" else row.ck
        return "" if score is None else f"{score.normalize():f}"
    return row.gk_rating if name == "gk" else row.ck_rating


@dataclass(frozen=True)
class TermOutcome:
    """ĐTBmhk (score subjects) or Đ/CĐ (comment subjects), or what is still missing."""

    value: str | None
    missing: tuple[str, ...]
    rule: str


def term_outcome(shape: SheetShape, row: TermResult | None) -> TermOutcome:
    cells = {name: stored_value(shape, row, name) for name in shape.fields}
    missing = tuple(shape.label(n) for n in shape.fields if n != COMMENT_FIELD and not cells[n])
    if shape.scored:
        rule = "TT 22/2021 Điều 9.1.b: ĐTBmhk = (TĐĐGtx + 2×ĐĐGgk + 3×ĐĐGck) / (số ĐĐGtx + 5)"
        if missing:
            return TermOutcome(None, missing, rule)
        term = ScoreTerm(tuple(Decimal(cells[n]) for n in shape.regular_fields),
                         Decimal(cells["gk"]), Decimal(cells["ck"]))
        return TermOutcome(vn_number(term_average(term)), (), rule)
    # TT 22/2021 Điều 9.1.a (DOMAIN.md §2.2 [T]): Đạt when every assessment is Đạt.
    rule = "TT 22/2021 Điều 9.1.a: Đạt khi đủ số lần đánh giá và tất cả đều Đạt"
    if missing:
        return TermOutcome(None, missing, rule)
    ratings = CommentTerm(tuple(CommentResult(cells[n]) for n in shape.regular_fields),
                          CommentResult(cells["gk"]), CommentResult(cells["ck"]))
    result = comment_term_result(ratings)  # the engine's rule, not a copy of it
    return TermOutcome(RATING_LABELS[result.value], (), rule)


def lock_of(school_class: SchoolClass, term: int) -> TermLock | None:
    return TermLock.objects.filter(school_id=school_class.school_id,
                                   school_year_id=school_class.school_year_id,
                                   term=term).select_related("locked_by").first()


@dataclass
class GridRow:
    number: int
    student: Student
    version: int
    cells: list[tuple[str, str]]  # (field, value as shown)
    outcome: TermOutcome
    originals: dict[str, str] = field(default_factory=dict)

    @property
    def originals_json(self) -> str:
        """The values as rendered, so that a plain form post saves only what was changed."""
        return json.dumps(self.originals, ensure_ascii=False)


@dataclass
class Grid:
    sheet: Sheet
    rows: list[GridRow]
    editable: bool
    lock: TermLock | None
    pending: int


def grid(user: Any, school_class: SchoolClass, subject: Subject, term: int) -> Grid:
    """The sheet's rows in class-list order (given name first), with values, versions and
    computed term results. Raises PermissionDenied outside the user's results."""
    target = ClassSubject(school_class, subject.pk)
    require(user, Action.VIEW_RESULTS, target)
    sheet = sheet_of(school_class, subject, term)
    shape = sheet.shape
    results = {r.student_id: r for r in TermResult.objects.filter(
        school_class=school_class, subject=subject, term=term)}
    rows = []
    for number, student in enumerate(current_members(school_class), start=1):
        result = results.get(student.pk)
        shown = [(n, shape.show(n, stored_value(shape, result, n))) for n in shape.fields]
        rows.append(GridRow(number, student, result.version if result else 0, shown,
                            term_outcome(shape, result), dict(shown)))
    pending = CorrectionRequest.objects.filter(
        result__school_class=school_class, result__subject=subject, result__term=term,
        status=CorrectionRequest.Status.PENDING).count()
    return Grid(sheet, rows, bool(can(user, Action.EDIT_RESULTS, target)),
                lock_of(school_class, term), pending)


def teaching_sheets(user: Any) -> list[TeachingAssignment]:
    """The classes × subjects the user teaches, newest year first, that TT 22 sheets cover."""
    assignments = TeachingAssignment.objects.filter(teacher__user=user).select_related(
        "school_class__school", "school_class__school_year", "subject"
    ).order_by("-school_class__school_year__start", "school_class__grade",
               "school_class__name", "subject__name")
    kept = []
    for assignment in assignments:
        try:
            sheet_of(assignment.school_class, assignment.subject, 1)
        except CellError:
            continue
        kept.append(assignment)
    return kept


def is_principal_of(user: Any, school: School, year: SchoolYear | None = None) -> bool:
    """Whether the user holds the principal's grant at the school (for that year, if given):
    the leader who locks terms and approves corrections (HCMC QĐ 1789 Điều 13, 29)."""
    return any(
        g.role is Role.PRINCIPAL and g.school == school.pk
        and (year is None or g.year is None or g.year == year.pk)
        for g in grants_for(user)
    )


def principal_schools(user: Any) -> QuerySet[School]:
    ids = {g.school for g in grants_for(user)
           if g.role is Role.PRINCIPAL and g.school is not None}
    return School.objects.filter(pk__in=ids).order_by("name")


def corrections_of(school: School, status: str | None = None) -> QuerySet[CorrectionRequest]:
    requests = CorrectionRequest.objects.filter(
        Q(result__school_class__school=school)
        | Q(primary_result__school_class__school=school)
        | Q(class_record__school_class__school=school)
        | Q(primary_class_record__school_class__school=school)).select_related(
        "result__student", "result__school_class", "result__subject", "primary_result__student",
        "primary_result__school_class", "primary_result__subject", "class_record__student",
        "class_record__school_class", "primary_class_record__student",
        "primary_class_record__school_class", "requested_by", "decided_by")
    if status:
        requests = requests.filter(status=status)
    return requests
