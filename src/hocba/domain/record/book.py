"""The book (sổ học bạ) a record belongs to: one per level, opened at grades 1, 6 and 10.

A student has one học bạ per level of schooling: primary (TH, grades 1–5), lower secondary
(THCS, 6–9) and upper secondary (THPT, 10–12). A new book is created only at the first grade
of a level; every later school year of that level is added to the same book, identified by
the student's personal identity number (HCMC QĐ 1789/QĐ-SGDĐT Điều 14; DOMAIN.md §1.5). The
school keeps the book throughout the level (TT 27/2020 Điều 10).

GDTX learners follow THCS or THPT and belong to that level's book (KH 904/KH-BGDĐT).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

LEVELS: tuple[str, ...] = ("TH", "THCS", "THPT")
LEVEL_NAMES: dict[str, str] = {"TH": "Tiểu học", "THCS": "Trung học cơ sở",
                               "THPT": "Trung học phổ thông"}
GRADES: dict[str, range] = {"TH": range(1, 6), "THCS": range(6, 10), "THPT": range(10, 13)}
# The assessment regime each level's records may follow (TT 27/2020 for primary; TT 22/2021
# for secondary; the GDTX regulation for continuing-education learners, KH 904).
REGIMES: dict[str, tuple[str, ...]] = {"TH": ("tt27",), "THCS": ("tt22", "gdtx"),
                                       "THPT": ("tt22", "gdtx")}


def level_of_grade(grade: int) -> str:
    """The level whose book holds a year of ``grade`` (1–12)."""
    for level, grades in GRADES.items():
        if grade in grades:
            return level
    raise ValueError(f"khối {grade} không thuộc cấp học nào (1–12)")


def opens_book(grade: int) -> bool:
    """True at grades 1, 6 and 10, where a new book is opened (HCMC QĐ 1789 Điều 14);
    any other grade adds a year to the level's existing book."""
    return grade == GRADES[level_of_grade(grade)].start


def start_year(school_year: str) -> int:
    """2024 for "2024-2025"."""
    return int(school_year[:4])


@dataclass(frozen=True, slots=True)
class Book:
    """The level's book this year's record is added to."""

    level: str
    registry_number: str  # số đăng bộ (SO_SO_DANG_BO)
    first_year: str  # the school year the book was opened, e.g. "2021-2022"

    def to_json(self) -> dict[str, Any]:
        return {"level": self.level, "registry_number": self.registry_number,
                "first_year": self.first_year}
