"""The curriculum as data: which subjects each grade studies, how each is assessed, how many
periods a year it has — versioned, so that a change of programme never rewrites the past.

A ``Programme`` is immutable. A school year records the code of the programme version it
followed (``SchoolYear.programme``); a new version of the programme is a new entry in
``PROGRAMMES`` with a later ``first_year``, and the years already recorded keep theirs.

Sources:
* Chương trình GDPT 2018 (TT 32/2018/TT-BGDĐT, as amended by TT 13/2022/TT-BGDĐT): subjects
  and periods per year by grade. The period counts are [B] in DOMAIN.md §2.2: verify against
  the programme text before relying on them for anything but the number of regular
  assessments.
* TT 27/2020/TT-BGDĐT Điều 7.1: primary subjects are assessed by level (T/H/C); periodic
  tests in Tiếng Việt, Toán, Ngoại ngữ 1, Lịch sử và Địa lí, Khoa học, Tin học và Công nghệ
  (end of term I and end of year), plus mid-term tests in Tiếng Việt and Toán in grades 4–5.
* QĐ 2904/QĐ-BGDĐT: "Tin học và Công nghệ" is shown as two rows, (Tin học) and (Công nghệ).
* TT 22/2021/TT-BGDĐT Điều 5.3.a: comment-only subjects (Đạt/Chưa đạt) are Giáo dục thể chất,
  Nghệ thuật/Âm nhạc/Mĩ thuật, Nội dung giáo dục của địa phương, Hoạt động trải nghiệm,
  hướng nghiệp; every other subject is assessed by comment and score (Điều 5.3.b).
* TT 22/2021 Điều 6.2.b: the number of regular assessments per term follows the periods.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, replace
from enum import StrEnum


class Assessment(StrEnum):
    LEVEL = "level"  # TT 27/2020 Điều 7.1.a: Hoàn thành tốt / Hoàn thành / Chưa hoàn thành
    SCORE = "score"  # TT 22/2021 Điều 5.3.b: comment and score
    COMMENT = "comment"  # TT 22/2021 Điều 5.3.a: Đạt / Chưa đạt


@dataclass(frozen=True)
class CurriculumSubject:
    """One subject row of one grade's học bạ."""

    code: str  # MA_MON_HOC, as in hocba.domain.subjects
    name: str  # as printed on the học bạ of that level
    grade: int
    assessment: Assessment
    periods_per_year: int
    optional: bool = False  # môn học tự chọn
    elective_group: str = ""  # THPT: "lua_chon" (môn lựa chọn), "chuyen_de" (chuyên đề)
    periodic_test: bool = False  # TT 27 Điều 7.1.b: end-of-term tests (scored 0–10)
    midterm_test: bool = False  # TT 27 Điều 7.1.c: mid-term tests, grades 4–5

    @property
    def regular_assessments(self) -> int | None:
        """ĐĐGtx per term for a scored subject (TT 22/2021 Điều 6.2.b); None otherwise."""
        if self.assessment is not Assessment.SCORE:
            return None
        return regular_assessments(self.periods_per_year)


def regular_assessments(periods_per_year: int) -> int:
    """TT 22/2021 Điều 6.2.b: up to 35 periods a year → 2; over 35 to 70 → 3; over 70 → 4."""
    if periods_per_year <= 0:
        raise ValueError(f"số tiết/năm phải dương, không phải {periods_per_year}")
    if periods_per_year <= 35:
        return 2
    if periods_per_year <= 70:
        return 3
    return 4


@dataclass(frozen=True)
class Programme:
    code: str
    name: str
    first_year: str  # the first school year (e.g. "2020-2021") this version applies to
    subjects: tuple[CurriculumSubject, ...]

    def for_grade(self, grade: int) -> list[CurriculumSubject]:
        return [s for s in self.subjects if s.grade == grade]

    def subject(self, grade: int, code: str) -> CurriculumSubject | None:
        return next((s for s in self.subjects if s.grade == grade and s.code == code), None)


def _rows(grades: Iterable[int], *specs: tuple) -> list[CurriculumSubject]:  # type: ignore[type-arg]
    """Expand (code, name, assessment, periods, extras) for each grade; ``periods`` may be a
    dict by grade."""
    rows = []
    for grade in grades:
        for code, name, assessment, periods, *extra in specs:
            options = extra[0] if extra else {}
            count = periods[grade] if isinstance(periods, dict) else periods
            if count is None:
                continue
            rows.append(CurriculumSubject(code, name, grade, assessment, count, **options))
    return rows


L, S, C = Assessment.LEVEL, Assessment.SCORE, Assessment.COMMENT
TESTED = {"periodic_test": True}
TESTED_MID = {"periodic_test": True, "midterm_test": True}

# Tiểu học (TT 27/2020). Grade-specific rows: Tự nhiên và Xã hội in 1–3, Khoa học and Lịch sử
# và Địa lí in 4–5, Tin học và Công nghệ in 3–5, Ngoại ngữ 1 compulsory from grade 3.
_PRIMARY = _rows(
    range(1, 6),
    ("TIENG_VIET", "Tiếng Việt", L, {1: 420, 2: 350, 3: 245, 4: 245, 5: 245}),
    ("TOAN", "Toán", L, {1: 105, 2: 175, 3: 175, 4: 175, 5: 175}),
    ("NGOAI_NGU_1", "Ngoại ngữ 1", L, {1: 70, 2: 70, 3: 140, 4: 140, 5: 140}),
    ("LICH_SU_DIA_LY", "Lịch sử và Địa lí", L, {1: None, 2: None, 3: None, 4: 70, 5: 70},
     TESTED),
    ("KHOA_HOC", "Khoa học", L, {1: None, 2: None, 3: None, 4: 70, 5: 70}, TESTED),
    ("TIN_HOC", "Tin học và Công nghệ (Tin học)", L,
     {1: None, 2: None, 3: 35, 4: 35, 5: 35}, TESTED),
    ("CONG_NGHE", "Tin học và Công nghệ (Công nghệ)", L,
     {1: None, 2: None, 3: 35, 4: 35, 5: 35}, TESTED),
    ("DAO_DUC", "Đạo đức", L, 35),
    ("TU_NHIEN_XA_HOI", "Tự nhiên và Xã hội", L, {1: 70, 2: 70, 3: 70, 4: None, 5: None}),
    ("GDTC", "Giáo dục thể chất", L, 70),
    ("AM_NHAC", "Nghệ thuật (Âm nhạc)", L, 35),
    ("MI_THUAT", "Nghệ thuật (Mĩ thuật)", L, 35),
    ("HDTN", "Hoạt động trải nghiệm", L, 105),
    ("TIENG_DAN_TOC", "Tiếng dân tộc thiểu số", L, 105, {"optional": True}),
)


def _primary_tests(row: CurriculumSubject) -> CurriculumSubject:
    """Tiếng Việt and Toán: periodic tests in every grade, mid-term tests in grades 4–5
    (TT 27/2020 Điều 7.1.b–c). Ngoại ngữ 1 is optional in grades 1–2 and tested from
    grade 3, where it becomes compulsory."""
    if row.code in ("TIENG_VIET", "TOAN"):
        return replace(row, periodic_test=True, midterm_test=row.grade >= 4)
    if row.code == "NGOAI_NGU_1":
        return replace(row, optional=row.grade <= 2, periodic_test=row.grade >= 3)
    return row


_PRIMARY = [_primary_tests(r) for r in _PRIMARY]

_LOWER_SECONDARY = _rows(
    range(6, 10),
    ("NGU_VAN", "Ngữ văn", S, 140),
    ("TOAN", "Toán", S, 140),
    ("NGOAI_NGU_1", "Ngoại ngữ 1", S, 105),
    ("GDCD", "Giáo dục công dân", S, 35),
    ("LICH_SU_DIA_LY", "Lịch sử và Địa lí", S, 105),
    ("KHTN", "Khoa học tự nhiên", S, 140),
    ("CONG_NGHE", "Công nghệ", S, {6: 35, 7: 35, 8: 52, 9: 52}),
    ("TIN_HOC", "Tin học", S, 35),
    ("GDTC", "Giáo dục thể chất", C, 70),
    ("AM_NHAC", "Nghệ thuật (Âm nhạc)", C, 35),
    ("MI_THUAT", "Nghệ thuật (Mĩ thuật)", C, 35),
    ("HDTN_HN", "Hoạt động trải nghiệm, hướng nghiệp", C, 105),
    ("NOI_DUNG_DIA_PHUONG", "Nội dung giáo dục của địa phương", C, 35),
    ("TIENG_DAN_TOC", "Tiếng dân tộc thiểu số", S, 105, {"optional": True}),
    ("NGOAI_NGU_2", "Ngoại ngữ 2", S, 105, {"optional": True}),
)

CHOSEN = {"elective_group": "lua_chon"}
_UPPER_SECONDARY = _rows(
    range(10, 13),
    ("NGU_VAN", "Ngữ văn", S, 105),
    ("TOAN", "Toán", S, 105),
    ("NGOAI_NGU_1", "Ngoại ngữ 1", S, 105),
    ("LICH_SU", "Lịch sử", S, 52),
    ("GDTC", "Giáo dục thể chất", C, 70),
    ("GDQP_AN", "Giáo dục quốc phòng và an ninh", S, 35),
    ("HDTN_HN", "Hoạt động trải nghiệm, hướng nghiệp", C, 105),
    ("NOI_DUNG_DIA_PHUONG", "Nội dung giáo dục của địa phương", C, 35),
    # Four subjects chosen among these (TT 13/2022/TT-BGDĐT), 70 periods each.
    ("DIA_LY", "Địa lí", S, 70, CHOSEN),
    ("GDKT_PL", "Giáo dục kinh tế và pháp luật", S, 70, CHOSEN),
    ("VAT_LY", "Vật lí", S, 70, CHOSEN),
    ("HOA_HOC", "Hóa học", S, 70, CHOSEN),
    ("SINH_HOC", "Sinh học", S, 70, CHOSEN),
    ("CONG_NGHE", "Công nghệ", S, 70, CHOSEN),
    ("TIN_HOC", "Tin học", S, 70, CHOSEN),
    ("AM_NHAC", "Âm nhạc", C, 70, CHOSEN),
    ("MI_THUAT", "Mĩ thuật", C, 70, CHOSEN),
    # Chuyên đề học tập: three topics of 35 periods, attached to chosen subjects; assessed
    # within their subject, listed here so a school can record which ones it offers.
    ("CHUYEN_DE", "Chuyên đề học tập", S, 105, {"elective_group": "chuyen_de"}),
    ("TIENG_DAN_TOC", "Tiếng dân tộc thiểu số", S, 105, {"optional": True}),
    ("NGOAI_NGU_2", "Ngoại ngữ 2", S, 105, {"optional": True}),
)

ELECTIVES_TO_CHOOSE = 4  # THPT: four subjects from the "lua_chon" group

GDPT_2018 = Programme(
    code="GDPT2018-v1",
    name="Chương trình giáo dục phổ thông 2018 (TT 32/2018, sửa đổi TT 13/2022)",
    first_year="2020-2021",
    subjects=tuple(_PRIMARY + _LOWER_SECONDARY + _UPPER_SECONDARY),
)

PROGRAMMES: tuple[Programme, ...] = (GDPT_2018,)
_BY_CODE = {p.code: p for p in PROGRAMMES}


def programme(code: str) -> Programme:
    return _BY_CODE[code]


def programme_for_year(school_year: str) -> Programme:
    """The newest programme version whose first year is not after ``school_year``
    ("2025-2026" sorts correctly as text)."""
    candidates = [p for p in PROGRAMMES if p.first_year <= school_year]
    if not candidates:
        raise LookupError(f"không có chương trình nào áp dụng cho năm học {school_year}")
    return max(candidates, key=lambda p: p.first_year)
