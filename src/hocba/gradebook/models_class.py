"""The homeroom teacher's class-level record of one student for one term (TT 22/2021 Điều 8,
12): rèn luyện, absences and the GVCN's comment. Subject results stay in ``TermResult``;
the engine combines both into học tập, promotion and awards (``hocba.gradebook.summary``).

Primary (TT 27/2020) qualities and competences are not here yet: this record serves TT 22
classes (THCS, THPT).
"""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings
from django.db import models

from hocba.roster.models import SchoolClass, Student


class ConductLevel(models.TextChoices):
    """Rèn luyện per term (TT 22/2021 Điều 8): the values of ``domain...common.Level``."""

    TOT = "TOT", "Tốt"
    KHA = "KHA", "Khá"
    DAT = "DAT", "Đạt"
    CHUA_DAT = "CHUA_DAT", "Chưa đạt"


@dataclass(frozen=True)
class RecordField:
    """One value of the record a correction request may change (HCMC QĐ 1789 Điều 13): the
    model attribute, its label on the locks page, and how a stored value is shown."""

    attr: str
    label: str

    def stored(self, record: ClassTermRecord) -> str:
        """The value as a correction request keeps it: ``"TOT"``, ``"3"``, the comment."""
        return str(getattr(record, self.attr))

    def shown(self, stored: str) -> str:
        if self.attr == "conduct":
            return ConductLevel(stored).label if stored in ConductLevel.values else stored
        return stored

    def value(self, stored: str) -> str | int:
        """The stored string back as the model's value."""
        return int(stored or 0) if self.attr.startswith("absences") else stored


# The keys are the ``field`` of a ``CorrectionRequest`` on a ``ClassTermRecord``.
RECORD_FIELDS = {
    "conduct": RecordField("conduct", "Rèn luyện"),
    "excused": RecordField("absences_excused", "Nghỉ có phép"),
    "unexcused": RecordField("absences_unexcused", "Nghỉ không phép"),
    "comment": RecordField("comment", "Nhận xét của GVCN"),
}


class ClassTermRecord(models.Model):
    """One student × class × term, written by the class's GVCN.

    ``conduct`` is blank until the GVCN enters it (then nothing depending on it is computed).
    Absences are sessions (buổi); Điều 12 counts excused and unexcused together over the year.
    ``version`` grows by one on every write: a save based on an older version is refused with
    the name of who changed the row (optimistic concurrency)."""

    student = models.ForeignKey(Student, on_delete=models.PROTECT,
                                related_name="class_term_records")
    school_class = models.ForeignKey(SchoolClass, on_delete=models.PROTECT,
                                     related_name="class_term_records")
    term = models.PositiveSmallIntegerField("học kì", choices=[(1, "Học kì I"),
                                                              (2, "Học kì II")])
    conduct = models.CharField("rèn luyện", max_length=8, choices=ConductLevel.choices,
                               blank=True)
    absences_excused = models.PositiveSmallIntegerField("nghỉ có phép", default=0)
    absences_unexcused = models.PositiveSmallIntegerField("nghỉ không phép", default=0)
    comment = models.TextField("nhận xét của GVCN", blank=True)
    version = models.PositiveIntegerField("phiên bản", default=0)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
        related_name="+", verbose_name="người sửa",
    )
    updated_at = models.DateTimeField("lúc sửa", null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["student", "school_class", "term"],
                                    name="one_class_record_per_student_class_term"),
            models.CheckConstraint(condition=models.Q(term__in=[1, 2]),
                                   name="class_record_term_1_or_2"),
            models.CheckConstraint(
                condition=models.Q(conduct__in=["", *ConductLevel.values]),
                name="class_record_conduct_known"),
            models.CheckConstraint(
                condition=models.Q(absences_excused__gte=0, absences_unexcused__gte=0),
                name="class_record_absences_not_negative"),
        ]
        indexes = [models.Index(fields=["school_class", "term"])]
        verbose_name = "tổng hợp lớp theo học kì"
        verbose_name_plural = "tổng hợp lớp theo học kì"

    def __str__(self) -> str:
        return f"{self.student} — HK{self.term} — {self.school_class.name}"

    @property
    def absences(self) -> int:
        return self.absences_excused + self.absences_unexcused
