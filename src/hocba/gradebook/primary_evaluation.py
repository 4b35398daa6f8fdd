"""From the primary gradebook's rows to the TT 27/2020 engine and back: what one class holds,
what each pupil's year-end evaluation needs, and the engine's results. Nothing is guessed: a
pupil is evaluated only when every input the evaluation depends on is there; otherwise the
missing items are named ("Toán cuối năm: thiếu điểm KTĐK").

The evaluation reads the end-of-year point: each studied subject's level (Điều 7.1.a) and
end-of-year test where the subject takes one (Điều 7.1.b–d), the five qualities and the
competences (Điều 7.2; công nghệ and tin học optional), the class's recognition (Điều 13) and,
for a pupil rated Chưa hoàn thành, the supplementary evaluation (Điều 11).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import NamedTuple

from hocba.curriculum.selectors import curriculum_of
from hocba.domain.assessment.common import AssessmentError, Rating, SubjectLevel
from hocba.domain.assessment.tt27 import (
    COMPETENCES,
    OPTIONAL_COMPETENCES,
    QUALITIES,
    PrimaryResult,
    PrimaryStudent,
    PrimarySubject,
    Supplementary,
    evaluate_student,
    takes_test,
)
from hocba.domain.curriculum import Assessment, CurriculumSubject
from hocba.gradebook.models import PrimaryClassRecord, PrimarySubjectResult
from hocba.gradebook.primary_cells import END_OF_YEAR, RATING_NAMES
from hocba.roster.models import SchoolClass, Student
from hocba.roster.selectors import year_members


class NotPrimary(ValueError):
    """The class is assessed by TT 22 (THCS, THPT): these pages are for TT 27 classes."""


class YearEndResult(NamedTuple):
    """A pupil's end-of-year result in one subject (``PrimarySubjectResult`` at END_OF_YEAR),
    its cells only, read as plain values: a school's year has thousands of them."""

    level: str
    test: int | None
    comment: str


@dataclass(frozen=True)
class ClassData:
    """What the year-end evaluation reads of one primary class, in four queries: the
    end-of-year subject results, the class records of every point, and which optional
    subjects each pupil has something entered in."""

    school_class: SchoolClass
    curriculum: list[CurriculumSubject]
    members: list[Student]
    results: dict[tuple[int, str], YearEndResult]  # (pupil, subject code), end of year
    records: dict[tuple[int, int], PrimaryClassRecord]  # (pupil, point)
    optional_taken: frozenset[tuple[int, str]]  # (pupil, optional subject code)

    def result(self, student: Student, code: str) -> YearEndResult | None:
        return self.results.get((student.pk, code))

    def record(self, student: Student, point: int = END_OF_YEAR) -> PrimaryClassRecord | None:
        return self.records.get((student.pk, point))


def primary_curriculum(school_class: SchoolClass) -> list[CurriculumSubject]:
    rows = curriculum_of(school_class)
    if not rows or any(r.assessment is not Assessment.LEVEL for r in rows):
        raise NotPrimary("THCS, THPT đánh giá theo TT 22/2021; trang này dành cho tiểu học "
                         "(TT 27/2020).")
    return rows


def class_members(school_class: SchoolClass) -> list[Student]:
    """The pupils of the class for its year's results, in class-list order: those still in
    it and those who finished the year in it (an enrolment closed at the year's end), so
    that a past year and the supplementary evaluation after the year keep their pupils."""
    return year_members(school_class)


def class_data(school_class: SchoolClass) -> ClassData:
    curriculum = primary_curriculum(school_class)
    members = class_members(school_class)
    rows = PrimarySubjectResult.objects.filter(school_class=school_class)
    results = {(sid, code): YearEndResult._make(cells)
               for sid, code, *cells in rows.filter(point=END_OF_YEAR).values_list(
                   "student_id", "subject__code", "level", "test", "comment")}
    optional = [r.code for r in curriculum if r.optional]
    # Entered at any point: level, test or comment (a row may exist empty after a refusal).
    taken = rows.filter(subject__code__in=optional).exclude(
        level="", test__isnull=True, comment="").values_list("student_id", "subject__code")
    records = {(r.student_id, r.point): r for r in PrimaryClassRecord.objects.filter(
        school_class=school_class)}
    return ClassData(school_class, curriculum, members, results, records, frozenset(taken))


def studied(data: ClassData, student: Student) -> list[CurriculumSubject]:
    """The pupil's subjects: every compulsory one, and an optional one (Tiếng dân tộc, Ngoại
    ngữ 1 in grades 1–2) only when a teacher has entered something for the pupil in it."""
    return [row for row in data.curriculum
            if not row.optional or (student.pk, row.code) in data.optional_taken]


def rating_label(name: str) -> str:
    kind = "Phẩm chất" if name in QUALITIES else "Năng lực"
    return f"{kind} {RATING_NAMES[name].lower()}"


@dataclass(frozen=True)
class Evaluation:
    """The engine's result for one pupil, or what is missing for it."""

    result: PrimaryResult | None
    missing: tuple[str, ...]
    error: str = ""  # the engine refused the inputs (never expected: the entry checks them)


def engine_subjects(data: ClassData, student: Student
                    ) -> tuple[list[PrimarySubject], list[str]]:
    subjects, missing = [], []
    grade = data.school_class.grade
    for row in studied(data, student):
        result = data.result(student, row.code)
        level = result.level if result else ""
        test = result.test if result else None
        tested = takes_test(row.code, grade)
        if not level:
            missing.append(f"{row.name} cuối năm: thiếu mức đạt được")
        if tested and test is None:
            missing.append(f"{row.name} cuối năm: thiếu điểm KTĐK")
        if level and (test is not None or not tested):
            subjects.append(PrimarySubject(row.code, SubjectLevel(level),
                                           test if tested else None))
    return subjects, missing


def engine_ratings(record: PrimaryClassRecord | None
                   ) -> tuple[tuple[tuple[str, Rating], ...], tuple[tuple[str, Rating], ...],
                              list[str]]:
    missing = []
    found: dict[str, list[tuple[str, Rating]]] = {"q": [], "c": []}
    for name in QUALITIES + COMPETENCES:
        value = getattr(record, name) if record else ""
        if value:
            found["q" if name in QUALITIES else "c"].append((name, Rating(value)))
        elif name not in OPTIONAL_COMPETENCES:
            missing.append(f"{rating_label(name)} cuối năm: chưa đánh giá")
    return tuple(found["q"]), tuple(found["c"]), missing


def supplementary_of(record: PrimaryClassRecord | None, grade: int) -> Supplementary | None:
    """The stored supplementary evaluation (Điều 11) as the engine reads it, or None."""
    stored = record.supplementary if record else {}
    if not stored:
        return None
    subjects = tuple(
        PrimarySubject(code, SubjectLevel(item["level"]),
                       item.get("test") if takes_test(code, grade) else None)
        for code, item in sorted((stored.get("subjects") or {}).items()))
    ratings = stored.get("ratings") or {}
    qualities = tuple((n, Rating(v)) for n, v in sorted(ratings.items()) if n in QUALITIES)
    competences = tuple((n, Rating(v)) for n, v in sorted(ratings.items())
                        if n in COMPETENCES)
    if not (subjects or qualities or competences):
        return None
    return Supplementary(subjects, qualities, competences)


def evaluate(data: ClassData, student: Student) -> Evaluation:
    """The year-end evaluation, award and grade completion of one pupil (TT 27/2020 Điều 9.2,
    11, 13), through the engine; the supplementary evaluation is used only for a pupil the
    year rates Chưa hoàn thành."""
    subjects, missing = engine_subjects(data, student)
    record = data.record(student)
    qualities, competences, missing_ratings = engine_ratings(record)
    missing += missing_ratings
    if missing:
        return Evaluation(None, tuple(missing))
    pupil = PrimaryStudent(
        id=student.student_code, grade=data.school_class.grade, subjects=tuple(subjects),
        qualities=qualities, competences=competences,
        recognised_outstanding=bool(record and record.recognised_outstanding))
    try:
        result = evaluate_student(pupil)
        if not result.evaluation.completes_grade:
            extra = supplementary_of(record, pupil.grade)
            if extra is not None:
                result = evaluate_student(replace(pupil, supplementary=extra))
    except AssessmentError as exc:
        return Evaluation(None, (f"Không tính được kết quả: {exc.message}",), exc.message)
    except (KeyError, TypeError, ValueError) as exc:  # a hand-edited supplementary entry
        return Evaluation(None, ("Không đọc được kết quả đánh giá bổ sung đã lưu.",), str(exc))
    return Evaluation(result, ())
