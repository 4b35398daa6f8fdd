"""The few PDF object types a signature update reads and writes (ISO 32000-1 §7.3).

A small reader and writer, not a PDF library: signing a học bạ touches a handful of objects
(the catalog, the AcroForm, one field, a page) and must cost a few milliseconds (issue 5
"Measured"), so we parse only what we look at and serialise only what we write.

Python values stand for PDF objects: ``dict`` (keys are ``Name``), ``list``, ``int``,
``Real`` (kept as written), ``bool``, ``None`` (null), ``Name``, ``Ref``, ``bytes`` (a literal
string), ``HexString`` and ``Stream``.
"""

from __future__ import annotations

import codecs
import re
from dataclasses import dataclass, field
from typing import Any, NamedTuple


class PdfSyntaxError(ValueError):
    """The file is not a PDF we can update; the message is Vietnamese."""


class Name(str):
    """A PDF name, without its slash."""

    __slots__ = ()


class Real(bytes):
    """A real number exactly as the file wrote it (re-serialised byte for byte)."""

    __slots__ = ()


class HexString(bytes):
    __slots__ = ()


class Ref(NamedTuple):
    num: int
    gen: int = 0


@dataclass
class Stream:
    dictionary: dict[Name, Any]
    data: bytes  # as stored (still filtered)
    extra: dict[str, Any] = field(default_factory=dict)


# --- reading -----------------------------------------------------------------------------

_WS = rb"(?:[\x00\t\n\x0c\r ]|%[^\r\n]*)*"
_SKIP = re.compile(_WS)
_TOKEN = re.compile(
    _WS + rb"(?:"
    rb"(?P<ref>\d+)" + _WS + rb"(?P<gen>\d+)" + _WS + rb"R(?![^\x00\t\n\x0c\r ()<>\[\]{}/%])"
    rb"|(?P<num>[+-]?(?:\d+\.?\d*|\.\d+))"
    rb"|/(?P<name>[^\x00\t\n\x0c\r ()<>\[\]{}/%]*)"
    rb"|(?P<dopen><<)|(?P<dclose>>>)"
    rb"|(?P<aopen>\[)|(?P<aclose>\])"
    rb"|(?P<hex><[0-9A-Fa-f\x00\t\n\x0c\r ]*>)"
    rb"|(?P<lit>\()"
    rb"|(?P<kw>[A-Za-z]+)"
    rb")"
)
_NAME_ESCAPE = re.compile(rb"#([0-9A-Fa-f]{2})")
_LIT_ESCAPES = {ord("n"): b"\n", ord("r"): b"\r", ord("t"): b"\t", ord("b"): b"\b",
                ord("f"): b"\f", ord("("): b"(", ord(")"): b")", ord("\\"): b"\\"}


_NAMES: dict[bytes, Name] = {}


class _End(NamedTuple):
    kind: str


def parse_object(data: bytes, pos: int) -> tuple[Any, int]:
    """The object that starts at ``pos`` (after optional whitespace) and where it ends."""
    value, pos = _parse(data, pos)
    if isinstance(value, _End):
        raise PdfSyntaxError(f"Tệp PDF hỏng: gặp «{value.kind}» không mong đợi ở byte {pos}.")
    return value, pos


def _parse(data: bytes, pos: int) -> tuple[Any, int]:
    match = _TOKEN.match(data, pos)
    if match is None:
        raise PdfSyntaxError(f"Tệp PDF hỏng: không đọc được đối tượng ở byte {pos}.")
    kind = match.lastgroup
    end = match.end()
    if kind == "gen":  # the last group of «n g R»
        return Ref(int(match.group("ref")), int(match.group("gen"))), end
    if kind == "num":
        text = match.group("num")
        return (Real(text) if b"." in text else int(text)), end
    if kind == "name":
        raw = match.group("name")
        name = _NAMES.get(raw)
        if name is None:
            text = _NAME_ESCAPE.sub(lambda m: bytes([int(m.group(1), 16)]), raw) if b"#" in raw \
                else raw
            name = Name(text.decode("latin-1"))
            if len(_NAMES) < 4096:
                _NAMES[raw] = name
        return name, end
    if kind == "dopen":
        result: dict[Name, Any] = {}
        while True:
            key, end = _parse(data, end)
            if isinstance(key, _End) and key.kind == ">>":
                return result, end
            if not isinstance(key, Name):
                raise PdfSyntaxError(f"Tệp PDF hỏng: khoá từ điển không phải tên ở byte {end}.")
            value, end = parse_object(data, end)
            result[key] = value
    if kind == "aopen":
        items: list[Any] = []
        while True:
            item, end = _parse(data, end)
            if isinstance(item, _End):
                if item.kind != "]":
                    raise PdfSyntaxError(f"Tệp PDF hỏng: mảng chưa đóng ở byte {end}.")
                return items, end
            items.append(item)
    if kind == "hex":
        digits = _NOT_HEX.sub(b"", match.group("hex")[1:-1])
        if len(digits) % 2:
            digits += b"0"
        return HexString(bytes.fromhex(digits.decode("ascii"))), end
    if kind == "lit":
        return _literal(data, end)
    if kind == "dclose":
        return _End(">>"), end
    if kind == "aclose":
        return _End("]"), end
    word = match.group("kw")
    if word == b"true":
        return True, end
    if word == b"false":
        return False, end
    if word == b"null":
        return None, end
    return _End(word.decode("ascii")), end


# a literal string whose parentheses are all escaped, and the escapes PDF and Python's
# ``codecs.escape_decode`` read alike (octal, n r t b f, backslash, backslash-LF)
_LIT_SIMPLE = re.compile(rb"((?:[^\\()]|\\.)*)\)", re.S)
_LIT_ODD_ESCAPE = re.compile(rb"\\[^0-7nrtbf\\()\n]")
_LIT_PLAIN = re.compile(rb"[^\\()]*")
_OCTAL = re.compile(rb"[0-7]{1,3}")
_NOT_HEX = re.compile(rb"[^0-9A-Fa-f]")


def _literal(data: bytes, pos: int) -> tuple[bytes, int]:
    simple = _LIT_SIMPLE.match(data, pos)
    if simple is not None:  # no nested parentheses, only the escapes Python's codec shares
        body = simple.group(1)
        if b"\\" not in body:
            return body, simple.end()
        if _LIT_ODD_ESCAPE.search(body) is None:
            # every parenthesis here is escaped by the backslash before it: spell it in octal
            body = body.replace(b"\\(", b"\\050").replace(b"\\)", b"\\051")
            return codecs.escape_decode(body)[0], simple.end()  # type: ignore[attr-defined]
    out = bytearray()
    depth = 1
    n = len(data)
    while pos < n:
        plain = _LIT_PLAIN.match(data, pos)
        if plain is not None and plain.end() > pos:  # the common case: a run of plain bytes
            out += data[pos:plain.end()]
            pos = plain.end()
            continue
        c = data[pos]
        if c == 0x5C:  # backslash
            pos += 1
            e = data[pos]
            if e in _LIT_ESCAPES:
                out += _LIT_ESCAPES[e]
                pos += 1
            elif 0x30 <= e <= 0x37:
                digits = _OCTAL.match(data, pos)
                assert digits is not None
                out.append(int(digits.group(), 8) & 0xFF)
                pos = digits.end()
            elif e == 0x0D:
                pos += 2 if data[pos + 1:pos + 2] == b"\n" else 1
            elif e == 0x0A:
                pos += 1
            else:
                out.append(e)
                pos += 1
            continue
        if c == 0x28:
            depth += 1
        elif c == 0x29:
            depth -= 1
            if depth == 0:
                return bytes(out), pos + 1
        out.append(c)
        pos += 1
    raise PdfSyntaxError("Tệp PDF hỏng: chuỗi chưa đóng ngoặc.")


_OBJ_HEADER = re.compile(_WS + rb"(\d+)" + _WS + rb"(\d+)" + _WS + rb"obj")
_STREAM_START = re.compile(_WS + rb"stream(?:\r\n|\n|\r)")


def parse_indirect(data: bytes, pos: int, length_of: Any = None) -> tuple[Ref, Any]:
    """``n g obj … endobj`` at ``pos``; ``length_of(ref)`` resolves an indirect /Length."""
    header = _OBJ_HEADER.match(data, pos)
    if header is None:
        raise PdfSyntaxError(f"Tệp PDF hỏng: không có đối tượng ở byte {pos} như bảng xref ghi.")
    ref = Ref(int(header.group(1)), int(header.group(2)))
    value, end = parse_object(data, header.end())
    if isinstance(value, dict):
        start = _STREAM_START.match(data, end)
        if start is not None:
            length = value.get(Name("Length"))
            if isinstance(length, Ref):
                length = length_of(length) if length_of else None
            if not isinstance(length, int):
                raise PdfSyntaxError(f"Tệp PDF hỏng: luồng {ref.num} không có /Length.")
            body = data[start.end():start.end() + length]
            return ref, Stream(value, body)
    return ref, value


# --- writing -----------------------------------------------------------------------------

_NAME_PLAIN = frozenset(range(0x21, 0x7F)) - set(b"#()<>[]{}/%")
_LIT_TABLE = {0x28: b"\\(", 0x29: b"\\)", 0x5C: b"\\\\", 0x0D: b"\\r"}


def _name_bytes(name: str) -> bytes:
    raw = name.encode("utf-8")
    if all(b in _NAME_PLAIN for b in raw):
        return b"/" + raw
    return b"/" + b"".join(bytes([b]) if b in _NAME_PLAIN else b"#%02X" % b for b in raw)


def _literal_bytes(value: bytes) -> bytes:
    if not any(b in _LIT_TABLE for b in value):
        return b"(" + value + b")"
    return b"(" + b"".join(_LIT_TABLE.get(b, bytes([b])) for b in value) + b")"


def serialize(value: Any) -> bytes:
    """The PDF syntax of ``value`` (no indirect-object wrapper)."""
    out: list[bytes] = []
    _write(value, out)
    return b"".join(out)


def _write(value: Any, out: list[bytes]) -> None:
    if isinstance(value, Name):
        out.append(_name_bytes(value))
    elif isinstance(value, Ref):
        out.append(b"%d %d R" % (value.num, value.gen))
    elif isinstance(value, dict):
        out.append(b"<<")
        for key, item in value.items():
            out.append(_name_bytes(key))
            out.append(b" ")
            _write(item, out)
            out.append(b"\n")
        out.append(b">>")
    elif isinstance(value, list | tuple):
        out.append(b"[")
        for index, item in enumerate(value):
            if index:
                out.append(b" ")
            _write(item, out)
        out.append(b"]")
    elif isinstance(value, bool):
        out.append(b"true" if value else b"false")
    elif value is None:
        out.append(b"null")
    elif isinstance(value, int):
        out.append(b"%d" % value)
    elif isinstance(value, Real):
        out.append(bytes(value))
    elif isinstance(value, float):
        out.append((b"%.4f" % value).rstrip(b"0").rstrip(b"."))
    elif isinstance(value, HexString):
        out.append(b"<" + value.hex().encode("ascii") + b">")
    elif isinstance(value, bytes):
        out.append(_literal_bytes(value))
    elif isinstance(value, Verbatim):
        out.append(value.text)
    else:
        raise TypeError(f"cannot write {type(value).__name__} to PDF")


@dataclass(frozen=True)
class Verbatim:
    """Bytes written as they are (placeholders the signer patches in place)."""

    text: bytes


def text_string(text: str) -> bytes | HexString:
    """A PDF text string: PDFDocEncoding-compatible ASCII as is, otherwise UTF-16BE with BOM."""
    if text.isascii():
        return text.encode("ascii")
    return HexString(b"\xfe\xff" + text.encode("utf-16-be"))


def pdf_date(moment: Any) -> bytes:
    """``D:YYYYMMDDHHmmSS+HH'mm'`` (ISO 32000-1 §7.9.4) of an aware datetime."""
    offset = moment.utcoffset()
    if offset is None:
        raise ValueError("signing time must be timezone-aware")
    minutes = int(offset.total_seconds() // 60)
    sign = "+" if minutes >= 0 else "-"
    minutes = abs(minutes)
    return (moment.strftime("D:%Y%m%d%H%M%S") + f"{sign}{minutes // 60:02d}'{minutes % 60:02d}'"
            ).encode("ascii")
