from __future__ import annotations

from django.db import models


class Subject(models.Model):
    """A subject of the 2018 programme (see ``hocba.domain.subjects``)."""

    code = models.CharField("mã môn học", max_length=32, unique=True)
    name = models.CharField("tên môn học", max_length=120)
    levels = models.JSONField("cấp học", default=list)

    class Meta:
        ordering = ["name"]
        verbose_name = "môn học"
        verbose_name_plural = "môn học"

    def __str__(self) -> str:
        return self.name
