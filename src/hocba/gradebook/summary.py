"""The homeroom teacher's class summary for a TT 22 class (THCS, THPT): reads and writes.

The subject sheets (``TermResult``, entered by the subject teachers) and the GVCN's
class-level records (``ClassTermRecord``: rèn luyện, absences, comment) are turned into the
engine's ``StudentInput`` and evaluated by ``hocba.domain.assessment.tt22``. Nothing is
guessed: a result is shown only when every input it depends on is there, otherwise the
summary says exactly what is missing ("Toán HK2: thiếu CK").

- học tập of a term: every subject of the term complete (TT 22/2021 Điều 9.2, 9.3);
- học tập of the year: every subject complete in both terms (Điều 9.1.b, 9.2);
- rèn luyện of the year: both terms' rèn luyện entered (Điều 8);
- promotion and award: all of the above, through ``evaluate_student`` (Điều 12, 15.1).

Writes are authorised on the class (``Action.EDIT_RESULTS``: the GVCN's class-level results),
validated whole, refused on a stale version, written in one transaction and audited.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.utils import timezone

from hocba.accounts.authz import can, require
from hocba.audit.models import AuditEvent
from hocba.audit.services import record
from hocba.curriculum.selectors import curriculum_of
from hocba.domain.access import Action
from hocba.domain.assessment.common import (
    AssessmentError,
    Award,
    CommentResult,
    Explanation,
    Level,
)
from hocba.domain.assessment.tt22 import (
    TT22_RULES,
    CommentSubject,
    CommentTerm,
    Conduct,
    ScoreSubject,
    ScoreTerm,
    StudentInput,
    Subject,
    academic_level,
    comment_term_result,
    conduct_year,
    evaluate_student,
    subject_result,
    term_average,
)
from hocba.domain.curriculum import Assessment, CurriculumSubject
from hocba.domain.text import clean, fold
from hocba.gradebook.cells import COMMENT_FIELD, SheetShape
from hocba.gradebook.models import TermResult
from hocba.gradebook.models_class import ClassTermRecord, ConductLevel
from hocba.gradebook.selectors import COMMENT_REGULAR, lock_of, stored_value, term_outcome
from hocba.roster.models import SchoolClass, Student
from hocba.roster.selectors import current_members

TERMS = (1, 2)
TERM_LABEL = {1: "HK1", 2: "HK2"}
COMMENT_MAX = 2000
# Labels a teacher may type or a form may post for a rèn luyện level (folded by ``_conduct``).
_CONDUCT_WORDS = {"tot": "TOT", "kha": "KHA", "dat": "DAT", "chua dat": "CHUA_DAT",
                  "chuadat": "CHUA_DAT"}
FIELD_LABEL = {"conduct": "rèn luyện", "excused": "nghỉ có phép",
               "unexcused": "nghỉ không phép", "comment": "nhận xét"}


class SummaryError(ValueError):
    """Refused: nothing was written. ``problems`` are Vietnamese messages naming the student
    and the field; ``conflict`` says that one of them is a stale version."""

    def __init__(self, problems: list[str], conflict: bool = False) -> None:
        super().__init__("; ".join(problems))
        self.problems = problems
        self.conflict = conflict


# --- reading --------------------------------------------------------------------------------

@dataclass(frozen=True)
class Shown:
    """One computed result as the page shows it, with its rule, or why it is not computed."""

    value: str | None
    rule: str = ""
    reason: str = ""

    @classmethod
    def of(cls, value: str, explanation: Explanation) -> Shown:
        return cls(value, explanation.rule, explanation.reason)


NOT_YET = Shown(None)


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
    promoted: bool | None = None
    award_kind: Award | None = None
    form: dict[str, str] = field(default_factory=dict)
    # The values and versions as loaded: a post saves only what differs from them.
    original: dict[str, str] = field(default_factory=dict)

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


@dataclass
class ClassSummary:
    school_class: SchoolClass
    rows: list[SummaryRow]
    editable: bool
    locked_terms: list[int]

    @property
    def promoted(self) -> list[SummaryRow]:
        return [r for r in self.rows if r.promoted is True]

    @property
    def not_promoted(self) -> list[SummaryRow]:
        return [r for r in self.rows if r.promoted is False]

    @property
    def undecided(self) -> list[SummaryRow]:
        return [r for r in self.rows if r.promoted is None]

    @property
    def excellent(self) -> list[SummaryRow]:
        return [r for r in self.rows if r.award_kind is Award.HS_XUAT_SAC]

    @property
    def good(self) -> list[SummaryRow]:
        return [r for r in self.rows if r.award_kind is Award.HS_GIOI]

    def row_of(self, student_id: int) -> SummaryRow | None:
        return next((r for r in self.rows if r.student.pk == student_id), None)


class NotSecondary(ValueError):
    """The class is assessed by TT 27 (primary): this summary is for TT 22 classes."""


def _shape(row: CurriculumSubject) -> SheetShape:
    scored = row.assessment is Assessment.SCORE
    regular = row.regular_assessments if scored else COMMENT_REGULAR
    assert regular is not None
    return SheetShape(row.name, row.grade, regular, scored)


def secondary_curriculum(school_class: SchoolClass) -> list[CurriculumSubject]:
    rows = curriculum_of(school_class)
    if any(r.assessment is Assessment.LEVEL for r in rows):
        raise NotSecondary("Tiểu học đánh giá theo TT 27/2020; trang tổng hợp này dành cho "
                           "THCS, THPT (TT 22/2021).")
    return rows


def _term_input(shape: SheetShape, result: TermResult) -> ScoreTerm | CommentTerm:
    cells = {n: stored_value(shape, result, n) for n in shape.fields if n != COMMENT_FIELD}
    tx = [cells[n] for n in shape.regular_fields]
    if shape.scored:
        return ScoreTerm(tuple(Decimal(v) for v in tx), Decimal(cells["gk"]),
                         Decimal(cells["ck"]))
    return CommentTerm(tuple(CommentResult(v) for v in tx), CommentResult(cells["gk"]),
                       CommentResult(cells["ck"]))


def _subjects_of(student: Student, curriculum: list[CurriculumSubject],
                 results: dict[tuple[int, str, int], TermResult]
                 ) -> tuple[dict[int, list[tuple[CurriculumSubject, Any]]], list[str], set[int]]:
    """Per term, the complete subject terms; and what is missing, subject by subject.

    Compulsory subjects are always required; an optional or elective subject only when the
    student has a row in its sheet (they study it)."""
    terms: dict[int, list[tuple[CurriculumSubject, Any]]] = {1: [], 2: []}
    missing = []
    incomplete = set()
    for row in curriculum:
        if (row.optional or row.elective_group) and not any(
                (student.pk, row.code, t) in results for t in TERMS):
            continue
        shape = _shape(row)
        for term in TERMS:
            result = results.get((student.pk, row.code, term))
            outcome = term_outcome(shape, result)
            if not outcome.missing:
                assert result is not None
                terms[term].append((row, _term_input(shape, result)))
                continue
            incomplete.add(term)
            if len(outcome.missing) == len(shape.fields) - 1:
                missing.append(f"{row.name} {TERM_LABEL[term]}: chưa có điểm")
            else:
                missing.append(f"{row.name} {TERM_LABEL[term]}: thiếu "
                               f"{', '.join(outcome.missing)}")
    return terms, missing, incomplete


def _term_level(subjects: list[tuple[CurriculumSubject, Any]], term: int) -> Shown:
    scores = [(r.code, term_average(t)) for r, t in subjects if isinstance(t, ScoreTerm)]
    comments = [(r.code, comment_term_result(t)) for r, t in subjects
                if isinstance(t, CommentTerm)]
    result = academic_level(scores, comments, f"hoc_tap.hk{term}", TT22_RULES)
    return Shown.of(result.level.label, result.explanation)


def _engine_subjects(terms: dict[int, list[tuple[CurriculumSubject, Any]]]
                     ) -> tuple[Subject, ...]:
    subjects: list[Subject] = []
    for (row, hk1), (_, hk2) in zip(terms[1], terms[2], strict=True):
        if isinstance(hk1, ScoreTerm):
            subjects.append(ScoreSubject(row.code, row.periods_per_year, hk1, hk2))
        else:
            subjects.append(CommentSubject(row.code, row.periods_per_year, hk1, hk2))
    return tuple(subjects)


def _evaluate_row(row: SummaryRow, curriculum: list[CurriculumSubject],
                  results: dict[tuple[int, str, int], TermResult]) -> None:
    terms, missing, incomplete = _subjects_of(row.student, curriculum, results)
    complete = {t: t not in incomplete for t in TERMS}
    conducts = {t: (rec.conduct if (rec := row.records[t]) else "") for t in TERMS}
    for term in TERMS:
        if not conducts[term]:
            missing.append(f"Rèn luyện {TERM_LABEL[term]}: chưa nhập")
    row.missing = missing
    for term in TERMS:
        if complete[term]:
            row.hoc_tap[f"hk{term}"] = _term_level(terms[term], term)
    conduct = (Conduct(Level(conducts[1]), Level(conducts[2]))
               if conducts[1] and conducts[2] else None)
    if conduct is not None:
        level = conduct_year(conduct.hk1, conduct.hk2)
        row.ren_luyen_year = Shown(level.label, TT22_RULES.cite("Điều 8"),
                                   f"{level.label}: học kì I {conduct.hk1.label}, "
                                   f"học kì II {conduct.hk2.label}")
    if not (complete[1] and complete[2]):
        return
    subjects = _engine_subjects(terms)
    if conduct is None:
        year_results = [subject_result(s) for s in subjects]
        scores = [(r.code, r.year) for r in year_results if isinstance(r.year, Decimal)]
        comments = [(r.code, r.year) for r in year_results
                    if isinstance(r.year, CommentResult)]
        year = academic_level(scores, comments, "hoc_tap.year", TT22_RULES)
        row.hoc_tap["year"] = Shown.of(year.level.label, year.explanation)
        return
    absences = sum(rec.absences for rec in row.records.values() if rec is not None)
    try:
        result = evaluate_student(StudentInput(row.student.student_code, absences, conduct,
                                               subjects))
    except AssessmentError as exc:  # inputs the engine cannot assess: say so, guess nothing
        row.missing.append(f"Không tính được kết quả: {exc.message}")
        return
    why = {e.field: e for e in result.explanations}
    row.hoc_tap["year"] = Shown.of(result.hoc_tap_year.level.label,
                                   result.hoc_tap_year.explanation)
    row.hoc_tap["hk1"] = Shown.of(result.hoc_tap_hk1.level.label,
                                  result.hoc_tap_hk1.explanation)
    row.hoc_tap["hk2"] = Shown.of(result.hoc_tap_hk2.level.label,
                                  result.hoc_tap_hk2.explanation)
    row.ren_luyen_year = Shown.of(result.ren_luyen_year.label if result.ren_luyen_year
                                  else "", why["ren_luyen.year"])
    row.promoted = result.len_lop
    row.len_lop = Shown.of("Được lên lớp" if result.len_lop else "Không được lên lớp",
                           why["len_lop"])
    row.award_kind = result.award
    row.award = Shown.of(result.award.label if result.award else "Không", why["award"])


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
    curriculum = secondary_curriculum(school_class)
    members = current_members(school_class)
    results = {(r.student_id, r.subject.code, r.term): r for r in TermResult.objects.filter(
        school_class=school_class, student__in=members).select_related("subject")}
    records = {(r.student_id, r.term): r for r in ClassTermRecord.objects.filter(
        school_class=school_class).select_related("updated_by")}
    rows = []
    for number, student in enumerate(members, start=1):
        mine = {t: records.get((student.pk, t)) for t in TERMS}
        row = SummaryRow(number, student, mine, [], {"hk1": NOT_YET, "hk2": NOT_YET,
                                                     "year": NOT_YET},
                         NOT_YET, NOT_YET, NOT_YET, form=_form_values(student, mine))
        _evaluate_row(row, curriculum, results)
        rows.append(row)
    locked = [t for t in TERMS if lock_of(school_class, t) is not None]
    return ClassSummary(school_class, rows,
                        bool(can(user, Action.EDIT_RESULTS, school_class)), locked)


# --- writing --------------------------------------------------------------------------------

@dataclass(frozen=True)
class RecordEdit:
    """What the form posted for one student × term, and the version the page showed."""

    student: Student
    term: int
    conduct: str
    excused: str
    unexcused: str
    comment: str
    expected_version: int


@dataclass(frozen=True)
class _Parsed:
    edit: RecordEdit
    values: dict[str, Any]


def _who(student: Student, term: int, name: str) -> str:
    return f"{student.full_name}, {FIELD_LABEL[name]} {TERM_LABEL[term]}"


def _conduct(raw: str) -> str | None:
    text = clean(raw)
    if not text:
        return ""
    if text in ConductLevel.values:
        return text
    return _CONDUCT_WORDS.get(fold(text))


def _absences(raw: str) -> int | None:
    text = clean(raw)
    if not text:
        return 0
    return int(text) if text.isdigit() else None


def _parse(edit: RecordEdit) -> tuple[dict[str, Any], list[str]]:
    problems = []
    student, term = edit.student, edit.term
    conduct = _conduct(edit.conduct)
    if conduct is None:
        problems.append(f"{_who(student, term, 'conduct')}: “{clean(edit.conduct)}” không "
                        "phải là mức rèn luyện; chỉ nhận Tốt, Khá, Đạt, Chưa đạt "
                        "(TT 22/2021 Điều 8).")
    counts = {}
    for name, raw in (("excused", edit.excused), ("unexcused", edit.unexcused)):
        value = _absences(raw)
        if value is None:
            text = clean(raw)
            why = ("số buổi nghỉ không được âm" if text.startswith("-")
                   else "số buổi nghỉ phải là số nguyên không âm")
            problems.append(f"{_who(student, term, name)}: {why} (nhận được “{text}”).")
        elif value > 32767:
            problems.append(f"{_who(student, term, name)}: {value} buổi là không thể có.")
        counts[name] = value
    comment = clean(edit.comment)
    if len(comment) > COMMENT_MAX:
        problems.append(f"{_who(student, term, 'comment')}: dài quá {COMMENT_MAX} kí tự.")
    return {"conduct": conduct, "absences_excused": counts["excused"],
            "absences_unexcused": counts["unexcused"], "comment": comment}, problems


def _scope(school_class: SchoolClass) -> tuple[int | None, int | None, int | None]:
    school = school_class.school
    return school.pk, school.province_id, school.area_id


def _stale(rec: ClassTermRecord) -> str:
    when = (f" lúc {timezone.localtime(rec.updated_at):%H:%M %d/%m/%Y}"
            if isinstance(rec.updated_at, datetime) else "")
    by = str(rec.updated_by) if rec.updated_by else "người khác"
    return (f"{rec.student.full_name}, {TERM_LABEL[rec.term]}: dòng này vừa được {by} sửa"
            f"{when}; không lưu để không ghi đè. Hãy tải lại trang, xem lại rồi lưu.")


def save_records(user: Any, school_class: SchoolClass, edits: list[RecordEdit]) -> int:
    """Save the GVCN's changed rows, all or nothing. Returns the number of rows written.

    Raises PermissionDenied (not the class's GVCN), SummaryError (impossible values, a locked
    term, a student not in the class, or a row changed by someone else since the page was
    loaded — with their name); nothing is written then."""
    decision = require(user, Action.EDIT_RESULTS, school_class)
    role = decision.grant.role.label if decision.grant else ""
    members = {s.pk for s in current_members(school_class)}
    parsed, problems = [], []
    locked = {t for t in TERMS if lock_of(school_class, t) is not None}
    for edit in edits:
        if edit.term not in TERMS:
            problems.append("Học kì chỉ là I hoặc II.")
            continue
        if edit.student.pk not in members:
            problems.append(f"{edit.student.full_name} không còn học lớp {school_class.name}.")
            continue
        if edit.term in locked:
            problems.append(f"{edit.student.full_name}, {TERM_LABEL[edit.term]}: học kì đã "
                            "khoá, không sửa được tổng hợp lớp.")
            continue
        values, wrong = _parse(edit)
        problems += wrong
        parsed.append(_Parsed(edit, values))
    if problems:
        raise SummaryError(problems)
    written = 0
    with transaction.atomic():
        conflicts = []
        for item in parsed:
            edit = item.edit
            rec, _ = ClassTermRecord.objects.get_or_create(
                student=edit.student, school_class=school_class, term=edit.term)
            rec = ClassTermRecord.objects.select_for_update(of=("self",)).select_related(
                "student", "updated_by").get(pk=rec.pk)
            changes = {k: [getattr(rec, k), v] for k, v in item.values.items()
                       if getattr(rec, k) != v}
            if not changes:
                continue
            if rec.version != edit.expected_version:
                conflicts.append(_stale(rec))
                continue
            for name, (_, new) in changes.items():
                setattr(rec, name, new)
            rec.version += 1
            rec.updated_by = user
            rec.updated_at = timezone.now()
            rec.save()
            written += 1
            record(AuditEvent.Kind.WRITE, "sua_tong_hop_lop", actor=user, role=role, obj=rec,
                   scope=_scope(school_class), detail={
                       "hoc_sinh": edit.student.student_code, "lop": school_class.name,
                       "hoc_ki": edit.term, "phien_ban": rec.version,
                       "thay_doi": {k: {"cu": old, "moi": new}
                                    for k, (old, new) in changes.items()}})
        if conflicts:  # leaving the block by an exception rolls every row back
            raise SummaryError(conflicts, conflict=True)
    return written
