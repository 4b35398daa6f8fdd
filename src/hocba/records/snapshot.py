"""The parts of a record that come from the roster and the organisation, not the gradebook:
the school with the names in force that year, the student's identity, the learning history
of the level (QUA_TRINH_HOC_TAP) and the signers to be. Each part names what is missing
instead of guessing it (CV 2088 PL1 Phụ lục 1.1 marks these fields mandatory).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from hocba.accounts.models import RoleAssignment
from hocba.domain.access import Role
from hocba.domain.identity import Sex
from hocba.organisation.models import School, SchoolPlaceNames, SchoolYear
from hocba.records.models import BookLevel, level_of_grade
from hocba.roster.models import Enrolment, SchoolClass, Student


@dataclass
class Gaps:
    """Missing items, per student (or for the whole class under the key ``""``)."""

    items: dict[str, list[str]] = field(default_factory=dict)

    def add(self, who: str, what: str) -> None:
        self.items.setdefault(who, []).append(what)

    def __bool__(self) -> bool:
        return any(self.items.values())


def school_part(school: School, year: SchoolYear, gaps: Gaps) -> dict[str, Any]:
    """THONG_TIN_CHUNG's school fields, with the place names of that school year."""
    names = SchoolPlaceNames.objects.filter(school=school, school_year=year).first()
    if names is None:
        gaps.add("", f"Trường chưa có địa danh của năm học {year.name} (tỉnh, huyện, xã, Sở)")
        return {}
    province = school.province
    place = names.commune_name or names.district_name or names.province_name
    return {
        "code": school.code,
        "name": names.school_name,
        "education_office_code": province.code if province else "",
        "education_office_name": names.education_office_name,
        "province": names.province_name,
        "district": names.district_name or None,
        "commune": names.commune_name or None,
        "place_of_issue": _place_of_issue(place),
    }


def _place_of_issue(place: str) -> str:
    """DIA_DANH_PHAT_HANH_HOC_BA: the place name as a dateline prints it ("Phật Tích, ngày …"),
    without the kind of unit ("Xã", "Phường", "Thị trấn", "Huyện", "Tỉnh")."""
    for kind in ("Thị trấn ", "Thành phố ", "Xã ", "Phường ", "Huyện ", "Quận ", "Thị xã ",
                 "Tỉnh "):
        if place.startswith(kind):
            return place[len(kind):]
    return place


def student_part(student: Student, gaps: Gaps, who: str) -> dict[str, Any]:
    required = {
        "Số định danh cá nhân": student.personal_id,
        "Họ tên mẹ (hoặc người giám hộ)": student.mother_name or student.guardian_name,
        "Nơi sinh": student.place_of_birth,
        "Quê quán": student.hometown,
        "Nơi ở hiện nay": student.address,
    }
    for label, value in required.items():
        if not value:
            gaps.add(who, f"Hồ sơ học sinh: thiếu {label.lower()}")
    return {
        "code": student.student_code,
        "identity_number": student.personal_id or "",
        "full_name": student.full_name,
        "sex": "nam" if student.sex == Sex.MALE.value else "nu",
        "birth_date": student.birth_date.isoformat(),
        "birth_place": student.place_of_birth,
        "home_town": student.hometown,
        "address": student.address,
        "ethnicity": student.ethnicity_name,
        "nationality": student.nationality,
        "father": student.father_name or None,
        "mother": student.mother_name or None,
        "guardian": student.guardian_name or None,
    }


class Histories:
    """QUA_TRINH_HOC_TAP for the students of one class, read in two queries: each stay of the
    record's level up to the record's year, oldest first, with the school's name as it was
    that year (NGAY_TRANG_THAI_CHUYEN_DEN = the stay's start). Read as plain values: a school
    composes thousands of them at once."""

    def __init__(self, school_class: SchoolClass, students: list[Student]) -> None:
        self.level = level_of_grade(school_class.grade)
        stays = list(Enrolment.objects.filter(
            student__in=students, school_class__school_year__start__lte=(
                school_class.school_year.start))
            .order_by("start_date", "id")
            .values_list("student_id", "start_date", "school_class__grade",
                         "school_class__name", "school_class__school_id",
                         "school_class__school_year_id", "school_class__school_year__name",
                         "school_class__school__name"))
        names = dict(((school, year), name) for school, year, name in (
            SchoolPlaceNames.objects.filter(school__in={stay[4] for stay in stays})
            .values_list("school_id", "school_year_id", "school_name")))
        self.stays: dict[int, list[dict[str, Any]]] = {}
        for student, since, grade, name, school, year, year_name, school_name in stays:
            if level_of_grade(grade) != self.level:
                continue
            self.stays.setdefault(student, []).append({
                "school_year": year_name,
                "class": name,
                "school": names.get((school, year), school_name),
                "since": since.isoformat(),
            })

    def of(self, student: Student) -> list[dict[str, Any]]:
        return [dict(entry) for entry in self.stays.get(student.pk, [])]


def principal_of(school: School, year: SchoolYear) -> Any:
    """The principal who signs (TEN_GIAM_HIEU_KY_HOC_BA): the year's assignment, else the
    standing one."""
    grants = RoleAssignment.objects.filter(role=Role.PRINCIPAL, school=school)
    grant = (grants.filter(school_year=year).select_related("user").first()
             or grants.filter(school_year__isnull=True).select_related("user").first())
    return grant.user if grant else None


def signers_part(school_class: SchoolClass, principal: Any, teachers: list[dict[str, Any]],
                 gaps: Gaps) -> dict[str, Any]:
    homeroom = school_class.homeroom_teacher
    if homeroom is None:
        gaps.add("", f"Lớp {school_class.name} chưa có giáo viên chủ nhiệm")
    elif not homeroom.personal_id:
        gaps.add("", f"Giáo viên chủ nhiệm {homeroom.full_name}: thiếu số định danh cá nhân")
    if principal is None:
        gaps.add("", "Trường chưa có hiệu trưởng được phân quyền (người ký học bạ)")
    elif not principal.personal_id:
        gaps.add("", f"Hiệu trưởng {principal.full_name}: thiếu số định danh cá nhân")
    return {
        "homeroom": {"name": homeroom.full_name, "identity_number": homeroom.personal_id or "",
                     "title": "Giáo viên chủ nhiệm"} if homeroom else None,
        "principal": {"name": principal.full_name or principal.username,
                      "identity_number": principal.personal_id or "",
                      "title": "Hiệu trưởng"} if principal else None,
        "subject_teachers": teachers,
    }


def book_level(school_class: SchoolClass) -> BookLevel:
    return level_of_grade(school_class.grade)
