"""What happens after a TT 22 school year: the rèn luyện after summer training (TT 22/2021
Điều 13) and the results of the re-evaluation of subjects (kiểm tra, đánh giá lại, Điều 14).

The year-end results stay where they are (``TermResult``, ``ClassTermRecord``); these rows
hold only what the summer adds, and ``hocba.domain.assessment.tt22_summer`` recomputes the
year with them. A row is never deleted: clearing a value leaves the row empty with a higher
``version``, so that a page loaded before the clearing is still recognised as stale.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models

from hocba.curriculum.models import Subject
from hocba.gradebook.models_class import ConductLevel
from hocba.roster.models import SchoolClass, Student


class RetestRating(models.TextChoices):
    """A comment subject's re-evaluation (TT 22/2021 Điều 5.3.a, 14): Đạt or Chưa đạt."""

    D = "D", "Đ"
    CD = "CD", "CĐ"


class SummerConduct(models.Model):
    """The GVCN's rèn luyện of a student at the end of summer training (TT 22/2021 Điều 13
    khoản 3): it replaces the year rèn luyện when promotion is decided. Blank: not entered."""

    student = models.ForeignKey(Student, on_delete=models.PROTECT,
                                related_name="summer_conduct")
    school_class = models.ForeignKey(SchoolClass, on_delete=models.PROTECT,
                                     related_name="summer_conduct")
    level = models.CharField("rèn luyện sau hè", max_length=8, choices=ConductLevel.choices,
                             blank=True)
    version = models.PositiveIntegerField("phiên bản", default=0)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
        related_name="+", verbose_name="người nhập",
    )
    updated_at = models.DateTimeField("lúc nhập", null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["student", "school_class"],
                                    name="one_summer_conduct_per_student_class"),
            models.CheckConstraint(condition=models.Q(level__in=["", *ConductLevel.values]),
                                   name="summer_conduct_level_known"),
        ]
        verbose_name = "rèn luyện sau hè"
        verbose_name_plural = "rèn luyện sau hè"

    def __str__(self) -> str:
        return f"{self.student} — rèn luyện sau hè — {self.school_class.name}"


class SubjectRetest(models.Model):
    """One subject's re-evaluation result (TT 22/2021 Điều 14): a score of 0–10 with one
    decimal for a score subject (Điều 5.3.b), Đ/CĐ for a comment subject (Điều 5.3.a). It
    replaces the subject's year result; both empty: not entered."""

    student = models.ForeignKey(Student, on_delete=models.PROTECT, related_name="retests")
    school_class = models.ForeignKey(SchoolClass, on_delete=models.PROTECT,
                                     related_name="retests")
    subject = models.ForeignKey(Subject, on_delete=models.PROTECT)
    score = models.DecimalField("điểm kiểm tra lại", max_digits=3, decimal_places=1,
                                null=True, blank=True)
    rating = models.CharField("đánh giá lại (Đ/CĐ)", max_length=2,
                              choices=RetestRating.choices, blank=True)
    version = models.PositiveIntegerField("phiên bản", default=0)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
        related_name="+", verbose_name="người nhập",
    )
    updated_at = models.DateTimeField("lúc nhập", null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["student", "school_class", "subject"],
                                    name="one_retest_per_student_class_subject"),
            # TT 22/2021 Điều 5.3.b: scores on the 10-point scale.
            models.CheckConstraint(
                condition=models.Q(score__isnull=True) | models.Q(score__gte=0, score__lte=10),
                name="retest_score_0_to_10"),
            models.CheckConstraint(condition=models.Q(rating__in=["", *RetestRating.values]),
                                   name="retest_rating_known"),
            # A subject is assessed one way: never a score and a rating together.
            models.CheckConstraint(
                condition=models.Q(score__isnull=True) | models.Q(rating=""),
                name="retest_score_or_rating"),
        ]
        verbose_name = "kết quả kiểm tra, đánh giá lại"
        verbose_name_plural = "kết quả kiểm tra, đánh giá lại"

    def __str__(self) -> str:
        return f"{self.student} — kiểm tra lại {self.subject} — {self.school_class.name}"

    @property
    def stored(self) -> str:
        """The value as canonical text: ``"6.5"``, ``"D"`` or ``""`` (not entered)."""
        if self.score is not None:
            return f"{self.score.normalize():f}"
        return self.rating
