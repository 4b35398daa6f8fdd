"""XSD validation of a profile, with reasons a school clerk can act on.

libxml2 reports in English (``Element 'NGAY_SINH': '17/05/2014' is not a valid value of the
atomic type 'NgayGio'``); each report becomes one ``Problem`` at the element's path and line
with a Vietnamese reason naming the tag, the value and the expected form.
"""

from __future__ import annotations

import functools
import re
import threading
from typing import Any

from lxml import etree

from hocba.domain.moet.errors import Problem
from hocba.domain.moet.profiles import XSD_DIR, Profile

XS = "http://www.w3.org/2001/XMLSchema"

_DECIMAL = "số dùng dấu chấm thập phân, tối đa 4 chữ số thập phân, ví dụ 28.5 (CV 2088 PL1 II.1)"
TYPE_HINTS = {
    "NgayGio": ("ngày giờ dạng YYYY-MM-DDThh:mm:ss±hh:mm, ví dụ 2025-05-30T14:05:00+07:00 "
                "(CV 2088 PL1 II.1)"),
    "SoThapPhan": _DECIMAL,
    "SoNguyen": "số nguyên không âm, ví dụ 2",
    "MaTraCuu": "UUID phiên bản 4, 36 ký tự gồm 4 dấu gạch (CV 2088 PL1 II.1)",
    "SoDinhDanh": "số định danh cá nhân gồm đúng 12 chữ số",
    "GioiTinh": "1 (nam) hoặc 2 (nữ) theo QCVN 109:2017/BTTTT",
    "CoKhong": "1 (có) hoặc 0 (không)",
    "TenNamHoc": "năm học dạng 2024-2025",
    "Nam": "năm bắt đầu năm học, 4 chữ số",
    "MaMonHoc": "mã môn viết hoa không dấu, ví dụ TOAN",
    "DiemKiemTra": "điểm kiểm tra định kỳ là số nguyên 0–10 (TT 27/2020 Điều 7.1)",
    "KetQuaMon": ("điểm 0–10, số nguyên hoặc một chữ số thập phân với dấu chấm (TT 22/2021 "
                  "Điều 5.3.b), hoặc Đ / CĐ"),
}
_EXPECTED = re.compile(r"Expected is (?:one of )?\( ?(.*?) ?\)")
_ELEMENT = re.compile(r"^Element '([^']+)'")
_ATOMIC = re.compile(r"^Element '[^']+'(?:, attribute '[^']+')?: '(.*)' is not a valid value "
                     r"of the (?:local )?atomic type '([^']*)'", re.S)
_PATTERN = re.compile(r"\[facet 'pattern'\] The value '(.*)' is not accepted by the pattern "
                      r"'(.*)'\.$", re.S)
_FACET_VALUE = re.compile(r"\[facet '(\w+)'\] The value '(.*?)' ", re.S)
_DUPLICATE = re.compile(r"Duplicate key-sequence \['(.*?)'\]")
_local = threading.local()  # one compiled schema per thread: lxml schemas are not shared


@functools.cache
def _pattern_types() -> dict[str, str]:
    """Pattern → the name of the simple type declaring it, from our XSD files: libxml2 names
    the pattern, not the type, when a value does not match."""
    found: dict[str, str] = {}
    for path in sorted(XSD_DIR.glob("*.xsd")):
        tree = etree.parse(str(path), etree.XMLParser(no_network=True, resolve_entities=False))
        for simple in tree.iterfind(f".//{{{XS}}}simpleType[@name]"):
            for pattern in simple.iterfind(f".//{{{XS}}}pattern"):
                found.setdefault(pattern.get("value"), simple.get("name"))
    return found


def _schema(profile: Profile) -> Any:
    cache: dict[str, Any] = _local.__dict__.setdefault("schemas", {})
    if profile.key not in cache:
        parser = etree.XMLParser(no_network=True, resolve_entities=False)
        cache[profile.key] = etree.XMLSchema(etree.parse(str(profile.xsd_path), parser))
    return cache[profile.key]


def _tag(message: str) -> str:
    match = _ELEMENT.match(message)
    return re.sub(r"^\{urn:hocba:mo-rong:1\}", "hb:", match.group(1)) if match else "?"


def _names(expected: str) -> str:
    return ", ".join(re.sub(r"\{urn:hocba:mo-rong:1\}", "hb:", n.strip())
                     for n in expected.split(","))


def _decimal_comma(value: str) -> bool:
    return bool(re.fullmatch(r"\d+,\d+", value))


def explain(message: str) -> str:
    """A Vietnamese reason for one libxml2 validation message."""
    tag = _tag(message)
    expected = _EXPECTED.search(message)
    if "Missing child element" in message and expected:
        names = _names(expected.group(1))
        if "," in names:  # libxml2 lists the optional tags that could also come next
            return f"thiếu thẻ bắt buộc trong {tag}: tiếp theo cần một trong {names}"
        return f"thiếu thẻ bắt buộc {names} trong {tag}"
    if "This element is not expected" in message:
        where = (f"; ở đây cần {_names(expected.group(1))} (thiếu thẻ đó, hoặc sai thứ tự)"
                 if expected else "")
        return f"thẻ {tag} không đúng chỗ hoặc không có trong hồ sơ{where}"
    if "[facet 'minLength']" in message and "length of '0'" in message:
        return (f"thẻ {tag} rỗng: giá trị không có thì bỏ hẳn thẻ, không để thẻ rỗng "
                f"(CV 2088 PL1 II.1)")
    duplicate = _DUPLICATE.search(message)
    if duplicate:
        return f"mã {duplicate.group(1)} xuất hiện hai lần trong {tag}"
    atomic = _ATOMIC.search(message)
    pattern = _PATTERN.search(message)
    if atomic or pattern:
        if atomic:
            value, kind = atomic.groups()
        else:
            assert pattern is not None
            value, kind = pattern.group(1), _pattern_types().get(pattern.group(2), "")
        if value == "":
            return (f"thẻ {tag} rỗng: giá trị không có thì bỏ hẳn thẻ, không để thẻ rỗng "
                    f"(CV 2088 PL1 II.1)")
        if _decimal_comma(value):
            return (f"{tag} “{value}” dùng dấu phẩy thập phân; đặc tả dùng dấu chấm: "
                    f"{value.replace(',', '.')} (CV 2088 PL1 II.1)")
        hint = TYPE_HINTS.get(kind)
        return f"{tag} “{value}” không hợp lệ" + (f": cần {hint}" if hint else "")
    facet = _FACET_VALUE.search(message)
    if facet and facet.group(1) == "enumeration":
        allowed = re.search(r"set \{(.*)\}", message)
        options = f": cần một trong {allowed.group(1)}" if allowed else ""
        return f"{tag} “{facet.group(2)}” không phải giá trị được phép{options}"
    return f"không đúng lược đồ XSD: {message}"


def check(root: Any, profile: Profile) -> list[Problem]:
    """Every XSD problem of the tree, one per element (the most telling reason)."""
    schema = _schema(profile)
    if schema.validate(root):
        return []
    found: dict[tuple[str, int], list[str]] = {}
    for error in schema.error_log:
        found.setdefault((error.path or "/", error.line), []).append(error.message)
    return [Problem(path, f"{_best(messages)} (hồ sơ {profile.key})", line)
            for (path, line), messages in found.items()]


def _best(messages: list[str]) -> str:
    """libxml2 follows a pattern or enumeration failure with an "atomic type" report: the
    enumeration lists the allowed values, the atomic type names the expected form."""
    for message in messages:
        if "[facet 'enumeration']" in message and "The value ''" not in message:
            return explain(message)
    for message in messages:
        if _ATOMIC.search(message):
            return explain(message)
    return explain(messages[0])
