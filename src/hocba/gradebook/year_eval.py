"""One TT 22 class's school year, student by student (THCS, THPT).

The class's data is read once (``load_class_year``: the subject sheets ``TermResult``, the
GVCN's ``ClassTermRecord``, the summer's ``SummerConduct`` and ``SubjectRetest``, the subject
teachers), then each student is evaluated without further queries (``evaluate``): by the TT
22 engine for the year (``tt22.evaluate_student``) and, after it, by ``tt22_summer`` for
summer training and re-evaluation. The class summary (``summary``) and the record composer
(``year_results``) both read from here, so the page and the record cannot disagree.

Nothing is guessed: a result exists only when every input it depends on is there, otherwise
``missing`` says what is absent, subject by subject ("Toán HK2: thiếu CK"):

- học tập of a term: every subject of the term complete (TT 22/2021 Điều 9.2, 9.3);
- học tập of the year: every subject complete in both terms (Điều 9.1.b, 9.2);
- rèn luyện of the year: both terms' rèn luyện entered (Điều 8);
- promotion and award: all of the above (Điều 12, 15.1);
- after the year: the rèn luyện after summer training (Điều 13) and the result of every
  re-evaluated subject (Điều 14), listed in ``awaiting`` until entered.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, NamedTuple

from hocba.curriculum.selectors import curriculum_of
from hocba.domain.assessment.common import AssessmentError, CommentResult, Level
from hocba.domain.assessment.tt22 import (
    TT22_RULES,
    CommentSubject,
    CommentTerm,
    Conduct,
    LevelResult,
    ScoreSubject,
    ScoreTerm,
    StudentInput,
    StudentResult,
    Subject,
    academic_level,
    comment_term_result,
    subject_result,
    term_average,
)
from hocba.domain.assessment.tt22_summer import AfterSummer, Retest, after_summer
from hocba.domain.curriculum import Assessment, CurriculumSubject
from hocba.gradebook.cells import COMMENT_FIELD, SheetShape
from hocba.gradebook.models import TermResult
from hocba.gradebook.models_class import ClassTermRecord
from hocba.gradebook.models_reassessment import SubjectRetest, SummerConduct
from hocba.gradebook.selectors import COMMENT_REGULAR
from hocba.roster.models import SchoolClass, Student, Teacher, TeachingAssignment
from hocba.roster.selectors import year_members

TERMS = (1, 2)
TERM_LABEL = {1: "HK1", 2: "HK2"}
TermInput = ScoreTerm | CommentTerm


class NotSecondary(ValueError):
    """The class is assessed by TT 27 (primary): these results are for TT 22 classes."""


def secondary_curriculum(school_class: SchoolClass) -> list[CurriculumSubject]:
    rows = curriculum_of(school_class)
    if any(r.assessment is Assessment.LEVEL for r in rows):
        raise NotSecondary("Tiểu học đánh giá theo TT 27/2020; trang tổng hợp này dành cho "
                           "THCS, THPT (TT 22/2021).")
    return rows


# --- loading -----------------------------------------------------------------------------

class StoredTerm(NamedTuple):
    """One row of a subject sheet (``TermResult``) as the year's results read it: its cells
    only, read as plain values (a class's year has tens of thousands of them; a named tuple
    is built from a database row at C speed)."""

    tx: list[Any]
    gk: Decimal | None
    ck: Decimal | None
    gk_rating: str
    ck_rating: str
    comment: str


_STORED_COLUMNS = ("tx", "gk", "ck", "gk_rating", "ck_rating", "comment")


@dataclass
class ClassYear:
    """Everything one class's year results depend on, read in a fixed number of queries."""

    school_class: SchoolClass
    curriculum: list[CurriculumSubject]
    members: list[Student]
    results: dict[tuple[int, str, int], StoredTerm]
    records: dict[tuple[int, int], ClassTermRecord]
    summer: dict[int, SummerConduct]
    retests: dict[tuple[int, str], SubjectRetest]
    teachers: dict[str, Teacher]  # subject code → the class's teacher of that subject
    # Subject code → its sheet's shape and the labels of its assessed cells: the same for
    # every student, worked out once (``columns``).
    _columns: dict[str, tuple[SheetShape, tuple[str, ...]]] = field(
        default_factory=dict, repr=False, compare=False)

    def columns(self, row: CurriculumSubject) -> tuple[SheetShape, tuple[str, ...]]:
        found = self._columns.get(row.code)
        if found is None:
            shape = _shape(row)
            found = self._columns[row.code] = (shape, tuple(
                shape.label(n) for n in shape.fields if n != COMMENT_FIELD))
        return found

    def records_of(self, student: Student) -> dict[int, ClassTermRecord | None]:
        return {t: self.records.get((student.pk, t)) for t in TERMS}

    def subject_name(self, code: str) -> str:
        return next((r.name for r in self.curriculum if r.code == code), code)


def load_class_year(school_class: SchoolClass) -> ClassYear:
    """The class's current students (class-list order) and their year's data. Raises
    NotSecondary for a primary class."""
    curriculum = secondary_curriculum(school_class)
    members = year_members(school_class)
    results = {(sid, code, term): StoredTerm._make(cells)
               for sid, code, term, *cells in TermResult.objects.filter(
                   school_class=school_class, student__in=members).values_list(
                   "student_id", "subject__code", "term", *_STORED_COLUMNS)}
    records = {(r.student_id, r.term): r for r in ClassTermRecord.objects.filter(
        school_class=school_class).select_related("updated_by")}
    summer = {s.student_id: s for s in SummerConduct.objects.filter(
        school_class=school_class).select_related("updated_by")}
    # In entry order: messages about several re-tests then come in a stable order on every
    # database (PostgreSQL returns unordered rows in no fixed order).
    retests = {(r.student_id, r.subject.code): r for r in SubjectRetest.objects.filter(
        school_class=school_class).select_related("subject", "updated_by").order_by("pk")}
    teachers = {a.subject.code: a.teacher for a in TeachingAssignment.objects.filter(
        school_class=school_class).select_related("subject", "teacher")}
    return ClassYear(school_class, curriculum, members, results, records, summer, retests,
                     teachers)


# --- one student -------------------------------------------------------------------------

@dataclass(frozen=True)
class SubjectTerms:
    """One subject the student studies: each term's engine input, or None if incomplete."""

    row: CurriculumSubject
    hk1: TermInput | None
    hk2: TermInput | None

    def term(self, term: int) -> TermInput | None:
        return self.hk1 if term == 1 else self.hk2


@dataclass(frozen=True)
class Evaluated:
    """One student's year: inputs, what is missing, and every result that could be computed.

    ``year_end`` is the engine's result at the end of the year (no summer results);
    ``after`` the year evaluated again with the summer's results (``after.result`` is None
    while one is awaited). ``error`` is the engine's refusal of the inputs, if any."""

    student: Student
    records: dict[int, ClassTermRecord | None]
    subjects: tuple[SubjectTerms, ...]
    missing: tuple[str, ...]
    term_levels: dict[int, LevelResult]
    year_level: LevelResult | None
    conduct: Conduct | None
    engine_input: StudentInput | None
    year_end: StudentResult | None
    after: AfterSummer | None
    error: str = ""

    @property
    def absences_excused(self) -> int:
        return sum(r.absences_excused for r in self.records.values() if r is not None)

    @property
    def absences_unexcused(self) -> int:
        return sum(r.absences_unexcused for r in self.records.values() if r is not None)


def _shape(row: CurriculumSubject) -> SheetShape:
    scored = row.assessment is Assessment.SCORE
    regular = row.regular_assessments if scored else COMMENT_REGULAR
    assert regular is not None
    return SheetShape(row.name, row.grade, regular, scored)


def _cell_texts(shape: SheetShape, result: StoredTerm | None) -> list[str]:
    """The stored text of each assessed cell (ĐĐGtx…, ĐĐGgk, ĐĐGck; "" when empty), as
    ``selectors.stored_value`` shows it on the sheet: "8.5", "10", "D"."""
    if result is None:
        return [""] * (shape.regular + 2)
    texts = [str(v) for v in result.tx[:shape.regular]]
    texts += [""] * (shape.regular - len(texts))
    if shape.scored:
        texts += ["" if v is None else f"{v.normalize():f}" for v in (result.gk, result.ck)]
    else:
        texts += [result.gk_rating, result.ck_rating]
    return texts


def _term_input(shape: SheetShape, texts: list[str]) -> TermInput:
    *tx, gk, ck = texts
    if shape.scored:  # TT 22/2021 Điều 9.1.b: the inputs of ĐTBmhk
        return ScoreTerm(tuple(map(Decimal, tx)), Decimal(gk), Decimal(ck))
    # Điều 9.1.a: the comment subject's assessments
    return CommentTerm(tuple(map(CommentResult, tx)), CommentResult(gk), CommentResult(ck))


def _subjects_of(year: ClassYear, student: Student) -> tuple[list[SubjectTerms], list[str]]:
    """The subjects the student studies, with each complete term; and what is missing.

    Compulsory subjects are always required; an optional or elective subject only when the
    student has a row in its sheet (they study it). A term is complete when every assessed
    cell is entered (TT 22/2021 Điều 9.2, 9.3); the comment column is never required."""
    subjects, missing = [], []
    for row in year.curriculum:
        if (row.optional or row.elective_group) and not any(
                (student.pk, row.code, t) in year.results for t in TERMS):
            continue
        shape, labels = year.columns(row)
        inputs: dict[int, TermInput | None] = {}
        for term in TERMS:
            texts = _cell_texts(shape, year.results.get((student.pk, row.code, term)))
            if all(texts):  # the usual case: every assessed cell entered
                inputs[term] = _term_input(shape, texts)
                continue
            absent = [label for label, text in zip(labels, texts, strict=True) if not text]
            inputs[term] = None
            if len(absent) == len(labels):
                missing.append(f"{row.name} {TERM_LABEL[term]}: chưa có điểm")
            else:
                missing.append(f"{row.name} {TERM_LABEL[term]}: thiếu {', '.join(absent)}")
        subjects.append(SubjectTerms(row, inputs[1], inputs[2]))
    return subjects, missing


def _level(term: int, subjects: list[SubjectTerms], field: str) -> LevelResult:
    scores, comments = [], []
    for s in subjects:
        value = s.term(term)
        if isinstance(value, ScoreTerm):
            scores.append((s.row.code, term_average(value)))
        elif isinstance(value, CommentTerm):
            comments.append((s.row.code, comment_term_result(value)))
    return academic_level(scores, comments, field, TT22_RULES)


def _engine_subjects(subjects: list[SubjectTerms]) -> tuple[Subject, ...]:
    out: list[Subject] = []
    for s in subjects:
        row = s.row
        if isinstance(s.hk1, ScoreTerm) and isinstance(s.hk2, ScoreTerm):
            out.append(ScoreSubject(row.code, row.periods_per_year, s.hk1, s.hk2))
        elif isinstance(s.hk1, CommentTerm) and isinstance(s.hk2, CommentTerm):
            out.append(CommentSubject(row.code, row.periods_per_year, s.hk1, s.hk2))
    return tuple(out)


def stored_summer(year: ClassYear, student: Student) -> Level | None:
    row = year.summer.get(student.pk)
    return Level(row.level) if row is not None and row.level else None


def stored_retests(year: ClassYear, student: Student) -> dict[str, Retest]:
    out: dict[str, Retest] = {}
    for (sid, code), row in year.retests.items():
        if sid != student.pk:
            continue
        if row.score is not None:
            out[code] = row.score
        elif row.rating:
            out[code] = CommentResult(row.rating)
    return out


class _Stored(enum.Enum):
    STORED = "stored"


STORED = _Stored.STORED  # "the values saved in the database"


def evaluate(year: ClassYear, student: Student, *, summer: Level | _Stored | None = STORED,
             retests: Mapping[str, Retest] | _Stored = STORED) -> Evaluated:
    """Everything that can be computed for the student. ``summer`` and ``retests`` replace
    the saved summer results when given (a service checking values before saving them)."""
    records = year.records_of(student)
    subjects, missing = _subjects_of(year, student)
    conducts = {t: (rec.conduct if (rec := records[t]) else "") for t in TERMS}
    for term in TERMS:
        if not conducts[term]:
            missing.append(f"Rèn luyện {TERM_LABEL[term]}: chưa nhập")
    complete = {t: all(s.term(t) is not None for s in subjects) for t in TERMS}
    conduct = (Conduct(Level(conducts[1]), Level(conducts[2]))
               if conducts[1] and conducts[2] else None)

    def done(year_level: LevelResult | None = None, engine_input: StudentInput | None = None,
             year_end: StudentResult | None = None, after: AfterSummer | None = None,
             error: str = "") -> Evaluated:
        if year_end is not None:  # the engine rated both terms from the same term averages
            term_levels = {1: year_end.hoc_tap_hk1, 2: year_end.hoc_tap_hk2}
        else:
            term_levels = {t: _level(t, subjects, f"hoc_tap.hk{t}") for t in TERMS
                           if complete[t]}
        lacking = (*missing, f"Không tính được kết quả: {error}") if error else tuple(missing)
        return Evaluated(student, records, tuple(subjects), lacking, term_levels, year_level,
                         conduct, engine_input, year_end, after, error)

    if not (complete[1] and complete[2]):
        return done()
    engine_subjects = _engine_subjects(subjects)
    if conduct is None:
        results = [subject_result(s) for s in engine_subjects]
        scores = [(r.code, r.year) for r in results if isinstance(r.year, Decimal)]
        comments = [(r.code, r.year) for r in results if isinstance(r.year, CommentResult)]
        return done(academic_level(scores, comments, "hoc_tap.year", TT22_RULES))
    absences = sum(r.absences for r in records.values() if r is not None)
    engine_input = StudentInput(student.student_code, absences, conduct, engine_subjects)
    chosen_summer = stored_summer(year, student) if summer is STORED else summer
    chosen_retests = stored_retests(year, student) if retests is STORED else retests
    assert not isinstance(chosen_summer, _Stored) and not isinstance(chosen_retests, _Stored)
    try:
        after = after_summer(engine_input, chosen_summer, chosen_retests,
                             names={r.code: r.name for r in year.curriculum})
    except AssessmentError as exc:  # inputs the engine cannot assess: say so, guess nothing
        return done(engine_input=engine_input, error=exc.message)
    return done(after.year_end.hoc_tap_year, engine_input, after.year_end, after)
