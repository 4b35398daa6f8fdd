"""One demo school over two school years: its classes, teachers, students and their history.

``build_school`` is deterministic: its random numbers come from a generator seeded with the
school's code, so a school comes out the same whatever else is generated beside it (the large
province contains the small one unchanged). It returns unsaved model instances wired to each
other; ``SchoolRows.save`` writes them with ``bulk_create`` (no per-row signals; the seed logs
one audit event for everything).
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import date, timedelta

from hocba.curriculum.models import Subject
from hocba.demo import catalogue
from hocba.demo.names import (
    BAC_NINH,
    FAMILY_NAMES,
    FAR_SCHOOLS,
    HAMLETS_RURAL,
    HAMLETS_URBAN,
    OTHER_HOMETOWNS,
    UPLAND_DISTRICTS,
    WeightedPool,
    adult_name,
    child_name,
    lower_kind,
)
from hocba.demo.schools import CLASS_SIZE, PROVINCE_TITLE, SO_NAME, SchoolSpec
from hocba.domain.identity import PROVINCE_CODES, Sex, make_personal_id
from hocba.domain.text import fold
from hocba.organisation.models import LEVEL_GRADES, School, SchoolPlaceNames, SchoolYear, Unit
from hocba.roster.models import Enrolment, SchoolClass, Student, Teacher, TeachingAssignment

SEED = "hocba-demo-2025"
BATCH = 1000

# Events of the current year: dates inside 2025-2026, fixed so that every run agrees.
TRANSFER_IN_DATES = (date(2025, 9, 22), date(2025, 10, 6), date(2025, 11, 3), date(2025, 12, 1))
TRANSFER_OUT_DATES = (date(2025, 10, 17), date(2025, 11, 14), date(2025, 12, 19),
                      date(2026, 1, 16))
CLASS_CHANGE_DATES = (date(2025, 9, 19), date(2025, 10, 10), date(2025, 11, 7))

# Ethnic groups (GSO codes, hocba.domain.ethnicity): the plains and the uplands differ.
ETHNICITY = {
    False: WeightedPool((("01", 94.0), ("02", 1.3), ("07", 1.3), ("18", 0.9), ("04", 0.8),
                         ("09", 0.6), ("06", 0.5), ("03", 0.2), ("05", 0.2))),
    True: WeightedPool((("01", 72.0), ("02", 8.0), ("07", 9.0), ("18", 5.0), ("09", 3.5),
                        ("04", 1.5), ("06", 0.5), ("05", 0.2))),
}
# Province of birth registration (the first three digits of the identity number), outside
# the school's own.
OTHER_BIRTH_PROVINCES = WeightedPool((
    ("001", 30.0), ("019", 8.0), ("020", 6.0), ("030", 10.0), ("033", 8.0), ("022", 6.0),
    ("026", 6.0), ("034", 5.0), ("038", 5.0), ("040", 5.0), ("079", 4.0), ("031", 4.0),
))
_CITY_CODES = frozenset({"001", "031", "048", "079", "092"})


@dataclass(frozen=True)
class Context:
    province: Unit
    areas: dict[str, Unit]
    current: SchoolYear
    previous: SchoolYear
    subjects: dict[str, Subject]


@dataclass
class SchoolRows:
    school: School
    place_names: list[SchoolPlaceNames] = field(default_factory=list)
    teachers: list[Teacher] = field(default_factory=list)
    classes: list[SchoolClass] = field(default_factory=list)
    students: list[Student] = field(default_factory=list)
    enrolments: list[Enrolment] = field(default_factory=list)
    assignments: list[TeachingAssignment] = field(default_factory=list)
    # Who the demo accounts attach to (in the school that has them).
    demo_class: SchoolClass | None = None
    gvcn: Teacher | None = None
    gvbm: Teacher | None = None
    demo_student: Student | None = None

    def save(self) -> None:
        """Write everything; parents first, so that each child row picks up its parent's id."""
        School.objects.bulk_create([self.school])
        SchoolPlaceNames.objects.bulk_create(self.place_names)
        Teacher.objects.bulk_create(self.teachers, batch_size=BATCH)
        SchoolClass.objects.bulk_create(self.classes, batch_size=BATCH)
        Student.objects.bulk_create(self.students, batch_size=BATCH)
        Enrolment.objects.bulk_create(self.enrolments, batch_size=BATCH)
        TeachingAssignment.objects.bulk_create(self.assignments, batch_size=BATCH)


def scramble(n: int) -> int:
    """A bijection of 0..999999, so that serials look random yet never repeat."""
    return (n * 738_161 + 352_817) % 1_000_000


def level_of(grade: int) -> str:
    return "TH" if grade <= 5 else "THCS" if grade <= 9 else "THPT"


def class_name(grade: int, index: int) -> str:
    """6A, 6B, … in TH and THCS; 10A1, 10A2, … in THPT."""
    return f"{grade}A{index + 1}" if grade >= 10 else f"{grade}{'ABCDEFGHIK'[index]}"


def _birth_place(code: str) -> str:
    name = PROVINCE_CODES[code]
    return f"{'Thành phố' if code in _CITY_CODES else 'Tỉnh'} {name}"


class _Builder:
    def __init__(self, spec: SchoolSpec, ctx: Context) -> None:
        self.spec = spec
        self.ctx = ctx
        # Two streams: the students do not change when the staffing rules do.
        self.rng = random.Random(f"{SEED}/{spec.code}")
        self.srng = random.Random(f"{SEED}/{spec.code}/hoc-sinh")
        self.district = spec.district_info
        self.home_code = "027" if spec.old_province == BAC_NINH else "024"
        self.neighbour_code = "024" if self.home_code == "027" else "027"
        self.upland = spec.district in UPLAND_DISTRICTS
        self.grades = sorted({g for lv in spec.levels for g in LEVEL_GRADES[lv]})
        self.first_grade = self.grades[0]
        self.rows = SchoolRows(self._school())
        self.student_serial = 0
        self.teacher_serial = 0

    # --- the school and its names ------------------------------------------------------

    def _school(self) -> School:
        spec, rng = self.spec, self.rng
        new_commune = self.district.new_commune_for(spec.commune)
        hamlets = HAMLETS_URBAN if new_commune.startswith("Phường") else HAMLETS_RURAL
        dial = "0222" if spec.old_province == BAC_NINH else "0204"
        return School(
            code=spec.code, name=spec.name, province=self.ctx.province,
            area=self.ctx.areas[spec.area_code] if spec.area_code else None,
            levels=list(spec.levels),
            address=f"{rng.choice(hamlets)}, {lower_kind(new_commune)}, "
                    f"{lower_kind(PROVINCE_TITLE)}",
            phone=f"{dial} {rng.randint(3_600_000, 3_899_999)}",
            email=f"{fold(spec.name.removeprefix('Trường '))}@bacninh.edu.vn",
        )

    def _place_names(self) -> None:
        spec, d = self.spec, self.district
        old = spec.old_province
        self.rows.place_names = [
            # Before the reform: the old province, its Sở, and the district.
            SchoolPlaceNames(
                school=self.rows.school, school_year=self.ctx.previous, school_name=spec.name,
                province_name=f"Tỉnh {old}", district_name=d.title, commune_name=spec.commune,
                education_office_name=f"Sở Giáo dục và Đào tạo tỉnh {old}",
            ),
            # From 01/07/2025: the merged province, no district, the new commune or ward.
            SchoolPlaceNames(
                school=self.rows.school, school_year=self.ctx.current, school_name=spec.name,
                province_name=PROVINCE_TITLE, district_name="",
                commune_name=d.new_commune_for(spec.commune), education_office_name=SO_NAME,
            ),
        ]

    # --- classes -----------------------------------------------------------------------

    def _classes(self) -> tuple[dict[tuple[int, int], SchoolClass],
                                dict[tuple[int, int], SchoolClass]]:
        """This year's classes by (grade, index) and last year's, one grade lower."""
        school, ctx = self.rows.school, self.ctx
        now: dict[tuple[int, int], SchoolClass] = {}
        before: dict[tuple[int, int], SchoolClass] = {}
        for grade in self.grades:
            for i in range(self.spec.classes_per_grade.get(grade, 0)):
                now[grade, i] = SchoolClass(school=school, school_year=ctx.current, grade=grade,
                                            name=class_name(grade, i))
                if grade > self.first_grade:
                    # Last year this class was one grade lower (its students moved up together).
                    before[grade - 1, i] = SchoolClass(
                        school=school, school_year=ctx.previous, grade=grade - 1,
                        name=class_name(grade - 1, i),
                    )
        before = dict(sorted(before.items()))
        self.rows.classes = [*before.values(), *now.values()]
        return now, before

    # --- teachers ----------------------------------------------------------------------

    def _teacher(self, subject: str | None, primary: bool) -> Teacher:
        rng = self.rng
        sex = Sex.FEMALE if rng.random() < (0.86 if primary else 0.7) else Sex.MALE
        year = rng.randint(1968, 1998)
        born = date(year, 1, 1) + timedelta(days=rng.randrange(365))
        serial = self.spec.no * 400 + self.teacher_serial
        self.teacher_serial += 1
        province = self.home_code if rng.random() < 0.75 else OTHER_BIRTH_PROVINCES.pick(rng)
        teacher = Teacher(
            school=self.rows.school, staff_code=f"GV{self.spec.code}{self.teacher_serial:03d}",
            full_name=adult_name(rng, sex), birth_date=born, sex=sex.value,
            personal_id=make_personal_id(province, year, sex, scramble(serial)),
            phone=f"09{rng.randint(10_000_000, 99_999_999)}",
            main_subject=self.ctx.subjects[subject] if subject else None,
        )
        self.rows.teachers.append(teacher)
        return teacher

    def _staff(self, now: dict[tuple[int, int], SchoolClass],
               before: dict[tuple[int, int], SchoolClass]) -> None:
        years = (before, now)
        # Subject teachers: enough for the busier of the two years.
        pools: dict[str, list[Teacher]] = {}
        counts = [self._subject_classes(classes) for classes in years]
        for subject in sorted({s for c in counts for s in c}, key=_subject_order):
            primary = all(g <= 5 for c in counts for g, _ in c.get(subject, ()))
            need = max(catalogue.teachers_needed(subject, len(c.get(subject, ())), primary)
                       for c in counts)
            pools[subject] = [self._teacher(subject, primary) for _ in range(need)]
        # Primary classes: one generalist per class, who is also its homeroom teacher.
        generalists = [self._teacher(None, True) for _ in range(
            max(sum(1 for g, _ in classes if g <= 5) for classes in years))]
        reserved = pools[self.spec.reserved_subject][0] if self.spec.reserved_subject else None
        for classes, by_subject in zip(years, counts, strict=True):
            current = classes is now
            teaching = self._assign_subjects(by_subject, pools)
            self._assign_homerooms(classes, teaching, generalists, reserved, current)
        if reserved is not None:
            self.rows.gvbm = reserved

    @staticmethod
    def _subject_classes(classes: dict[tuple[int, int], SchoolClass]
                         ) -> dict[str, list[tuple[int, SchoolClass]]]:
        """Per subject, the classes a subject teacher (not the homeroom teacher) teaches it."""
        by_subject: dict[str, list[tuple[int, SchoolClass]]] = {}
        for (grade, i), cls in classes.items():
            for subject in catalogue.class_subjects(grade, i):
                if not catalogue.taught_by_homeroom(grade, subject):
                    by_subject.setdefault(subject, []).append((grade, cls))
        return by_subject

    def _assign_subjects(self, by_subject: dict[str, list[tuple[int, SchoolClass]]],
                         pools: dict[str, list[Teacher]]
                         ) -> dict[int, dict[str, Teacher]]:
        """Teaching assignments of one year; returns, per class (by id()), subject → teacher."""
        teaching: dict[int, dict[str, Teacher]] = {}
        for subject in sorted(by_subject, key=_subject_order):
            classes, pool = by_subject[subject], pools[subject]
            turn = self.rng.randrange(len(pool))  # who takes the first block moves each year
            for j, (_, cls) in enumerate(classes):
                teacher = pool[(j * len(pool) // len(classes) + turn) % len(pool)]
                self._assign(teacher, cls, subject)
                teaching.setdefault(id(cls), {})[subject] = teacher
        return teaching

    def _assign(self, teacher: Teacher, cls: SchoolClass, subject: str) -> None:
        self.rows.assignments.append(TeachingAssignment(
            teacher=teacher, school_class=cls, subject=self.ctx.subjects[subject]))

    def _assign_homerooms(self, classes: dict[tuple[int, int], SchoolClass],
                          teaching: dict[int, dict[str, Teacher]], generalists: list[Teacher],
                          reserved: Teacher | None, current: bool) -> None:
        rng = self.rng
        taken: set[int] = {id(reserved)} if reserved is not None else set()
        order = sorted(classes.items(), key=lambda kv: (
            not (current and kv[1].name in self.spec.homeroom_subject), kv[0]))
        free_generalists = iter(rng.sample(generalists, len(generalists)))
        for (grade, i), cls in order:
            if grade <= 5:
                teacher = next(free_generalists)
                for subject in catalogue.class_subjects(grade, i):
                    if catalogue.taught_by_homeroom(grade, subject):
                        self._assign(teacher, cls, subject)
            else:
                forced = self.spec.homeroom_subject.get(cls.name) if current else None
                preference = [forced] if forced else rng.sample(
                    catalogue.HOMEROOM_PREFERENCE, len(catalogue.HOMEROOM_PREFERENCE))
                candidates = [teaching.get(id(cls), {}).get(s) for s in preference]
                # Otherwise any secondary teacher still free, even one not teaching the class.
                candidates += [t for t in self.rows.teachers if t.main_subject_id is not None]
                teacher = next((t for t in candidates if t is not None and id(t) not in taken),
                               None) or self._teacher("HDTN_HN", False)
            taken.add(id(teacher))
            cls.homeroom_teacher = teacher
            if current and cls.name in self.spec.homeroom_subject:
                self.rows.demo_class, self.rows.gvcn = cls, teacher

    # --- students ----------------------------------------------------------------------

    def _person(self, grade: int, *, repeating: bool = False,
                birth_province: str | None = None) -> Student:
        rng = self.srng
        sex = Sex.MALE if rng.random() < 0.527 else Sex.FEMALE  # birth ratio about 112:100
        family = FAMILY_NAMES.pick(rng)
        year = 2020 - grade - (1 if repeating else 0)  # grade 1 in 2025-2026: born 2019
        born = date(year, 1, 1) + timedelta(days=rng.randrange(365))
        roll = rng.random()
        province = birth_province or (
            self.home_code if roll < 0.86 else self.neighbour_code if roll < 0.92
            else OTHER_BIRTH_PROVINCES.pick(rng))
        serial = self.spec.no * 2000 + self.student_serial
        self.student_serial += 1
        if self.student_serial >= 2000:
            raise ValueError(f"{self.spec.name}: quá 2000 học sinh, không đủ số thứ tự")
        father, mother, guardian = self._family(family)
        return Student(
            student_code=f"{self.spec.code[:2]}{self.spec.no:03d}{self.student_serial:05d}",
            personal_id=make_personal_id(province, year, sex, scramble(serial)),
            full_name=child_name(rng, sex, family), birth_date=born, sex=sex.value,
            ethnicity=ETHNICITY[self.upland].pick(rng), place_of_birth=_birth_place(province),
            hometown=self._hometown(), address=self._address(), father_name=father,
            mother_name=mother, guardian_name=guardian, school=self.rows.school,
        )

    def _family(self, family: str) -> tuple[str, str, str]:
        """Father (the child's family name), mother, or a guardian only for a few."""
        rng = self.srng
        roll = rng.random()
        if roll < 0.012:  # raised by a grandparent or relative
            sex = Sex.FEMALE if rng.random() < 0.6 else Sex.MALE
            return "", "", adult_name(rng, sex, family if sex is Sex.MALE else None)
        father = adult_name(rng, Sex.MALE, family)
        mother = adult_name(rng, Sex.FEMALE)
        if roll < 0.03:
            return "", mother, ""
        return father, mother, ""

    def _hometown(self) -> str:
        rng, d = self.srng, self.district
        if rng.random() < 0.12:
            return rng.choice(OTHER_HOMETOWNS)
        commune = self.spec.commune if rng.random() < 0.6 else rng.choice(d.communes)
        return f"{lower_kind(commune)}, {lower_kind(d.title)}, tỉnh {self.spec.old_province}"

    def _address(self) -> str:
        rng, d = self.srng, self.district
        new = (d.new_commune_for(self.spec.commune) if rng.random() < 0.75
               else rng.choice(d.new_communes))
        hamlets = HAMLETS_URBAN if new.startswith("Phường") else HAMLETS_RURAL
        return f"{rng.choice(hamlets)}, {lower_kind(new)}, {lower_kind(PROVINCE_TITLE)}"

    def _students(self, now: dict[tuple[int, int], SchoolClass],
                  before: dict[tuple[int, int], SchoolClass]) -> None:
        rng, ctx, rows = self.srng, self.ctx, self.rows
        cur, prev = ctx.current, ctx.previous
        current: list[tuple[Student, Enrolment, int, int]] = []  # student, enrolment, grade, i
        for (grade, i), cls in now.items():
            low, high = CLASS_SIZE[level_of(grade)]
            for _ in range(rng.randint(low, high)):
                # Repeating the year: last year in this same grade, if that class existed.
                repeating = (grade, i) in before and rng.random() < 0.008
                student = self._person(grade, repeating=repeating)
                rows.students.append(student)
                last = before.get((grade if repeating else grade - 1, i))
                if last is not None:
                    rows.enrolments.append(Enrolment(
                        student=student, school_class=last, start_date=prev.start,
                        end_date=prev.end, exit_reason=Enrolment.Exit.YEAR_END,
                        reason=(Enrolment.Reason.ADMITTED if last.grade == self.first_grade
                                else Enrolment.Reason.PROMOTED),
                    ))
                reason = (Enrolment.Reason.REPEATING if repeating
                          else Enrolment.Reason.PROMOTED if last is not None
                          else Enrolment.Reason.ADMITTED)
                enrolment = Enrolment(student=student, school_class=cls, start_date=cur.start,
                                      reason=reason)
                rows.enrolments.append(enrolment)
                current.append((student, enrolment, grade, i))
        self._pick_demo_student(current)
        self._year_events(now, current)

    def _pick_demo_student(self, current: list[tuple[Student, Enrolment, int, int]]) -> None:
        if self.rows.demo_class is None:
            return
        for student, enrolment, _, _ in current:
            if (enrolment.school_class is self.rows.demo_class and student.father_name
                    and enrolment.reason == Enrolment.Reason.PROMOTED):
                self.rows.demo_student = student
                return

    def _year_events(self, now: dict[tuple[int, int], SchoolClass],
                     current: list[tuple[Student, Enrolment, int, int]]) -> None:
        """Class changes, transfers out and transfers in during this year (a few per school)."""
        rng, rows = self.srng, self.rows
        n = len(current)
        per_grade: dict[int, list[tuple[int, int]]] = {}
        for grade, i in now:
            per_grade.setdefault(grade, []).append((grade, i))
        movable = [c for c in current if c[0] is not rows.demo_student]
        outs = rng.sample(movable, max(1, round(n * 0.004)))
        # A class change needs a second class in the same grade.
        leaving = {id(c[0]) for c in outs}
        stay = [c for c in movable if len(per_grade[c[2]]) > 1 and id(c[0]) not in leaving]
        changes = rng.sample(stay, min(len(stay), max(1, round(n * 0.003))))
        for _, enrolment, grade, _ in outs:
            enrolment.end_date = rng.choice(TRANSFER_OUT_DATES)
            enrolment.exit_reason = Enrolment.Exit.TRANSFER_OUT
            enrolment.to_school_name = rng.choice(FAR_SCHOOLS[level_of(grade)])
        for student, enrolment, grade, i in changes:
            others = [k for k in per_grade[grade] if k != (grade, i)]
            day = rng.choice(CLASS_CHANGE_DATES)
            enrolment.end_date = day
            enrolment.exit_reason = Enrolment.Exit.CLASS_CHANGE
            rows.enrolments.append(Enrolment(
                student=student, school_class=now[rng.choice(others)],
                start_date=day + timedelta(days=3), reason=Enrolment.Reason.CLASS_CHANGE,
            ))
        keys = list(now)
        for _ in range(max(1, round(n * 0.004))):
            grade, i = rng.choice(keys)
            student = self._person(grade, birth_province=OTHER_BIRTH_PROVINCES.pick(rng))
            rows.students.append(student)
            rows.enrolments.append(Enrolment(
                student=student, school_class=now[grade, i],
                start_date=rng.choice(TRANSFER_IN_DATES), reason=Enrolment.Reason.TRANSFER_IN,
                from_school_name=rng.choice(FAR_SCHOOLS[level_of(grade)]),
            ))

    def build(self) -> SchoolRows:
        self._place_names()
        now, before = self._classes()
        self._staff(now, before)
        self._students(now, before)
        return self.rows


_SUBJECT_RANK = {code: n for n, code in enumerate(catalogue.HOMEROOM_PREFERENCE)}


def _subject_order(code: str) -> tuple[int, str]:
    return _SUBJECT_RANK.get(code, len(_SUBJECT_RANK)), code


def build_school(spec: SchoolSpec, ctx: Context) -> SchoolRows:
    return _Builder(spec, ctx).build()

