"""The subject teacher's gradebook (sổ theo dõi và đánh giá, TT 22/2021 Điều 6, 9): one row
per student × class × subject × term, the principal's term locks, and the correction
requests that a lock turns teachers' edits into (HCMC QĐ 1789 Điều 13).

Scores are ``Decimal`` with one decimal (TT 22/2021 Điều 5.3.b). The regular assessments
(ĐĐGtx) are a JSON list of strings, one per position (``""`` for one not yet entered): the
count comes from the curriculum (Điều 6.2.b) and the positions are the columns TX1…TXn.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models

from hocba.curriculum.models import Subject
from hocba.organisation.models import School, SchoolYear
from hocba.roster.models import SchoolClass, Student


class Term(models.IntegerChoices):
    HK1 = 1, "Học kì I"
    HK2 = 2, "Học kì II"


class Rating(models.TextChoices):
    """A comment-only subject's assessments (TT 22/2021 Điều 5.3.a)."""

    D = "D", "Đ"
    CD = "CD", "CĐ"


class TermResult(models.Model):
    """One student's results in one subject for one term, as the subject teacher enters them.

    ``version`` grows by one on every write (optimistic concurrency); ``changes`` records,
    per cell, the version at which it last changed, by whom and when, so that a save based on
    an older view of *that cell* is refused with the other person's value."""

    student = models.ForeignKey(Student, on_delete=models.PROTECT, related_name="term_results")
    school_class = models.ForeignKey(
        SchoolClass, on_delete=models.PROTECT, related_name="term_results"
    )
    subject = models.ForeignKey(Subject, on_delete=models.PROTECT)
    term = models.PositiveSmallIntegerField("học kì", choices=Term.choices)
    tx = models.JSONField("ĐĐGtx", default=list, blank=True)
    gk = models.DecimalField("ĐĐGgk", max_digits=3, decimal_places=1, null=True, blank=True)
    ck = models.DecimalField("ĐĐGck", max_digits=3, decimal_places=1, null=True, blank=True)
    gk_rating = models.CharField("ĐĐGgk (Đ/CĐ)", max_length=2, choices=Rating.choices,
                                 blank=True)
    ck_rating = models.CharField("ĐĐGck (Đ/CĐ)", max_length=2, choices=Rating.choices,
                                 blank=True)
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
                fields=["student", "school_class", "subject", "term"],
                name="one_result_per_student_class_subject_term",
            ),
            # TT 22/2021 Điều 5.3.b: scores on the 10-point scale.
            models.CheckConstraint(
                condition=models.Q(gk__isnull=True) | models.Q(gk__gte=0, gk__lte=10),
                name="gk_0_to_10",
            ),
            models.CheckConstraint(
                condition=models.Q(ck__isnull=True) | models.Q(ck__gte=0, ck__lte=10),
                name="ck_0_to_10",
            ),
        ]
        indexes = [models.Index(fields=["school_class", "subject", "term"])]
        verbose_name = "kết quả môn học theo học kì"
        verbose_name_plural = "kết quả môn học theo học kì"

    def __str__(self) -> str:
        return f"{self.student} — {self.subject} — HK{self.term} — {self.school_class.name}"


class TermLock(models.Model):
    """The principal closed a term of a school year: edits become correction requests."""

    school = models.ForeignKey(School, on_delete=models.PROTECT, related_name="term_locks")
    school_year = models.ForeignKey(SchoolYear, on_delete=models.PROTECT)
    term = models.PositiveSmallIntegerField("học kì", choices=Term.choices)
    locked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+",
        verbose_name="người khoá",
    )
    locked_at = models.DateTimeField("lúc khoá")

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["school", "school_year", "term"],
                                    name="one_lock_per_school_year_term")
        ]
        verbose_name = "khoá học kì"
        verbose_name_plural = "khoá học kì"

    def __str__(self) -> str:
        return f"{self.school} — {self.school_year} — HK{self.term}"


TARGETS = ("result", "primary_result", "class_record", "primary_class_record")


def _exactly_one(names: tuple[str, ...]) -> models.Q:
    """Exactly one of the foreign keys ``names`` is set."""
    q = models.Q()
    for chosen in names:
        q |= models.Q(**{f"{n}__isnull": n != chosen for n in names})
    return q


class CorrectionRequest(models.Model):
    """A teacher's change to a locked term, waiting for the principal (HCMC QĐ 1789 Điều 13).

    It points to exactly one result: a TT 22 ``result``, a TT 27 ``primary_result``, the
    GVCN's TT 22 ``class_record`` (rèn luyện, absences, comment; ``field`` is then a key of
    ``models_class.RECORD_FIELDS``) or the GVCN's TT 27 ``primary_class_record`` (qualities,
    competences, comments, end-of-year facts; ``field`` is then the model field's name)."""

    class Status(models.TextChoices):
        PENDING = "cho_duyet", "Chờ duyệt"
        APPROVED = "da_duyet", "Đã duyệt"
        REJECTED = "tu_choi", "Từ chối"

    result = models.ForeignKey(TermResult, on_delete=models.PROTECT, null=True, blank=True,
                               related_name="corrections")
    primary_result = models.ForeignKey("gradebook.PrimarySubjectResult",
                                       on_delete=models.PROTECT, null=True, blank=True,
                                       related_name="corrections")
    class_record = models.ForeignKey("gradebook.ClassTermRecord", on_delete=models.PROTECT,
                                     null=True, blank=True, related_name="corrections")
    primary_class_record = models.ForeignKey("gradebook.PrimaryClassRecord",
                                             on_delete=models.PROTECT, null=True, blank=True,
                                             related_name="corrections")
    field = models.CharField("ô", max_length=30)
    old_value = models.CharField("giá trị cũ", max_length=2000, blank=True)
    new_value = models.CharField("giá trị mới", max_length=2000, blank=True)
    reason = models.TextField("lí do")
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+",
        verbose_name="người đề nghị",
    )
    requested_at = models.DateTimeField("lúc đề nghị")
    status = models.CharField("trạng thái", max_length=10, choices=Status.choices,
                              default=Status.PENDING)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
        related_name="+", verbose_name="người duyệt",
    )
    decided_at = models.DateTimeField("lúc duyệt", null=True, blank=True)
    decision_note = models.TextField("ghi chú của người duyệt", blank=True)

    class Meta:
        ordering = ["-requested_at", "-id"]
        constraints = [
            models.CheckConstraint(condition=_exactly_one(TARGETS),
                                   name="correction_of_exactly_one_result"),
        ]
        verbose_name = "đề nghị sửa điểm"
        verbose_name_plural = "đề nghị sửa điểm"

    def __str__(self) -> str:
        return f"{self.target} — {self.field}: {self.old_value} → {self.new_value}"

    @property
    def target(self) -> TermResult | PrimarySubjectResult | ClassTermRecord | PrimaryClassRecord:
        """The row the request changes (student and class alike for all four; a subject for
        the two subject results)."""
        target = (self.result or self.primary_result or self.class_record
                  or self.primary_class_record)
        assert target is not None  # the check constraint: exactly one is set
        return target

    @property
    def when(self) -> str:
        """The term (TT 22) or the assessment point (TT 27) of the cell."""
        if self.primary_result is not None:
            return Point(self.primary_result.point).label
        if self.class_record is not None:
            return Term(self.class_record.term).label
        if self.primary_class_record is not None:
            return Point(self.primary_class_record.point).label
        assert self.result is not None
        return Term(self.result.term).label

    @property
    def field_label(self) -> str:
        if self.primary_result is not None:
            from hocba.gradebook.primary_cells import kind_label

            return kind_label(self.field)
        if self.class_record is not None:
            return RECORD_FIELDS[self.field].label
        if self.primary_class_record is not None:
            from hocba.gradebook.summary_corrections import primary_label

            return primary_label(self.field)
        return self.field.upper()

    @property
    def is_class_record(self) -> bool:
        """A request on the GVCN's class summary rather than on a subject's sheet."""
        return self.class_record_id is not None or self.primary_class_record_id is not None

    def _shown(self, stored: str) -> str:
        if self.class_record is not None:
            return RECORD_FIELDS[self.field].shown(stored)
        if self.primary_class_record is not None:
            from hocba.gradebook.summary_corrections import primary_shown

            return primary_shown(self.field, stored)
        if self.field == "nhan_xet" or self.field.endswith("_nx"):
            return stored
        return {"D": "Đ", "CD": "CĐ"}.get(stored, stored.replace(".", ","))

    @property
    def old_shown(self) -> str:
        """The old value as teachers write it: ``8,5``, ``Đ``."""
        return self._shown(self.old_value)

    @property
    def new_shown(self) -> str:
        return self._shown(self.new_value)
from hocba.gradebook.models_class import RECORD_FIELDS, ClassTermRecord  # noqa: E402
from hocba.gradebook.models_primary import (  # noqa: E402
    Point,
    PrimaryClassRecord,
    PrimarySubjectResult,
)
from hocba.gradebook.models_reassessment import SubjectRetest, SummerConduct  # noqa: E402,F401
