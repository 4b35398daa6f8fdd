"""The deterministic demo data: one province, its schools, two school years, one account per role.

``seed("small")`` is what ``hocba demo`` loads (six schools, about 40 classes and 1,500
students, in a few seconds); ``seed("large")`` is a whole province for benchmarks (over 100
schools and 50,000 students). Every run produces the same data: names, codes and dates come
from generators seeded with fixed strings, never from the clock.

Mass rows are written with ``bulk_create`` (no per-row audit signal); the seed logs one audit
event with the counts. Every demo account shares ``DEMO_PASSWORD``, hashed once.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import Any

from django.contrib.auth.hashers import make_password
from django.db import transaction

from hocba.accounts.models import RoleAssignment, User
from hocba.audit.models import AuditEvent
from hocba.audit.services import record
from hocba.curriculum.services import ensure_subjects
from hocba.demo.certificates import seed_certificates
from hocba.demo.names import adult_name
from hocba.demo.results_tt22 import lock_terms, seed_secondary_results
from hocba.demo.results_tt27 import seed_primary_results
from hocba.demo.school import SEED, Context, SchoolRows, build_school, scramble
from hocba.demo.schools import (
    BO_CODE,
    BO_NAME,
    MAIN_SCHOOL,
    PROVINCE_CODE,
    SECOND_SCHOOL,
    SO_NAME,
    area_code,
    area_name,
    schools_for,
)
from hocba.domain.access import ROLE_LABELS, Role
from hocba.domain.curriculum import programme_for_year
from hocba.domain.identity import Sex, make_personal_id
from hocba.organisation.models import School, SchoolYear, Unit
from hocba.roster.models import SchoolClass, Student, Teacher, TeachingAssignment

DEMO_PASSWORD = "hocba-demo-2025"

CURRENT_YEAR = ("2025-2026", date(2025, 9, 5), date(2026, 5, 31))
PREVIOUS_YEAR = ("2024-2025", date(2024, 9, 5), date(2025, 5, 31))

Progress = Callable[[int, int, str], None]

# The demo accounts, in the order they are printed: (username, role).
SCHOOL_STAFF = (("quantri", Role.SCHOOL_ADMIN), ("hieutruong", Role.PRINCIPAL),
                ("phohieutruong", Role.VICE_PRINCIPAL), ("vanthu", Role.VAN_THU),
                ("hocvu", Role.HOC_VU))
LOGIN_ORDER = ("bo", "so", "phong", *(u for u, _ in SCHOOL_STAFF), "gvcn", "gvbm", "hocsinh",
               "phuhuynh", "hieutruong2")
ADMIN_NOTE = "mở được trang quản trị /quan-tri/"


@dataclass(frozen=True)
class DemoLogin:
    role: str  # Vietnamese role label
    username: str
    password: str
    note: str  # where the role applies


@dataclass(frozen=True)
class DemoSummary:
    size: str
    provinces: int
    areas: int
    schools: int
    classes: int  # this school year
    classes_all_years: int
    students: int
    enrolments: int
    teachers: int
    assignments: int
    accounts: int
    seconds: float
    year: str = CURRENT_YEAR[0]

    def counts(self) -> dict[str, Any]:
        return {
            "kich_thuoc": self.size, "tinh": self.provinces, "khu_vuc": self.areas,
            "truong": self.schools, "lop": self.classes, "lop_ca_hai_nam": self.classes_all_years,
            "hoc_sinh": self.students, "qua_trinh_hoc": self.enrolments,
            "giao_vien": self.teachers, "phan_cong": self.assignments,
            "tai_khoan": self.accounts,
        }

    def describe(self) -> str:
        size = "nhỏ" if self.size == "small" else "lớn"
        return (
            f"Đã sinh dữ liệu demo ({size}) trong {_vn(self.seconds)} giây: "
            f"{_vn(self.provinces)} tỉnh (Sở GDĐT), {_vn(self.areas)} khu vực (Phòng GDĐT), "
            f"{_vn(self.schools)} trường, {_vn(self.classes)} lớp năm học {self.year} "
            f"({_vn(self.classes_all_years)} lớp cả hai năm học), {_vn(self.students)} học sinh, "
            f"{_vn(self.teachers)} giáo viên, {_vn(self.accounts)} tài khoản đăng nhập."
        )


def _vn(number: float) -> str:
    """Vietnamese number format: 1.234 and 2,5."""
    if isinstance(number, int):
        return f"{number:,}".replace(",", ".")
    return f"{number:.1f}".replace(".", ",")


def is_empty() -> bool:
    """Whether no school exists yet (the demo seeds only an empty database)."""
    return not School.objects.exists()


def seed(size: str = "small", progress: Progress | None = None) -> DemoSummary:
    """Generate the demo data into an empty database, in one transaction."""
    started = time.perf_counter()
    specs = schools_for(size)
    if not is_empty():
        raise RuntimeError("Cơ sở dữ liệu đã có trường; chỉ sinh dữ liệu demo vào cơ sở trống.")
    taken = sorted(User.objects.filter(username__in=LOGIN_ORDER).values_list("username",
                                                                              flat=True))
    if taken:
        raise RuntimeError(f"Tên đăng nhập demo đã có người dùng: {', '.join(taken)}.")
    total = len(specs) + 1
    with transaction.atomic():
        subjects = ensure_subjects()
        current = _year(*CURRENT_YEAR)
        previous = _year(*PREVIOUS_YEAR)
        province, areas = _units(sorted({s.district for s in specs if s.has_area}))
        ctx = Context(province=province, areas=areas, current=current, previous=previous,
                      subjects=subjects)
        tally = dict.fromkeys(("classes", "classes_now", "students", "enrolments", "teachers",
                               "assignments"), 0)
        kept: dict[str, SchoolRows] = {}
        built: list[School] = []
        for done, spec in enumerate(specs, start=1):
            rows = build_school(spec, ctx)
            rows.save()
            built.append(rows.school)
            tally["classes"] += len(rows.classes)
            tally["classes_now"] += sum(1 for c in rows.classes if c.school_year is current)
            tally["students"] += len(rows.students)
            tally["enrolments"] += len(rows.enrolments)
            tally["teachers"] += len(rows.teachers)
            tally["assignments"] += len(rows.assignments)
            if spec.code in (MAIN_SCHOOL, SECOND_SCHOOL):
                kept[spec.code] = rows
            if progress is not None:
                progress(done, total, spec.name)
        accounts = _accounts(ctx, kept[MAIN_SCHOOL], kept[SECOND_SCHOOL])
        _results(ctx, built)  # after the accounts: the principals lock the terms
        # After the staff's identity numbers: every signer and every school's seal.
        certificates = seed_certificates(built, [ctx.previous, ctx.current])
        if progress is not None:
            progress(total, total, "Tài khoản demo")
        summary = DemoSummary(
            size=size, provinces=1, areas=len(areas), schools=len(specs),
            classes=tally["classes_now"], classes_all_years=tally["classes"],
            students=tally["students"], enrolments=tally["enrolments"],
            teachers=tally["teachers"], assignments=tally["assignments"], accounts=accounts,
            seconds=time.perf_counter() - started,
        )
        record(AuditEvent.Kind.WRITE, "sinh_du_lieu_demo",
               detail={**summary.counts(), **certificates.counts()})
    return summary


def _results(ctx: Context, schools: list[School]) -> None:
    """The gradebook of both years: last year complete and locked (its học bạ can be
    composed), this year in term II. Each school and year has its own random stream."""
    for school in schools:
        for year, complete in ((ctx.previous, True), (ctx.current, False)):
            rng = random.Random(f"{SEED}/{school.code}/{year.name}/ket-qua")
            if {"THCS", "THPT"} & set(school.levels):
                seed_secondary_results(school, year, complete=complete, rng=rng)
            if "TH" in school.levels:
                seed_primary_results(school, year, complete=complete, rng=random.Random(
                    f"{SEED}/{school.code}/{year.name}/ket-qua-tieu-hoc"))
                if not {"THCS", "THPT"} & set(school.levels):
                    lock_terms(school, year, complete=complete)
    _staff_identities()


def _staff_identities() -> None:
    """The school staff sign the học bạ with their personal identity numbers
    (SO_CCCD_GIAM_HIEU_KY_HOC_BA, CV 2088 PL1 Phụ lục 1.1): give every account holding a
    school role one, as the roster gives every teacher one."""
    staff = (User.objects.filter(personal_id__isnull=True, role_assignments__school__isnull=False)
             .distinct().order_by("username"))
    rng = random.Random(f"{SEED}/can-bo")
    changed = []
    for serial, user in enumerate(staff, start=900_001):
        sex = Sex.FEMALE if " Thị " in f" {user.full_name} " else Sex.MALE
        user.personal_id = make_personal_id("027", rng.randint(1970, 1990), sex,
                                            scramble(serial))
        changed.append(user)
    User.objects.bulk_update(changed, ["personal_id"])


def _year(name: str, start: date, end: date) -> SchoolYear:
    existing = SchoolYear.objects.filter(name=name).first()
    if existing is not None:
        return existing
    (year,) = SchoolYear.objects.bulk_create([SchoolYear(
        name=name, start=start, end=end, programme=programme_for_year(name).code)])
    return year


def _unit(kind: str, code: str, name: str, parent: Unit | None) -> Unit:
    existing = Unit.objects.filter(code=code).first()
    if existing is not None:
        return existing
    (unit,) = Unit.objects.bulk_create([Unit(kind=kind, code=code, name=name, parent=parent)])
    return unit


def _units(districts: list[str]) -> tuple[Unit, dict[str, Unit]]:
    """The Bộ, the Sở, and one Phòng (area) per former district that keeps one."""
    bo = _unit(Unit.Kind.BO, BO_CODE, BO_NAME, None)
    so = _unit(Unit.Kind.SO, PROVINCE_CODE, SO_NAME, bo)
    areas = {area_code(d): _unit(Unit.Kind.PHONG, area_code(d), area_name(d), so)
             for d in districts}
    return so, areas


def _accounts(ctx: Context, main: SchoolRows, second: SchoolRows) -> int:
    """One account per role (DOMAIN.md §1.6), all with DEMO_PASSWORD hashed once."""
    assert main.gvcn and main.gvbm and main.demo_student, "demo school without its people"
    rng = random.Random(f"{SEED}/accounts")
    password = make_password(DEMO_PASSWORD)
    student = main.demo_student

    def user(username: str, full_name: str, staff: bool = False) -> User:
        return User(username=username, password=password, full_name=full_name,
                    is_staff=staff, is_superuser=staff)

    def officer(sex: Sex) -> str:
        return adult_name(rng, sex)

    users = {
        "bo": user("bo", officer(Sex.MALE), staff=True),
        "so": user("so", officer(Sex.FEMALE), staff=True),
        "phong": user("phong", officer(Sex.MALE)),
        **{name: user(name, officer(Sex.FEMALE if n % 2 else Sex.MALE))
           for n, (name, _) in enumerate(SCHOOL_STAFF)},
        "gvcn": user("gvcn", main.gvcn.full_name),
        "gvbm": user("gvbm", main.gvbm.full_name),
        "hocsinh": user("hocsinh", student.full_name),
        "phuhuynh": user("phuhuynh", student.father_name),
        "hieutruong2": user("hieutruong2", officer(Sex.MALE)),
    }
    User.objects.bulk_create(users.values())
    # Teaching roles come from the roster: link the two teachers to their accounts.
    Teacher.objects.filter(pk=main.gvcn.pk).update(user=users["gvcn"])
    Teacher.objects.filter(pk=main.gvbm.pk).update(user=users["gvbm"])
    year = ctx.current
    grants = [
        RoleAssignment(user=users["bo"], role=Role.BO_OFFICER),
        RoleAssignment(user=users["so"], role=Role.SO_OFFICER, unit=ctx.province),
        RoleAssignment(user=users["phong"], role=Role.PHONG_OFFICER,
                       unit=main.school.area),
        # The same staff led the school last year: they compose and sign that year's học bạ.
        *(RoleAssignment(user=users[name], role=role, school=main.school, school_year=y)
          for name, role in SCHOOL_STAFF for y in (ctx.previous, year)),
        RoleAssignment(user=users["hocsinh"], role=Role.STUDENT, student=student),
        RoleAssignment(user=users["phuhuynh"], role=Role.PARENT, student=student),
        RoleAssignment(user=users["hieutruong2"], role=Role.PRINCIPAL, school=second.school,
                       school_year=year),
    ]
    RoleAssignment.objects.bulk_create(grants)
    return len(users)


# --- the log-in table printed by ``hocba demo`` -------------------------------------------

def demo_logins() -> list[DemoLogin]:
    """The demo accounts that exist, in a fixed order, with where each role applies."""
    users = {u.username: u for u in User.objects.filter(username__in=LOGIN_ORDER)}
    names = {u.pk: u.username for u in users.values()}
    grants: dict[str, RoleAssignment] = {}
    for assignment in RoleAssignment.objects.filter(user__in=users.values()).select_related(
        "unit", "school", "school_year", "student"
    ):
        grants.setdefault(names[assignment.user_id], assignment)
    logins = []
    for username in LOGIN_ORDER:
        account = users.get(username)
        if account is None:
            continue
        if username in ("gvcn", "gvbm"):
            role, note = _teacher_note(account, Role.GVCN if username == "gvcn" else Role.GVBM)
        else:
            grant = grants.get(username)
            if grant is None:
                continue
            role, note = Role(grant.role), _grant_note(grant)
        if account.is_staff:
            note = f"{note}; {ADMIN_NOTE}"
        logins.append(DemoLogin(ROLE_LABELS[role], username, DEMO_PASSWORD, note))
    return logins


def _grant_note(ra: RoleAssignment) -> str:
    if ra.role == Role.BO_OFFICER:
        return "toàn quốc"
    if ra.unit is not None:
        return ra.unit.name
    if ra.student is not None:
        place = _current_class(ra.student)
        who = f"học sinh {ra.student.full_name}" if ra.role == Role.STUDENT else (
            f"cha của {ra.student.full_name}")
        return f"{who}{place}"
    year = f", năm học {ra.school_year}" if ra.school_year else ""
    return f"{ra.school}{year}"


def _current_class(student: Student) -> str:
    enrolment = student.enrolments.filter(end_date__isnull=True).select_related(
        "school_class__school").order_by("-start_date").first()
    if enrolment is None:
        return ""
    return f", lớp {enrolment.school_class.name} {enrolment.school_class.school}"


def _teacher_note(account: User, role: Role) -> tuple[Role, str]:
    teacher = Teacher.objects.filter(user=account).select_related("school").first()
    if teacher is None:
        return role, ""
    year = SchoolYear.current()
    taught = list(TeachingAssignment.objects.filter(
        teacher=teacher, school_class__school_year=year
    ).select_related("school_class", "subject").order_by("school_class__grade",
                                                         "school_class__name"))
    if role is Role.GVCN:
        homeroom = SchoolClass.objects.filter(homeroom_teacher=teacher, school_year=year).first()
        if homeroom is not None:
            own = ", ".join(ta.subject.name for ta in taught
                            if ta.school_class_id == homeroom.pk)
            also = f", dạy {own}" if own else ""
            return role, f"{teacher.school}: chủ nhiệm lớp {homeroom.name}{also}"
    subjects = sorted({ta.subject.name for ta in taught})
    classes = ", ".join(ta.school_class.name for ta in taught)
    return role, f"{teacher.school}: dạy {', '.join(subjects)} các lớp {classes}"
