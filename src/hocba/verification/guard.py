"""Cheap checks on an uploaded file before any parser sees it, and a deadline on the parser.

A verification upload comes from anyone on the Internet, so it is treated as hostile until it
has passed these byte-level checks (no PDF or XML parser runs here):

* size: at most ``VERIFICATION_MAX_UPLOAD_BYTES`` (an issued record is 20–80 kB of XML or
  150–300 kB of PDF); empty files are refused;
* type by content, never by the name or the client's Content-Type: a PDF starts with
  ``%PDF-`` (ISO 32000-1 §7.5.2), an XML file with ``<`` after an optional UTF-8 BOM; a name
  whose extension says otherwise (a PDF renamed ``.xml``) is refused, so the person learns which
  file they picked;
* XML: UTF-8 only, as CV 2088 PL1 II.1 requires (UTF-16/32 with or without BOM, invalid UTF-8,
  another declared encoding are refused), and no DTD at all — hence no entity expansion
  (billion laughs), no external entity (XXE, ``file:///etc/passwd``) and no network DTD;
  ``hocba.domain.moet.safe`` parses what passes with ``resolve_entities=False``,
  ``no_network=True``, ``huge_tree=False``;
* PDF: complete (``%%EOF`` near the end: a truncated download is told as such); an xref of
  bounded size (``/Size``, table rows); nesting of arrays and dictionaries bounded (the parser
  recurses); every FlateDecode stream inflated under a cap (a zip bomb is refused before
  pyHanko inflates it in memory), and the object streams' contents scanned for nesting too.

What passes still runs under ``run_with_deadline``: a cyclic object graph or a pathological
input that loops in a pure-Python parser is interrupted at the deadline.
"""

from __future__ import annotations

import ctypes
import re
import threading
import zlib
from collections.abc import Callable
from dataclasses import dataclass
from typing import TypeVar

T = TypeVar("T")

MAX_UPLOAD_BYTES = 5 * 1024 * 1024
MAX_INFLATED_BYTES = 64 * 1024 * 1024  # all FlateDecode streams together, inflated
MAX_NESTING = 64  # arrays and dictionaries inside one another (our records: under 10)
MAX_XREF_ENTRIES = 100_000  # /Size of the cross-reference (our records: a few hundred)
DEADLINE_SECONDS = 20.0

PDF, XML = "pdf", "xml"
_KIND_NAMES = {PDF: "PDF", XML: "XML"}


@dataclass(frozen=True)
class Refusal(Exception):
    """An upload refused before parsing: the HTTP status and a Vietnamese message."""

    status: int
    message: str

    def __str__(self) -> str:
        return self.message


def _shown(filename: str) -> str:
    name = (filename or "").replace("\\", "/").rsplit("/", 1)[-1][:80]
    return f"“{name}”" if name else "đã tải lên"


def sniff(data: bytes, filename: str = "", *, max_bytes: int = MAX_UPLOAD_BYTES) -> str:
    """``"pdf"`` or ``"xml"`` for an upload that may be given to the parsers, else ``Refusal``."""
    shown = _shown(filename)
    if len(data) > max_bytes:
        raise Refusal(413, (f"Tệp {shown} có {len(data):,} byte, vượt giới hạn {max_bytes:,} "
                            f"byte của một học bạ.").replace(",", "."))
    if not data.strip():
        raise Refusal(400, f"Tệp {shown} rỗng: hãy chọn tệp PDF hoặc XML của học bạ.")
    kind = _kind(data)
    if kind is None:
        raise Refusal(415, (f"Tệp {shown} không phải PDF hay XML (nội dung không bắt đầu bằng "
                            f"%PDF- hay <): chỉ kiểm tra được học bạ dạng PDF hoặc XML."))
    extension = filename.lower().rsplit(".", 1)[-1] if "." in filename else ""
    if extension in (PDF, XML) and extension != kind:
        raise Refusal(415, (f"Tệp {shown} có đuôi .{extension} nhưng nội dung là "
                            f"{_KIND_NAMES[kind]}: hãy đổi lại tên tệp cho đúng loại hoặc "
                            f"chọn đúng tệp."))
    if kind == XML:
        _check_xml(data, shown)
    else:
        _check_pdf(data, shown)
    return kind


_UTF16_32_BOMS = (b"\x00\x00\xfe\xff", b"\xff\xfe\x00\x00", b"\xff\xfe", b"\xfe\xff")
_UTF8_BOM = b"\xef\xbb\xbf"


def _kind(data: bytes) -> str | None:
    if data.startswith(b"%PDF-"):
        return PDF
    if data.startswith(_UTF16_32_BOMS):
        return XML  # refused by _check_xml, with the encoding named
    head = data[len(_UTF8_BOM):] if data.startswith(_UTF8_BOM) else data
    head = head.lstrip(b" \t\r\n")
    if head.startswith(b"<"):
        return XML
    if head[:2] == b"\x00<":
        return XML  # UTF-16BE without BOM: refused by _check_xml
    return None


_DECLARED = re.compile(rb"^<\?xml[^>]*?encoding\s*=\s*[\"']([A-Za-z0-9._-]+)[\"']")
_UTF8 = "CV 2088 PL1 II.1 yêu cầu UTF-8"


def _check_xml(data: bytes, shown: str) -> None:
    if data.startswith(_UTF16_32_BOMS):
        raise Refusal(400, f"Tệp {shown} mã hoá UTF-16/UTF-32; {_UTF8}.")
    body = data[len(_UTF8_BOM):] if data.startswith(_UTF8_BOM) else data
    if b"\x00" in body[:4096]:
        raise Refusal(400, (f"Tệp {shown} chứa byte 0 (có thể là UTF-16 không có BOM); "
                            f"{_UTF8}."))
    declared = _DECLARED.match(body.lstrip())
    if declared and declared.group(1).lower() not in (b"utf-8", b"utf8"):
        raise Refusal(400, (f"Tệp {shown} khai báo encoding=\"{declared.group(1).decode()}\"; "
                            f"{_UTF8}."))
    try:
        body.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise Refusal(400, (f"Tệp {shown} không phải UTF-8: byte 0x{body[exc.start]:02X} ở vị "
                            f"trí {exc.start} không hợp lệ; {_UTF8}.")) from None
    if b"<!DOCTYPE" in body or b"<!ENTITY" in body:
        raise Refusal(400, (f"Tệp {shown} có khai báo DOCTYPE/ENTITY (DTD): học bạ số không "
                            f"dùng DTD; tệp bị từ chối để không mở rộng thực thể hay đọc tệp, "
                            f"mạng bên ngoài."))


_STREAM = re.compile(rb"stream\r?\n")
_ENDSTREAM = b"endstream"
_NESTING = re.compile(rb"<<|>>|\[|\]|<[0-9A-Fa-f\s]*>|\((?:\\.|[^\\()])*\)")
_SIZE = re.compile(rb"/Size\s+(\d{1,12})")
_XREF_ROW = re.compile(rb"\d{10} \d{5} [nf]")


def _check_pdf(data: bytes, shown: str) -> None:
    if b"%%EOF" not in data[-2048:]:
        raise Refusal(400, (f"Tệp {shown} không đầy đủ (thiếu dấu kết thúc %%EOF của PDF): có "
                            f"thể tệp bị cắt khi tải về; hãy tải lại bản đầy đủ."))
    _check_pdf_resources(data, shown)


def check_pdf_resources(data: bytes, filename: str = "") -> None:
    """Only what would exhaust the parser (xref size, nesting, FlateDecode bomb): for a door
    that reports the rest itself (``services.verify_file``)."""
    _check_pdf_resources(data, _shown(filename))


def _check_pdf_resources(data: bytes, shown: str) -> None:
    sizes = [int(m.group(1)) for m in _SIZE.finditer(data)]
    if (sizes and max(sizes) > MAX_XREF_ENTRIES) or \
            len(_XREF_ROW.findall(data)) > MAX_XREF_ENTRIES:
        raise Refusal(400, (f"Tệp {shown} có bảng tham chiếu chéo (xref) quá lớn (hơn "
                            f"{MAX_XREF_ENTRIES:,} đối tượng): không phải học bạ; tệp bị từ "
                            f"chối.").replace(",", "."))
    outside, inflated = bytearray(), 0
    at = 0
    for match in _STREAM.finditer(data):
        if match.start() < at:
            continue
        end = data.find(_ENDSTREAM, match.end())
        if end < 0:
            raise Refusal(400, f"Tệp {shown} hỏng: một luồng dữ liệu (stream) không kết thúc.")
        outside += data[at:match.start()]
        header = data[max(at, match.start() - 1024):match.start()]
        if b"/FlateDecode" in header:
            size, content = _inflate(data[match.end():end], MAX_INFLATED_BYTES - inflated,
                                     shown, keep=b"/ObjStm" in header)
            inflated += size
            if content:
                _check_nesting(content, shown)
        at = end + len(_ENDSTREAM)
    outside += data[at:]
    _check_nesting(bytes(outside), shown)


def _inflate(body: bytes, budget: int, shown: str, *, keep: bool) -> tuple[int, bytes]:
    """The stream's inflated size (and its content when ``keep``), inflated a megabyte at a
    time and refused once the whole file's inflated size passes its budget."""
    inflater = zlib.decompressobj()
    size, kept, pending = 0, bytearray(), body
    try:
        while True:
            out = inflater.decompress(pending, 1 << 20)
            size += len(out)
            if keep:
                kept += out
            if size > budget:
                break
            pending = inflater.unconsumed_tail
            if inflater.eof or (not pending and len(out) < 1 << 20):
                return size, bytes(kept)
    except zlib.error:
        return size, bytes(kept)  # damaged: pyHanko reports it, without inflating more
    raise Refusal(400, (f"Tệp {shown} chứa luồng nén giải nén ra quá lớn (hơn "
                        f"{MAX_INFLATED_BYTES // (1024 * 1024)} MB — “bom nén”): không phải "
                        f"học bạ; tệp bị từ chối."))


def _check_nesting(text: bytes, shown: str) -> None:
    depth = 0
    for token in _NESTING.finditer(text):
        t = token.group()
        if t in (b"<<", b"["):
            depth += 1
            if depth > MAX_NESTING:
                raise Refusal(400, (f"Tệp {shown} có mảng/từ điển lồng nhau quá {MAX_NESTING} "
                                    f"mức: không phải học bạ; tệp bị từ chối."))
        elif t in (b">>", b"]"):
            depth = max(0, depth - 1)


class DeadlineExceeded(BaseException):
    """Raised inside the checking thread at its deadline. A BaseException, so that a parser's
    ``except Exception`` cannot swallow it."""


def _raise_in(thread_id: int, exc: type[BaseException] | None) -> None:
    ctypes.pythonapi.PyThreadState_SetAsyncExc(
        ctypes.c_ulong(thread_id), ctypes.py_object(exc) if exc is not None else None)


def run_with_deadline(work: Callable[[], T], seconds: float) -> T:
    """``work()`` in this thread; ``DeadlineExceeded`` if it runs longer than ``seconds``.

    A watchdog timer raises the exception in this thread (CPython's asynchronous exception):
    it lands at the next Python instruction, so a pure-Python loop is stopped; long C calls are
    bounded beforehand by ``sniff``. Nothing is left pending once this returns."""
    thread_id = threading.get_ident()
    lock = threading.Lock()
    state = {"done": False, "fired": False}

    def fire() -> None:
        with lock:
            if not state["done"]:
                state["fired"] = True
                _raise_in(thread_id, DeadlineExceeded)

    timer = threading.Timer(seconds, fire)
    timer.daemon = True
    timer.start()
    try:
        return work()
    finally:
        with lock:
            state["done"] = True
            if state["fired"]:
                _raise_in(thread_id, None)  # not yet delivered: withdraw it
        timer.cancel()
