"""The demo's TT 22 results (THCS, THPT): score sheets, the GVCN's class records, term locks.

``seed_secondary_results(school, year, complete=..., rng=...)`` fills every secondary class
(grades 6–12) of one school and school year, for the students in the class at the end of the
year (or now, in the year in progress):

- ``complete=True``, a finished year: both terms of every subject the class studies
  (ĐĐGtx, ĐĐGgk, ĐĐGck; Đ/CĐ for a comment subject, TT 22/2021 Điều 5.3, 6.2), rèn luyện and
  absences per term, the GVCN's and the subject teachers' comments in term II, the summer
  re-evaluation of the students whose học tập is Chưa đạt (Điều 14), and both terms locked
  by the principal, so that the class summary computes every student's học tập, rèn luyện,
  promotion and award (Điều 8, 9, 12, 14, 15) with nothing missing or awaited;
- ``complete=False``, the year in progress: term I complete and locked; in term II only the
  first regular assessments of some subjects.

What each student's year comes to is decided in ``hocba.demo.outcomes_tt22``. Rows are
written by ``hocba.demo.inserts`` (no ``save()``, so no per-row audit signal): one audit
event is logged per class and one per term lock. Dates come from the school year, never from
the clock.
"""

from __future__ import annotations

import random
from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django.db.models import Q
from django.utils import timezone

from hocba.accounts.models import RoleAssignment, User
from hocba.audit.models import AuditEvent
from hocba.audit.services import record
from hocba.curriculum.models import Subject
from hocba.curriculum.selectors import curriculum_of
from hocba.demo import outcomes_tt22 as outcomes
from hocba.demo.inserts import Inserter
from hocba.demo.names import adult_name
from hocba.demo.outcomes_tt22 import Cells, Draw, Plan, Pupil
from hocba.demo.school import SEED
from hocba.domain.access import Role
from hocba.domain.curriculum import CurriculumSubject
from hocba.domain.identity import Sex
from hocba.gradebook.models import TermLock, TermResult
from hocba.gradebook.models_class import ClassTermRecord
from hocba.gradebook.models_reassessment import SubjectRetest
from hocba.organisation.models import School, SchoolYear
from hocba.roster.models import Enrolment, SchoolClass, Student, TeachingAssignment
from hocba.roster.selectors import class_list_key

FIRST_SECONDARY_GRADE = 6
# Term II of a year in progress: how many regular assessments a teacher has entered so far.
ENTERED_SO_FAR = (0, 1, 1, 1, 2)
# The columns the demo writes; the others take their defaults (version 1: entered once).
RESULT_COLUMNS = ("student_id", "school_class_id", "subject_id", "term", "tx", "gk", "ck",
                  "gk_rating", "ck_rating", "comment", "updated_by_id", "updated_at")
RECORD_COLUMNS = ("student_id", "school_class_id", "term", "conduct", "absences_excused",
                  "absences_unexcused", "comment", "updated_by_id", "updated_at")
RETEST_COLUMNS = ("student_id", "school_class_id", "subject_id", "score", "rating",
                  "updated_at")


@dataclass(frozen=True)
class Sheet:
    """One subject a class studies, as the curriculum of its year describes it."""

    row: CurriculumSubject
    subject: Subject
    teacher: int | None  # the subject teacher's account, when they have one


@dataclass(frozen=True)
class Seeded:
    """What one call wrote."""

    classes: int
    term_results: int
    class_records: int
    retests: int
    locks: int


@dataclass(frozen=True)
class Rows:
    """The rows of one school and year, written together at the end."""

    results: Inserter  # TermResult: the subject teachers' sheets
    records: Inserter  # ClassTermRecord: the GVCN's rèn luyện, absences, comment
    retests: Inserter  # SubjectRetest: the summer re-evaluation (Điều 14)

    def counts(self) -> tuple[int, int, int]:
        return len(self.results.rows), len(self.records.rows), len(self.retests.rows)

    def write(self) -> None:
        for inserter in (self.results, self.records, self.retests):
            inserter.write()


@dataclass(frozen=True)
class Calendar:
    """When the demo's teachers entered results and the principal locked each term: term I
    ends in mid-January and the year at the end of May, as in the Bộ's school-year plans."""

    term_one_entered: datetime
    term_one_locked: datetime
    term_two_begun: datetime  # the first regular assessments of term II
    year_entered: datetime
    year_locked: datetime
    reevaluated: datetime  # the summer re-evaluation (Điều 14), before the next year opens

    @classmethod
    def of(cls, year: SchoolYear) -> Calendar:
        january = year.start.year + 1

        def at(day: date, hour: int) -> datetime:
            return timezone.make_aware(datetime.combine(day, time(hour)))

        return cls(at(date(january, 1, 9), 16), at(date(january, 1, 16), 9),
                   at(date(january, 2, 27), 16), at(year.end - timedelta(days=10), 16),
                   at(year.end - timedelta(days=3), 9), at(date(january, 7, 25), 16))


def seed_secondary_results(school: School, school_year: SchoolYear, *, complete: bool,
                           rng: random.Random) -> Seeded:
    """Fill the TT 22 results of every secondary class of ``school`` in ``school_year``."""
    classes = list(SchoolClass.objects.filter(
        school=school, school_year=school_year, grade__gte=FIRST_SECONDARY_GRADE,
    ).select_related("school_year", "homeroom_teacher").order_by("grade", "name"))
    if not classes:
        return Seeded(0, 0, 0, 0, 0)
    calendar = Calendar.of(school_year)
    members = _members(classes, school_year)
    repeaters = _repeaters(school_year, members) if complete else set()
    sheets = _sheets(classes)
    out = Rows(Inserter(TermResult, RESULT_COLUMNS, version=1),
               Inserter(ClassTermRecord, RECORD_COLUMNS, version=1),
               Inserter(SubjectRetest, RETEST_COLUMNS, version=1))
    written: list[tuple[SchoolClass, tuple[int, ...]]] = []
    for cls in classes:
        before = out.counts()
        _fill_class(rng, cls, members[cls.pk], sheets[cls.pk], repeaters, complete, calendar,
                    out)
        written.append((cls, tuple(n - b for n, b in zip(out.counts(), before, strict=True))))
    out.write()
    scope = (school.pk, school.province_id, school.area_id)
    for cls, (made, kept, retested) in written:
        record(AuditEvent.Kind.WRITE, "sinh_ket_qua_demo", obj=cls, scope=scope, detail={
            "nam_hoc": school_year.name, "lop": cls.name,
            "hoc_ki_hoan_tat": [1, 2] if complete else [1], "ket_qua_mon": made,
            "tong_hop_lop": kept, "kiem_tra_lai": retested, "quy_dinh": "TT 22/2021"})
    locks = _lock(school, school_year, (1, 2) if complete else (1,), calendar)
    return Seeded(len(classes), *out.counts(), locks)


def _members(classes: list[SchoolClass], year: SchoolYear) -> dict[int, list[Student]]:
    """Per class, its students at the end of the year (now, for the year in progress), in
    class-list order: those who left earlier have their results in another class."""
    enrolments = Enrolment.objects.filter(school_class__in=classes).filter(
        Q(end_date__isnull=True) | Q(end_date__gte=year.end)).select_related("student")
    out: dict[int, list[Student]] = {cls.pk: [] for cls in classes}
    for enrolment in enrolments:
        out[enrolment.school_class_id].append(enrolment.student)
    return {pk: sorted(set(students), key=class_list_key) for pk, students in out.items()}


def _repeaters(year: SchoolYear, members: dict[int, list[Student]]) -> set[int]:
    """Students who repeat the grade after ``year`` (lưu ban): not promoted (Điều 12)."""
    ids = [s.pk for students in members.values() for s in students]
    return set(Enrolment.objects.filter(
        student_id__in=ids, reason=Enrolment.Reason.REPEATING, start_date__gt=year.end,
    ).values_list("student_id", flat=True))


def _sheets(classes: list[SchoolClass]) -> dict[int, list[Sheet]]:
    """Per class, the subjects it is taught (its teaching assignments) in curriculum order."""
    taught: dict[int, dict[str, TeachingAssignment]] = defaultdict(dict)
    for ta in TeachingAssignment.objects.filter(school_class__in=classes).select_related(
            "subject", "teacher"):
        taught[ta.school_class_id][ta.subject.code] = ta
    out = {}
    for cls in classes:
        mine = taught[cls.pk]
        out[cls.pk] = [Sheet(row, mine[row.code].subject, mine[row.code].teacher.user_id)
                       for row in curriculum_of(cls) if row.code in mine]
    return out


def _fill_class(rng: random.Random, cls: SchoolClass, students: list[Student],
                sheets: list[Sheet], repeaters: set[int], complete: bool, calendar: Calendar,
                out: Rows) -> None:
    pupils = {s.pk: Pupil(s.pk, s.student_code) for s in students}
    planned = outcomes.plans(rng, list(pupils.values()), repeaters, complete)
    homeroom = cls.homeroom_teacher.user_id if cls.homeroom_teacher else None
    begun = {s.row.code: rng.choice(ENTERED_SO_FAR) for s in sheets}  # term II, in progress
    for student in students:
        _fill_student(rng, cls, student, pupils[student.pk], planned[student.pk], sheets,
                      complete, calendar, out, homeroom, begun)


def _fill_student(rng: random.Random, cls: SchoolClass, student: Student, pupil: Pupil,
                  plan: Plan, sheets: list[Sheet], complete: bool, calendar: Calendar,
                  out: Rows, homeroom: int | None, begun: dict[str, int]) -> None:
    rows = [s.row for s in sheets]
    cells, result = outcomes.settle(rng, pupil, rows, plan, complete)
    for sheet in sheets:
        for term, entered in cells[sheet.row.code].items():
            when = calendar.term_one_entered if term == 1 else calendar.year_entered
            comment = outcomes.teacher_comment(sheet.row, entered) if term == 2 else ""
            _result(out.results, cls, student, sheet, term, entered, comment, when)
        if not complete and begun[sheet.row.code]:
            _begun(rng, out.results, cls, student, sheet, cells, begun[sheet.row.code],
                   calendar.term_two_begun)
    for term in (1, 2) if complete else (1,):
        comment = ""
        if term == 2 and result is not None:
            comment = outcomes.gvcn_comment(rng, plan, result, {r.code: r.name for r in rows})
        excused, unexcused = plan.absences[term - 1]
        out.records.add(student.pk, cls.pk, term, plan.conduct[term - 1].value, excused,
                        unexcused, comment, homeroom,
                        calendar.term_one_entered if term == 1 else calendar.year_entered)
    if result is None or plan.promoted is not False:
        return
    subjects = {s.row.code: s for s in sheets}
    for code, value in outcomes.retests(rng, pupil, rows, cells, plan, result).items():
        scored = outcomes.scored(subjects[code].row)
        out.retests.add(student.pk, cls.pk, subjects[code].subject.pk,
                        value if scored else None, "" if scored else value,
                        calendar.reevaluated)


def _result(results: Inserter, cls: SchoolClass, student: Student, sheet: Sheet, term: int,
            cells: Cells, comment: str, when: datetime) -> None:
    if outcomes.scored(sheet.row):  # scores as text: both drivers store "7.5" as 7,5
        results.add(student.pk, cls.pk, sheet.subject.pk, term, list(cells.tx), cells.gk,
                    cells.ck, "", "", comment, sheet.teacher, when)
    else:
        results.add(student.pk, cls.pk, sheet.subject.pk, term, list(cells.tx), None, None,
                    cells.gk, cells.ck, comment, sheet.teacher, when)


def _begun(rng: random.Random, results: Inserter, cls: SchoolClass, student: Student,
           sheet: Sheet, cells: Draw, entered: int, when: datetime) -> None:
    """Term II of the year in progress: the first ``entered`` ĐĐGtx, near term I's level."""
    row = sheet.row
    count = outcomes.regular(row)
    if outcomes.scored(row):
        first = cells[row.code][1].score_term()
        mean = float(sum(first.tx) + 2 * first.gk + 3 * first.ck) / (len(first.tx) + 5)
        done = list(outcomes.regular_marks(rng, entered, mean))
    else:
        done = ["D"] * entered
    results.add(student.pk, cls.pk, sheet.subject.pk, 2, done + [""] * (count - entered),
                None, None, "", "", "", sheet.teacher, when)


# --- the principal's locks ------------------------------------------------------------------

def principal_of(school: School, year: SchoolYear) -> User:
    """The principal who locks the school's terms that year: the holder of the principal's
    grant; else the school's principal of another year (who led it that year too, and gets
    that year's grant); else a new account without a password (the demo gives log-ins only
    to the principals of two schools)."""
    grants = list(RoleAssignment.objects.filter(role=Role.PRINCIPAL, school=school)
                  .select_related("user").order_by("-school_year__start", "pk"))
    for grant in grants:
        if grant.school_year_id in (year.pk, None):
            return grant.user
    if grants:
        user = grants[0].user
    else:
        rng = random.Random(f"{SEED}/{school.code}/hieu-truong")
        name = adult_name(rng, Sex.FEMALE if rng.random() < 0.5 else Sex.MALE)
        (user,) = User.objects.bulk_create([User(
            username=f"hieutruong.{school.code}", full_name=name, password="!")])
    RoleAssignment.objects.bulk_create([RoleAssignment(
        user=user, role=Role.PRINCIPAL, school=school, school_year=year)])
    return user


def _lock(school: School, year: SchoolYear, terms: tuple[int, ...], calendar: Calendar
          ) -> int:
    """Close the terms as the principal does (HCMC QĐ 1789 Điều 13, 29): from then on a
    teacher's change is a correction request."""
    principal = principal_of(school, year)
    at = {1: calendar.term_one_locked, 2: calendar.year_locked}
    TermLock.objects.bulk_create([TermLock(school=school, school_year=year, term=term,
                                           locked_by=principal, locked_at=at[term])
                                  for term in terms])
    for term in terms:
        record(AuditEvent.Kind.WRITE, "khoa_hoc_ki", obj=school, detail={
            "nam_hoc": year.name, "hoc_ki": term, "nguoi_khoa": str(principal),
            "nguon": "du_lieu_demo"})
    return len(terms)


def lock_terms(school: School, year: SchoolYear, *, complete: bool) -> int:
    """The principal's locks of a year the demo fills for a school with no secondary classes
    (a primary school): both terms of a finished year, term I of the current one."""
    return _lock(school, year, (1, 2) if complete else (1,), Calendar.of(year))
