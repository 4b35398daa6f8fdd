"""How one record value is written as the text of a simple tag, and read back.

CV 2088 PL1 II.1: numbers with a dot and at most four decimals; date-times as
``YYYY-MM-DDThh:mm:ssTZD`` (``2025-05-30T14:05:00+07:00``). A record date (birth date, creation
date) is written as midnight in Vietnam time, ``2014-05-17T00:00:00+07:00``; reading takes the
calendar date in Vietnam time (UTC+7) of whatever date-time another system wrote.
"""

from __future__ import annotations

import enum
import unicodedata
from collections.abc import Callable, Mapping
from datetime import date, datetime, timedelta, timezone
from typing import Any

VIETNAM = timezone(timedelta(hours=7))
MIDNIGHT = "T00:00:00+07:00"


class Kind(enum.Enum):
    TEXT = "text"
    INT = "int"  # Number without decimals: "2"
    DECIMAL = "decimal"  # a decimal string kept as written: "28.5"
    DATE = "date"  # record "2014-05-17" ↔ XML "2014-05-17T00:00:00+07:00"
    DATETIME = "datetime"  # record and XML "2025-05-30T14:05:00+07:00"
    BOOL = "bool"  # true/false ↔ 1/0
    CODE = "code"  # record code ↔ XML code through a table
    RESULT = "result"  # TT 22 subject result: "7.9" as is; D/CD ↔ Đ/CĐ


COMMENT_RESULTS = {"D": "Đ", "CD": "CĐ"}  # TT 22/2021 Điều 5.3.a: Đạt / Chưa đạt
_COMMENT_BACK = {v: k for k, v in COMMENT_RESULTS.items()}


class Unmappable(ValueError):
    """The text is valid XML but has no meaning in the canonical record."""


def _key(text: str) -> str:
    return unicodedata.normalize("NFC", text).strip().casefold()


class Codes:
    """A code table: the record's value → the XML text, and back (case-insensitive, NFC)."""

    def __init__(self, table: Mapping[str, str], what: str) -> None:
        self.table = dict(table)
        self.what = what
        self._back = {_key(v): k for k, v in self.table.items()}

    def write(self, value: str) -> str:
        return self.table[value]

    def read(self, text: str) -> str:
        found = self._back.get(_key(text))
        if found is None:
            known = "; ".join(f"“{v}”" for v in self.table.values())
            raise Unmappable(f"không ánh xạ được {self.what} “{text}” vào bản ghi (các giá "
                             f"trị đã biết: {known})")
        return found


def writer_for(kind: Kind, codes: Codes | None = None) -> Callable[[Any], str]:
    """The function writing a value of ``kind``, chosen once per tag."""
    if kind is Kind.TEXT or kind is Kind.DECIMAL or kind is Kind.DATETIME:
        return str
    if kind is Kind.CODE:
        assert codes is not None
        return codes.write
    # The other kinds as ``write`` writes them, without choosing the kind again per value.
    if kind is Kind.INT:
        return lambda value: str(int(value))
    if kind is Kind.DATE:
        return lambda value: f"{value}{MIDNIGHT}"
    if kind is Kind.BOOL:
        return lambda value: "1" if value else "0"
    return lambda value: COMMENT_RESULTS.get(value, value)  # Kind.RESULT


def write(kind: Kind, value: Any, codes: Codes | None = None) -> str:
    if kind is Kind.TEXT or kind is Kind.DECIMAL or kind is Kind.DATETIME:
        return str(value)
    if kind is Kind.INT:
        return str(int(value))
    if kind is Kind.DATE:
        return f"{value}{MIDNIGHT}"
    if kind is Kind.BOOL:
        return "1" if value else "0"
    if kind is Kind.CODE:
        assert codes is not None
        return codes.write(value)
    return COMMENT_RESULTS.get(value, value)  # Kind.RESULT


def read(kind: Kind, text: str, codes: Codes | None = None) -> Any:
    """The record value for ``text``; ``Unmappable`` with a Vietnamese reason otherwise.
    Formats were already checked by the profile's XSD."""
    if kind is Kind.TEXT or kind is Kind.DECIMAL:
        return text
    if kind is Kind.INT:
        return int(text)
    if kind is Kind.DATE:
        return _date(text).isoformat()
    if kind is Kind.DATETIME:
        return _datetime(text).isoformat()
    if kind is Kind.BOOL:
        return {"1": True, "0": False}[text]
    if kind is Kind.CODE:
        assert codes is not None
        return codes.read(text)
    return _COMMENT_BACK.get(text, text)  # Kind.RESULT


def _datetime(text: str) -> datetime:
    value = datetime.fromisoformat(text.replace("Z", "+00:00"))
    if value.tzinfo is None:  # pragma: no cover - the XSD pattern requires the zone
        raise Unmappable(f"ngày giờ “{text}” thiếu múi giờ (CV 2088 PL1 II.1)")
    return value


def _date(text: str) -> date:
    return _datetime(text).astimezone(VIETNAM).date()
