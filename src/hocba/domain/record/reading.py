"""Reading the canonical record's JSON with errors that name the field's path.

``Fields`` wraps one JSON object and its path (``student.birth_date``,
``secondary.subjects[2].hk1``). Every refusal is a ``RecordError`` carrying that path and a
Vietnamese reason, so the composer, the API and the XML reader can all say exactly which
value is wrong.

Strings are normalised on the way in: NFC (STACK.md §1), line ends ``\\n``, trimmed; a
one-line field has its inner runs of white space collapsed. An empty string is the same as
``null``. Characters XML 1.0 cannot carry (most control characters, lone surrogates) are
refused here, because every record must be writable as the Ministry's XML (CV 2088 PL1 II.1).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Iterable
from datetime import date, datetime
from typing import Any, TypeVar

E = TypeVar("E")

# XML 1.0 §2.2 Char: tab, line feed and carriage return are the only controls allowed.
_NOT_XML_CHAR = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_DATETIME = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}[+-]\d{2}:\d{2}$")
_SCHOOL_YEAR = re.compile(r"^(\d{4})-(\d{4})$")


class RecordError(ValueError):
    """A value of the canonical record that was refused, with the path of that value."""

    def __init__(self, path: str, message: str) -> None:
        super().__init__(f"{path}: {message}" if path else message)
        self.path = path
        self.message = message


def join(path: str, key: str | int) -> str:
    if isinstance(key, int):
        return f"{path}[{key}]"
    return f"{path}.{key}" if path else key


def kind(value: Any) -> str:
    """How a JSON value is named in an error message."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true/false"
    if isinstance(value, int | float):
        return f"số {value}"
    if isinstance(value, str):
        return f"chuỗi “{value}”"
    if isinstance(value, list):
        return "một danh sách"
    if isinstance(value, dict):
        return "một đối tượng"
    return type(value).__name__


class _Refused(Exception):
    """A value refused before its path is known (the path is built only on refusal)."""


# Short texts already cleaned, with the result: the records of a school repeat the same names
# (school, places, subjects, teachers, signers' titles) thousands of times. Bounded; a refused
# text is never kept, so it is refused again.
_CLEANED: dict[tuple[str, bool], str | None] = {}
_SHORT = 120


def _clean_text(value: Any, multiline: bool) -> str | None:
    if value is None:
        return None
    if not isinstance(value, str):
        raise _Refused(f"cần một chuỗi, nhận được {kind(value)}")
    if len(value) > _SHORT:
        return _cleaned(value, multiline)
    key = (value, multiline)
    try:
        return _CLEANED[key]
    except KeyError:
        pass
    result = _cleaned(value, multiline)
    if len(_CLEANED) >= 8192:
        _CLEANED.clear()
    _CLEANED[key] = result
    return result


def _cleaned(value: str, multiline: bool) -> str | None:
    bad = _NOT_XML_CHAR.search(value)
    if bad:
        raise _Refused(f"có ký tự điều khiển U+{ord(bad.group()):04X} mà XML không mang "
                       f"được (CV 2088 PL1 II.1: UTF-8, TCVN 6909:2001)")
    if not (value.isascii() or unicodedata.is_normalized("NFC", value)):
        value = unicodedata.normalize("NFC", value)
    if multiline:
        result = value.replace("\r\n", "\n").replace("\r", "\n").strip()
    else:
        # ``text.clean``: split() and join() collapse exactly the runs ``\s+`` matches
        # (both use Unicode's white space) and trim the ends.
        result = " ".join(value.split())
    return result or None


def text_value(value: Any, path: str, *, multiline: bool = False) -> str | None:
    """A JSON string normalised, or None for null and empty strings."""
    try:
        return _clean_text(value, multiline)
    except _Refused as exc:
        raise RecordError(path, str(exc)) from None


_KEY_SETS: dict[tuple[str, ...], frozenset[str]] = {}


def _exactly(value: dict[Any, Any], allowed: tuple[str, ...]) -> bool:
    """Whether the object has exactly the allowed keys."""
    keys = _KEY_SETS.get(allowed)
    if keys is None:
        keys = _KEY_SETS.setdefault(allowed, frozenset(allowed))
    return len(value) == len(keys) and value.keys() == keys


class Fields:
    """One JSON object of the record: its keys checked, its values read with their path.

    With ``absent_is_null`` a missing key reads as ``null`` (the XML reader's view: an
    absent element is a null value, CV 2088 PL1 II.1); otherwise every key must be present,
    as in the published JSON Schema.
    """

    def __init__(self, value: Any, path: str, keys: Iterable[str], *,
                 absent_is_null: bool = False) -> None:
        if not isinstance(value, dict):
            raise RecordError(path, f"cần một đối tượng JSON, nhận được {kind(value)}")
        allowed = tuple(keys)
        if not _exactly(value, allowed):  # the usual case checked in one step
            for key in value:
                if key not in allowed:
                    raise RecordError(join(path, str(key)), (
                        f"trường không có trong bản ghi hocba.record/1 (được phép: "
                        f"{', '.join(allowed)})"))
            if not absent_is_null:
                for key in allowed:
                    if key not in value:
                        raise RecordError(join(path, key),
                                          "thiếu trường (ghi null nếu không có)")
        self.value = value
        self.path = path
        self.absent_is_null = absent_is_null

    def at(self, key: str) -> str:
        return join(self.path, key)

    def raw(self, key: str) -> Any:
        return self.value.get(key)

    def _required(self, key: str, found: E | None, what: str) -> E:
        if found is None:
            raise RecordError(self.at(key), f"thiếu {what} (bắt buộc, không được null)")
        return found

    # --- strings -----------------------------------------------------------------------

    def text(self, key: str, what: str, *, multiline: bool = False) -> str:
        return self._required(key, self.optional_text(key, multiline=multiline), what)

    def optional_text(self, key: str, *, multiline: bool = False) -> str | None:
        try:
            return _clean_text(self.value.get(key), multiline)
        except _Refused as exc:
            raise RecordError(self.at(key), str(exc)) from None

    def matching(self, key: str, pattern: re.Pattern[str], expected: str, what: str) -> str:
        return self._required(key, self.optional_matching(key, pattern, expected), what)

    def optional_matching(self, key: str, pattern: re.Pattern[str], expected: str
                          ) -> str | None:
        value = self.raw(key)
        if value is None:
            return None
        if not isinstance(value, str) or not pattern.match(value):
            raise RecordError(self.at(key), f"{kind(value)} không đúng dạng: cần {expected}")
        return value

    def code(self, key: str, convert: Callable[[str], E], allowed: Iterable[str],
             what: str) -> E:
        return self._required(key, self.optional_code(key, convert, allowed), what)

    def optional_code(self, key: str, convert: Callable[[str], E], allowed: Iterable[str]
                      ) -> E | None:
        value = self.raw(key)
        if value is None:
            return None
        options = tuple(allowed)
        if not isinstance(value, str) or value not in options:
            raise RecordError(self.at(key), (f"{kind(value)} không hợp lệ: cần một trong "
                                              f"{', '.join(options)}"))
        return convert(value)

    # --- numbers, booleans, dates ------------------------------------------------------

    def integer(self, key: str, low: int, high: int | None, what: str) -> int:
        return self._required(key, self.optional_integer(key, low, high), what)

    def optional_integer(self, key: str, low: int, high: int | None) -> int | None:
        value = self.raw(key)
        if value is None:
            return None
        if isinstance(value, bool) or not isinstance(value, int):
            raise RecordError(self.at(key), f"cần một số nguyên, nhận được {kind(value)}")
        if value < low or (high is not None and value > high):
            bound = f"{low}–{high}" if high is not None else f"≥ {low}"
            raise RecordError(self.at(key), f"{value} ngoài khoảng {bound}")
        return value

    def optional_boolean(self, key: str) -> bool | None:
        value = self.raw(key)
        if value is None or isinstance(value, bool):
            return value
        raise RecordError(self.at(key), f"cần true hoặc false, nhận được {kind(value)}")

    def calendar_date(self, key: str, what: str) -> date:
        return self._required(key, self.optional_calendar_date(key), what)

    def optional_calendar_date(self, key: str) -> date | None:
        value = self.raw(key)
        if value is None:
            return None
        if isinstance(value, str) and _DATE.match(value):
            try:
                return date.fromisoformat(value)
            except ValueError:
                pass
        raise RecordError(self.at(key), (f"{kind(value)} không phải một ngày dạng "
                                         f"YYYY-MM-DD, ví dụ 2025-05-30"))

    def date_time(self, key: str, what: str) -> datetime:
        value = self.raw(key)
        if value is None:
            raise RecordError(self.at(key), f"thiếu {what} (bắt buộc, không được null)")
        if isinstance(value, str) and _DATETIME.match(value):
            try:
                return datetime.fromisoformat(value)
            except ValueError:
                pass
        raise RecordError(self.at(key), (
            f"{kind(value)} không phải ngày giờ dạng YYYY-MM-DDThh:mm:ss±hh:mm, ví dụ "
            f"2025-05-30T14:05:00+07:00 (CV 2088 PL1 II.1)"))

    def school_year(self, key: str) -> str:
        value = self.raw(key)
        match = _SCHOOL_YEAR.match(value) if isinstance(value, str) else None
        if not match or int(match.group(2)) != int(match.group(1)) + 1:
            raise RecordError(self.at(key), (f"{kind(value)} không phải năm học dạng "
                                             f"YYYY-YYYY liền nhau, ví dụ 2024-2025"))
        return value

    # --- nested values -----------------------------------------------------------------

    def object(self, key: str, keys: Iterable[str]) -> Fields:
        value = self.raw(key)
        if value is None and self.absent_is_null:
            value = {}
        return Fields(value, self.at(key), keys, absent_is_null=self.absent_is_null)

    def optional_object(self, key: str, keys: Iterable[str]) -> Fields | None:
        value = self.raw(key)
        if value is None:
            return None
        return Fields(value, self.at(key), keys, absent_is_null=self.absent_is_null)

    def items(self, key: str) -> list[tuple[str, Any]]:
        """The elements of a JSON list with their paths (a missing list reads as empty
        when ``absent_is_null``)."""
        value = self.raw(key)
        if value is None and self.absent_is_null:
            return []
        if not isinstance(value, list):
            raise RecordError(self.at(key), f"cần một danh sách JSON, nhận được {kind(value)}")
        return [(join(self.at(key), i), item) for i, item in enumerate(value)]
