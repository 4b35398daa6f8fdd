"""The primary (TT 27/2020) gradebook: a subject result per pupil × class × subject × point,
and the homeroom teacher's class record per pupil × class × point.

The four assessment points are mid-term I, end of term I, mid-term II and end of year
(TT 27/2020 Điều 6). A subject is rated T/H/C at each point (Điều 7.1.a) and, where the
programme sets one, has an integer periodic test 0–10 (Điều 7.1.b–d). Qualities and
competences are rated T/Đ/C (Điều 7.2), stored as ``T``/``D``/``C`` as the engine reads them.

The year-end facts (absences, weight and height — CAN_NANG and CHIEU_CAO are mandatory in the
MOET primary profile —, the GVCN's comment, the class's recognition for the award of Điều 13,
an ad-hoc award and the supplementary evaluation of Điều 11) live only on the end-of-year
record: a check constraint keeps them empty at the other points.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models

from hocba.curriculum.models import Subject
from hocba.roster.models import SchoolClass, Student

QUALITY_FIELDS = ("yeu_nuoc", "nhan_ai", "cham_chi", "trung_thuc", "trach_nhiem")
COMPETENCE_FIELDS = ("tu_chu_tu_hoc", "giao_tiep_hop_tac", "giai_quyet_van_de", "ngon_ngu",
                     "tinh_toan", "khoa_hoc", "cong_nghe", "tin_hoc", "tham_mi", "the_chat")
RATING_FIELDS = QUALITY_FIELDS + COMPETENCE_FIELDS


class Point(models.IntegerChoices):
    """TT 27/2020 Điều 6: the four points of the year at which pupils are assessed."""

    GK1 = 1, "Giữa học kì I"
    CK1 = 2, "Cuối học kì I"
    GK2 = 3, "Giữa học kì II"
    CN = 4, "Cuối năm học"


class LevelChoice(models.TextChoices):
    """TT 27/2020 Điều 7.1.a."""

    T = "T", "Hoàn thành tốt"
    H = "H", "Hoàn thành"
    C = "C", "Chưa hoàn thành"


class RatingChoice(models.TextChoices):
    """TT 27/2020 Điều 7.2."""

    T = "T", "Tốt"
    D = "D", "Đạt"
    C = "C", "Cần cố gắng"


def _rating(label: str) -> models.CharField:  # type: ignore[type-arg]
    return models.CharField(label, max_length=1, choices=RatingChoice.choices, blank=True)


class PrimarySubjectResult(models.Model):
    """One pupil's result in one subject at one point, as the teacher enters it.

    ``version`` and ``changes`` work as in ``TermResult``: a save based on an older view of a
    cell is refused with the other person's value, name and time."""

    student = models.ForeignKey(Student, on_delete=models.PROTECT,
                                related_name="primary_results")
    school_class = models.ForeignKey(SchoolClass, on_delete=models.PROTECT,
                                     related_name="primary_results")
    subject = models.ForeignKey(Subject, on_delete=models.PROTECT)
    point = models.PositiveSmallIntegerField("thời điểm", choices=Point.choices)
    level = models.CharField("mức đạt được", max_length=1, choices=LevelChoice.choices,
                             blank=True)
    test = models.PositiveSmallIntegerField("điểm kiểm tra định kì", null=True, blank=True)
    comment = models.TextField("nhận xét", blank=True)
    version = models.PositiveIntegerField("phiên bản", default=0)
    changes = models.JSONField("lần sửa gần nhất của từng ô", default=dict, blank=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
        related_name="+", verbose_name="người sửa",
    )
    updated_at = models.DateTimeField("lúc sửa", null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["student", "school_class", "subject", "point"],
                name="one_primary_result_per_student_class_subject_point",
            ),
            models.CheckConstraint(condition=models.Q(point__gte=1, point__lte=4),
                                   name="primary_result_point_1_to_4"),
            # TT 27/2020 Điều 7.1.a
            models.CheckConstraint(condition=models.Q(level__in=["", *LevelChoice.values]),
                                   name="primary_result_level_known"),
            # TT 27/2020 Điều 7.1.b–d: integers 0–10
            models.CheckConstraint(
                condition=models.Q(test__isnull=True) | models.Q(test__gte=0, test__lte=10),
                name="primary_test_0_to_10"),
        ]
        indexes = [models.Index(fields=["school_class", "subject"])]
        verbose_name = "kết quả môn học tiểu học"
        verbose_name_plural = "kết quả môn học tiểu học"

    def __str__(self) -> str:
        return (f"{self.student} — {self.subject} — {Point(self.point).label} — "
                f"{self.school_class.name}")


_YEAR_END_EMPTY = models.Q(absences_excused=0, absences_unexcused=0, weight_kg__isnull=True,
                           height_cm__isnull=True, year_comment="", adhoc_award="",
                           recognised_outstanding=False)


class PrimaryClassRecord(models.Model):
    """One pupil × class × point, written by the class's GVCN: qualities and competences
    (TT 27/2020 Điều 7.2) with their three comments; at the end of the year also the facts
    the học bạ needs. ``version`` grows by one on every write (optimistic concurrency)."""

    student = models.ForeignKey(Student, on_delete=models.PROTECT,
                                related_name="primary_class_records")
    school_class = models.ForeignKey(SchoolClass, on_delete=models.PROTECT,
                                     related_name="primary_class_records")
    point = models.PositiveSmallIntegerField("thời điểm", choices=Point.choices)
    yeu_nuoc = _rating("yêu nước")
    nhan_ai = _rating("nhân ái")
    cham_chi = _rating("chăm chỉ")
    trung_thuc = _rating("trung thực")
    trach_nhiem = _rating("trách nhiệm")
    tu_chu_tu_hoc = _rating("tự chủ và tự học")
    giao_tiep_hop_tac = _rating("giao tiếp và hợp tác")
    giai_quyet_van_de = _rating("giải quyết vấn đề và sáng tạo")
    ngon_ngu = _rating("ngôn ngữ")
    tinh_toan = _rating("tính toán")
    khoa_hoc = _rating("khoa học")
    cong_nghe = _rating("công nghệ")
    tin_hoc = _rating("tin học")
    tham_mi = _rating("thẩm mĩ")
    the_chat = _rating("thể chất")
    comment_qualities = models.TextField("nhận xét phẩm chất", blank=True)
    comment_general = models.TextField("nhận xét năng lực chung", blank=True)
    comment_specific = models.TextField("nhận xét năng lực đặc thù", blank=True)
    # End of year only.
    absences_excused = models.PositiveSmallIntegerField("nghỉ có phép", default=0)
    absences_unexcused = models.PositiveSmallIntegerField("nghỉ không phép", default=0)
    weight_kg = models.DecimalField("cân nặng (kg)", max_digits=4, decimal_places=1,
                                    null=True, blank=True)
    height_cm = models.DecimalField("chiều cao (cm)", max_digits=4, decimal_places=1,
                                    null=True, blank=True)
    year_comment = models.TextField("nhận xét của GVCN", blank=True)
    # TT 27/2020 Điều 13: "Học sinh Tiêu biểu…" needs the class's recognition.
    recognised_outstanding = models.BooleanField("tập thể lớp công nhận thành tích nổi bật",
                                                 default=False)
    adhoc_award = models.TextField("khen thưởng đột xuất", blank=True)
    # TT 27/2020 Điều 11: {"subjects": {code: {"level": "H", "test": 6}}, "ratings": {name: "D"}}
    supplementary = models.JSONField("đánh giá bổ sung", default=dict, blank=True)
    version = models.PositiveIntegerField("phiên bản", default=0)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
        related_name="+", verbose_name="người sửa",
    )
    updated_at = models.DateTimeField("lúc sửa", null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["student", "school_class", "point"],
                                    name="one_primary_record_per_student_class_point"),
            models.CheckConstraint(condition=models.Q(point__gte=1, point__lte=4),
                                   name="primary_record_point_1_to_4"),
            # TT 27/2020 Điều 7.2
            models.CheckConstraint(
                condition=models.Q(**{f"{name}__in": ["", *RatingChoice.values]
                                      for name in RATING_FIELDS}),
                name="primary_record_ratings_known"),
            models.CheckConstraint(
                condition=models.Q(weight_kg__isnull=True)
                | models.Q(weight_kg__gte=5, weight_kg__lte=150),
                name="primary_record_weight_5_to_150_kg"),
            models.CheckConstraint(
                condition=models.Q(height_cm__isnull=True)
                | models.Q(height_cm__gte=40, height_cm__lte=220),
                name="primary_record_height_40_to_220_cm"),
            models.CheckConstraint(condition=models.Q(point=Point.CN) | _YEAR_END_EMPTY,
                                   name="primary_record_year_end_only_at_cn"),
        ]
        indexes = [models.Index(fields=["school_class", "point"])]
        verbose_name = "phẩm chất, năng lực và tổng hợp cuối năm (tiểu học)"
        verbose_name_plural = "phẩm chất, năng lực và tổng hợp cuối năm (tiểu học)"

    def __str__(self) -> str:
        return f"{self.student} — {Point(self.point).label} — {self.school_class.name}"
