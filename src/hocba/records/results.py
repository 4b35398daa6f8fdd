"""The gradebook's year results of a class, as the sections of the canonical record.

One adapter per regime, each reading the gradebook's own year-results selector (which names
what is missing) and returning, per student, the record sections (``primary`` or
``secondary``, ``attendance``, ``health``, ``promoted``, ``homeroom_comment``) and the subject
teachers who will sign. Nothing is recomputed here: the rules live in the gradebook and the
pure engines.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from hocba.gradebook import primary_summary, year_results
from hocba.roster.models import SchoolClass, Student


@dataclass(frozen=True)
class YearResult:
    student: Student
    regime: str  # "tt27" | "tt22"
    sections: dict[str, Any]
    teachers: list[dict[str, Any]] = field(default_factory=list)
    missing: tuple[str, ...] = ()


def _decimal(value: Decimal | None) -> str | None:
    return None if value is None else format(value.normalize(), "f")


def of_class(school_class: SchoolClass) -> list[YearResult]:
    if school_class.grade <= 5:
        return [_primary(p) for p in primary_summary.year_results(school_class)]
    return _secondary_of(school_class)


def _primary(p: primary_summary.PupilYear) -> YearResult:
    """TT 27/2020: subjects with level and test, qualities, competences (CV 2088 PL1.1)."""
    sections = {
        "primary": {
            "subjects": [{"code": s.code, "name": s.name, "level": s.level, "test": s.test,
                          "comment": s.comment} for s in p.subjects],
            "qualities": dict(p.qualities),
            "competences": dict(p.competences),
            "comments": {"qualities": p.comment_qualities,
                         "general_competences": p.comment_general,
                         "specific_competences": p.comment_specific},
            "evaluation": p.evaluation,
            "completed_grade": p.completed_grade,
            "completed_primary": p.completed_primary,
            "completion_text": p.completion_text or None,
            "award": p.award,
            "special_award": p.adhoc_award or None,
        },
        "secondary": None,
        "attendance": {"excused": p.absences_excused, "unexcused": p.absences_unexcused},
        "health": {"weight_kg": _decimal(p.weight_kg), "height_cm": _decimal(p.height_cm)},
        # TT 27/2020 Điều 11: a pupil who completes the grade goes up (DUOC_LEN_LOP).
        "promoted": p.completed_grade,
        "homeroom_comment": p.homeroom_comment,
    }
    return YearResult(p.student, "tt27", sections, [], p.missing)


def _value(value: Decimal | str | None) -> str | None:
    """A score as the record writes it ("7.9"), or a comment subject's "D"/"CD"."""
    if value is None or isinstance(value, str):
        return value
    return format(value, "f")


def _secondary_of(school_class: SchoolClass) -> list[YearResult]:
    return [_secondary(s) for s in year_results.year_results(school_class)]


def _secondary(s: year_results.StudentYear) -> YearResult:
    """TT 22/2021: subject averages or Đ/CĐ per term and year, the re-evaluated value
    (Điều 14), học tập and rèn luyện per term, year and after summer (Điều 8, 9, 13)."""
    teachers: dict[tuple[str, str], list[str]] = {}
    subjects = []
    for subject in s.subjects:
        teacher = None
        if subject.teacher is not None:
            teacher = {"name": subject.teacher.name,
                       "identity_number": subject.teacher.personal_id or ""}
            teachers.setdefault((subject.teacher.name, subject.teacher.personal_id or ""),
                                []).append(subject.code)
        comment = "; ".join(c for c in (subject.comment_hk1, subject.comment_hk2) if c) or None
        subjects.append({
            "code": subject.code, "name": subject.name, "assessment": subject.assessment,
            "hk1": _value(subject.hk1), "hk2": _value(subject.hk2),
            "year": _value(subject.year), "retest": _value(subject.reevaluated),
            "teacher": teacher, "comment": comment,
        })
    sections = {
        "primary": None,
        "secondary": {
            "subjects": subjects,
            "hoc_tap": {"hk1": s.hoc_tap_hk1, "hk2": s.hoc_tap_hk2, "year": s.hoc_tap_year,
                        "after_summer": s.hoc_tap_after},
            "ren_luyen": {"hk1": s.ren_luyen_hk1, "hk2": s.ren_luyen_hk2,
                          "year": s.ren_luyen_year, "after_summer": s.ren_luyen_after},
            "completed_programme": s.completed_programme,
            "award": s.award,
            "special_award": None,
        },
        "attendance": {"excused": s.absences_excused, "unexcused": s.absences_unexcused},
        "health": {"weight_kg": None, "height_cm": None},
        "promoted": s.promoted,
        "homeroom_comment": s.homeroom_comment,
    }
    signers = [{"name": name, "identity_number": pid, "subjects": codes}
               for (name, pid), codes in teachers.items()]
    return YearResult(s.student, "tt22", sections, signers, s.missing)
