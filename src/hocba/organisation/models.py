"""The organisation tree: Bộ → Sở (province) → optional Phòng/area → school.

The district level was abolished on 01/07/2025 and provinces merged, so the area level is
optional and the administrative names a record must carry (the XML still asks for
TEN_QUAN_HUYEN) are kept per school and school year in ``SchoolPlaceNames``
(DOMAIN.md §1.6, §7.7).
"""

from __future__ import annotations

from typing import Any

from django.db import models

from hocba.domain.curriculum import programme_for_year


class SchoolYear(models.Model):
    """A school year such as 2025-2026, from ``start`` (early September) to ``end``."""

    name = models.CharField("năm học", max_length=9, unique=True)
    start = models.DateField("ngày bắt đầu")
    end = models.DateField("ngày kết thúc")
    # The programme version this year followed (hocba.domain.curriculum); fixed once set, so
    # a later programme change does not rewrite past years.
    programme = models.CharField("chương trình", max_length=32, blank=True)

    class Meta:
        ordering = ["-start"]
        verbose_name = "năm học"
        verbose_name_plural = "năm học"

    def __str__(self) -> str:
        return self.name

    def save(self, *args: Any, **kwargs: Any) -> None:
        if not self.programme:
            self.programme = programme_for_year(self.name).code
        super().save(*args, **kwargs)

    @classmethod
    def current(cls) -> SchoolYear | None:
        return cls.objects.order_by("-start").first()


class Unit(models.Model):
    """An administrative unit of the education sector above the school."""

    class Kind(models.TextChoices):
        BO = "bo", "Bộ GDĐT"
        SO = "so", "Sở GDĐT"
        PHONG = "phong", "Phòng GDĐT / khu vực"

    kind = models.CharField("cấp", max_length=8, choices=Kind.choices)
    code = models.CharField("mã", max_length=16, unique=True)
    name = models.CharField("tên", max_length=200)
    parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="children",
        verbose_name="đơn vị cấp trên",
    )

    class Meta:
        ordering = ["kind", "name"]
        verbose_name = "đơn vị quản lý"
        verbose_name_plural = "đơn vị quản lý"

    def __str__(self) -> str:
        return self.name

    @property
    def province(self) -> Unit | None:
        """The Sở this unit belongs to (itself for a Sở)."""
        if self.kind == Unit.Kind.SO:
            return self
        if self.kind == Unit.Kind.PHONG:
            return self.parent
        return None


class Level(models.TextChoices):
    """Cấp học."""

    TH = "TH", "Tiểu học"
    THCS = "THCS", "Trung học cơ sở"
    THPT = "THPT", "Trung học phổ thông"
    GDTX = "GDTX", "Giáo dục thường xuyên"


LEVEL_GRADES: dict[str, range] = {
    Level.TH: range(1, 6),
    Level.THCS: range(6, 10),
    Level.THPT: range(10, 13),
    Level.GDTX: range(6, 13),
}


class School(models.Model):
    code = models.CharField("mã trường", max_length=16, unique=True)
    name = models.CharField("tên trường", max_length=200)
    province = models.ForeignKey(
        Unit, on_delete=models.PROTECT, related_name="schools", verbose_name="Sở GDĐT",
        limit_choices_to={"kind": Unit.Kind.SO},
    )
    area = models.ForeignKey(
        Unit, null=True, blank=True, on_delete=models.PROTECT, related_name="area_schools",
        verbose_name="Phòng GDĐT / khu vực", limit_choices_to={"kind": Unit.Kind.PHONG},
    )
    levels = models.JSONField("cấp học", default=list)
    address = models.CharField("địa chỉ", max_length=300, blank=True)
    phone = models.CharField("điện thoại", max_length=30, blank=True)
    email = models.EmailField("thư điện tử", blank=True)

    class Meta:
        ordering = ["name"]
        verbose_name = "trường"
        verbose_name_plural = "trường"

    def __str__(self) -> str:
        return self.name

    @property
    def level_labels(self) -> str:
        return ", ".join(Level(v).label for v in self.levels)

    def grades(self) -> list[int]:
        return sorted({g for lv in self.levels for g in LEVEL_GRADES[lv]})


class SchoolPlaceNames(models.Model):
    """The administrative names in force for a school in one school year.

    Kept per year because provinces merged and districts were abolished in 2025: a record of
    2023-2024 still names the district and the province of that time.
    """

    school = models.ForeignKey(School, on_delete=models.PROTECT, related_name="place_names")
    school_year = models.ForeignKey(SchoolYear, on_delete=models.PROTECT)
    school_name = models.CharField("tên trường trong năm học", max_length=200)
    province_name = models.CharField("tỉnh/thành phố", max_length=100)
    district_name = models.CharField("quận/huyện", max_length=100, blank=True)
    commune_name = models.CharField("xã/phường", max_length=100, blank=True)
    education_office_name = models.CharField("Sở GDĐT", max_length=200)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["school", "school_year"], name="one_name_set_per_year")
        ]
        verbose_name = "địa danh theo năm học"
        verbose_name_plural = "địa danh theo năm học"

    def __str__(self) -> str:
        return f"{self.school_name} ({self.school_year})"
