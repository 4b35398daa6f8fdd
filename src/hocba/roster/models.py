"""The school roster: classes, students and their enrolment history, teachers, assignments.

Text fields are normalised to NFC by the services that write them (``hocba.domain.text``);
``Student.save`` normalises again so that no path, the admin included, stores NFD.
"""

from __future__ import annotations

from django.db import models

from hocba.curriculum.models import Subject
from hocba.domain.ethnicity import ETHNIC_GROUPS
from hocba.domain.identity import Sex
from hocba.domain.text import clean
from hocba.organisation.models import School, SchoolYear

SEX_CHOICES = [(Sex.MALE.value, "Nam"), (Sex.FEMALE.value, "Nữ")]
ETHNIC_CHOICES = sorted(ETHNIC_GROUPS.items())


class SchoolClass(models.Model):
    """A class (lớp) of one school in one school year, in one grade (khối)."""

    school = models.ForeignKey(School, on_delete=models.PROTECT, related_name="classes")
    school_year = models.ForeignKey(SchoolYear, on_delete=models.PROTECT, related_name="classes")
    grade = models.PositiveSmallIntegerField("khối")
    name = models.CharField("tên lớp", max_length=20)
    # The homeroom teacher is a roster fact; the GVCN grant is derived from it
    # (hocba.accounts.authz), so the two can never disagree.
    homeroom_teacher = models.ForeignKey(
        "roster.Teacher", null=True, blank=True, on_delete=models.SET_NULL,
        related_name="homeroom_classes", verbose_name="giáo viên chủ nhiệm",
    )

    class Meta:
        ordering = ["grade", "name"]
        constraints = [
            models.UniqueConstraint(
                fields=["school", "school_year", "name"], name="class_name_unique_per_year"
            ),
            models.CheckConstraint(
                condition=models.Q(grade__gte=1, grade__lte=12), name="grade_1_to_12"
            ),
        ]
        verbose_name = "lớp"
        verbose_name_plural = "lớp"

    def __str__(self) -> str:
        return f"{self.name} ({self.school_year})"


class Student(models.Model):
    """A learner's identity. Results and records hang off this, never the other way."""

    student_code = models.CharField("mã học sinh", max_length=20, unique=True)
    personal_id = models.CharField(
        "số định danh cá nhân", max_length=12, unique=True, null=True, blank=True
    )
    full_name = models.CharField("họ và tên", max_length=120)
    birth_date = models.DateField("ngày sinh")
    sex = models.CharField("giới tính", max_length=3, choices=SEX_CHOICES)
    ethnicity = models.CharField("dân tộc", max_length=2, choices=ETHNIC_CHOICES, default="01")
    nationality = models.CharField("quốc tịch", max_length=60, default="Việt Nam")
    place_of_birth = models.CharField("nơi sinh", max_length=200, blank=True)
    hometown = models.CharField("quê quán", max_length=200, blank=True)
    address = models.CharField("nơi ở hiện nay", max_length=300, blank=True)
    father_name = models.CharField("họ tên cha", max_length=120, blank=True)
    mother_name = models.CharField("họ tên mẹ", max_length=120, blank=True)
    guardian_name = models.CharField("họ tên người giám hộ", max_length=120, blank=True)
    school = models.ForeignKey(
        School, on_delete=models.PROTECT, related_name="students", verbose_name="trường hiện tại"
    )

    TEXT_FIELDS = (
        "full_name", "nationality", "place_of_birth", "hometown", "address",
        "father_name", "mother_name", "guardian_name",
    )

    class Meta:
        ordering = ["full_name"]
        verbose_name = "học sinh"
        verbose_name_plural = "học sinh"
        indexes = [models.Index(fields=["school", "full_name"])]

    def __str__(self) -> str:
        return f"{self.full_name} ({self.student_code})"

    def save(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        for field in self.TEXT_FIELDS:
            setattr(self, field, clean(getattr(self, field)))
        super().save(*args, **kwargs)

    @property
    def given_name(self) -> str:
        """The last word of a Vietnamese name, by which class lists are sorted."""
        return self.full_name.rsplit(" ", 1)[-1]

    @property
    def sex_label(self) -> str:
        return Sex(self.sex).label

    @property
    def ethnicity_name(self) -> str:
        return ETHNIC_GROUPS.get(self.ethnicity, "")


class Enrolment(models.Model):
    """One stay of a student in a class: admission, class change, transfer in or out."""

    class Reason(models.TextChoices):
        ADMITTED = "nhap_hoc", "Nhập học"
        PROMOTED = "len_lop", "Lên lớp"
        REPEATING = "luu_ban", "Lưu ban"
        CLASS_CHANGE = "chuyen_lop", "Chuyển lớp"
        TRANSFER_IN = "chuyen_den", "Chuyển đến"

    class Exit(models.TextChoices):
        CLASS_CHANGE = "chuyen_lop", "Chuyển lớp"
        TRANSFER_OUT = "chuyen_di", "Chuyển đi"
        DROPPED_OUT = "bo_hoc", "Bỏ học"
        YEAR_END = "ket_thuc_nam", "Kết thúc năm học"

    student = models.ForeignKey(Student, on_delete=models.PROTECT, related_name="enrolments")
    school_class = models.ForeignKey(
        SchoolClass, on_delete=models.PROTECT, related_name="enrolments"
    )
    start_date = models.DateField("từ ngày")
    end_date = models.DateField("đến ngày", null=True, blank=True)
    reason = models.CharField("lý do vào lớp", max_length=16, choices=Reason.choices)
    exit_reason = models.CharField(
        "lý do rời lớp", max_length=16, choices=Exit.choices, blank=True
    )
    from_school_name = models.CharField("chuyển từ trường", max_length=200, blank=True)
    to_school_name = models.CharField("chuyển đến trường", max_length=200, blank=True)

    class Meta:
        ordering = ["start_date"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(end_date__isnull=True)
                | models.Q(end_date__gte=models.F("start_date")),
                name="enrolment_ends_after_start",
            ),
        ]
        indexes = [models.Index(fields=["school_class", "end_date"])]
        verbose_name = "quá trình học"
        verbose_name_plural = "quá trình học"

    def __str__(self) -> str:
        return f"{self.student} — {self.school_class}"


class Teacher(models.Model):
    school = models.ForeignKey(School, on_delete=models.PROTECT, related_name="teachers")
    staff_code = models.CharField("mã giáo viên", max_length=20, unique=True)
    full_name = models.CharField("họ và tên", max_length=120)
    birth_date = models.DateField("ngày sinh", null=True, blank=True)
    sex = models.CharField("giới tính", max_length=3, choices=SEX_CHOICES)
    personal_id = models.CharField(
        "số định danh cá nhân", max_length=12, unique=True, null=True, blank=True
    )
    phone = models.CharField("điện thoại", max_length=20, blank=True)
    email = models.EmailField("thư điện tử", blank=True)
    main_subject = models.ForeignKey(
        Subject, null=True, blank=True, on_delete=models.PROTECT, verbose_name="môn chuyên môn"
    )
    user = models.OneToOneField(
        "accounts.User", null=True, blank=True, on_delete=models.SET_NULL, related_name="teacher"
    )

    class Meta:
        ordering = ["full_name"]
        verbose_name = "giáo viên"
        verbose_name_plural = "giáo viên"

    def __str__(self) -> str:
        return self.full_name

    def save(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        self.full_name = clean(self.full_name)
        super().save(*args, **kwargs)


class TeachingAssignment(models.Model):
    """Who teaches which subject in which class (phân công giảng dạy)."""

    teacher = models.ForeignKey(Teacher, on_delete=models.PROTECT, related_name="assignments")
    school_class = models.ForeignKey(
        SchoolClass, on_delete=models.PROTECT, related_name="assignments"
    )
    subject = models.ForeignKey(Subject, on_delete=models.PROTECT)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["school_class", "subject"], name="one_teacher_per_class_subject"
            )
        ]
        verbose_name = "phân công giảng dạy"
        verbose_name_plural = "phân công giảng dạy"

    def __str__(self) -> str:
        return f"{self.teacher} — {self.subject} — {self.school_class}"
