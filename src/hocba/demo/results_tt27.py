"""Demo results for the primary classes of a school (TT 27/2020): levels, periodic tests and
comments per subject and point, qualities and competences, and the year-end class record.

``seed_primary_results(school, school_year, complete=..., rng=...)`` fills every primary
class of the school in that year: ``complete=True`` gives the four points (TT 27/2020 Điều
6) and the end-of-year record of every pupil (a school year that is over); ``complete=False``
only mid-term I and end of term I (the year in progress). Each pupil draws a profile —
excellent, good, fair or struggling — so that a class has some Hoàn thành xuất sắc pupils and
a few Chưa hoàn thành ones, as real classes do. The result is deterministic for a given
``rng`` seed. A class that already has results is left alone.

Rows are written with ``bulk_create`` (no per-row audit signal); one audit event per class
records what was generated.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from django.db import transaction

from hocba.audit.models import AuditEvent
from hocba.audit.services import record
from hocba.curriculum.models import Subject
from hocba.curriculum.selectors import curriculum_of
from hocba.domain.assessment.tt27 import COMPETENCES, QUALITIES
from hocba.domain.curriculum import Assessment
from hocba.gradebook.models import PrimaryClassRecord, PrimarySubjectResult
from hocba.gradebook.primary_evaluation import class_members
from hocba.organisation.models import School, SchoolYear
from hocba.roster.models import SchoolClass, Student

BATCH = 1000
VN = ZoneInfo("Asia/Ho_Chi_Minh")
# Weeks after the first day of school at which each point is assessed (the year's end for CN).
POINT_WEEKS = {1: 9, 2: 18, 3: 27}



@dataclass(frozen=True)
class Profile:
    """How a pupil does all year: chances of T and H per subject (C otherwise), the range of
    the periodic tests and the chances of T and Đ per quality or competence (C otherwise)."""

    weight: float
    t: float
    h: float
    tests: tuple[int, int]
    rating_t: float
    rating_d: float


# Chosen so that a class has about a third HTXS, a third HTT, a third HT and one pupil or two
# CHT (TT 27/2020 Điều 9.2).
PROFILES = {
    "xuat_sac": Profile(0.30, 1.0, 0.0, (9, 10), 1.0, 0.0),
    "tot": Profile(0.33, 1.0, 0.0, (7, 10), 1.0, 0.0),
    "kha": Profile(0.34, 0.45, 0.55, (5, 9), 0.5, 0.5),
    "yeu": Profile(0.03, 0.15, 0.55, (3, 6), 0.1, 0.7),
}

SUBJECT_COMMENTS = {
    "T": ("Nắm vững kiến thức, vận dụng tốt.", "Học tốt, tích cực phát biểu xây dựng bài.",
          "Hoàn thành tốt các nội dung học tập.", "Tiếp thu nhanh, trình bày cẩn thận."),
    "H": ("Hoàn thành các nội dung học tập.", "Nắm được bài, cần cẩn thận hơn khi làm bài.",
          "Có tiến bộ, cần chủ động hơn trong học tập.", "Hiểu bài, cần luyện tập thêm."),
    "C": ("Chưa hoàn thành một số nội dung, cần được giúp đỡ thêm.",
          "Còn chậm, cần ôn luyện thêm ở nhà.", "Cần cố gắng nhiều hơn, chú ý nghe giảng."),
}
QUALITY_COMMENTS = ("Lễ phép, kính trọng thầy cô, đoàn kết với bạn bè.",
                    "Chăm chỉ, trung thực, biết giúp đỡ bạn.",
                    "Đi học đầy đủ, đúng giờ; giữ gìn vệ sinh chung.",
                    "Biết nhận lỗi và sửa lỗi; cần mạnh dạn hơn.")
GENERAL_COMMENTS = ("Tự giác học tập, hợp tác tốt với bạn.",
                    "Biết tự làm việc của mình, mạnh dạn trình bày ý kiến.",
                    "Có ý thức tự học, cần chủ động hỏi khi chưa hiểu bài.")
SPECIFIC_COMMENTS = ("Đọc lưu loát, viết đúng chính tả; tính toán thành thạo.",
                     "Diễn đạt rõ ràng, biết vận dụng kiến thức vào thực tế.",
                     "Có năng khiếu vẽ và hát; cần rèn thêm kĩ năng tính toán.")
YEAR_COMMENTS = ("Em ngoan, học tốt, cần mạnh dạn phát biểu hơn.",
                 "Em chăm chỉ, tiến bộ rõ trong năm học.",
                 "Em lễ phép, hòa đồng; cần cẩn thận hơn khi làm bài.",
                 "Em cần cố gắng hơn, gia đình cần quan tâm kèm cặp thêm.")
AD_HOC_AWARDS = ("Giải Nhì cuộc thi Viết chữ đẹp cấp trường",
                 "Giải Ba hội khỏe Phù Đổng cấp xã",
                 "Nhặt được của rơi trả lại người đánh mất")


@dataclass(frozen=True)
class SeededResults:
    classes: int
    subject_results: int
    class_records: int


def _assessed_at(school_year: SchoolYear, point: int) -> datetime:
    day = (school_year.end - timedelta(days=7) if point == 4
           else school_year.start + timedelta(weeks=POINT_WEEKS[point]))
    return datetime.combine(day, time(16, 30), tzinfo=VN)


def _profile(rng: random.Random) -> str:
    names = list(PROFILES)
    return rng.choices(names, weights=[PROFILES[n].weight for n in names])[0]


def _level(rng: random.Random, profile: str) -> str:
    odds = PROFILES[profile]
    roll = rng.random()
    return "T" if roll < odds.t else "H" if roll < odds.t + odds.h else "C"


def _test(rng: random.Random, profile: str, level: str) -> int:
    low, high = PROFILES[profile].tests
    if level == "C":
        high = min(high, 4)
        low = min(low, high)
    return rng.randint(low, high)


def _rating(rng: random.Random, profile: str) -> str:
    odds = PROFILES[profile]
    roll = rng.random()
    return "T" if roll < odds.rating_t else "D" if roll < odds.rating_t + odds.rating_d else "C"


def _weight_height(rng: random.Random, grade: int) -> tuple[Decimal, Decimal]:
    """Roughly the WHO medians for 6–11-year-olds, with a spread."""
    weight = 20.5 + 3.0 * (grade - 1) + rng.gauss(0, 3.0)
    height = 116 + 5.8 * (grade - 1) + rng.gauss(0, 5.0)
    return (Decimal(f"{max(weight, 14.0):.1f}"), Decimal(f"{max(height, 100.0):.0f}"))


class _ClassSeeder:
    def __init__(self, school_class: SchoolClass, subjects: dict[str, Subject],
                 points: tuple[int, ...], rng: random.Random) -> None:
        self.school_class = school_class
        self.points = points
        self.rng = rng
        self.rows = [(subjects[r.code], r) for r in curriculum_of(school_class)
                     if r.assessment is Assessment.LEVEL and not r.optional]
        self.results: list[PrimarySubjectResult] = []
        self.records: list[PrimaryClassRecord] = []

    def pupil(self, student: Student) -> None:
        rng = self.rng
        profile = _profile(rng)
        for point in self.points:
            at = _assessed_at(self.school_class.school_year, point)
            for subject, row in self.rows:
                level = _level(rng, profile)
                tested = row.periodic_test if point in (2, 4) else row.midterm_test
                self.results.append(PrimarySubjectResult(
                    student=student, school_class=self.school_class, subject=subject,
                    point=point, level=level, test=_test(rng, profile, level) if tested else None,
                    comment=rng.choice(SUBJECT_COMMENTS[level]), version=1, updated_at=at))
            self.records.append(self._record(student, profile, point, at))

    def _record(self, student: Student, profile: str, point: int, at: datetime
                ) -> PrimaryClassRecord:
        rng, grade = self.rng, self.school_class.grade
        ratings = {n: _rating(self.rng, profile) for n in QUALITIES + COMPETENCES
                   if grade > 2 or n not in ("cong_nghe", "tin_hoc")}
        extra: dict[str, Any] = {}
        if point == 4:
            weight, height = _weight_height(rng, grade)
            extra = {
                "absences_excused": rng.choice((0, 0, 0, 1, 1, 2, 3, 5)),
                "absences_unexcused": 1 if rng.random() < 0.04 else 0,
                "weight_kg": weight, "height_cm": height,
                "year_comment": rng.choice(YEAR_COMMENTS),
                # Điều 13: the class recognises an outstanding pupil now and then.
                "recognised_outstanding": profile == "tot" and rng.random() < 0.3,
                "adhoc_award": rng.choice(AD_HOC_AWARDS) if rng.random() < 0.02 else "",
            }
        return PrimaryClassRecord(
            student=student, school_class=self.school_class, point=point, **ratings,
            comment_qualities=rng.choice(QUALITY_COMMENTS),
            comment_general=rng.choice(GENERAL_COMMENTS),
            comment_specific=rng.choice(SPECIFIC_COMMENTS), version=1, updated_at=at, **extra)


def seed_primary_results(school: School, school_year: SchoolYear, *, complete: bool,
                         rng: random.Random) -> SeededResults:
    """Fill the primary classes of ``school`` in ``school_year`` (module docstring)."""
    points = (1, 2, 3, 4) if complete else (1, 2)
    subjects = {s.code: s for s in Subject.objects.all()}
    classes = SchoolClass.objects.filter(school=school, school_year=school_year,
                                         grade__lte=5).order_by("grade", "name")
    done = SeededResults(0, 0, 0)
    with transaction.atomic():
        for school_class in classes:
            if (PrimarySubjectResult.objects.filter(school_class=school_class).exists()
                    or PrimaryClassRecord.objects.filter(school_class=school_class).exists()):
                continue
            seeder = _ClassSeeder(school_class, subjects, points, rng)
            for student in class_members(school_class):
                seeder.pupil(student)
            PrimarySubjectResult.objects.bulk_create(seeder.results, batch_size=BATCH)
            PrimaryClassRecord.objects.bulk_create(seeder.records, batch_size=BATCH)
            record(AuditEvent.Kind.WRITE, "sinh_ket_qua_demo", obj=school_class, detail={
                "lop": school_class.name, "nam_hoc": school_year.name,
                "thoi_diem": list(points), "ket_qua_mon": len(seeder.results),
                "tong_hop_lop": len(seeder.records)})
            done = SeededResults(done.classes + 1,
                                 done.subject_results + len(seeder.results),
                                 done.class_records + len(seeder.records))
    return done
