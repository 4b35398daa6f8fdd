"""A small, fully known world for tests: two provinces, areas, schools, years, classes, people.

Built with plain ORM calls so each test reads what exists. ``build_world()`` returns a
``World`` whose attributes name everything, and one user per role with password ``PASSWORD``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

from hocba.accounts.models import RoleAssignment, User
from hocba.curriculum.models import Subject
from hocba.curriculum.services import ensure_subjects
from hocba.domain.access import Role
from hocba.organisation.models import School, SchoolYear, Unit
from hocba.roster.models import Enrolment, SchoolClass, Student, Teacher, TeachingAssignment

PASSWORD = "Mat-khau-thu-nghiem-2025"


@dataclass
class World:
    bo: Unit
    province: Unit
    other_province: Unit
    area: Unit
    other_area: Unit
    year: SchoolYear
    last_year: SchoolYear
    school: School
    other_school_same_area: School
    school_other_province: School
    class_6a: SchoolClass
    class_6b: SchoolClass
    class_6a_last_year: SchoolClass
    class_other_school: SchoolClass
    math: Subject
    literature: Subject
    student: Student  # in 6A this year
    classmate_6b: Student  # in 6B this year
    last_year_student: Student  # only in 6A last year (left)
    other_school_student: Student
    other_province_student: Student
    teacher_gvcn: Teacher
    teacher_gvbm: Teacher
    users: dict[Role, User] = field(default_factory=dict)


def _student(code: str, name: str, school: School, sex: str = "nam",
             birth: date = date(2013, 5, 2), personal_id: str | None = None) -> Student:
    return Student.objects.create(student_code=code, full_name=name, birth_date=birth, sex=sex,
                                  school=school, personal_id=personal_id)


def _enrol(student: Student, cls: SchoolClass, start: date, end: date | None = None) -> None:
    Enrolment.objects.create(student=student, school_class=cls, start_date=start, end_date=end,
                             reason=Enrolment.Reason.ADMITTED,
                             exit_reason=Enrolment.Exit.YEAR_END if end else "")


def _user(username: str, full_name: str, **extra: Any) -> User:
    return User.objects.create_user(username=username, password=PASSWORD, full_name=full_name,
                                    **extra)


def build_world() -> World:
    subjects = ensure_subjects()
    bo = Unit.objects.create(kind=Unit.Kind.BO, code="BGDDT", name="Bộ Giáo dục và Đào tạo")
    province = Unit.objects.create(kind=Unit.Kind.SO, code="SO01", parent=bo,
                                   name="Sở Giáo dục và Đào tạo Thành phố Hà Nội")
    other_province = Unit.objects.create(kind=Unit.Kind.SO, code="SO79", parent=bo,
                                         name="Sở Giáo dục và Đào tạo Thành phố Hồ Chí Minh")
    area = Unit.objects.create(kind=Unit.Kind.PHONG, code="KV01", parent=province,
                               name="Khu vực Ba Đình")
    other_area = Unit.objects.create(kind=Unit.Kind.PHONG, code="KV02", parent=province,
                                     name="Khu vực Cầu Giấy")
    year = SchoolYear.objects.create(name="2025-2026", start=date(2025, 9, 5),
                                     end=date(2026, 5, 31))
    last_year = SchoolYear.objects.create(name="2024-2025", start=date(2024, 9, 5),
                                          end=date(2025, 5, 31))
    school = School.objects.create(code="01000101", name="Trường THCS Nguyễn Trãi",
                                   province=province, area=area, levels=["THCS"])
    sibling = School.objects.create(code="01000102", name="Trường THCS Lê Quý Đôn",
                                    province=province, area=other_area, levels=["THCS"])
    far = School.objects.create(code="79000101", name="Trường THCS Trần Hưng Đạo",
                                province=other_province, levels=["THCS"])
    c6a = SchoolClass.objects.create(school=school, school_year=year, grade=6, name="6A")
    c6b = SchoolClass.objects.create(school=school, school_year=year, grade=6, name="6B")
    c6a_old = SchoolClass.objects.create(school=school, school_year=last_year, grade=6, name="6A")
    c_other = SchoolClass.objects.create(school=sibling, school_year=year, grade=6, name="6A")
    c_far = SchoolClass.objects.create(school=far, school_year=year, grade=6, name="6A")

    student = _student("HS0001", "Nguyễn Thị Ngọc Ánh", school, sex="nu",
                       personal_id="001313012345")
    classmate = _student("HS0002", "Trần Văn Bình", school)
    old = _student("HS0003", "Lê Minh Châu", school)
    other = _student("HS0004", "Phạm Quốc Dũng", sibling)
    far_student = _student("HS0005", "Võ Thị Én", far, sex="nu")
    _enrol(student, c6a, year.start)
    _enrol(classmate, c6b, year.start)
    _enrol(old, c6a_old, last_year.start, last_year.end)
    _enrol(other, c_other, year.start)
    _enrol(far_student, c_far, year.start)

    users: dict[Role, User] = {}
    gvcn_user = users[Role.GVCN] = _user("gvcn", "Đỗ Thị Hương")
    gvbm_user = users[Role.GVBM] = _user("gvbm", "Hoàng Văn Nam")
    gvcn = Teacher.objects.create(school=school, staff_code="GV001", full_name="Đỗ Thị Hương",
                                  sex="nu", user=gvcn_user)
    gvbm = Teacher.objects.create(school=school, staff_code="GV002", full_name="Hoàng Văn Nam",
                                  sex="nam", user=gvbm_user, main_subject=subjects["TOAN"])
    c6a.homeroom_teacher = gvcn
    c6a.save()
    TeachingAssignment.objects.create(teacher=gvbm, school_class=c6a, subject=subjects["TOAN"])

    def assign(role: Role, username: str, name: str, **scope: Any) -> None:
        users[role] = _user(username, name)
        RoleAssignment.objects.create(user=users[role], role=role, **scope)

    assign(Role.BO_OFFICER, "bo", "Cán bộ Bộ")
    assign(Role.SO_OFFICER, "so", "Cán bộ Sở", unit=province)
    assign(Role.PHONG_OFFICER, "phong", "Cán bộ Phòng", unit=area)
    for role, username in ((Role.SCHOOL_ADMIN, "quantri"), (Role.PRINCIPAL, "hieutruong"),
                           (Role.VICE_PRINCIPAL, "phohieutruong"), (Role.VAN_THU, "vanthu"),
                           (Role.HOC_VU, "hocvu")):
        assign(role, username, role.label, school=school, school_year=year)
    assign(Role.STUDENT, "hocsinh", "Nguyễn Thị Ngọc Ánh", student=student)
    assign(Role.PARENT, "phuhuynh", "Nguyễn Văn An", student=student)

    return World(
        bo=bo, province=province, other_province=other_province, area=area,
        other_area=other_area, year=year, last_year=last_year, school=school,
        other_school_same_area=sibling, school_other_province=far, class_6a=c6a, class_6b=c6b,
        class_6a_last_year=c6a_old, class_other_school=c_other, math=subjects["TOAN"],
        literature=subjects["NGU_VAN"], student=student, classmate_6b=classmate,
        last_year_student=old, other_school_student=other, other_province_student=far_student,
        teacher_gvcn=gvcn, teacher_gvbm=gvbm, users=users,
    )
