"""The học bạ as the school composes it: a level's book per student, and one record per
student and school year, frozen from the gradebook into the canonical JSON form
(``hocba.domain.record``).

- A book (sổ học bạ) is opened at the first grade of a level (1, 6, 10; HCMC QĐ 1789 Điều 14)
  — or at the first year the school composes for a student who arrived later — and each later
  year of that level is added to it.
- A record is one school year of one student, with its own look-up code (MA_TRA_CUU_UUID, a
  UUID v4; CV 2088 PL1 II.1). Its content is the canonical JSON exactly as hashed
  (``identity_hash`` = SHA-256 of ``canonical``), so the stored bytes are the record.
- A composed record is never edited. Until it is signed it may be discarded and composed
  again (a new look-up code); after issue only revocation and replacement apply (issue 5).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.db import models

from hocba.organisation.models import School, SchoolYear
from hocba.roster.models import SchoolClass, Student

if TYPE_CHECKING:
    from hocba.domain.access import Target


class BookLevel(models.TextChoices):
    TH = "TH", "Tiểu học"
    THCS = "THCS", "Trung học cơ sở"
    THPT = "THPT", "Trung học phổ thông"


FIRST_GRADE = {BookLevel.TH: 1, BookLevel.THCS: 6, BookLevel.THPT: 10}


def level_of_grade(grade: int) -> BookLevel:
    if grade <= 5:
        return BookLevel.TH
    if grade <= 9:
        return BookLevel.THCS
    return BookLevel.THPT


class Book(models.Model):
    """One student's học bạ of one level: the years of that level are added to it."""

    student = models.ForeignKey(Student, on_delete=models.PROTECT, related_name="books")
    level = models.CharField("cấp học", max_length=4, choices=BookLevel.choices)
    registry_number = models.CharField("số đăng bộ", max_length=40)
    opened_school = models.ForeignKey(School, on_delete=models.PROTECT, related_name="+",
                                      verbose_name="trường mở sổ")
    opened_year = models.ForeignKey(SchoolYear, on_delete=models.PROTECT, related_name="+",
                                    verbose_name="năm mở sổ")
    opened_grade = models.PositiveSmallIntegerField("khối khi mở sổ")
    opened_at = models.DateTimeField("lúc mở sổ")

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["student", "level"], name="one_book_per_level"),
        ]
        verbose_name = "sổ học bạ"
        verbose_name_plural = "sổ học bạ"

    def __str__(self) -> str:
        return f"{self.student} — {self.get_level_display()}"


class CanonicalText(models.TextField):
    """A record's canonical JSON (about 10 kB). It keeps a placeholder of its own in a
    multi-row insert, so that PostgreSQL's ``bulk_create`` binds one text per row instead of
    Django's UNNEST over a ``text[]`` array: psycopg writes an array literal in Python,
    escaping each of the record's ~1,000 quotes through a regex callback, which cost more
    than composing the record (bench/bench_compose.py, BENCHMARKS.md). The column is a
    plain text column; migrations see a TextField."""

    def get_placeholder(self, value: object, compiler: object, connection: object) -> str:
        return "%s"

    def deconstruct(self) -> tuple[str, str, Sequence[Any], dict[str, Any]]:
        name, _path, args, kwargs = super().deconstruct()
        return name, "django.db.models.TextField", args, kwargs


class RecordStatus(models.TextChoices):
    COMPOSED = "da_tao", "Đã tạo, chờ ký"
    DISCARDED = "da_huy", "Đã huỷ trước khi ký"
    # Issued, then revoked and replaced (hocba.issuance; QĐ 1789 Điều 21): no longer live.
    REVOKED = "thu_hoi", "Đã thu hồi, có học bạ thay thế"


class HocBaRecord(models.Model):
    """One student's school year, frozen: the canonical JSON and its SHA-256."""

    book = models.ForeignKey(Book, on_delete=models.PROTECT, related_name="records")
    student = models.ForeignKey(Student, on_delete=models.PROTECT, related_name="records")
    school = models.ForeignKey(School, on_delete=models.PROTECT, related_name="records")
    school_year = models.ForeignKey(SchoolYear, on_delete=models.PROTECT, related_name="+")
    school_class = models.ForeignKey(SchoolClass, on_delete=models.PROTECT,
                                     related_name="records")
    lookup_code = models.UUIDField("mã tra cứu", unique=True)
    schema = models.CharField("phiên bản dữ liệu", max_length=32)
    canonical = CanonicalText("dữ liệu (JSON chuẩn tắc)")
    identity_hash = models.CharField("SHA-256", max_length=64, unique=True)
    status = models.CharField("trạng thái", max_length=8, choices=RecordStatus.choices,
                              default=RecordStatus.COMPOSED)
    composed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                    related_name="+", verbose_name="người tạo")
    composed_at = models.DateTimeField("lúc tạo")
    discarded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                     on_delete=models.PROTECT, related_name="+",
                                     verbose_name="người huỷ")
    discarded_at = models.DateTimeField("lúc huỷ", null=True, blank=True)

    class Meta:
        ordering = ["school_class__name", "student__full_name", "id"]
        constraints = [
            # One live record per student and year; discarded drafts stay for the record.
            models.UniqueConstraint(
                fields=["student", "school_year"], condition=models.Q(status="da_tao"),
                name="one_live_record_per_student_year",
            ),
        ]
        indexes = [models.Index(fields=["school_class", "status"])]
        verbose_name = "học bạ số (năm học)"
        verbose_name_plural = "học bạ số (năm học)"

    def __str__(self) -> str:
        return f"{self.student} — {self.school_year} — {self.lookup_code}"

    def access_target(self) -> Target:
        """A record is the student's results in the class it was composed from."""
        from hocba.accounts.targets import class_target

        return class_target(self.school_class, kind="record", student=self.student_id)
