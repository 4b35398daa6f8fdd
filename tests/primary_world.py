"""A primary school beside the known world of ``tests.world``: class 4A of "Trường Tiểu học
Kim Đồng" (same province and area, year 2025-2026) with three pupils, its homeroom teacher
(who teaches every subject but Ngoại ngữ 1, as primary homeroom teachers mostly do), the
English teacher and the
school's principal. Users: ``gvth`` (GVCN 4A), ``gvta`` (Ngoại ngữ 1), ``hieutruongth``; all
with ``tests.world.PASSWORD``."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

from hocba.accounts.models import RoleAssignment, User
from hocba.curriculum.models import Subject
from hocba.curriculum.selectors import curriculum_of
from hocba.domain.access import Role
from hocba.gradebook.models import PrimaryClassRecord, PrimarySubjectResult
from hocba.organisation.models import School
from hocba.roster.models import Enrolment, SchoolClass, Student, Teacher, TeachingAssignment
from tests.world import _user

# A primary homeroom teacher's subjects in grade 4 (the demo's catalogue); the rest go to
# specialists (here only Ngoại ngữ 1 has one).
HOMEROOM_SUBJECTS = ("TIENG_VIET", "TOAN", "DAO_DUC", "KHOA_HOC", "LICH_SU_DIA_LY", "HDTN",
                     "CONG_NGHE", "TIN_HOC", "GDTC", "AM_NHAC", "MI_THUAT")
PUPILS = (("TH0001", "Lê Thị An", "nu"), ("TH0002", "Nguyễn Minh Ánh", "nu"),
          ("TH0003", "Trần Văn Bảo", "nam"))
ALL_T = {"yeu_nuoc": "T", "nhan_ai": "T", "cham_chi": "T", "trung_thuc": "T",
         "trach_nhiem": "T", "tu_chu_tu_hoc": "T", "giao_tiep_hop_tac": "T",
         "giai_quyet_van_de": "T", "ngon_ngu": "T", "tinh_toan": "T", "khoa_hoc": "T",
         "tham_mi": "T", "the_chat": "T"}


@dataclass
class PrimaryWorld:
    world: Any
    school: School
    class_4a: SchoolClass
    pupils: list[Student]
    homeroom: User
    english: User
    principal: User
    subjects: dict[str, Subject] = field(default_factory=dict)

    @property
    def an(self) -> Student:
        return self.pupils[0]

    @property
    def anh(self) -> Student:
        return self.pupils[1]

    @property
    def bao(self) -> Student:
        return self.pupils[2]


def build_primary(world: Any) -> PrimaryWorld:
    school = School.objects.create(code="01000201", name="Trường Tiểu học Kim Đồng",
                                   province=world.province, area=world.area, levels=["TH"])
    c4a = SchoolClass.objects.create(school=school, school_year=world.year, grade=4,
                                     name="4A")
    pupils = []
    for code, name, sex in PUPILS:
        pupil = Student.objects.create(student_code=code, full_name=name,
                                       birth_date=date(2016, 4, 4), sex=sex, school=school)
        Enrolment.objects.create(student=pupil, school_class=c4a,
                                 start_date=world.year.start, reason=Enrolment.Reason.ADMITTED)
        pupils.append(pupil)
    homeroom = _user("gvth", "Phạm Thị Lan")
    english = _user("gvta", "Vũ Quang Huy")
    principal = _user("hieutruongth", "Đinh Văn Sơn")
    lan = Teacher.objects.create(school=school, staff_code="TH001", full_name="Phạm Thị Lan",
                                 sex="nu", user=homeroom)
    huy = Teacher.objects.create(school=school, staff_code="TH002", full_name="Vũ Quang Huy",
                                 sex="nam", user=english)
    c4a.homeroom_teacher = lan
    c4a.save()
    subjects = {s.code: s for s in Subject.objects.all()}
    for code in HOMEROOM_SUBJECTS:
        TeachingAssignment.objects.create(teacher=lan, school_class=c4a, subject=subjects[code])
    TeachingAssignment.objects.create(teacher=huy, school_class=c4a,
                                      subject=subjects["NGOAI_NGU_1"])
    RoleAssignment.objects.create(user=principal, role=Role.PRINCIPAL, school=school,
                                  school_year=world.year)
    return PrimaryWorld(world, school, c4a, pupils, homeroom, english, principal, subjects)


def fill_year(pw: PrimaryWorld, pupil: Student, level: str = "T", test: int = 9,
              ratings: dict[str, str] | None = None, skip: str = "",
              point: int = 4) -> None:
    """Every compulsory subject of 4A at ``point`` with ``level`` (and ``test`` where the
    subject takes one), and the class record with ``ratings`` (all Tốt by default) and the
    year-end facts; ``skip`` leaves that subject out."""
    for row in curriculum_of(pw.class_4a):
        if row.optional or row.code == skip:
            continue
        tested = row.periodic_test if point in (2, 4) else row.midterm_test
        PrimarySubjectResult.objects.create(
            student=pupil, school_class=pw.class_4a, subject=pw.subjects[row.code],
            point=point, level=level, test=test if tested else None)
    extra: dict[str, Any] = {}
    if point == 4:
        extra = {"weight_kg": "28.5", "height_cm": "132", "year_comment": "Em ngoan.",
                 "absences_excused": 2}
    PrimaryClassRecord.objects.create(
        student=pupil, school_class=pw.class_4a, point=point,
        **(ALL_T if ratings is None else ratings),
        comment_qualities="Chăm chỉ.", comment_general="Tự giác.",
        comment_specific="Tính toán nhanh.", **extra)
