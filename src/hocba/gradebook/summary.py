"""The homeroom teacher's class summary for a TT 22 class (THCS, THPT).

Every current student with their class records and the results computed from them
(``year_eval``: the TT 22 engine, then summer training and re-evaluation), each result with
its rule and reason, or why it is not computed yet. The columns "after the summer" show the
recomputed học tập, rèn luyện and promotion next to the year-end ones (TT 22/2021 Điều
12–14): the summer's results replace the year's for promotion, the year-end values stay.

The GVCN's writes live in ``summary_records``; the summer's in ``reassessment_services``;
the values the record composer reads in ``year_results`` (re-exported here).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from hocba.accounts.authz import can, require
from hocba.domain.access import Action
from hocba.domain.assessment.common import Award, Explanation
from hocba.domain.assessment.tt22 import TT22_RULES, StudentResult, conduct_year
from hocba.domain.assessment.tt22_summer import (
    PROMOTION_ARTICLE,
    REEVALUATION_ARTICLE,
    AfterSummer,
    Reevaluation,
)
from hocba.gradebook.models_class import ClassTermRecord, ConductLevel
from hocba.gradebook.selectors import lock_of
from hocba.gradebook.summary_records import (
    COMMENT_MAX,
    FIELD_LABEL,
    RecordEdit,
    SummaryError,
    save_records,
)
from hocba.gradebook.year_eval import (  # noqa: F401
    TERM_LABEL,
    TERMS,
    ClassYear,
    Evaluated,
    NotSecondary,
    evaluate,
    load_class_year,
    secondary_curriculum,
)
from hocba.gradebook.year_results import StudentYear, SubjectYear, year_results
from hocba.roster.models import SchoolClass, Student

__all__ = ["COMMENT_MAX", "FIELD_LABEL", "ClassSummary", "ConductLevel", "NotSecondary",
           "RecordEdit", "Shown", "StudentYear", "SubjectYear", "SummaryError", "SummaryRow",
           "class_summary", "save_records", "year_results"]


@dataclass(frozen=True)
class Shown:
    """One computed result as the page shows it, with its rule, or why it is not computed
    (``value`` None: ``reason`` says why, or the page says "chưa đủ dữ liệu")."""

    value: str | None
    rule: str = ""
    reason: str = ""

    @classmethod
    def of(cls, value: str, explanation: Explanation) -> Shown:
        return cls(value, explanation.rule, explanation.reason)


NOT_YET = Shown(None)
NOT_NEEDED = Shown(None, reason="—")  # nothing to do after the year
AWAITED = Shown(None, reason="chờ kết quả sau hè")


@dataclass
class SummaryRow:
    number: int
    student: Student
    records: dict[int, ClassTermRecord | None]
    missing: list[str]
    hoc_tap: dict[str, Shown]  # "hk1", "hk2", "year"
    ren_luyen_year: Shown
    len_lop: Shown
    award: Shown
    promoted: bool | None = None  # at the end of the year (Điều 12, before the summer)
    award_kind: Award | None = None
    form: dict[str, str] = field(default_factory=dict)
    # The values and versions as loaded: a post saves only what differs from them.
    original: dict[str, str] = field(default_factory=dict)
    # After the year (Điều 13, 14): the recomputed results, NOT_NEEDED or AWAITED; NOT_YET
    # while the year-end results themselves are incomplete.
    after: AfterSummer | None = None
    after_hoc_tap: Shown = NOT_YET
    after_ren_luyen: Shown = NOT_YET
    after_len_lop: Shown = NOT_YET
    final_promoted: bool | None = None  # the decision, after the summer when there is one
    summer_subjects: list[str] = field(default_factory=list)  # names, re-evaluated

    @property
    def originals_json(self) -> str:
        return json.dumps(self.original or self.form, ensure_ascii=False)

    def value(self, key: str) -> str:
        return self.form.get(key, "")

    @property
    def terms(self) -> list[dict[str, str]]:
        """The form's fields per term, for the template (names and current values)."""
        sid = self.student.pk
        out = []
        for term in TERMS:
            names = {k: f"{k}{term}-{sid}" for k in ("rl", "cp", "kp", "nx", "v")}
            out.append({"term": str(term), "label": TERM_LABEL[term],
                        **{f"{k}_name": n for k, n in names.items()},
                        **{k: self.form.get(n, "") for k, n in names.items()}})
        return out

    @property
    def missing_head(self) -> list[str]:
        return self.missing[:3]

    @property
    def missing_rest(self) -> list[str]:
        return self.missing[3:]

    @property
    def summer_training(self) -> bool:
        return self.after is not None and self.after.plan.summer_training

    @property
    def reevaluation(self) -> bool:
        """Re-evaluated in some subjects, now or once the summer's rèn luyện is Đạt."""
        return self.after is not None and self.after.plan.reevaluation in (
            Reevaluation.OPEN, Reevaluation.AFTER_SUMMER)

    @property
    def waits_for_summer(self) -> bool:
        return self.after is not None and self.after.plan.reevaluation is (
            Reevaluation.AFTER_SUMMER)

    @property
    def after_note(self) -> str:
        """What the plan says, with its articles, for the lists below the table."""
        if self.after is None:
            return ""
        return "; ".join(f"{e.reason} ({e.rule})" for e in self.after.plan.explanations)


@dataclass
class ClassSummary:
    school_class: SchoolClass
    rows: list[SummaryRow]
    editable: bool
    locked_terms: list[int]
    may_reassess: bool = False  # the summer's page lets this user enter something
    year: ClassYear | None = None  # the data the rows were computed from

    @property
    def promoted(self) -> list[SummaryRow]:
        return [r for r in self.rows if r.final_promoted is True]

    @property
    def not_promoted(self) -> list[SummaryRow]:
        return [r for r in self.rows if r.final_promoted is False]

    @property
    def awaiting_summer(self) -> list[SummaryRow]:
        """Year results known, promotion waiting for the summer's results (Điều 13, 14)."""
        return [r for r in self.rows if r.promoted is not None and r.final_promoted is None]

    @property
    def undecided(self) -> list[SummaryRow]:
        return [r for r in self.rows if r.promoted is None]

    @property
    def summer_training(self) -> list[SummaryRow]:
        return [r for r in self.rows if r.summer_training]

    @property
    def reevaluated(self) -> list[SummaryRow]:
        return [r for r in self.rows if r.reevaluation]

    @property
    def after_year(self) -> list[SummaryRow]:
        return [r for r in self.rows if r.after is not None and r.after.plan.needed]

    @property
    def excellent(self) -> list[SummaryRow]:
        return [r for r in self.rows if r.award_kind is Award.HS_XUAT_SAC]

    @property
    def good(self) -> list[SummaryRow]:
        return [r for r in self.rows if r.award_kind is Award.HS_GIOI]

    def row_of(self, student_id: int) -> SummaryRow | None:
        return next((r for r in self.rows if r.student.pk == student_id), None)


def _year_end(row: SummaryRow, result: StudentResult) -> None:
    why = {e.field: e for e in result.explanations}
    for key, level in (("hk1", result.hoc_tap_hk1), ("hk2", result.hoc_tap_hk2),
                       ("year", result.hoc_tap_year)):
        row.hoc_tap[key] = Shown.of(level.level.label, level.explanation)
    row.ren_luyen_year = Shown.of(result.ren_luyen_year.label if result.ren_luyen_year
                                  else "", why["ren_luyen.year"])
    row.promoted = result.len_lop
    row.len_lop = Shown.of("Được lên lớp" if result.len_lop else "Không được lên lớp",
                           why["len_lop"])
    row.award_kind = result.award
    row.award = Shown.of(result.award.label if result.award else "Không", why["award"])


def _after(row: SummaryRow, after: AfterSummer, year: ClassYear) -> None:
    """The columns "after the summer" (TT 22/2021 Điều 12–14)."""
    row.after = after
    plan = after.plan
    row.summer_subjects = [year.subject_name(c) for c in plan.subjects]
    row.after_hoc_tap = row.after_ren_luyen = row.after_len_lop = NOT_NEEDED
    if not plan.needed:
        row.final_promoted = after.year_end.len_lop
        return
    result = after.result
    if plan.summer_training:
        row.after_ren_luyen = AWAITED if after.summer is None else Shown(
            after.summer.label, TT22_RULES.cite("Điều 13"),
            f"{after.summer.label}: đánh giá lại sau khi rèn luyện trong kì nghỉ hè, thay cho "
            "rèn luyện cả năm khi xét lên lớp")
    if plan.reevaluation is Reevaluation.REFUSED:
        row.after_hoc_tap = Shown(after.year_end.hoc_tap_year.level.label,
                                  TT22_RULES.cite(REEVALUATION_ARTICLE),
                                  plan.explanations[-1].reason)
    elif plan.reevaluation is not Reevaluation.NOT_NEEDED:
        again = result.hoc_tap_after_reevaluation if result is not None else None
        row.after_hoc_tap = AWAITED if again is None else Shown(
            again.level.label,
            f"{TT22_RULES.cite(REEVALUATION_ARTICLE)}; {again.explanation.rule}",
            f"Tính lại với kết quả kiểm tra, đánh giá lại thay cho kết quả cả năm của môn: "
            f"{again.explanation.reason}")
    if result is None:
        row.after_len_lop = AWAITED
        return
    reason = next(e.reason for e in result.explanations if e.field == "len_lop")
    row.final_promoted = result.len_lop
    row.after_len_lop = Shown("Được lên lớp" if result.len_lop else "Không được lên lớp",
                              TT22_RULES.cite(PROMOTION_ARTICLE), reason)


def _row(number: int, year: ClassYear, evaluated: Evaluated) -> SummaryRow:
    student = evaluated.student
    row = SummaryRow(number, student, evaluated.records, list(evaluated.missing),
                     {"hk1": NOT_YET, "hk2": NOT_YET, "year": NOT_YET}, NOT_YET, NOT_YET,
                     NOT_YET, form=_form_values(student, evaluated.records))
    for term, term_level in evaluated.term_levels.items():
        row.hoc_tap[f"hk{term}"] = Shown.of(term_level.level.label, term_level.explanation)
    if evaluated.year_level is not None:
        row.hoc_tap["year"] = Shown.of(evaluated.year_level.level.label,
                                       evaluated.year_level.explanation)
    conduct = evaluated.conduct
    if conduct is not None:
        level = conduct_year(conduct.hk1, conduct.hk2)
        row.ren_luyen_year = Shown(level.label, TT22_RULES.cite("Điều 8"),
                                   f"{level.label}: học kì I {conduct.hk1.label}, "
                                   f"học kì II {conduct.hk2.label}")
    if evaluated.year_end is not None:
        _year_end(row, evaluated.year_end)
    if evaluated.after is not None:
        _after(row, evaluated.after, year)
    return row


def _form_values(student: Student, records: dict[int, ClassTermRecord | None]
                 ) -> dict[str, str]:
    sid = student.pk
    form = {}
    for term, rec in records.items():
        form[f"rl{term}-{sid}"] = rec.conduct if rec else ""
        form[f"cp{term}-{sid}"] = str(rec.absences_excused) if rec else "0"
        form[f"kp{term}-{sid}"] = str(rec.absences_unexcused) if rec else "0"
        form[f"nx{term}-{sid}"] = rec.comment if rec else ""
        form[f"v{term}-{sid}"] = str(rec.version) if rec else "0"
    return form


def class_summary(user: Any, school_class: SchoolClass) -> ClassSummary:
    """Every current student of the class with their class records and computed results, in
    class-list order. Raises PermissionDenied without VIEW_RESULTS on the class, NotSecondary
    for a primary class."""
    require(user, Action.VIEW_RESULTS, school_class)
    year = load_class_year(school_class)
    rows = [_row(number, year, evaluate(year, student))
            for number, student in enumerate(year.members, start=1)]
    locked = [t for t in TERMS if lock_of(school_class, t) is not None]
    editable = bool(can(user, Action.EDIT_RESULTS, school_class))
    may_reassess = editable or bool(can(user, Action.REASSESS, school_class))
    return ClassSummary(school_class, rows, editable, locked, may_reassess, year)
