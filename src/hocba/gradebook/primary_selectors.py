"""Reads of the primary (TT 27/2020) gradebook: a class × subject's columns, a cell's stored
value, the grid of the whole year, and the sheets a teacher may open."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from hocba.accounts.authz import can, require
from hocba.accounts.targets import ClassSubject
from hocba.curriculum.models import Subject
from hocba.curriculum.selectors import curriculum_of
from hocba.domain.access import Action
from hocba.domain.curriculum import Assessment
from hocba.gradebook.cells import CellError
from hocba.gradebook.models import CorrectionRequest, PrimarySubjectResult, TermLock
from hocba.gradebook.primary_cells import (
    COMMENT,
    LEVEL,
    POINT_LABELS,
    POINT_TERM,
    POINTS,
    SHORT_LABELS,
    TEST,
    PrimaryShape,
    split,
)
from hocba.gradebook.selectors import lock_of
from hocba.roster.models import SchoolClass, Student, TeachingAssignment
from hocba.roster.selectors import current_members


def is_primary(school_class: SchoolClass) -> bool:
    """Whether TT 27/2020 assesses the class: its subjects are assessed by level."""
    return any(r.assessment is Assessment.LEVEL for r in curriculum_of(school_class))


def shape_of(school_class: SchoolClass, subject: Subject) -> PrimaryShape:
    """The columns of a primary class × subject, from the curriculum of the class's year
    (TT 27/2020 Điều 7.1). Raises CellError for a subject the grade does not study or a
    class that TT 22 assesses."""
    row = next((s for s in curriculum_of(school_class) if s.code == subject.code), None)
    if row is None:
        raise CellError("mon", f"Lớp {school_class.name} không học môn {subject.name}.")
    if row.assessment is not Assessment.LEVEL:
        raise CellError("mon", "THCS, THPT đánh giá theo TT 22/2021; sổ theo dõi này dành cho "
                               "tiểu học (TT 27/2020).")
    return PrimaryShape(row.name, row.grade, row.periodic_test, row.midterm_test)


def stored_value(row: PrimarySubjectResult | None, kind: str) -> str:
    """The canonical stored text of a cell of the row's point: ``"T"``, ``"9"`` or ``""``."""
    if row is None:
        return ""
    if kind == LEVEL:
        return row.level
    if kind == TEST:
        return "" if row.test is None else str(row.test)
    return row.comment


def cell_value(rows: dict[int, PrimarySubjectResult], name: str) -> str:
    point, kind = split(name)
    return stored_value(rows.get(point), kind)


def point_lock(school_class: SchoolClass, point: int) -> TermLock | None:
    """The term lock covering the point (term I: GK1, CK1; term II: GK2, CN)."""
    return lock_of(school_class, POINT_TERM[point])


@dataclass(frozen=True)
class Column:
    point: int
    kind: str
    name: str

    @property
    def header(self) -> str:
        return SHORT_LABELS[self.kind]

    @property
    def is_comment(self) -> bool:
        return self.kind == COMMENT


@dataclass
class PrimaryGridRow:
    number: int
    student: Student
    versions: dict[int, int]  # point → version of that point's row
    cells: list[tuple[Column, str]]  # (column, value as shown)
    originals: dict[str, str] = field(default_factory=dict)

    @property
    def originals_json(self) -> str:
        """The values as rendered, so that a plain form post saves only what was changed."""
        return json.dumps(self.originals, ensure_ascii=False)

    @property
    def version_list(self) -> list[tuple[int, int]]:
        return sorted(self.versions.items())


@dataclass
class PrimaryGrid:
    school_class: SchoolClass
    subject: Subject
    shape: PrimaryShape
    rows: list[PrimaryGridRow]
    editable: bool
    locks: dict[int, TermLock | None]  # term → lock
    pending: int

    @property
    def columns(self) -> list[Column]:
        return [Column(p, k, f) for p in POINTS
                for k, f in zip(self.shape.kinds(p), self.shape.fields_of(p), strict=True)]

    @property
    def groups(self) -> list[tuple[int, str, int]]:
        """(point, label, number of columns) for the header's first row."""
        return [(p, POINT_LABELS[p], len(self.shape.kinds(p))) for p in POINTS]

    @property
    def locked_terms(self) -> list[tuple[int, TermLock]]:
        return [(t, lock) for t, lock in sorted(self.locks.items()) if lock is not None]


def grid(user: Any, school_class: SchoolClass, subject: Subject) -> PrimaryGrid:
    """The class × subject over the four points, in class-list order. Raises
    PermissionDenied outside the user's results, CellError for a subject not assessed by
    level in this class."""
    target = ClassSubject(school_class, subject.pk)
    require(user, Action.VIEW_RESULTS, target)
    shape = shape_of(school_class, subject)
    by_student: dict[int, dict[int, PrimarySubjectResult]] = {}
    for result in PrimarySubjectResult.objects.filter(school_class=school_class,
                                                      subject=subject):
        by_student.setdefault(result.student_id, {})[result.point] = result
    columns = [Column(p, k, f) for p in POINTS
               for k, f in zip(shape.kinds(p), shape.fields_of(p), strict=True)]
    rows = []
    for number, student in enumerate(current_members(school_class), start=1):
        mine = by_student.get(student.pk, {})
        shown = [(c, cell_value(mine, c.name)) for c in columns]
        versions = {p: (mine[p].version if p in mine else 0) for p in POINTS}
        rows.append(PrimaryGridRow(number, student, versions, shown,
                                   {c.name: v for c, v in shown}))
    pending = CorrectionRequest.objects.filter(
        primary_result__school_class=school_class, primary_result__subject=subject,
        status=CorrectionRequest.Status.PENDING).count()
    return PrimaryGrid(school_class, subject, shape, rows,
                       bool(can(user, Action.EDIT_RESULTS, target)),
                       {t: lock_of(school_class, t) for t in (1, 2)}, pending)


def primary_sheets(user: Any) -> list[TeachingAssignment]:
    """The primary classes × subjects the user teaches, newest year first."""
    assignments = TeachingAssignment.objects.filter(
        teacher__user=user, school_class__grade__lte=5).select_related(
        "school_class__school", "school_class__school_year", "subject"
    ).order_by("-school_class__school_year__start", "school_class__grade",
               "school_class__name", "subject__name")
    kept = []
    for assignment in assignments:
        try:
            shape_of(assignment.school_class, assignment.subject)
        except CellError:
            continue
        kept.append(assignment)
    return kept
