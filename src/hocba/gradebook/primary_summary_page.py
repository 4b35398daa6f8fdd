"""The homeroom teacher's primary class summary, as the page shows it: one assessment point
at a time (TT 27/2020 Điều 6), each pupil's qualities and competences (Điều 7.2) and their
three comments; at the end of the year also absences, weight, height, the GVCN's comment, the
class's recognition and the ad-hoc award, and the engine's year evaluation (Điều 9.2), award
(Điều 13) and grade completion (Điều 11), each with the rule that produced it, and the
supplementary evaluation of the pupils rated Chưa hoàn thành.

Form fields are named ``<key>-<pupil id>``: ``r-<rating>`` for a quality or competence, ``pc``
/ ``nlc`` / ``nld`` for the comments, ``cp`` ``kp`` ``can`` ``cao`` ``gvcn`` ``tb`` ``dx`` for
the year-end facts, ``v`` for the row's version; ``o`` carries the values as loaded so that
a post saves only the rows that changed.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import Any

from hocba.accounts.authz import can, require
from hocba.domain.access import Action
from hocba.domain.assessment.common import Award, Explanation, Rating
from hocba.domain.assessment.tt27 import COMPETENCES, QUALITIES, PrimaryResult, takes_test
from hocba.gradebook.models import PrimaryClassRecord
from hocba.gradebook.primary_cells import (
    END_OF_YEAR,
    GENERAL_LABELS,
    POINT_CODES,
    POINT_LABELS,
    POINT_TERM,
    POINTS,
    QUALITY_LABELS,
    RATING_NAMES,
    SPECIFIC_LABELS,
    show_rating,
)
from hocba.gradebook.primary_evaluation import ClassData, class_data, evaluate, studied
from hocba.gradebook.primary_summary import profile_missing
from hocba.gradebook.selectors import lock_of
from hocba.roster.models import SchoolClass, Student

KEY_FIELD = {"pc": "comment_qualities", "nlc": "comment_general", "nld": "comment_specific",
             "cp": "absences_excused", "kp": "absences_unexcused", "can": "weight_kg",
             "cao": "height_cm", "gvcn": "year_comment", "tb": "recognised_outstanding",
             "dx": "adhoc_award"}
COMMENT_KEYS = ("pc", "nlc", "nld")
YEAR_END_KEYS = ("cp", "kp", "can", "cao", "gvcn", "tb", "dx")
_NO_TECH_GRADES = (1, 2)  # no Tin học, Công nghệ subject: no such competence to rate


@dataclass(frozen=True)
class Shown:
    """One computed result as the page shows it, with its rule, or not computed (None)."""

    value: str | None
    rule: str = ""
    reason: str = ""

    @classmethod
    def of(cls, value: str, explanation: Explanation) -> Shown:
        return cls(value, explanation.rule, explanation.reason)


NOT_YET = Shown(None)


def rating_names(grade: int) -> list[str]:
    skip = {"cong_nghe", "tin_hoc"} if grade in _NO_TECH_GRADES else set()
    return [n for n in QUALITIES + COMPETENCES if n not in skip]


def _shown_number(value: Any) -> str:
    if value is None:
        return ""
    return f"{value.normalize():f}".replace(".", ",")


def form_values(student: Student, rec: PrimaryClassRecord | None, point: int,
                names: list[str]) -> dict[str, str]:
    sid = student.pk
    form = {f"r-{n}-{sid}": show_rating(getattr(rec, n)) if rec else "" for n in names}
    keys = COMMENT_KEYS + (YEAR_END_KEYS if point == END_OF_YEAR else ())
    for key in keys:
        value = getattr(rec, KEY_FIELD[key]) if rec else None
        if key in ("cp", "kp"):
            form[f"{key}-{sid}"] = str(value or 0)
        elif key in ("can", "cao"):
            form[f"{key}-{sid}"] = _shown_number(value)
        elif key == "tb":
            form[f"{key}-{sid}"] = "1" if value else ""
        else:
            form[f"{key}-{sid}"] = value or ""
    form[f"v-{sid}"] = str(rec.version) if rec else "0"
    return form


@dataclass(frozen=True)
class SupplementaryItem:
    """One thing the supplementary evaluation may re-assess: a subject (level and test) or a
    quality or competence, with the year's value and what is stored already."""

    key: str
    label: str
    year_value: str
    is_subject: bool
    tested: bool
    level: str
    test: str


@dataclass
class SummaryRow:
    number: int
    student: Student
    form: dict[str, str]
    missing: list[str]
    evaluation: Shown = NOT_YET
    after: Shown = NOT_YET
    award: Shown = NOT_YET
    completion: Shown = NOT_YET
    result: PrimaryResult | None = None
    supplementary: list[SupplementaryItem] = field(default_factory=list)
    year_version: int = 0  # the end-of-year record's: the supplementary form saves into it
    names: list[str] = field(default_factory=list)  # the ratings shown (by grade)
    original: dict[str, str] = field(default_factory=dict)

    @property
    def originals_json(self) -> str:
        return json.dumps(self.original or self.form, ensure_ascii=False)

    def cells(self, names: list[str]) -> list[tuple[str, str, str, str]]:
        """(rating, its label, input name, value) for the template."""
        sid = self.student.pk
        return [(n, RATING_NAMES[n], f"r-{n}-{sid}", self.form.get(f"r-{n}-{sid}", ""))
                for n in names]

    @property
    def ratings(self) -> list[tuple[str, str, str, str]]:
        return self.cells(self.names)

    def value(self, key: str) -> str:
        return self.form.get(f"{key}-{self.student.pk}", "")

    @property
    def v(self) -> dict[str, str]:
        """The form's values by key without the pupil id (``row.v.can`` in a template)."""
        return {k: self.value(k) for k in (*COMMENT_KEYS, *YEAR_END_KEYS, "v")}

    @property
    def completed(self) -> bool | None:
        return self.result.completed_grade if self.result else None


@dataclass
class PrimarySummary:
    school_class: SchoolClass
    point: int
    rows: list[SummaryRow]
    editable: bool
    locked_terms: list[int]
    names: list[str]

    @property
    def point_code(self) -> str:
        return POINT_CODES[self.point]

    @property
    def point_label(self) -> str:
        return POINT_LABELS[self.point]

    @property
    def is_year_end(self) -> bool:
        return self.point == END_OF_YEAR

    @property
    def locked(self) -> bool:
        return POINT_TERM[self.point] in self.locked_terms

    @property
    def points(self) -> list[tuple[str, str, bool]]:
        return [(POINT_CODES[p], POINT_LABELS[p], p == self.point) for p in POINTS]

    @property
    def comment_columns(self) -> list[tuple[str, str]]:
        return [("pc", "Nhận xét phẩm chất"), ("nlc", "Nhận xét năng lực chung"),
                ("nld", "Nhận xét năng lực đặc thù")]

    @property
    def headers(self) -> list[tuple[str, list[tuple[str, str]]]]:
        groups = (("Phẩm chất", QUALITY_LABELS), ("Năng lực chung", GENERAL_LABELS),
                  ("Năng lực đặc thù", SPECIFIC_LABELS))
        return [(title, [(n, RATING_NAMES[n]) for n in labels if n in self.names])
                for title, labels in groups]

    def _where(self, test: Any) -> list[SummaryRow]:
        return [r for r in self.rows if test(r)]

    @property
    def completed(self) -> list[SummaryRow]:
        return self._where(lambda r: r.completed is True)

    @property
    def not_completed(self) -> list[SummaryRow]:
        return self._where(lambda r: r.completed is False)

    @property
    def undecided(self) -> list[SummaryRow]:
        return self._where(lambda r: r.result is None)

    @property
    def excellent(self) -> list[SummaryRow]:
        return self._where(lambda r: r.result is not None
                           and r.result.award is Award.HS_XUAT_SAC)

    @property
    def outstanding(self) -> list[SummaryRow]:
        return self._where(lambda r: r.result is not None
                           and r.result.award is Award.HS_TIEU_BIEU)

    @property
    def adhoc(self) -> list[SummaryRow]:
        return self._where(lambda r: bool(r.value("dx")))

    @property
    def needs_supplementary(self) -> list[SummaryRow]:
        return self._where(lambda r: bool(r.supplementary))

    @property
    def completion_title(self) -> str:
        grade = self.school_class.grade
        return ("Hoàn thành chương trình tiểu học" if grade == 5
                else f"Hoàn thành chương trình lớp {grade}")


def _named(explanation: Explanation, names: dict[str, str]) -> Explanation:
    """The engine names subjects and ratings by code (TOAN, cham_chi); a teacher reads their
    names (Toán, chăm chỉ)."""
    reason = _CODE.sub(lambda m: names.get(m.group(0), m.group(0)), explanation.reason)
    return Explanation(explanation.field, explanation.rule, reason)


_CODE = re.compile(r"\b[A-Za-z]+(?:_[A-Za-z0-9]+)+\b|\b[A-Z]{2,}\b")


def _results(row: SummaryRow, result: PrimaryResult, names: dict[str, str]) -> None:
    why = {e.field: _named(e, names) for e in result.explanations}
    row.result = result
    row.evaluation = Shown.of(result.evaluation.label, why["evaluation"])
    if result.evaluation_after_supplementary is not None:
        row.after = Shown.of(result.evaluation_after_supplementary.label,
                             why["evaluation_after_supplementary"])
    row.award = Shown.of(result.award.label if result.award else "Không", why["award"])
    row.completion = Shown.of(result.hoc_ba_note, why["completed_grade"])


def _supplementary_items(data: ClassData, student: Student, result: PrimaryResult
                         ) -> list[SupplementaryItem]:
    """What kept the pupil below Hoàn thành (Điều 9.2.c): subjects rated C or with an
    end-of-year test under 5, qualities and competences rated C."""
    rec = data.record(student)
    stored = rec.supplementary if rec else {}
    subjects = stored.get("subjects") or {}
    ratings = stored.get("ratings") or {}
    grade = data.school_class.grade
    items = []
    for row in studied(data, student):
        year = data.result(student, row.code)
        if year is None:
            continue
        tested = takes_test(row.code, grade)
        low = tested and year.test is not None and year.test < 5
        if year.level != "C" and not low:
            continue
        shown = year.level + (f", KTĐK {year.test}" if tested else "")
        again = subjects.get(row.code) or {}
        test = again.get("test")
        items.append(SupplementaryItem(row.code, row.name, shown, True, tested,
                                       again.get("level", ""), "" if test is None else str(test)))
    for name in QUALITIES + COMPETENCES:
        if rec is not None and getattr(rec, name) == Rating.C.value:
            items.append(SupplementaryItem(name, RATING_NAMES[name], "C", False, False,
                                           show_rating(ratings.get(name, "")), ""))
    return items


def default_point(data: ClassData, names: list[str]) -> int:
    """The first point some pupil still lacks a rating at; the end of the year otherwise."""
    required = [n for n in names if n not in ("cong_nghe", "tin_hoc")]
    for point in POINTS:
        for student in data.members:
            rec = data.record(student, point)
            if rec is None or any(not getattr(rec, n) for n in required):
                return point
    return END_OF_YEAR


def class_summary(user: Any, school_class: SchoolClass, point: int | None = None
                  ) -> PrimarySummary:
    """Every current pupil of the class at ``point`` (by default the first incomplete one)
    with the computed year results. Raises PermissionDenied without VIEW_RESULTS on the
    class, NotPrimary for a TT 22 class."""
    require(user, Action.VIEW_RESULTS, school_class)
    data = class_data(school_class)
    names = rating_names(school_class.grade)
    point = point or default_point(data, names)
    labels = {r.code: r.name for r in data.curriculum}
    labels.update({n: label.lower() for n, label in RATING_NAMES.items()})
    labels["recognised_outstanding"] = "ô “Tập thể lớp công nhận”"
    rows = []
    for number, student in enumerate(data.members, start=1):
        row = SummaryRow(number, student, form_values(student, data.record(student, point),
                                                      point, names), [], names=names)
        year_record = data.record(student)
        row.year_version = year_record.version if year_record else 0
        evaluation = evaluate(data, student)
        row.missing = [*evaluation.missing, *profile_missing(year_record)]
        if evaluation.result is not None:
            _results(row, evaluation.result, labels)
            if not evaluation.result.evaluation.completes_grade:
                row.supplementary = _supplementary_items(data, student, evaluation.result)
        rows.append(row)
    locked = [t for t in (1, 2) if lock_of(school_class, t) is not None]
    return PrimarySummary(school_class, point, rows,
                          bool(can(user, Action.EDIT_RESULTS, school_class)), locked, names)

