"""What every assessment regime shares: levels, exact one-decimal rounding, explanations, errors.

No Django here and no floats: scores are ``decimal.Decimal`` from the moment they enter
(``Decimal(str(x))`` for a JSON number) and averages are rounded half-up to one decimal, the
conventional reading of "làm tròn số" in TT 22/2021 Điều 5.3.b and 9.1.b.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

ONE_DECIMAL = Decimal("0.1")
ZERO = Decimal(0)
TEN = Decimal(10)


def round_half_up(value: Decimal) -> Decimal:
    """One decimal, half up: 7.25 → 7.3, 7.2499 → 7.2 (TT 22/2021 Điều 5.3.b, 9.1.b)."""
    return value.quantize(ONE_DECIMAL, rounding=ROUND_HALF_UP)


def vn_number(value: Decimal | int | str) -> str:
    """A score the Vietnamese way, with a decimal comma: ``Decimal("6.5")`` → ``"6,5"``."""
    return str(value).replace(".", ",")


class Level(enum.Enum):
    """TT 22/2021 học tập and rèn luyện levels (Điều 8, Điều 9.2), ordered by ``rank``."""

    TOT = "TOT"
    KHA = "KHA"
    DAT = "DAT"
    CHUA_DAT = "CHUA_DAT"

    @property
    def rank(self) -> int:
        return _RANK_BY_VALUE[self._value_]  # keyed by str: Enum's own hash is slow

    @property
    def label(self) -> str:
        return _LEVEL_LABEL[self._value_]

    def at_least(self, other: Level) -> bool:
        return self.rank >= other.rank

    @classmethod
    def from_rank(cls, rank: int) -> Level:
        return _LEVEL_BY_RANK[rank]


_LEVEL_RANK = {Level.TOT: 3, Level.KHA: 2, Level.DAT: 1, Level.CHUA_DAT: 0}
_LEVEL_BY_RANK = {rank: level for level, rank in _LEVEL_RANK.items()}
_RANK_BY_VALUE = {level.value: rank for level, rank in _LEVEL_RANK.items()}
_LEVEL_LABEL = {"TOT": "Tốt", "KHA": "Khá", "DAT": "Đạt", "CHUA_DAT": "Chưa đạt"}


class CommentResult(enum.Enum):
    """A comment-only subject's result (TT 22/2021 Điều 5.3.a, 9.1.a): Đạt or Chưa đạt."""

    D = "D"
    CD = "CD"

    @property
    def label(self) -> str:
        return "Đạt" if self is CommentResult.D else "Chưa đạt"


class SubjectLevel(enum.Enum):
    """TT 27/2020 Điều 7.1.a: Hoàn thành tốt, Hoàn thành, Chưa hoàn thành."""

    T = "T"
    H = "H"
    C = "C"

    @property
    def label(self) -> str:
        return {"T": "Hoàn thành tốt", "H": "Hoàn thành", "C": "Chưa hoàn thành"}[self.value]


class Rating(enum.Enum):
    """TT 27/2020 Điều 7.2: qualities and competences are Tốt, Đạt or Cần cố gắng."""

    T = "T"
    D = "D"
    C = "C"

    @property
    def label(self) -> str:
        return {"T": "Tốt", "D": "Đạt", "C": "Cần cố gắng"}[self.value]


class YearEvaluation(enum.Enum):
    """TT 27/2020 Điều 9.2: the primary year evaluation, best first."""

    HTXS = "HTXS"
    HTT = "HTT"
    HT = "HT"
    CHT = "CHT"

    @property
    def label(self) -> str:
        return {"HTXS": "Hoàn thành xuất sắc", "HTT": "Hoàn thành tốt", "HT": "Hoàn thành",
                "CHT": "Chưa hoàn thành"}[self.value]

    @property
    def completes_grade(self) -> bool:
        return self is not YearEvaluation.CHT


class Award(enum.Enum):
    """End-of-year titles. HS_TIEU_BIEU is TT 27/2020 Điều 13's second title (an extension
    of the issue's list, given only on a class decision supplied in the input)."""

    HS_XUAT_SAC = "HS_XUAT_SAC"
    HS_GIOI = "HS_GIOI"
    HS_TIEU_BIEU = "HS_TIEU_BIEU"

    @property
    def label(self) -> str:
        return {"HS_XUAT_SAC": "Học sinh Xuất sắc", "HS_GIOI": "Học sinh Giỏi",
                "HS_TIEU_BIEU": "Học sinh Tiêu biểu hoàn thành tốt trong học tập và rèn luyện",
                }[self.value]


@dataclass(frozen=True, slots=True)
class Explanation:
    """Why a result is what it is: the rule (article citation) and a short Vietnamese reason.

    ``field`` names the result explained, in the output's own words (``hoc_tap.hk1``,
    ``subjects.TOAN.year``...)."""

    field: str
    rule: str
    reason: str

    def as_dict(self) -> dict[str, str]:
        return {"field": self.field, "rule": self.rule, "reason": self.reason}


class AssessmentError(ValueError):
    """An input the rules cannot assess. ``path`` locates it in the input (JSON-path style,
    e.g. ``students[0].subjects[2].hk1.tx[3]``); ``message`` says what is wrong, in
    Vietnamese, so that a teacher can act on it."""

    def __init__(self, path: str, message: str) -> None:
        super().__init__(f"{path}: {message}" if path else message)
        self.path = path
        self.message = message

    def under(self, prefix: str) -> AssessmentError:
        """The same error located inside ``prefix`` (a parent path)."""
        if not self.path:
            return AssessmentError(prefix, self.message)
        joiner = "" if self.path.startswith("[") else "."
        return AssessmentError(f"{prefix}{joiner}{self.path}", self.message)
