"""After the school year under TT 22/2021: summer training, re-evaluation, promotion again.

Pure Python, no Django. It takes the engine's own input (``tt22.StudentInput``), says what a
student must do in the summer, and evaluates the year again with what was entered, through
``tt22.evaluate_student`` (which keeps the year-end values beside the replaced ones).

Articles, as DOMAIN-SECONDARY.md §6 maps TT 22/2021 (table of contents of the circular [P]):

- Điều 12: promotion (lên lớp) or completion of the programme is decided on rèn luyện after
  summer training and học tập after re-evaluation, and at most 45 sessions absent [P]/[T];
- Điều 13: a student whose year rèn luyện is Chưa đạt trains during the summer (khoản 1); at
  the end of it the GVCN assesses again, and that result replaces the year rèn luyện for the
  promotion decision (khoản 3) [T];
- Điều 14: a student not yet promoted whose year rèn luyện is at least Đạt and whose year học
  tập is Chưa đạt is re-evaluated in every score subject with ĐTBmcn below 5,0 and every
  comment subject rated Chưa đạt; each result replaces that subject's year result and học tập
  is evaluated again by Điều 9.2–9.3 [P].

The order, derived in DOMAIN-SECONDARY.md §6.4 [D] from MOET's answer to a reader: summer
training first; a student whose rèn luyện after the summer is at least Đạt and whose học tập is
Chưa đạt is then re-evaluated. ``tt22.py`` applies the same conditions, with the same
articles, when it checks a ``retest``.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from dataclasses import dataclass, replace
from decimal import Decimal

from hocba.domain.assessment.common import CommentResult, Explanation, Level, vn_number
from hocba.domain.assessment.tt22 import (
    RETEST_BELOW,
    TT22_RULES,
    CommentSubject,
    CommentSubjectResult,
    ScoreSubject,
    ScoreSubjectResult,
    SecondaryRules,
    StudentInput,
    StudentResult,
    Subject,
    evaluate_student,
)

SUMMER_ARTICLE = "Điều 13"
REEVALUATION_ARTICLE = "Điều 14"
PROMOTION_ARTICLE = "Điều 12"

Retest = Decimal | CommentResult


class Reevaluation(enum.Enum):
    """Where a student stands with the re-evaluation of subjects (Điều 14)."""

    NOT_NEEDED = "not_needed"  # the year học tập is at least Đạt
    OPEN = "open"  # re-evaluated in the plan's subjects
    AFTER_SUMMER = "after_summer"  # waits for the rèn luyện after summer training
    REFUSED = "refused"  # rèn luyện (after the summer) Chưa đạt: not re-evaluated


@dataclass(frozen=True, slots=True)
class SummerPlan:
    """What the student must do after the year, with the rules that say so."""

    summer_training: bool  # Điều 13 khoản 1
    reevaluation: Reevaluation  # Điều 14
    subjects: tuple[str, ...]  # the subjects re-evaluated (codes, in the input's order)
    explanations: tuple[Explanation, ...]

    @property
    def needed(self) -> bool:
        return self.summer_training or self.reevaluation is not Reevaluation.NOT_NEEDED


def _below(result: StudentResult) -> tuple[str, ...]:
    """Score subjects with ĐTBmcn below 5,0 and comment subjects Chưa đạt (Điều 14)."""
    codes = []
    for r in result.subjects:
        if isinstance(r, ScoreSubjectResult) and r.year < RETEST_BELOW:
            codes.append(r.code)
        elif isinstance(r, CommentSubjectResult) and r.year is CommentResult.CD:
            codes.append(r.code)
    return tuple(codes)


def _shown(result: StudentResult, code: str, names: Mapping[str, str]) -> str:
    r = next(r for r in result.subjects if r.code == code)
    value = vn_number(r.year) if isinstance(r.year, Decimal) else r.year.label
    return f"{names.get(code, code)} {value}"


def summer_plan(year_end: StudentResult, summer: Level | None = None,
                rules: SecondaryRules = TT22_RULES, absences: int = 0,
                names: Mapping[str, str] | None = None) -> SummerPlan:
    """The plan from the year-end result (``evaluate_student`` without summer or retests),
    given the rèn luyện after summer training when it is known. Absences do not change the
    plan (Điều 14 names only rèn luyện and học tập); over the limit, a note says that
    promotion stays refused (Điều 12). ``names`` shows subjects by name in the reasons
    (default: by code)."""
    names = names or {}
    notes: list[Explanation] = []
    ren_year = year_end.ren_luyen_year
    training = ren_year is Level.CHUA_DAT
    if training:
        notes.append(Explanation(
            "ren_luyen.summer", rules.cite(SUMMER_ARTICLE),
            "Rèn luyện cả năm Chưa đạt: rèn luyện trong kì nghỉ hè; cuối hè giáo viên chủ "
            "nhiệm đánh giá lại, kết quả đó thay cho rèn luyện cả năm khi xét lên lớp"))
    if year_end.hoc_tap_year.level is not Level.CHUA_DAT:
        return SummerPlan(training, Reevaluation.NOT_NEEDED, (), tuple(notes))
    subjects = _below(year_end)
    listed = "; ".join(_shown(year_end, c, names) for c in subjects) or "không có môn nào"
    conduct = summer if training else ren_year
    if conduct is None and training:
        notes.append(Explanation(
            "reevaluation", rules.cite(REEVALUATION_ARTICLE),
            f"Học tập cả năm Chưa đạt nhưng rèn luyện Chưa đạt: chỉ kiểm tra, đánh giá lại "
            f"({listed}) khi rèn luyện sau hè được đánh giá từ Đạt trở lên"))
        return SummerPlan(training, Reevaluation.AFTER_SUMMER, subjects, tuple(notes))
    if conduct is not None and not conduct.at_least(Level.DAT):
        notes.append(Explanation(
            "reevaluation", rules.cite(REEVALUATION_ARTICLE),
            "Rèn luyện sau hè vẫn Chưa đạt: không được kiểm tra, đánh giá lại các môn học"))
        return SummerPlan(training, Reevaluation.REFUSED, subjects, tuple(notes))
    why = "Học tập cả năm Chưa đạt"
    if conduct is not None:
        why += f", rèn luyện {'sau hè ' if training else ''}{conduct.label}"
    notes.append(Explanation(
        "reevaluation", rules.cite(REEVALUATION_ARTICLE),
        f"{why}: kiểm tra, đánh giá lại các môn có ĐTBmcn dưới 5,0 hoặc Chưa đạt ({listed}); "
        "kết quả thay cho kết quả cả năm của môn"))
    if absences > rules.absence_limit:
        notes.append(Explanation(
            "len_lop", rules.cite(PROMOTION_ARTICLE),
            f"Nghỉ {absences} buổi, quá {rules.absence_limit} buổi: dù kiểm tra, đánh giá lại "
            "vẫn không được lên lớp"))
    return SummerPlan(training, Reevaluation.OPEN, subjects, tuple(notes))


@dataclass(frozen=True, slots=True)
class AfterSummer:
    """The year evaluated again after the summer.

    ``result`` is the engine's result with the summer rèn luyện and the re-evaluations
    applied (its ``hoc_tap_after_reevaluation``, ``ren_luyen_after_summer`` and ``len_lop``
    are the recomputed values); ``None`` while something is still awaited (``awaiting``:
    ``ren_luyen.summer``, ``subjects.TOAN.retest``). ``ignored`` explains entered values that
    no longer apply (the year-end results changed after they were entered)."""

    year_end: StudentResult
    plan: SummerPlan
    result: StudentResult | None
    awaiting: tuple[str, ...]
    ignored: tuple[Explanation, ...]
    summer: Level | None = None  # the rèn luyện after summer that applies, if entered
    retests: tuple[tuple[str, Retest], ...] = ()  # the re-evaluation results that apply


def _bare(student: StudentInput) -> StudentInput:
    conduct = student.conduct
    return replace(
        student, conduct=replace(conduct, summer=None) if conduct is not None else None,
        subjects=tuple(s if s.retest is None else replace(s, retest=None)
                       for s in student.subjects))


def _with_retest(subject: Subject, value: Retest) -> Subject | None:
    if isinstance(subject, ScoreSubject) and isinstance(value, Decimal):
        return replace(subject, retest=value)
    if isinstance(subject, CommentSubject) and isinstance(value, CommentResult):
        return replace(subject, retest=value)
    return None


def after_summer(student: StudentInput, summer: Level | None,
                 retests: Mapping[str, Retest], rules: SecondaryRules = TT22_RULES,
                 names: Mapping[str, str] | None = None) -> AfterSummer:
    """Evaluate the year, plan the summer, and evaluate again with what was entered.

    ``summer`` is the rèn luyện after summer training, ``retests`` the re-evaluation results
    by subject code (a score for a score subject, Đạt/Chưa đạt for a comment subject);
    ``names`` shows subjects by name in the reasons. Raises ``AssessmentError`` for inputs
    the engine refuses (as ``evaluate_student``)."""
    names = names or {}
    bare = _bare(student)
    year_end = evaluate_student(bare, rules)
    plan = summer_plan(year_end, summer, rules, student.absences, names)
    ignored: list[Explanation] = []
    awaiting: list[str] = []
    if summer is not None and not plan.summer_training:
        ignored.append(Explanation(
            "ren_luyen.summer", rules.cite(SUMMER_ARTICLE),
            f"Bỏ qua rèn luyện sau hè ({summer.label}): rèn luyện cả năm là "
            f"{year_end.ren_luyen_year.label if year_end.ren_luyen_year else 'chưa có'}, "
            "không phải rèn luyện hè"))
        summer = None
    if plan.summer_training and summer is None:
        awaiting.append("ren_luyen.summer")
    applied: dict[str, Subject] = {}
    for code, value in retests.items():
        subject = next((s for s in bare.subjects if s.code == code), None)
        with_value = _with_retest(subject, value) if subject is not None else None
        if (plan.reevaluation is Reevaluation.OPEN and code in plan.subjects
                and with_value is not None):
            applied[code] = with_value
            continue
        ignored.append(Explanation(
            f"subjects.{code}.retest", rules.cite(REEVALUATION_ARTICLE),
            f"Bỏ qua kết quả kiểm tra lại môn {names.get(code, code)}: môn này không thuộc "
            "diện kiểm tra, đánh giá lại theo kết quả cả năm hiện tại"))
    if plan.reevaluation is Reevaluation.OPEN:
        awaiting += [f"subjects.{c}.retest" for c in plan.subjects if c not in applied]
    elif plan.reevaluation is Reevaluation.AFTER_SUMMER:
        awaiting += [f"subjects.{c}.retest" for c in plan.subjects]
    kept = tuple((code, retests[code]) for code in plan.subjects if code in applied)
    if awaiting:
        return AfterSummer(year_end, plan, None, tuple(awaiting), tuple(ignored), summer, kept)
    if not plan.needed:
        return AfterSummer(year_end, plan, year_end, (), tuple(ignored))
    conduct = bare.conduct
    again = replace(
        bare, conduct=replace(conduct, summer=summer) if conduct is not None else None,
        subjects=tuple(applied.get(s.code, s) for s in bare.subjects))
    return AfterSummer(year_end, plan, evaluate_student(again, rules), (), tuple(ignored),
                       summer, kept)
