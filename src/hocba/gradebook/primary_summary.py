"""The year-end values of a primary (TT 27/2020) class, for the record composition.

``year_results(school_class) -> list[PupilYear]``
    One ``PupilYear`` per pupil of the class — enrolled in it now, or whose enrolment in it
    closed at the end of the year (``primary_evaluation.class_members``: a past year keeps
    its pupils) —, in class-list order. It reads the end-of-year point of the gradebook and
    the GVCN's end-of-year class record, and evaluates each pupil with the TT 27 engine
    (``hocba.domain.assessment.tt27``). It does not
    authorise: the caller (the record composition, itself authorised) decides who may see
    the values. Raises ``NotPrimary`` for a TT 22 class.

    Each ``PupilYear`` holds (``None`` where nothing is entered):

    - ``subjects``: per studied subject (compulsory ones, and an optional one a teacher has
      entered something for), in curriculum order, a ``SubjectYear`` with ``code`` (MA_MON_HOC),
      ``name`` (as on the học bạ), ``level`` ``"T"``/``"H"``/``"C"`` (Điều 7.1.a), ``test``
      (the end-of-year periodic test, an int 0–10, only for the subjects that take one,
      Điều 7.1.b–d) and ``comment``;
    - ``qualities`` (the five, by the engine's names: ``yeu_nuoc`` …) and ``competences`` (the
      ten: ``tu_chu_tu_hoc`` …; ``cong_nghe`` and ``tin_hoc`` may be ``None``), each
      ``"T"``/``"D"``/``"C"`` (Điều 7.2);
    - ``comment_qualities``, ``comment_general``, ``comment_specific`` (NHAN_XET_PHAM_CHAT,
      NHAN_XET_NANG_LUC_CHUNG, NHAN_XET_NANG_LUC_DAC_THU);
    - ``absences_excused``, ``absences_unexcused`` (sessions, 0 unless entered);
      ``weight_kg`` (``Decimal``, one decimal) and ``height_cm`` (``Decimal``);
    - ``homeroom_comment`` (NHAN_XET_GVCN);
    - ``evaluation``: ``"HTXS"``/``"HTT"``/``"HT"``/``"CHT"`` (Điều 9.2), after the
      supplementary evaluation when there was one (Điều 11); ``year_evaluation`` is the
      year's own, before it;
    - ``award``: ``"HS_XUAT_SAC"``, ``"HS_TIEU_BIEU"`` or ``None`` (Điều 13);
      ``adhoc_award``: the khen thưởng đột xuất text (``""`` when none);
    - ``completed_grade`` (bool), ``completed_primary`` (bool for grade 5, ``None`` in grades
      1–4) and ``completion_text`` (the học bạ's line, e.g. "Hoàn thành chương trình lớp 4;
      Được lên lớp 5" or "Hoàn thành chương trình tiểu học");
    - ``missing``: what the evaluation or the MOET primary profile still needs, in Vietnamese,
      naming the subject or field ("Toán cuối năm: thiếu điểm KTĐK", "Cân nặng: chưa nhập").
      When the evaluation's inputs are incomplete, ``evaluation``, ``award``,
      ``completed_grade`` and ``completed_primary`` are ``None`` and ``completion_text`` is
      ``""``: nothing is guessed.

    After a supplementary evaluation the subjects and ratings it re-assessed carry the new
    values (the học bạ shows the last assessment, Điều 7.1.d, 11).
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from hocba.domain.assessment.tt27 import COMPETENCES, QUALITIES, PrimaryResult
from hocba.gradebook.models import PrimaryClassRecord
from hocba.gradebook.primary_evaluation import (
    ClassData,
    NotPrimary,
    class_data,
    evaluate,
    studied,
    supplementary_of,
)
from hocba.roster.models import SchoolClass, Student

__all__ = ["NotPrimary", "PupilYear", "SubjectYear", "year_results"]


@dataclass(frozen=True)
class SubjectYear:
    code: str
    name: str
    level: str | None
    test: int | None
    comment: str | None


@dataclass(frozen=True)
class PupilYear:
    student: Student
    subjects: tuple[SubjectYear, ...]
    qualities: dict[str, str | None]
    competences: dict[str, str | None]
    comment_qualities: str | None
    comment_general: str | None
    comment_specific: str | None
    absences_excused: int
    absences_unexcused: int
    weight_kg: Decimal | None
    height_cm: Decimal | None
    homeroom_comment: str | None
    evaluation: str | None
    year_evaluation: str | None
    award: str | None
    adhoc_award: str
    completed_grade: bool | None
    completed_primary: bool | None
    completion_text: str
    missing: tuple[str, ...]


# MOET primary profile (CV 2088 PL1.1): mandatory fields the evaluation does not need.
_PROFILE = (("comment_qualities", "Nhận xét phẩm chất cuối năm: chưa có"),
            ("comment_general", "Nhận xét năng lực chung cuối năm: chưa có"),
            ("comment_specific", "Nhận xét năng lực đặc thù cuối năm: chưa có"),
            ("weight_kg", "Cân nặng: chưa nhập"),
            ("height_cm", "Chiều cao: chưa nhập"),
            ("year_comment", "Nhận xét của GVCN cuối năm: chưa có"))


def _text(value: str) -> str | None:
    return value or None


def profile_missing(rec: PrimaryClassRecord | None) -> list[str]:
    """What the MOET primary profile still needs from the end-of-year class record."""
    return [message for name, message in _PROFILE
            if rec is None or getattr(rec, name) in (None, "")]


def pupil_year(data: ClassData, student: Student) -> PupilYear:
    """The year-end values of one pupil of ``data`` (see the module docstring)."""
    rec = data.record(student)
    evaluation = evaluate(data, student)
    result: PrimaryResult | None = evaluation.result
    replaced = (supplementary_of(rec, data.school_class.grade)
                if result is not None and result.evaluation_after_supplementary else None)
    new_subjects = {s.code: s for s in replaced.subjects} if replaced else {}
    new_ratings = dict(replaced.qualities + replaced.competences) if replaced else {}
    subjects = []
    for row in studied(data, student):
        stored = data.result(student, row.code)
        level = stored.level if stored else ""
        test = stored.test if stored and row.periodic_test else None
        if row.code in new_subjects:
            level, test = new_subjects[row.code].level.value, new_subjects[row.code].test
        subjects.append(SubjectYear(row.code, row.name, level or None, test,
                                    _text(stored.comment) if stored else None))

    def rating(name: str) -> str | None:
        if name in new_ratings:
            return new_ratings[name].value
        return (getattr(rec, name) or None) if rec else None

    grade = data.school_class.grade
    return PupilYear(
        student=student, subjects=tuple(subjects),
        qualities={n: rating(n) for n in QUALITIES},
        competences={n: rating(n) for n in COMPETENCES},
        comment_qualities=_text(rec.comment_qualities) if rec else None,
        comment_general=_text(rec.comment_general) if rec else None,
        comment_specific=_text(rec.comment_specific) if rec else None,
        absences_excused=rec.absences_excused if rec else 0,
        absences_unexcused=rec.absences_unexcused if rec else 0,
        weight_kg=rec.weight_kg if rec else None, height_cm=rec.height_cm if rec else None,
        homeroom_comment=_text(rec.year_comment) if rec else None,
        evaluation=result.final_evaluation.value if result else None,
        year_evaluation=result.evaluation.value if result else None,
        award=result.award.value if result and result.award else None,
        adhoc_award=rec.adhoc_award if rec else "",
        completed_grade=result.completed_grade if result else None,
        completed_primary=(result.completed_grade if result and grade == 5 else None),
        completion_text=result.hoc_ba_note if result else "",
        missing=(*evaluation.missing, *profile_missing(rec)),
    )


def year_results(school_class: SchoolClass) -> list[PupilYear]:
    """Per enrolled pupil, the year-end values and what is missing (module docstring)."""
    data = class_data(school_class)
    return [pupil_year(data, student) for student in data.members]
