"""Canonical JSON serialisation of a record, in the manner of RFC 8785 (JCS), and its hash.

* object members sorted by key, compared as UTF-16 code units (RFC 8785 §3.2.3);
* no white space between tokens;
* strings escaped as ECMAScript's ``JSON.stringify`` does (RFC 8785 §3.2.2.2): ``\\"``,
  ``\\\\``, ``\\b \\f \\n \\r \\t``, other controls as ``\\u00xx``; everything else literal;
* strings in Unicode NFC first (our addition: Vietnamese arrives in NFC or NFD, and the
  same record must have one hash);
* UTF-8 bytes.

The record holds no binary floating-point numbers: numbers are integers, decimals are
strings ("7.9"), so the ECMAScript number formatting of RFC 8785 §3.2.2.3 reduces to the
integer's decimal digits. A float, NaN or a non-string key is refused.
"""

from __future__ import annotations

import hashlib
import json
import unicodedata
from typing import Any


def _string(value: str) -> str:
    # json.dumps(ensure_ascii=False) escapes exactly the characters JSON.stringify escapes.
    return json.dumps(unicodedata.normalize("NFC", value), ensure_ascii=False)


def _key(name: str) -> bytes:
    return name.encode("utf-16-be", "surrogatepass")


def _write(value: Any, out: list[str]) -> None:
    if value is None:
        out.append("null")
    elif value is True:
        out.append("true")
    elif value is False:
        out.append("false")
    elif isinstance(value, int):
        out.append(str(value))
    elif isinstance(value, str):
        out.append(_string(value))
    elif isinstance(value, list | tuple):
        out.append("[")
        for i, item in enumerate(value):
            if i:
                out.append(",")
            _write(item, out)
        out.append("]")
    elif isinstance(value, dict):
        for key in value:
            if not isinstance(key, str):
                raise TypeError(f"khóa JSON phải là chuỗi, nhận được {key!r}")
        out.append("{")
        for i, key in enumerate(sorted(value, key=lambda k: _key(unicodedata.normalize(
                "NFC", k)))):
            if i:
                out.append(",")
            out.append(_string(key))
            out.append(":")
            _write(value[key], out)
        out.append("}")
    else:
        raise TypeError(f"giá trị {value!r} ({type(value).__name__}) không có dạng chuẩn: "
                        f"số thập phân phải là chuỗi, ví dụ \"7.9\"")


def canonical_bytes(value: Any) -> bytes:
    """The canonical UTF-8 bytes of a JSON value (dicts, lists, str, int, bool, None)."""
    out: list[str] = []
    _write(value, out)
    return "".join(out).encode("utf-8")


def sha256_hex(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()
