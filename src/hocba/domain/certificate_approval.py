"""Who approves a school's organisation certificate (pure rule, no Django).

HCMC QĐ 1789/QĐ-SGDĐT Điều 7–10: the Sở approves the certificates of THPT schools, the
Phòng those of THCS and TH schools (CV 2088 PL1 III: the school sends the registration "to
the Sở/Phòng"). A school teaching THPT grades (a THCS-and-THPT school too) is the Sở's, and so
is a school with no Phòng above it: since the district level was abolished (01/07/2025) some
schools answer to the Sở directly (DOMAIN.md §1.6).
"""

from __future__ import annotations

from collections.abc import Iterable
from enum import StrEnum

PHONG_LEVELS = frozenset({"TH", "THCS"})


class Approver(StrEnum):
    PHONG = "phong"
    SO = "so"

    @property
    def label(self) -> str:
        return "Phòng GDĐT" if self is Approver.PHONG else "Sở GDĐT"


def approver_for(levels: Iterable[str], has_area: bool) -> Approver:
    """The unit that approves the seal of a school teaching ``levels``."""
    taught = set(levels)
    if has_area and taught and taught <= PHONG_LEVELS:
        return Approver.PHONG
    return Approver.SO


def why(levels: Iterable[str], has_area: bool) -> str:
    """The rule in words, for a refusal."""
    taught = ", ".join(sorted(set(levels))) or "chưa rõ cấp học"
    if approver_for(levels, has_area) is Approver.PHONG:
        return (f"Chứng thư số của trường {taught} do Phòng GDĐT của khu vực duyệt "
                "(QĐ 1789/QĐ-SGDĐT Điều 7–10).")
    if not has_area:
        return (f"Trường {taught} không thuộc Phòng GDĐT nào: chứng thư số của trường do Sở "
                "GDĐT duyệt.")
    return (f"Chứng thư số của trường {taught} do Sở GDĐT duyệt (QĐ 1789/QĐ-SGDĐT "
            "Điều 7–10).")
