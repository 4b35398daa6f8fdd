"""What a gradebook cell may hold, and how a teacher types it. Pure Python, no Django.

A sheet is one class × subject × term. Its columns are TX1…TXn (n regular assessments from
the curriculum, TT 22/2021 Điều 6.2), GK, CK and the comment (nhận xét). A score subject's
cells hold scores on the 10-point scale, integers or one decimal (Điều 5.3.b); a comment-only
subject's hold Đ or CĐ (Điều 5.3.a). Teachers type the Vietnamese decimal comma ("8,5").
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from hocba.domain.assessment.common import vn_number
from hocba.domain.text import clean, fold

COMMENT_FIELD = "nhan_xet"
COMMENT_MAX = 2000
_SCORE_TEXT = re.compile(r"^[+-]?(\d+([.,]\d*)?|[.,]\d+)$")
_TX_FIELD = re.compile(r"^tx([1-9]\d?)$")
_RATINGS = {"d": "D", "dat": "D", "cd": "CD", "chuadat": "CD"}  # keys folded (no marks)
RATING_LABELS = {"D": "Đ", "CD": "CĐ"}


class CellError(ValueError):
    """A value a cell cannot hold: ``field`` says which column, ``message`` why (Vietnamese)."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field
        self.message = message


@dataclass(frozen=True)
class SheetShape:
    """The columns of one sheet: ``regular`` ĐĐGtx, and whether the subject is scored."""

    subject_name: str
    grade: int
    regular: int
    scored: bool

    @property
    def fields(self) -> list[str]:
        return [*self.regular_fields, "gk", "ck", COMMENT_FIELD]

    @property
    def regular_fields(self) -> list[str]:
        return [f"tx{i}" for i in range(1, self.regular + 1)]

    def check_field(self, field: str) -> None:
        match = _TX_FIELD.match(field)
        if match and int(match.group(1)) > self.regular:
            # TT 22/2021 Điều 6.2.a (comment subjects) and 6.2.b (by periods per year).
            raise CellError(field, f"Môn {self.subject_name} lớp {self.grade} chỉ có "
                                   f"{self.regular} lần đánh giá thường xuyên mỗi học kì "
                                   f"(TT 22/2021 Điều 6.2); không có cột {field.upper()}.")
        if field not in self.fields:
            raise CellError(field, f"Không có cột “{field}” trong sổ điểm.")

    def parse(self, field: str, raw: str) -> str:
        """The canonical stored text of what the teacher typed: ``"8.5"``, ``"D"``, ``""``."""
        self.check_field(field)
        if field == COMMENT_FIELD:
            text = clean(raw)
            if len(text) > COMMENT_MAX:
                raise CellError(field, f"Nhận xét dài quá {COMMENT_MAX} kí tự.")
            return text
        if self.scored:
            score = parse_score(field, raw)
            return "" if score is None else f"{score:f}"
        return parse_rating(field, raw) or ""

    def label(self, field: str) -> str:
        return "Nhận xét" if field == COMMENT_FIELD else field.upper()

    def show(self, field: str, stored: str) -> str:
        """The stored text as the teacher reads it: ``"8,5"``, ``"Đ"``."""
        if field == COMMENT_FIELD or not stored:
            return stored
        if self.scored:
            return vn_number(stored)
        return RATING_LABELS.get(stored, stored)


def parse_score(field: str, raw: str) -> Decimal | None:
    """A score of 0–10 with at most one decimal (TT 22/2021 Điều 5.3.b), or None for empty."""
    text = clean(raw).replace(" ", "")
    if not text:
        return None
    if not _SCORE_TEXT.match(text):
        raise CellError(field, f"“{clean(raw)}” không phải là điểm: hãy nhập một số từ 0 đến "
                               "10, ví dụ 8 hoặc 8,5.")
    try:
        value = Decimal(text.replace(",", "."))
    except InvalidOperation:  # pragma: no cover - the pattern above admits only numbers
        raise CellError(field, f"“{clean(raw)}” không phải là điểm.") from None
    if value < 0 or value > 10:
        raise CellError(field, "Điểm phải từ 0 đến 10 (TT 22/2021 Điều 5.3.b).")
    normal = value.normalize()
    exponent = normal.as_tuple().exponent
    if isinstance(exponent, int) and exponent < -1:
        raise CellError(field, "Điểm chỉ có tối đa một chữ số thập phân "
                               "(TT 22/2021 Điều 5.3.b), ví dụ 7,5 chứ không phải 7,25.")
    return value.quantize(Decimal(1) if value == value.to_integral() else Decimal("0.1"))


def parse_rating(field: str, raw: str) -> str | None:
    """Đ or CĐ for a comment-only subject (TT 22/2021 Điều 5.3.a); None for empty."""
    text = clean(raw)
    if not text:
        return None
    key = fold(text)
    if key in _RATINGS:
        return _RATINGS[key]
    raise CellError(field, f"“{text}” không phải là mức đánh giá: môn đánh giá bằng nhận xét "
                           "chỉ nhận Đ (Đạt) hoặc CĐ (Chưa đạt) (TT 22/2021 Điều 5.3.a).")
