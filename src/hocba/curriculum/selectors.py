from __future__ import annotations

from hocba.domain.curriculum import CurriculumSubject, programme, programme_for_year
from hocba.roster.models import SchoolClass


def curriculum_of(school_class: SchoolClass) -> list[CurriculumSubject]:
    """The subject rows of a class: its grade in the programme its school year followed."""
    year = school_class.school_year
    version = programme(year.programme) if year.programme else programme_for_year(year.name)
    return version.for_grade(school_class.grade)
