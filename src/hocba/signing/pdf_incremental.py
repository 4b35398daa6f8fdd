"""Read a PDF's cross-reference chain and append an incremental update (ISO 32000-1 §7.5.6).

Every signature is one incremental update: the bytes already signed stay exactly as they are
and new or changed objects follow with a cross-reference section whose ``/Prev`` points at the
previous one. We write the section the way the file already does: a classic ``xref`` table
after a table, a cross-reference stream after a stream (§7.5.8), so that readers that dislike
hybrid files (and PDF/A validators) see one consistent style.

Reading is lazy: the xref chain is indexed once (a few hundred entries for a học bạ) and
objects are parsed on first use.
"""

from __future__ import annotations

import hashlib
import re
import zlib
from collections.abc import Iterator
from functools import lru_cache
from typing import Any

from hocba.signing.pdf_objects import (
    HexString,
    Name,
    PdfSyntaxError,
    Ref,
    Stream,
    parse_indirect,
    parse_object,
    serialize,
)

_STARTXREF = re.compile(rb"startxref\s+(\d+)\s+%%EOF")
_TRAILER = re.compile(rb"trailer")
_XREF_SUBSECTION = re.compile(rb"\s*(\d+)[ ]+(\d+)[ \t]*(?:\r\n|\n|\r)")
_EOL2 = (b"\r\n", b" \n", b" \r")
_XREF_ENTRY = re.compile(rb"(\d{10}) (\d{5}) ([nf])[ \r\n]{1,2}")
_N = Name


def decode_stream(stream: Stream) -> bytes:
    """The decoded data of a stream with no filter or /FlateDecode (with PNG predictors)."""
    filters = stream.dictionary.get(_N("Filter"))
    if filters is None:
        return stream.data
    if isinstance(filters, list):
        if len(filters) != 1:
            raise PdfSyntaxError("Tệp PDF dùng chuỗi bộ lọc nén chưa được hỗ trợ.")
        filters = filters[0]
    if filters != "FlateDecode":
        raise PdfSyntaxError(f"Tệp PDF dùng bộ lọc /{filters} chưa được hỗ trợ.")
    data = zlib.decompress(stream.data)
    parms = stream.dictionary.get(_N("DecodeParms"))
    if isinstance(parms, list):
        parms = parms[0]
    if isinstance(parms, dict) and int(parms.get(_N("Predictor"), 1)) >= 10:
        data = _png_unpredict(data, int(parms.get(_N("Columns"), 1)))
    return data


def _png_unpredict(data: bytes, columns: int) -> bytes:
    out = bytearray()
    previous = bytearray(columns)
    for start in range(0, len(data), columns + 1):
        kind, row = data[start], bytearray(data[start + 1:start + 1 + columns])
        for i in range(len(row)):
            left = row[i - 1] if i else 0
            up = previous[i]
            if kind == 1:
                row[i] = (row[i] + left) & 0xFF
            elif kind == 2:
                row[i] = (row[i] + up) & 0xFF
            elif kind == 3:
                row[i] = (row[i] + (left + up) // 2) & 0xFF
            elif kind == 4:
                upper_left = previous[i - 1] if i else 0
                p = left + up - upper_left
                pa, pb, pc = abs(p - left), abs(p - up), abs(p - upper_left)
                row[i] = (row[i] + (left if pa <= pb and pa <= pc else up if pb <= pc
                                    else upper_left)) & 0xFF
        out += row
        previous = row
    return bytes(out)


_Entry = tuple[int, int, int] | None


class PdfFile:
    """A PDF as its revisions left it: object lookup through the newest xref entries."""

    def __init__(self, data: bytes) -> None:
        self.data = data
        tail = data[-2048:]
        found = list(_STARTXREF.finditer(tail))
        if not found:
            raise PdfSyntaxError("Tệp không phải PDF hợp lệ: thiếu «startxref».")
        self.startxref = int(found[-1].group(1))
        # Cross-reference sections, newest first. A classic table's subsections stay unparsed
        # (start, count, byte offset of the entries) until an object in them is looked up: a
        # signature reads a dozen objects of a file with hundreds.
        self._sections: list[tuple[int, int, int] | dict[int, _Entry]] = []
        self._entries: dict[int, _Entry | None] = {}
        self.trailer: dict[Name, Any] = {}
        self.uses_xref_stream = False
        self._cache: dict[int, Any] = {}
        self._objstm: dict[int, list[tuple[int, int]]] = {}
        self._read_chain(self.startxref)

    @classmethod
    def extended(cls, previous: PdfFile, data: bytes) -> PdfFile:
        """``data``, which is ``previous.data`` followed by incremental updates: only the new
        cross-reference sections are read; the older ones, and the objects ``previous``
        already looked up that no new section replaces, are taken over (bytes before a
        ``%%EOF`` never change, ISO 32000-1 §7.5.6). Falls back to reading ``data`` whole."""
        if not (len(data) > len(previous.data) and data.startswith(previous.data)):
            return cls(data)
        self = cls.__new__(cls)
        self.data = data
        found = list(_STARTXREF.finditer(data[-2048:]))
        if not found:
            raise PdfSyntaxError("Tệp không phải PDF hợp lệ: thiếu «startxref».")
        self.startxref = int(found[-1].group(1))
        self._sections = []
        self._entries = {}
        self.trailer = {}
        self.uses_xref_stream = False
        self._cache = {}
        self._objstm = {}
        if not self._read_chain(self.startxref, previous=previous):
            return cls(data)  # the new sections do not lead back to the previous chain
        new: set[int] = set()
        for section in self._sections[:len(self._sections) - len(previous._sections)]:
            if isinstance(section, dict):
                new.update(section)
            else:
                new.update(range(section[0], section[0] + section[1]))
        self._entries = {n: e for n, e in previous._entries.items() if n not in new}
        self._cache = {n: v for n, v in previous._cache.items() if n not in new}
        self._objstm = {n: v for n, v in previous._objstm.items() if n not in new}
        return self

    # -- cross-reference chain --

    def _read_chain(self, offset: int, previous: PdfFile | None = None) -> bool:
        """Index the sections from ``offset`` back; with ``previous``, stop where its chain
        starts and take its sections (True if the chain led there)."""
        seen: set[int] = set()
        first = True
        pending: list[int] = [offset]
        while pending:
            offset = pending.pop(0)
            if offset in seen:
                raise PdfSyntaxError("Tệp PDF hỏng: bảng xref tự tham chiếu vòng.")
            seen.add(offset)
            if previous is not None and offset == previous.startxref and not pending \
                    and not first:
                self._sections.extend(previous._sections)
                return True
            if self.data.startswith(b"xref", offset):
                trailer = self._read_table(offset)
            else:
                trailer = self._read_stream(offset)
                if first:
                    self.uses_xref_stream = True
            if first:
                self.trailer = trailer
                first = False
            hybrid = trailer.get(_N("XRefStm"))
            if isinstance(hybrid, int):
                pending.insert(0, hybrid)
            prev = trailer.get(_N("Prev"))
            if isinstance(prev, int):
                pending.append(prev)
        return previous is None

    def _read_table(self, offset: int) -> dict[Name, Any]:
        pos = offset + 4
        data = self.data
        while True:
            header = _XREF_SUBSECTION.match(data, pos)
            if header is None:
                break
            start, count = int(header.group(1)), int(header.group(2))
            pos = header.end()
            end = pos + 20 * count
            if count and end <= len(data) and data[pos + 18:pos + 20] in _EOL2 \
                    and data[end - 2:end] in _EOL2:
                # the usual exact 20-byte entries (ISO 32000-1 §7.5.4): read when needed
                self._sections.append((start, count, pos))
                pos = end
                continue
            entries: dict[int, _Entry] = {}
            for num in range(start, start + count):
                entry = _XREF_ENTRY.match(data, pos)
                if entry is None:
                    raise PdfSyntaxError(f"Tệp PDF hỏng: dòng xref của đối tượng {num} sai.")
                pos = entry.end()
                entries[num] = (1, int(entry.group(1)), 0) if entry.group(3) == b"n" else None
            self._sections.append(entries)
        match = _TRAILER.search(data, pos)
        if match is None:
            raise PdfSyntaxError("Tệp PDF hỏng: thiếu «trailer».")
        end = data.find(b"startxref", match.end())
        trailer = _parsed(data[match.end():end])[1] if end > 0 else None
        if not isinstance(trailer, dict):
            trailer, _ = parse_object(data, match.end())
        if not isinstance(trailer, dict):
            raise PdfSyntaxError("Tệp PDF hỏng: trailer không phải từ điển.")
        return trailer

    def _read_stream(self, offset: int) -> dict[Name, Any]:
        _ref, stream = parse_indirect(self.data, offset, self._length)
        if not isinstance(stream, Stream) or stream.dictionary.get(_N("Type")) != "XRef":
            raise PdfSyntaxError(f"Tệp PDF hỏng: không có bảng xref ở byte {offset}.")
        d = stream.dictionary
        widths = [int(w) for w in d[_N("W")]]
        index = d.get(_N("Index"), [0, d[_N("Size")]])
        raw = decode_stream(stream)
        pos = 0
        entries: dict[int, _Entry] = {}
        for start, count in zip(index[::2], index[1::2], strict=True):
            for num in range(start, start + count):
                fields = []
                for width in widths:
                    fields.append(int.from_bytes(raw[pos:pos + width], "big") if width else None)
                    pos += width
                kind = 1 if fields[0] is None else fields[0]
                entries[num] = (kind, fields[1] or 0, fields[2] or 0) if kind in (1, 2) else None
        self._sections.append(entries)
        return dict(d)

    def entry(self, num: int) -> _Entry:
        """``(1, offset, 0)``, ``(2, object stream, index)``, or None (free or absent)."""
        if num in self._entries:
            return self._entries[num]
        found: _Entry = None
        for section in self._sections:
            if isinstance(section, dict):
                if num in section:
                    found = section[num]
                    break
                continue
            start, count, pos = section
            if start <= num < start + count:
                at = pos + 20 * (num - start)
                line = self.data[at:at + 18]
                found = (1, int(line[:10]), 0) if line[17:18] == b"n" else None
                break
        self._entries[num] = found
        return found

    def offset_of(self, num: int) -> int:
        found = self.entry(num)
        if found is None or found[0] != 1:
            raise KeyError(num)
        return found[1]

    def _length(self, ref: Ref) -> Any:
        return self.get(ref)

    # -- objects --

    @property
    def size(self) -> int:
        return int(self.trailer[_N("Size")])

    def get(self, ref: Ref) -> Any:
        if ref.num in self._cache:
            return self._cache[ref.num]
        found = self.entry(ref.num)
        if found is None:
            value = None  # a missing object is null (ISO 32000-1 §7.3.10)
        elif found[0] == 1:
            at, value = self._indirect(found[1])
            if at.num != ref.num:
                raise PdfSyntaxError(f"Tệp PDF hỏng: bảng xref trỏ sai đối tượng {ref.num}.")
        else:
            value = self._from_objstm(found[1], found[2])
        self._cache[ref.num] = value
        return value

    def _indirect(self, offset: int) -> tuple[Ref, Any]:
        # Bytes before a file's last %%EOF never change when it is updated, so one object's
        # bytes parse to the same value in every later revision and in classmates' records:
        # parse them once per process (not streams, whose data may hold "endobj").
        end = self.data.find(b"endobj", offset)
        raw = self.data[offset:end] if end > 0 else b""
        if raw and b"stream" not in raw:
            found = _parsed(raw)
            if isinstance(found[0], Ref):
                return found  # type: ignore[return-value]
        return parse_indirect(self.data, offset, self._length)

    def resolve(self, value: Any) -> Any:
        return self.get(value) if isinstance(value, Ref) else value

    def _from_objstm(self, container: int, index: int) -> Any:
        stream = self.get(Ref(container))
        if not isinstance(stream, Stream):
            raise PdfSyntaxError(f"Tệp PDF hỏng: luồng đối tượng {container} không đọc được.")
        decoded = stream.extra.get("decoded")
        if decoded is None:
            decoded = stream.extra["decoded"] = decode_stream(stream)
            header, _ = _ints(decoded, int(stream.dictionary[_N("N")]) * 2)
            self._objstm[container] = list(zip(header[::2], header[1::2], strict=True))
        first = int(stream.dictionary[_N("First")])
        _num, offset = self._objstm[container][index]
        value, _ = parse_object(decoded, first + offset)
        return value

    @property
    def root_ref(self) -> Ref:
        root = self.trailer.get(_N("Root"))
        if not isinstance(root, Ref):
            raise PdfSyntaxError("Tệp PDF hỏng: trailer không có /Root.")
        return root

    @property
    def root(self) -> dict[Name, Any]:
        return self.get(self.root_ref)  # type: ignore[no-any-return]

    def pages(self) -> Iterator[Ref]:
        """The page objects in order (the page tree walked depth first)."""
        stack: list[Any] = [self.root[_N("Pages")]]
        while stack:
            ref = stack.pop()
            node = self.resolve(ref)
            if node.get(_N("Type")) == "Page" or _N("Kids") not in node:
                yield ref
            else:
                stack.extend(reversed(self.resolve(node[_N("Kids")])))


@lru_cache(maxsize=8192)
def _parsed(raw: bytes) -> tuple[Ref | None, Any]:
    """``n g obj <value>`` or a bare value, parsed once per distinct bytes. The value is
    shared: callers copy a dictionary or array before changing it (all of ours do)."""
    try:
        if raw[:1].isdigit() and b" obj" in raw[:24]:
            return parse_indirect(raw, 0)
        return None, parse_object(raw, 0)[0]
    except PdfSyntaxError:
        return None, None


def _ints(data: bytes, count: int) -> tuple[list[int], int]:
    values = []
    pos = 0
    for _ in range(count):
        value, pos = parse_object(data, pos)
        values.append(int(value))
    return values, pos


class IncrementalUpdate:
    """New and replaced objects, written after the original bytes with one xref section."""

    def __init__(self, pdf: PdfFile) -> None:
        self.pdf = pdf
        self.objects: dict[int, bytes] = {}
        self._next = pdf.size

    def add(self, value: Any) -> Ref:
        ref = self.reserve()
        self.put(ref, value)
        return ref

    def reserve(self) -> Ref:
        ref = Ref(self._next)
        self._next += 1
        return ref

    def put(self, ref: Ref, value: Any) -> None:
        if isinstance(value, Stream):
            dictionary = dict(value.dictionary)
            dictionary[_N("Length")] = len(value.data)
            body = serialize(dictionary) + b"\nstream\n" + value.data + b"\nendstream"
        else:
            body = serialize(value)
        self.objects[ref.num] = body

    def put_raw(self, ref: Ref, body: bytes) -> None:
        """An object whose syntax the caller wrote (placeholders patched after writing)."""
        self.objects[ref.num] = body

    def write(self, *, new_id: bool = True) -> bytearray:
        """The original bytes followed by this update."""
        return bytearray(self.pdf.data) + self.write_tail(new_id=new_id)

    def write_tail(self, *, new_id: bool = True) -> bytearray:
        """Only the bytes this update appends (offsets in it count from the file's start):
        a prepared signature keeps this, not a copy of the whole record."""
        pdf = self.pdf
        base = len(pdf.data)
        out = bytearray() if pdf.data.endswith(b"\n") else bytearray(b"\n")
        offsets: dict[int, int] = {}
        for num in sorted(self.objects):
            offsets[num] = base + len(out)
            out += b"%d 0 obj\n" % num
            out += self.objects[num]
            out += b"\nendobj\n"
        trailer: dict[Name, Any] = {_N("Size"): self._next, _N("Root"): pdf.root_ref}
        for key in ("Info", "Encrypt"):
            if _N(key) in pdf.trailer:
                trailer[_N(key)] = pdf.trailer[_N(key)]
        old_id = pdf.trailer.get(_N("ID"))
        if isinstance(old_id, list) and len(old_id) == 2:
            second = old_id[1]
            if new_id:  # ISO 32000-1 §14.4: the second identifier changes with each update
                second = HexString(hashlib.sha256(
                    bytes(old_id[1]) + b"%d" % base).digest()[:16])
            trailer[_N("ID")] = [old_id[0], second]
        trailer[_N("Prev")] = pdf.startxref
        if pdf.uses_xref_stream:
            xref_ref = self.reserve()
            trailer[_N("Size")] = self._next
            start = offsets[xref_ref.num] = base + len(out)
            out += _xref_stream(xref_ref, offsets, trailer)
        else:
            start = base + len(out)
            out += _xref_table(offsets)
            out += b"trailer\n" + serialize(trailer) + b"\n"
        out += b"startxref\n%d\n%%%%EOF\n" % start
        return out


def _subsections(offsets: dict[int, int]) -> list[list[int]]:
    runs: list[list[int]] = []
    for num in sorted(offsets):
        if runs and runs[-1][-1] == num - 1:
            runs[-1].append(num)
        else:
            runs.append([num])
    return runs


def _xref_table(offsets: dict[int, int]) -> bytes:
    lines = [b"xref\n0 1\n0000000000 65535 f\r\n"]
    for run in _subsections(offsets):
        lines.append(b"%d %d\n" % (run[0], len(run)))
        lines.extend(b"%010d 00000 n\r\n" % offsets[num] for num in run)
    return b"".join(lines)


def _xref_stream(ref: Ref, offsets: dict[int, int], trailer: dict[Name, Any]) -> bytes:
    width = max(4, (max(offsets.values()).bit_length() + 7) // 8)
    index: list[int] = [0, 1]
    rows = [b"\x00" + (0).to_bytes(width, "big") + b"\xff\xff"]
    for run in _subsections(offsets):
        index += [run[0], len(run)]
        rows.extend(b"\x01" + offsets[num].to_bytes(width, "big") + b"\x00\x00" for num in run)
    data = zlib.compress(b"".join(rows))
    dictionary = {_N("Type"): _N("XRef"), **trailer, _N("W"): [1, width, 2],
                  _N("Index"): index, _N("Filter"): _N("FlateDecode"), _N("Length"): len(data)}
    return (b"%d 0 obj\n" % ref.num + serialize(dictionary) + b"\nstream\n" + data
            + b"\nendstream\nendobj\n")
