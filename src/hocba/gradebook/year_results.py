"""The year-end values of a TT 22 class (THCS, THPT), for the record composition.

``year_results(school_class) -> list[StudentYear]``
    One ``StudentYear`` per student enrolled in the class now, in class-list order. It reads
    the subject sheets, the GVCN's class records and the summer's results, and evaluates each
    student with the TT 22 engine (``hocba.domain.assessment.tt22``) and, after the year,
    with ``tt22_summer`` (summer training, Điều 13; re-evaluation, Điều 14). It is what the
    class summary page shows (both read ``year_eval``). It does not authorise: the caller
    (the record composition, itself authorised) decides who may see the values. Raises
    ``NotSecondary`` for a primary class.

    Each ``StudentYear`` holds (``None`` where nothing is computed or entered):

    - ``subjects``: per studied subject (compulsory ones, and an optional or elective one the
      student has a sheet row in), in curriculum order, a ``SubjectYear`` with ``code``
      (MA_MON_HOC), ``name`` (as on the học bạ), ``assessment`` (``"score"`` or
      ``"comment"``, Điều 5.3), ``hk1``, ``hk2`` and ``year`` (ĐTBmhk / ĐTBmcn as ``Decimal``
      with one decimal, Điều 9.1.b; ``"D"``/``"CD"`` for a comment subject, Điều 9.1.a),
      ``reevaluated`` (the re-evaluation result that replaces ``year``, Điều 14, or None),
      ``comment_hk1``/``comment_hk2`` (the subject teacher's comments) and ``teacher`` (the
      class's teacher of the subject: ``name``, ``personal_id``; None if not assigned);
    - ``hoc_tap_hk1``, ``hoc_tap_hk2``, ``hoc_tap_year`` (Điều 9.2–9.3) and
      ``hoc_tap_after`` (after re-evaluation; None when there was none), and the same four
      ``ren_luyen_*`` (Điều 8; ``ren_luyen_after`` after summer training, Điều 13): the
      level codes ``"TOT"``, ``"KHA"``, ``"DAT"``, ``"CHUA_DAT"``;
    - ``absences_excused``, ``absences_unexcused``: sessions over both terms;
    - ``promoted``: Điều 12's decision, after the summer when there was something to do in
      it (``promoted_at_year_end`` is the decision before); ``completed_programme``: the same
      decision in grades 9 and 12 (completing THCS / THPT), None in other grades;
    - ``award``: ``"HS_XUAT_SAC"``, ``"HS_GIOI"`` or None (Điều 15.1, on the year-end
      results);
    - ``homeroom_comment``: the GVCN's comment of term II (the year's), or None;
    - ``summer_training`` (bool) and ``reevaluated_subjects`` (codes) say what the summer
      held for the student;
    - ``missing``: what the results or the record still need, in Vietnamese, naming the
      subject or field ("Toán HK2: thiếu CK", "Rèn luyện sau hè: chưa nhập (TT 22/2021
      Điều 13)", "Tin học: chưa phân công giáo viên bộ môn"). While anything the decision
      depends on is missing, ``promoted``, ``completed_programme`` and ``award`` are None:
      nothing is guessed.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from hocba.domain.assessment.common import CommentResult, Level
from hocba.domain.assessment.tt22 import (
    CommentSubjectResult,
    CommentTerm,
    ScoreSubjectResult,
    ScoreTerm,
    StudentResult,
    SubjectResult,
    comment_term_result,
    conduct_year,
    term_average,
    year_average,
)
from hocba.domain.assessment.tt22_summer import Reevaluation
from hocba.gradebook.models_class import ClassTermRecord
from hocba.gradebook.year_eval import (
    ClassYear,
    Evaluated,
    NotSecondary,
    SubjectTerms,
    TermInput,
    evaluate,
    load_class_year,
)
from hocba.roster.models import SchoolClass, Student

__all__ = ["NotSecondary", "StudentYear", "SubjectTeacher", "SubjectYear", "year_results"]

Value = Decimal | str  # a score (one decimal) or "D"/"CD"
COMPLETING_GRADES = (9, 12)  # the end of THCS and of THPT


@dataclass(frozen=True)
class SubjectTeacher:
    name: str
    personal_id: str | None


@dataclass(frozen=True)
class SubjectYear:
    code: str
    name: str
    assessment: str
    hk1: Value | None
    hk2: Value | None
    year: Value | None
    reevaluated: Value | None
    comment_hk1: str | None
    comment_hk2: str | None
    teacher: SubjectTeacher | None

    @property
    def final(self) -> Value | None:
        """The year result after re-evaluation (Điều 14: it replaces the year's)."""
        return self.reevaluated if self.reevaluated is not None else self.year


@dataclass(frozen=True)
class StudentYear:
    student: Student
    subjects: tuple[SubjectYear, ...]
    hoc_tap_hk1: str | None
    hoc_tap_hk2: str | None
    hoc_tap_year: str | None
    hoc_tap_after: str | None
    ren_luyen_hk1: str | None
    ren_luyen_hk2: str | None
    ren_luyen_year: str | None
    ren_luyen_after: str | None
    absences_excused: int
    absences_unexcused: int
    promoted: bool | None
    promoted_at_year_end: bool | None
    completed_programme: bool | None
    award: str | None
    homeroom_comment: str | None
    summer_training: bool
    reevaluated_subjects: tuple[str, ...]
    missing: tuple[str, ...]


def _value(term: TermInput | None) -> Value | None:
    if isinstance(term, ScoreTerm):
        return term_average(term)
    if isinstance(term, CommentTerm):
        return comment_term_result(term).value
    return None


def _year(hk1: Value | None, hk2: Value | None) -> Value | None:
    """The year's result from the two terms' (``_value`` of each)."""
    if isinstance(hk1, Decimal) and isinstance(hk2, Decimal):
        return year_average(hk1, hk2)  # TT 22/2021 Điều 9.1.b
    return hk2 if hk1 is not None else None  # Điều 9.1.a: the year is term II's result


def _comment(year: ClassYear, student: Student, code: str, term: int) -> str | None:
    row = year.results.get((student.pk, code, term))
    return (row.comment or None) if row is not None else None


def _terms_and_year(subject: SubjectTerms, engine: SubjectResult | None
                    ) -> tuple[Value | None, Value | None, Value | None]:
    """Each term's result and the year's (TT 22/2021 Điều 9.1): the engine's when it
    evaluated the year (from the same inputs), else worked out here."""
    if isinstance(engine, ScoreSubjectResult):
        return engine.hk1, engine.hk2, engine.year
    if isinstance(engine, CommentSubjectResult):
        return engine.hk1.value, engine.hk2.value, engine.year.value
    hk1, hk2 = _value(subject.hk1), _value(subject.hk2)
    return hk1, hk2, _year(hk1, hk2)


def _subjects(year: ClassYear, evaluated: Evaluated) -> tuple[SubjectYear, ...]:
    after = evaluated.after
    retests = dict(after.retests) if after is not None else {}
    year_end = evaluated.year_end
    engine = {r.code: r for r in year_end.subjects} if year_end is not None else {}
    out = []
    for s in evaluated.subjects:
        code = s.row.code
        teacher = year.teachers.get(code)
        redone = retests.get(code)
        hk1, hk2, year_value = _terms_and_year(s, engine.get(code))
        out.append(SubjectYear(
            code=code, name=s.row.name, assessment=s.row.assessment.value,
            hk1=hk1, hk2=hk2, year=year_value,
            reevaluated=redone.value if isinstance(redone, CommentResult) else redone,
            comment_hk1=_comment(year, evaluated.student, code, 1),
            comment_hk2=_comment(year, evaluated.student, code, 2),
            teacher=SubjectTeacher(teacher.full_name, teacher.personal_id or None)
            if teacher else None))
    return tuple(out)


def _code(level: Level | None) -> str | None:
    return level.value if level is not None else None


def _term_level(evaluated: Evaluated, term: int) -> str | None:
    level = evaluated.term_levels.get(term)
    return level.level.value if level is not None else None


def _awaiting(year: ClassYear, path: str) -> str:
    if path == "ren_luyen.summer":
        return "Rèn luyện sau hè: chưa nhập (TT 22/2021 Điều 13)"
    code = path.split(".")[1]
    return (f"{year.subject_name(code)}: chưa có kết quả kiểm tra, đánh giá lại "
            "(TT 22/2021 Điều 14)")


def student_year(year: ClassYear, evaluated: Evaluated) -> StudentYear:
    """The year-end values of one student (see the module docstring)."""
    student = evaluated.student
    records = evaluated.records
    conduct = evaluated.conduct
    after = evaluated.after
    year_end: StudentResult | None = evaluated.year_end
    final = after.result if after is not None else None
    missing = list(evaluated.missing)
    if after is not None:
        missing += [_awaiting(year, p) for p in after.awaiting]
    missing += [f"{s.row.name}: chưa phân công giáo viên bộ môn"
                for s in evaluated.subjects if s.row.code not in year.teachers]
    last = records[2]
    if last is None or not last.comment:
        missing.append("Nhận xét cả năm của GVCN (học kì II): chưa có")
    promoted = final.len_lop if final is not None else None
    needed = after is not None and after.plan.needed
    return StudentYear(
        student=student, subjects=_subjects(year, evaluated),
        hoc_tap_hk1=_term_level(evaluated, 1), hoc_tap_hk2=_term_level(evaluated, 2),
        hoc_tap_year=_code(evaluated.year_level.level) if evaluated.year_level else None,
        hoc_tap_after=(_code(final.hoc_tap_after_reevaluation.level)
                       if final is not None and final.hoc_tap_after_reevaluation else None),
        ren_luyen_hk1=_code(conduct.hk1) if conduct else _term_conduct(records, 1),
        ren_luyen_hk2=_code(conduct.hk2) if conduct else _term_conduct(records, 2),
        ren_luyen_year=_code(conduct_year(conduct.hk1, conduct.hk2)) if conduct else None,
        ren_luyen_after=_code(after.summer) if after is not None and needed else None,
        absences_excused=evaluated.absences_excused,
        absences_unexcused=evaluated.absences_unexcused,
        promoted=promoted,
        promoted_at_year_end=year_end.len_lop if year_end else None,
        completed_programme=(promoted if year.school_class.grade in COMPLETING_GRADES
                             else None),
        award=year_end.award.value if year_end and year_end.award else None,
        homeroom_comment=(last.comment or None) if last is not None else None,
        summer_training=bool(after and after.plan.summer_training),
        reevaluated_subjects=after.plan.subjects if after is not None and (
            after.plan.reevaluation in (Reevaluation.OPEN, Reevaluation.AFTER_SUMMER)) else (),
        missing=tuple(missing))


def _term_conduct(records: dict[int, ClassTermRecord | None], term: int) -> str | None:
    rec = records.get(term)
    return (rec.conduct or None) if rec is not None else None


def year_results(school_class: SchoolClass) -> list[StudentYear]:
    """The year-end values of every current student of the class (see the module doc)."""
    year = load_class_year(school_class)
    return [student_year(year, evaluate(year, s)) for s in year.members]

