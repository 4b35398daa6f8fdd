"""The demo data generator: a believable, deterministic school world with one account per role."""

from __future__ import annotations

import hashlib
import os
from collections import Counter, defaultdict

import pytest
from django.contrib.auth import authenticate
from django.db import transaction

from hocba.accounts.authz import grants_for
from hocba.accounts.models import User
from hocba.audit.models import AuditEvent
from hocba.demo import catalogue, generator
from hocba.domain.access import Role
from hocba.domain.identity import Sex, check_personal_id
from hocba.domain.text import is_nfc
from hocba.organisation.models import School, SchoolPlaceNames, SchoolYear, Unit
from hocba.roster.models import Enrolment, SchoolClass, Student, Teacher, TeachingAssignment

pytestmark = pytest.mark.django_db

# sha256 of the sorted (student code, name, birth date) of the small seed. It changes only when
# the generator is changed on purpose; a change from one run to the next means the data is no
# longer deterministic (set order, the clock, hash randomisation).
SMALL_STUDENTS_DIGEST = "73002fd8ff8bbfa402e7b3dba5db287004854359974af1c49beddd04210ce42d"

EXPECTED_LOGINS = [
    ("bo", Role.BO_OFFICER), ("so", Role.SO_OFFICER), ("phong", Role.PHONG_OFFICER),
    ("quantri", Role.SCHOOL_ADMIN), ("hieutruong", Role.PRINCIPAL),
    ("phohieutruong", Role.VICE_PRINCIPAL), ("vanthu", Role.VAN_THU), ("hocvu", Role.HOC_VU),
    ("gvcn", Role.GVCN), ("gvbm", Role.GVBM), ("hocsinh", Role.STUDENT),
    ("phuhuynh", Role.PARENT), ("hieutruong2", Role.PRINCIPAL),
]


@pytest.fixture
def summary() -> generator.DemoSummary:
    return generator.seed(size="small")


def students_digest() -> str:
    rows = sorted(Student.objects.values_list("student_code", "full_name", "birth_date"))
    text = "\n".join(f"{code}|{name}|{born.isoformat()}" for code, name, born in rows)
    return hashlib.sha256(text.encode()).hexdigest()


def test_seed_fills_an_empty_database_once_and_logs_one_event() -> None:
    assert generator.is_empty()
    generator.seed(size="small")
    assert not generator.is_empty()
    # One audit event with the counts; bulk writes send no per-row signal.
    events = AuditEvent.objects.filter(action="sinh_du_lieu_demo")
    assert events.count() == 1
    assert events.get().detail["hoc_sinh"] == Student.objects.count()
    assert not AuditEvent.objects.filter(detail__model="roster.Student").exists()
    with pytest.raises(RuntimeError, match="đã có trường"):
        generator.seed(size="small")


def test_small_seed_is_one_province_with_schools_of_every_level(summary) -> None:
    assert Unit.objects.filter(kind=Unit.Kind.BO).count() == 1
    province = Unit.objects.get(kind=Unit.Kind.SO)
    assert Unit.objects.filter(kind=Unit.Kind.PHONG, parent=province).count() == 2
    schools = list(School.objects.all())
    assert 5 <= len(schools) <= 7
    levels = Counter(tuple(s.levels) for s in schools)
    assert {("TH",), ("THCS",), ("THPT",)} <= set(levels)
    assert any(len(lv) > 1 for lv in levels), "a school teaching two levels"
    assert any(s.area_id is None for s in schools), "a school without an area"
    assert all(s.province_id == province.pk for s in schools)

    year = SchoolYear.current()
    assert year is not None and year.name == "2025-2026"
    classes = SchoolClass.objects.filter(school_year=year)
    assert 35 <= classes.count() <= 45
    for cls in classes:
        assert cls.grade in cls.school.grades()
        at_start = cls.enrolments.filter(start_date=year.start).count()
        assert 30 <= at_start <= 45, cls
    assert 1300 <= Student.objects.count() <= 1700
    assert summary.schools == len(schools) and summary.students == Student.objects.count()
    assert summary.classes == classes.count()
    text = summary.describe()
    assert "học sinh" in text and "trường" in text and "giây" in text


def test_history_has_last_year_promotions_repeats_class_changes_and_transfers(summary) -> None:
    year = SchoolYear.objects.get(name="2025-2026")
    last = SchoolYear.objects.get(name="2024-2025")
    previous = Enrolment.objects.filter(school_class__school_year=last)
    assert previous.count() > 500
    assert not previous.exclude(exit_reason=Enrolment.Exit.YEAR_END).exists()
    assert not previous.exclude(end_date=last.end).exists()
    # Promoted this year: last year one grade lower, in the same school.
    promoted = Enrolment.objects.filter(school_class__school_year=year,
                                        reason=Enrolment.Reason.PROMOTED).select_related(
        "school_class")
    assert promoted.count() > 500
    for e in promoted[:200]:
        before = previous.select_related("school_class").get(student_id=e.student_id)
        assert before.school_class.grade == e.school_class.grade - 1
        assert before.school_class.school_id == e.school_class.school_id
    repeating = Enrolment.objects.filter(reason=Enrolment.Reason.REPEATING).select_related(
        "school_class")
    assert repeating.exists()
    for e in repeating:
        assert previous.get(student_id=e.student_id).school_class.grade == e.school_class.grade

    changed = Enrolment.objects.filter(exit_reason=Enrolment.Exit.CLASS_CHANGE)
    assert changed.exists()
    for e in changed:
        after = Enrolment.objects.get(student_id=e.student_id,
                                      reason=Enrolment.Reason.CLASS_CHANGE)
        assert after.start_date > e.end_date
        assert after.school_class.grade == e.school_class.grade
        assert after.school_class_id != e.school_class_id
    transfers_in = Enrolment.objects.filter(reason=Enrolment.Reason.TRANSFER_IN)
    assert transfers_in.exists()
    assert not transfers_in.filter(from_school_name="").exists()
    assert not transfers_in.filter(start_date__lte=year.start).exists()
    transfers_out = Enrolment.objects.filter(exit_reason=Enrolment.Exit.TRANSFER_OUT)
    assert transfers_out.exists()
    assert not transfers_out.filter(to_school_name="").exists()
    assert not transfers_out.filter(end_date__isnull=True).exists()
    # Nobody sits in two classes at once this year.
    open_now = Counter(Enrolment.objects.filter(school_class__school_year=year,
                                                end_date__isnull=True)
                       .values_list("student_id", flat=True))
    assert max(open_now.values()) == 1


def test_place_names_record_the_abolished_district_and_the_province_merger(summary) -> None:
    last = SchoolYear.objects.get(name="2024-2025")
    now = SchoolYear.objects.get(name="2025-2026")
    for school in School.objects.all():
        names = {p.school_year_id: p for p in SchoolPlaceNames.objects.filter(school=school)}
        assert set(names) == {last.pk, now.pk}
        assert names[last.pk].district_name, "2024-2025 still had districts"
        assert names[now.pk].district_name == "", "districts were abolished on 01/07/2025"
        assert names[now.pk].province_name == "Tỉnh Bắc Ninh"
    merged = SchoolPlaceNames.objects.filter(school_year=last, province_name="Tỉnh Bắc Giang")
    assert merged.exists()
    assert merged.first().education_office_name == "Sở Giáo dục và Đào tạo tỉnh Bắc Giang"


def test_people_have_valid_identity_numbers_nfc_names_and_consistent_families(summary) -> None:
    year = SchoolYear.objects.get(name="2025-2026")
    grade_now = dict(Enrolment.objects.filter(school_class__school_year=year,
                                              start_date=year.start)
                     .values_list("student_id", "school_class__grade"))
    repeaters = set(Enrolment.objects.filter(reason=Enrolment.Reason.REPEATING)
                    .values_list("student_id", flat=True))
    students = list(Student.objects.all())
    assert len({s.personal_id for s in students}) == len(students)
    assert len({s.student_code for s in students}) == len(students)
    for s in students:
        assert s.personal_id is not None
        assert check_personal_id(s.personal_id, birth_date=s.birth_date, sex=Sex(s.sex)) is None
        for field in Student.TEXT_FIELDS:
            assert is_nfc(getattr(s, field)), (s, field)
        assert s.father_name or s.mother_name or s.guardian_name
        if s.father_name:
            assert s.father_name.split()[0] == s.full_name.split()[0], s
        if s.pk in grade_now:
            expected = 2020 - grade_now[s.pk] - (1 if s.pk in repeaters else 0)
            assert s.birth_date.year == expected, s
    assert Counter(s.full_name.split()[0] for s in students).most_common(1)[0][0] == "Nguyễn"
    assert len({s.ethnicity for s in students}) >= 4
    assert any(not s.father_name and not s.mother_name and s.guardian_name for s in students)
    for t in Teacher.objects.all():
        assert check_personal_id(t.personal_id, birth_date=t.birth_date, sex=Sex(t.sex)) is None
        assert is_nfc(t.full_name)
    for model, fields in ((School, ("name", "address")), (SchoolPlaceNames, (
            "school_name", "province_name", "district_name", "commune_name",
            "education_office_name")), (Unit, ("name",)), (User, ("full_name",))):
        for row in model.objects.all():
            assert all(is_nfc(getattr(row, f)) for f in fields), row


def test_every_class_is_staffed_in_both_years(summary) -> None:
    homerooms: dict[tuple[int, int], int] = Counter()
    for cls in SchoolClass.objects.all():
        assert cls.homeroom_teacher_id is not None, cls
        homerooms[cls.homeroom_teacher_id, cls.school_year_id] += 1
        assert cls.homeroom_teacher.school_id == cls.school_id
        taught = set(cls.assignments.values_list("subject__code", flat=True))
        index = "ABCDEFGHIK".index(cls.name[-1]) if cls.grade < 10 else int(cls.name[-1]) - 1
        assert taught == set(catalogue.class_subjects(cls.grade, index)), cls
    assert max(homerooms.values()) == 1, "a teacher is homeroom teacher of one class a year"
    # A subject teacher takes several classes; a primary class teacher (no main subject)
    # teaches most subjects of their one class a year.
    per_teacher: dict[tuple[int, bool], set[int]] = defaultdict(set)
    per_year: dict[tuple[int, int], set[int]] = defaultdict(set)
    for teacher_id, subject_id, class_id, year_id in TeachingAssignment.objects.values_list(
        "teacher_id", "teacher__main_subject_id", "school_class_id", "school_class__school_year_id"
    ):
        per_teacher[teacher_id, subject_id is None].add(class_id)
        per_year[teacher_id, year_id].add(class_id)
    assert all(len(c) >= 2 for (_, generalist), c in per_teacher.items() if not generalist)
    generalists = {t for t, generalist in per_teacher if generalist}
    assert generalists
    assert all(len(c) == 1 for (t, _), c in per_year.items() if t in generalists)
    assert Teacher.objects.count() == len(per_teacher), "no teacher without a class"


def test_the_seed_is_deterministic() -> None:
    point = transaction.savepoint()
    generator.seed(size="small")
    first = students_digest()
    transaction.savepoint_rollback(point)
    assert generator.is_empty()
    generator.seed(size="small")
    assert students_digest() == first
    assert first == SMALL_STUDENTS_DIGEST


def test_demo_logins_authenticate_and_hold_their_roles(summary) -> None:
    logins = generator.demo_logins()
    assert [(x.username, x.role) for x in logins] == [
        (username, role.label) for username, role in EXPECTED_LOGINS
    ]
    assert len(generator.DEMO_PASSWORD) >= 10
    year = SchoolYear.objects.get(name="2025-2026")
    users = {}
    for login, (username, role) in zip(logins, EXPECTED_LOGINS, strict=True):
        assert login.password == generator.DEMO_PASSWORD and login.note
        user = authenticate(username=username, password=generator.DEMO_PASSWORD)
        assert user is not None, username
        assert role in {g.role for g in grants_for(user)}, username
        users[username] = user
    for admin in ("bo", "so"):
        assert users[admin].is_staff and users[admin].is_superuser
    assert not users["phong"].is_staff

    school = {g.school for g in grants_for(users["hieutruong"])}
    assert len(school) == 1
    assert {g.school for g in grants_for(users["hieutruong2"])}.isdisjoint(school)
    # The same staff led the school last year, whose học bạ they compose and sign.
    last_year = SchoolYear.objects.get(name="2024-2025")
    for username in ("quantri", "phohieutruong", "vanthu", "hocvu"):
        assert {(g.school, g.year) for g in grants_for(users[username])} == {
            (next(iter(school)), year.pk), (next(iter(school)), last_year.pk)}

    # gvcn: homeroom teacher of a class this year, and teaches Toán there.
    gvcn = [g for g in grants_for(users["gvcn"]) if g.year == year.pk]
    homeroom = [g for g in gvcn if g.role is Role.GVCN]
    assert len(homeroom) == 1 and homeroom[0].school in school
    cls = SchoolClass.objects.get(pk=homeroom[0].school_class)
    assert any(g.role is Role.GVBM and g.school_class == cls.pk
               and g.subject == cls.assignments.get(subject__code="TOAN").subject_id
               for g in gvcn)
    # gvbm: one subject in several classes this year, no homeroom.
    gvbm = [g for g in grants_for(users["gvbm"]) if g.year == year.pk]
    assert {g.role for g in gvbm} == {Role.GVBM}
    assert len({g.school_class for g in gvbm}) >= 2 and len({g.subject for g in gvbm}) == 1
    # The student and the parent: one student of gvcn's class, the parent is the father.
    (student_grant,) = grants_for(users["hocsinh"])
    (parent_grant,) = grants_for(users["phuhuynh"])
    assert student_grant.student == parent_grant.student
    student = Student.objects.get(pk=student_grant.student)
    assert student.enrolments.filter(school_class=cls, end_date__isnull=True).exists()
    assert users["hocsinh"].full_name == student.full_name
    assert users["phuhuynh"].full_name == student.father_name
    assert student.enrolments.count() == 2, "the demo student has last year's class too"


@pytest.mark.slow
@pytest.mark.skipif(os.environ.get("HOCBA_SLOW") != "1", reason="set HOCBA_SLOW=1 to run")
def test_large_seed_is_a_whole_province() -> None:
    seen: list[tuple[int, int]] = []
    summary = generator.seed(size="large", progress=lambda d, t, _: seen.append((d, t)))
    assert summary.schools >= 100 and School.objects.count() == summary.schools
    assert summary.students >= 50_000 and Student.objects.count() == summary.students
    assert Unit.objects.filter(kind=Unit.Kind.PHONG).count() >= 5
    assert SchoolClass.objects.filter(school_year__name="2024-2025").count() > 1000
    assert seen[-1][0] == seen[-1][1] and len(seen) == summary.schools + 1
    assert [x.username for x in generator.demo_logins()] == [u for u, _ in EXPECTED_LOGINS]
