"""From canonical records to what a Typst template reads.

The renderer takes the canonical record as a JSON dict (docs/examples/record-*.json), one
per school year. This module checks the few things the layout relies on, normalises every
string to NFC (STACK.md §1: one form in, one form printed and extracted), picks the template
for the level and adds the QR code. Labels for the codes live in the template
(``templates/hocba-chung.typ``), not here.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from hocba.domain.text import nfc
from hocba.rendering.errors import RenderError
from hocba.rendering.qr import qr_svg, verification_address

# Level (MA_CAP_HOC as the record spells it) -> template file and the result block it reads.
TEMPLATES: dict[str, tuple[str, str]] = {
    "TH": ("hocba-tieu-hoc.typ", "primary"),
    "THCS": ("hocba-trung-hoc.typ", "secondary"),
    "THPT": ("hocba-trung-hoc.typ", "secondary"),
}

# What the layout cannot do without (docs/record.schema.json has the whole contract; the
# homeroom teacher, identity number and the like may be null and print blank).
REQUIRED = ("lookup_code", "level", "school_year", "composed_at", "created_on",
            "student.full_name", "student.code", "school.name", "class.name", "class.grade",
            "signers.principal.name")


@dataclass(frozen=True)
class TypstInput:
    """One document to compile: the template, its ``sys.inputs.data`` and its date."""

    template: str
    data: str
    timestamp: int  # seconds since the epoch: the PDF's creation date


def normalised(value: Any) -> Any:
    """``value`` with every string (keys too) in NFC."""
    if isinstance(value, str):
        return nfc(value)
    if isinstance(value, Mapping):
        return {nfc(str(k)): normalised(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [normalised(v) for v in value]
    return value


def _lookup(record: Mapping[str, Any], path: str) -> Any:
    value: Any = record
    for key in path.split("."):
        if not isinstance(value, Mapping) or value.get(key) is None:
            return None
        value = value[key]
    return value


def _check(record: Any, where: str) -> None:
    if not isinstance(record, Mapping):
        raise RenderError(f"{where}: cần một bản ghi học bạ (đối tượng JSON).")
    for path in REQUIRED:
        if _lookup(record, path) is None:
            raise RenderError(f"{where}: thiếu trường {path}.")
    level = record["level"]
    if level not in TEMPLATES:
        raise RenderError(f"{where}, trường level: cấp học «{level}» chưa có mẫu học bạ "
                          f"(có: {', '.join(TEMPLATES)}).")
    block = TEMPLATES[level][1]
    if not isinstance(record.get(block), Mapping):
        raise RenderError(f"{where}: học bạ cấp {level} cần khối kết quả «{block}».")


def _where(record: Any, index: int, count: int) -> str:
    """How a message names one record: the whole record, or a year of a book."""
    if count == 1:
        return "Bản ghi học bạ"
    if isinstance(record, Mapping) and record.get("school_year"):
        return f"Năm học {record['school_year']}"
    return f"Năm thứ {index + 1}"


def _timestamp(composed_at: str, where: str) -> int:
    try:
        moment = datetime.fromisoformat(composed_at)
    except ValueError as exc:
        raise RenderError(f"{where}, trường composed_at: «{composed_at}» không phải "
                          "ngày giờ ISO 8601 (ví dụ 2025-05-30T14:05:00+07:00).") from exc
    if moment.tzinfo is None:
        raise RenderError(f"{where}, trường composed_at: «{composed_at}» thiếu múi giờ.")
    return int(moment.timestamp())


def prepare(records: Sequence[Mapping[str, Any]], *, verify_url: str) -> TypstInput:
    """Check and order the years of one book, and build the template's input.

    Several years must be the same student at the same level; they are printed oldest first
    and the cover, identity page and QR come from the latest (CV 2088 PL1 mục 4).
    """
    if not records:
        raise RenderError("Cần ít nhất một năm học để in học bạ.")
    for index, record in enumerate(records):
        _check(record, _where(record, index, len(records)))
    years = sorted((normalised(dict(r)) for r in records), key=lambda r: r["school_year"])
    latest = years[-1]
    for year in years:
        where = f"Năm học {year['school_year']}"
        if year["student"]["code"] != latest["student"]["code"]:
            raise RenderError(f"{where}: là học bạ của học sinh khác (mã "
                              f"{year['student']['code']}, không phải "
                              f"{latest['student']['code']}).")
        if year["level"] != latest["level"]:
            raise RenderError(f"{where}: khác cấp học ({year['level']}, không phải "
                              f"{latest['level']}); học bạ cả cấp chỉ gồm một cấp học.")
    school_years = [y["school_year"] for y in years]
    if len(set(school_years)) != len(school_years):
        raise RenderError(f"Năm học bị lặp trong học bạ cả cấp: {', '.join(school_years)}.")
    address = verification_address(verify_url, latest["lookup_code"])
    data = {"years": years, "qr_svg": qr_svg(address), "verify_url": verify_url}
    return TypstInput(
        template=TEMPLATES[latest["level"]][0],
        data=json.dumps(data, ensure_ascii=False),
        timestamp=_timestamp(latest["composed_at"], f"Năm học {latest['school_year']}"),
    )
