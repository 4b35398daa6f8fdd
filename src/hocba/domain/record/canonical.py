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


def _nfc(value: str) -> str:
    if value.isascii() or unicodedata.is_normalized("NFC", value):
        return value
    return unicodedata.normalize("NFC", value)


def _key(name: str) -> bytes:
    return name.encode("utf-16-be", "surrogatepass")


# Each set of keys met so far (in its order of insertion) → its (NFC name, key) pairs in
# RFC 8785 order: a record has a few dozen shapes of object, repeated in every record.
_ORDER: dict[tuple[Any, ...], tuple[tuple[str, str], ...]] = {}


def _object(value: dict[Any, Any]) -> dict[str, Any]:
    keys = tuple(value)
    order = _ORDER.get(keys)
    if order is None:
        for key in keys:
            if not isinstance(key, str):
                raise TypeError(f"khóa JSON phải là chuỗi, nhận được {key!r}")
        names = [_nfc(k) for k in keys]
        if len(set(names)) < len(names):  # one key spelt in NFC and NFD: the last value wins
            members = dict(zip(names, value.values(), strict=True))
            return {k: _prepared(members[k]) for k in sorted(members, key=_key)}
        order = tuple(sorted(zip(names, keys, strict=True), key=lambda pair: _key(pair[0])))
        if len(_ORDER) < 4096:
            _ORDER[keys] = order
    return {name: _prepared(value[key]) for name, key in order}


def _prepared(value: Any) -> Any:
    """The value with every string in NFC and every object's members in RFC 8785 order,
    refusing what has no canonical form; ``json.dumps`` then writes it as JCS does."""
    if isinstance(value, str):
        return _nfc(value)
    if value is None or value is True or value is False:
        return value
    if isinstance(value, dict):
        return _object(value)
    if isinstance(value, list | tuple):
        return [_prepared(item) for item in value]
    if isinstance(value, int):
        return value
    raise TypeError(f"giá trị {value!r} ({type(value).__name__}) không có dạng chuẩn: "
                    f"số thập phân phải là chuỗi, ví dụ \"7.9\"")


def canonical_bytes(value: Any) -> bytes:
    """The canonical UTF-8 bytes of a JSON value (dicts, lists, str, int, bool, None).

    ``json.dumps(ensure_ascii=False)`` escapes exactly the characters ``JSON.stringify``
    escapes and writes integers, true, false and null as JCS does; the members are already
    in order, so no ``sort_keys`` (which would compare code points, not UTF-16 units)."""
    return json.dumps(_prepared(value), ensure_ascii=False, separators=(",", ":"),
                      allow_nan=False).encode("utf-8")


def sha256_hex(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()
