"""What a primary (TT 27/2020) gradebook cell may hold, and how a teacher types it. Pure
Python, no Django.

A primary sheet is one class × subject over the whole year. Its columns, per assessment point
(TT 27/2020 Điều 6: giữa HK I, cuối HK I, giữa HK II, cuối năm), are the level (``muc``:
T/H/C, Điều 7.1.a), the periodic test (``ktdk``: an integer 0–10, Điều 7.1.b–d) where the
subject and point take one, and the comment (``nx``). A column is named ``<point>_<kind>``:
``gk1_muc``, ``cn_ktdk``, ``ck1_nx``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal

from hocba.domain.text import clean, fold
from hocba.gradebook.cells import COMMENT_MAX, CellError

POINTS = (1, 2, 3, 4)
POINT_CODES = {1: "gk1", 2: "ck1", 3: "gk2", 4: "cn"}
POINT_BY_CODE = {code: point for point, code in POINT_CODES.items()}
POINT_LABELS = {1: "Giữa HK I", 2: "Cuối HK I", 3: "Giữa HK II", 4: "Cuối năm"}
POINT_PHRASES = {1: "giữa học kì I", 2: "cuối học kì I", 3: "giữa học kì II", 4: "cuối năm học"}
POINT_TERM = {1: 1, 2: 1, 3: 2, 4: 2}  # TermLock: term I covers GK1, CK1; term II GK2, CN
END_OF_YEAR = 4
LEVEL, TEST, COMMENT = "muc", "ktdk", "nx"
KINDS = (LEVEL, TEST, COMMENT)
KIND_LABELS = {LEVEL: "Mức đạt được", TEST: "Điểm KTĐK", COMMENT: "Nhận xét"}
SHORT_LABELS = {LEVEL: "Mức", TEST: "KTĐK", COMMENT: "Nhận xét"}
SOURCE = "TT 27/2020"

# Keys folded by ``fold`` (no marks, no spaces): what a teacher may type for a level.
_LEVELS = {"t": "T", "htt": "T", "hoanthanhtot": "T", "h": "H", "ht": "H", "hoanthanh": "H",
           "c": "C", "cht": "C", "chuahoanthanh": "C"}
# And for a quality or competence rating (TT 27/2020 Điều 7.2): Đ and D are the same.
_RATINGS = {"t": "T", "tot": "T", "d": "D", "dat": "D", "c": "C", "cancogang": "C"}
RATING_LABELS = {"T": "T", "D": "Đ", "C": "C"}
_NUMBER = re.compile(r"^[+-]?(\d+([.,]\d*)?|[.,]\d+)$")

QUALITY_LABELS = {"yeu_nuoc": "Yêu nước", "nhan_ai": "Nhân ái", "cham_chi": "Chăm chỉ",
                  "trung_thuc": "Trung thực", "trach_nhiem": "Trách nhiệm"}
GENERAL_LABELS = {"tu_chu_tu_hoc": "Tự chủ và tự học",
                  "giao_tiep_hop_tac": "Giao tiếp và hợp tác",
                  "giai_quyet_van_de": "Giải quyết vấn đề và sáng tạo"}
SPECIFIC_LABELS = {"ngon_ngu": "Ngôn ngữ", "tinh_toan": "Tính toán", "khoa_hoc": "Khoa học",
                   "cong_nghe": "Công nghệ", "tin_hoc": "Tin học", "tham_mi": "Thẩm mĩ",
                   "the_chat": "Thể chất"}
RATING_NAMES = {**QUALITY_LABELS, **GENERAL_LABELS, **SPECIFIC_LABELS}


def split(field: str) -> tuple[int, str]:
    """``"ck1_muc"`` → (2, ``"muc"``); CellError for a name that is no column."""
    code, _, kind = field.partition("_")
    if code not in POINT_BY_CODE or kind not in KINDS:
        raise CellError(field, f"Không có cột “{field}” trong sổ theo dõi.")
    return POINT_BY_CODE[code], kind


def field_name(point: int, kind: str) -> str:
    return f"{POINT_CODES[point]}_{kind}"


def kind_label(field: str) -> str:
    """``"ck1_muc"`` → ``"Cuối HK I · Mức đạt được"``."""
    point, kind = split(field)
    return f"{POINT_LABELS[point]} · {KIND_LABELS[kind]}"


@dataclass(frozen=True)
class PrimaryShape:
    """The columns of one class × subject: which points take a periodic test."""

    subject_name: str
    grade: int
    periodic_test: bool  # TT 27/2020 Điều 7.1.b: end of term I and end of year
    midterm_test: bool  # Điều 7.1.c: mid-term I and II (Tiếng Việt, Toán, grades 4–5)

    def tested(self, point: int) -> bool:
        if point in (2, 4):
            return self.periodic_test
        return self.midterm_test

    def kinds(self, point: int) -> list[str]:
        return [LEVEL, *([TEST] if self.tested(point) else []), COMMENT]

    def fields_of(self, point: int) -> list[str]:
        return [field_name(point, kind) for kind in self.kinds(point)]

    @property
    def fields(self) -> list[str]:
        return [f for point in POINTS for f in self.fields_of(point)]

    def check_field(self, field: str) -> tuple[int, str]:
        point, kind = split(field)
        if kind == TEST and not self.tested(point):
            raise CellError(field, (
                f"Môn {self.subject_name} lớp {self.grade} không có bài kiểm tra định kì "
                f"{POINT_PHRASES[point]} ({SOURCE} Điều 7.1.b–d)."))
        return point, kind

    def parse(self, field: str, raw: str) -> str:
        """The canonical stored text of what the teacher typed: ``"T"``, ``"9"``, ``""``."""
        _, kind = self.check_field(field)
        if kind == COMMENT:
            text = clean(raw)
            if len(text) > COMMENT_MAX:
                raise CellError(field, f"Nhận xét dài quá {COMMENT_MAX} kí tự.")
            return text
        if kind == LEVEL:
            return parse_level(field, raw) or ""
        test = parse_test(field, raw)
        return "" if test is None else str(test)

    def label(self, field: str) -> str:
        return kind_label(field)


def parse_level(field: str, raw: str) -> str | None:
    """T, H or C (TT 27/2020 Điều 7.1.a), typed in either case; None for empty."""
    text = clean(raw)
    if not text:
        return None
    level = _LEVELS.get(fold(text))
    if level is None:
        raise CellError(field, (
            f"“{text}” không phải là mức đạt được: chỉ nhận T (Hoàn thành tốt), H (Hoàn "
            f"thành) hoặc C (Chưa hoàn thành) ({SOURCE} Điều 7.1.a)."))
    return level


def parse_test(field: str, raw: str) -> int | None:
    """An integer 0–10 (TT 27/2020 Điều 7.1.b–d: no decimal marks); None for empty.
    ``8,0`` is 8; ``8,5`` is refused."""
    text = clean(raw).replace(" ", "")
    if not text:
        return None
    if not _NUMBER.match(text):
        raise CellError(field, f"“{clean(raw)}” không phải là điểm: hãy nhập một số nguyên "
                               "từ 0 đến 10.")
    value = Decimal(text.replace(",", "."))
    if value != value.to_integral_value():
        raise CellError(field, (
            f"“{text}”: điểm kiểm tra định kì là số nguyên từ 0 đến 10, không cho điểm thập "
            f"phân ({SOURCE} Điều 7.1.b–d)."))
    if value < 0 or value > 10:
        raise CellError(field, f"Điểm kiểm tra định kì phải từ 0 đến 10 ({SOURCE} "
                               "Điều 7.1.b–d).")
    return int(value)


def parse_rating(field: str, raw: str) -> str | None:
    """T, Đ or C for a quality or competence (TT 27/2020 Điều 7.2); ``D`` is Đ."""
    text = clean(raw)
    if not text:
        return None
    rating = _RATINGS.get(fold(text))
    if rating is None:
        raise CellError(field, (
            f"“{text}” không phải là mức đánh giá phẩm chất, năng lực: chỉ nhận T (Tốt), "
            f"Đ (Đạt) hoặc C (Cần cố gắng) ({SOURCE} Điều 7.2)."))
    return rating


def show_rating(stored: str) -> str:
    return RATING_LABELS.get(stored, stored)
