"""Where a stored object sits in the organisation, as the access policy sees it."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from hocba.domain.access import Place, Target
from hocba.organisation.models import School, Unit
from hocba.roster.models import SchoolClass, Student, Teacher, TeachingAssignment


@dataclass(frozen=True)
class ClassSubject:
    """A subject taught in a class: the object of a subject teacher's results."""

    school_class: SchoolClass
    subject_id: int


@dataclass(frozen=True)
class StudentResults:
    """A student's results, optionally for one subject only."""

    student: Student
    subject_id: int | None = None


def _school_place(school: School, **extra: Any) -> Place:
    return Place(province=school.province_id, area=school.area_id, school=school.pk, **extra)


def _class_place(school_class: SchoolClass, **extra: Any) -> Place:
    return _school_place(
        school_class.school, year=school_class.school_year_id, school_class=school_class.pk,
        **extra,
    )


def _student_places(student: Student, subject_id: int | None = None) -> tuple[Place, ...]:
    places = [
        _class_place(e.school_class, student=student.pk, subject=subject_id)
        for e in student.enrolments.select_related("school_class__school")
    ]
    if not places:
        # A student not yet placed in any class still belongs to their school.
        places.append(_school_place(student.school, student=student.pk, subject=subject_id))
    return tuple(places)


def class_target(school_class: SchoolClass, kind: str, **extra: Any) -> Target:
    """An object that sits in one class (a record composed from it, say)."""
    return Target(kind, (_class_place(school_class, **extra),))


def target_of(obj: Any) -> Target:
    """The policy's view of ``obj``. Raises TypeError for an object it does not know.

    Models of later apps (records, …) say where they sit with an ``access_target()`` method,
    so this module need not import them."""
    if isinstance(obj, Target):
        return obj
    access_target = getattr(obj, "access_target", None)
    if callable(access_target):
        target: Target = access_target()
        return target
    if isinstance(obj, Unit):
        if obj.kind == Unit.Kind.SO:
            return Target("unit", (Place(province=obj.pk),))
        if obj.kind == Unit.Kind.PHONG:
            return Target("unit", (Place(province=obj.parent_id, area=obj.pk),))
        return Target("unit", (Place(),))
    if isinstance(obj, School):
        return Target("school", (_school_place(obj),))
    if isinstance(obj, SchoolClass):
        return Target("class", (_class_place(obj),))
    if isinstance(obj, ClassSubject):
        return Target("class_subject", (_class_place(obj.school_class, subject=obj.subject_id),))
    if isinstance(obj, TeachingAssignment):
        return Target("class_subject", (_class_place(obj.school_class, subject=obj.subject_id),))
    if isinstance(obj, Student):
        return Target("student", _student_places(obj))
    if isinstance(obj, StudentResults):
        return Target("student_results", _student_places(obj.student, obj.subject_id))
    if isinstance(obj, Teacher):
        return Target("teacher", (_school_place(obj.school),))
    raise TypeError(f"no access target for {type(obj).__name__}")
