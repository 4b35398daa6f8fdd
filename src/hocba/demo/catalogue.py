"""Which subjects a demo class studies, and how many classes one teacher takes.

A demo simplification of the 2018 programme (TT 32/2018/TT-BGDĐT), enough to staff every
class with teachers: the real per-grade timetable belongs to the curriculum app.
"""

from __future__ import annotations

import math

# Tiểu học: the homeroom teacher teaches most subjects of their own class; specialists teach
# foreign language, informatics, physical education, music and fine arts.
_TH_BY_GRADE: dict[int, tuple[str, ...]] = {
    1: ("TIENG_VIET", "TOAN", "DAO_DUC", "TU_NHIEN_XA_HOI", "HDTN", "GDTC", "AM_NHAC",
        "MI_THUAT"),
    3: ("TIENG_VIET", "TOAN", "DAO_DUC", "TU_NHIEN_XA_HOI", "HDTN", "GDTC", "AM_NHAC",
        "MI_THUAT", "NGOAI_NGU_1", "TIN_HOC", "CONG_NGHE"),
    4: ("TIENG_VIET", "TOAN", "DAO_DUC", "KHOA_HOC", "LICH_SU_DIA_LY", "HDTN", "GDTC",
        "AM_NHAC", "MI_THUAT", "NGOAI_NGU_1", "TIN_HOC", "CONG_NGHE"),
}
_TH_BY_GRADE[2] = _TH_BY_GRADE[1]
_TH_BY_GRADE[5] = _TH_BY_GRADE[4]
TAUGHT_BY_HOMEROOM_TH = frozenset(
    {"TIENG_VIET", "TOAN", "DAO_DUC", "TU_NHIEN_XA_HOI", "KHOA_HOC", "LICH_SU_DIA_LY", "HDTN",
     "CONG_NGHE"}
)

_THCS = ("TOAN", "NGU_VAN", "NGOAI_NGU_1", "GDCD", "KHTN", "LICH_SU_DIA_LY", "TIN_HOC",
         "CONG_NGHE", "GDTC", "AM_NHAC", "MI_THUAT", "HDTN_HN", "NOI_DUNG_DIA_PHUONG")
_THPT_CORE = ("TOAN", "NGU_VAN", "NGOAI_NGU_1", "LICH_SU", "GDTC", "GDQP_AN", "HDTN_HN",
              "NOI_DUNG_DIA_PHUONG")
# Four electives per class (a "tổ hợp"): natural sciences or social sciences.
_THPT_TRACKS = (
    ("VAT_LY", "HOA_HOC", "SINH_HOC", "TIN_HOC"),
    ("DIA_LY", "GDKT_PL", "TIN_HOC", "CONG_NGHE"),
)

# Classes one teacher takes: about 17–19 periods a week over the periods of the subject.
_CLASSES_PER_TEACHER: dict[str, int] = {
    "TOAN": 4, "NGU_VAN": 4, "NGOAI_NGU_1": 5, "KHTN": 4, "LICH_SU_DIA_LY": 5, "GDCD": 12,
    "TIN_HOC": 12, "CONG_NGHE": 12, "GDTC": 8, "AM_NHAC": 16, "MI_THUAT": 16, "HDTN_HN": 6,
    "NOI_DUNG_DIA_PHUONG": 16, "LICH_SU": 8, "DIA_LY": 8, "VAT_LY": 6, "HOA_HOC": 6,
    "SINH_HOC": 6, "GDKT_PL": 8, "GDQP_AN": 12,
}

# Whom a secondary school asks first to be a class's homeroom teacher.
HOMEROOM_PREFERENCE = ("TOAN", "NGU_VAN", "NGOAI_NGU_1", "KHTN", "LICH_SU_DIA_LY", "VAT_LY",
                       "HOA_HOC", "SINH_HOC", "LICH_SU", "DIA_LY", "GDCD", "GDKT_PL",
                       "HDTN_HN", "TIN_HOC", "CONG_NGHE")


def class_subjects(grade: int, index: int) -> tuple[str, ...]:
    """The subjects of the ``index``-th class of ``grade`` (the index picks a THPT track)."""
    if grade <= 5:
        return _TH_BY_GRADE[grade]
    if grade <= 9:
        return _THCS
    return _THPT_CORE + _THPT_TRACKS[index % len(_THPT_TRACKS)]


def taught_by_homeroom(grade: int, subject: str) -> bool:
    return grade <= 5 and subject in TAUGHT_BY_HOMEROOM_TH


def teachers_needed(subject: str, classes: int, primary: bool) -> int:
    """Subject teachers for ``classes`` classes (primary specialists take more classes)."""
    cap = _CLASSES_PER_TEACHER.get(subject, 8)
    if primary:
        cap = max(cap, 8)
    return math.ceil(classes / cap)
