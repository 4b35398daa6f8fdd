"""Empty signature fields where the printed học bạ has its signature boxes.

The template draws each box with ``o-ky`` (``templates/hocba-chung.typ``) and tags it with
its slot, school year and position; this module turns those tags into empty PDF signature
fields, written as one incremental update, ready for the signing issue.

Field names, stable for the signing issue:

- ``GVCN``: the homeroom teacher (CV 2088 PL1, DANH_SACH_THONG_TIN_KY/GVCN);
- ``CBQL``: the principal's approval (Hiệu trưởng);
- ``KY_PHAT_HANH``: the school's organisation signature (the seal). Its box overlaps the
  left third of the principal's box, where the seal is stamped on paper (NĐ 30/2020 Điều
  26.1; HCMC QĐ 1789/QĐ-SGDĐT Điều 11);
- ``GVBM_<MA_MON>`` (secondary only): one per subject row, e.g. ``GVBM_TOAN``, signed by
  that subject's teacher (DOMAIN-SECONDARY.md §2.1, §8).

A single year uses these names as they are. In a whole book every year has its own slots,
so the name ends with the school year: ``GVCN_2024-2025``, ``GVBM_TOAN_2023-2024``.

What a field is, for any signer (pyHanko, the PAdES signer, Acrobat), ISO 32000-1 §12.7.3,
§12.7.4.5, §12.5.6.19: one dictionary that is both the field and its widget — ``/FT /Sig``,
``/T`` the name above, ``/TU`` the hint, ``/Type /Annot /Subtype /Widget``, ``/Rect``,
``/P`` its page, ``/F 4`` (Print), ``/AP`` with an empty ``/N`` appearance — listed in the
catalog's ``/AcroForm /Fields`` (``/SigFlags 1``: the document has signature fields) and in
its page's ``/Annots``. PDF/A-2 (ISO 19005-2 §6.3.2, §6.3.3) asks for the Print flag and an
appearance with only ``/N``.

The update is written here directly (the new objects, the catalog and the pages that get
fields, one classic xref section, a trailer with ``/Prev``) rather than through pyHanko's
writer: it adds only what the fields need, so the Info dictionary and the XMP packet stay as
Typst wrote them (they agree, as PDF/A asks, and keep the record's date), and the second
file identifier is a hash of the file's content; rendering the same record twice gives the
same bytes. pyHanko still reads the file to find the catalog and the pages.

Coordinates: Typst gives the box's top-left corner in points from the top-left of the page;
PDF places a field by its lower-left and upper-right corners from the bottom-left, so the
page's MediaBox flips the y axis.
"""

from __future__ import annotations

import hashlib
import io
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from pyhanko.pdf_utils import generic
from pyhanko.pdf_utils.misc import PdfError
from pyhanko.pdf_utils.reader import PdfFileReader

from hocba.rendering.errors import RenderError

PRINT_FLAG = 4  # ISO 32000-1 §12.5.3, annotation flag bit 3
SIGNATURES_EXIST = 1  # ISO 32000-1 §12.7.2, SigFlags bit 1


@dataclass(frozen=True)
class SignatureBox:
    """One signature box as the template laid it out."""

    slot: str  # GVCN, CBQL, KY_PHAT_HANH, GVBM_<MA_MON>
    school_year: str
    hint: str  # shown by PDF readers as the field's tooltip (/TU)
    page: int  # zero-based
    x: float  # points from the left edge
    y: float  # points from the top edge
    width: float
    height: float

    @classmethod
    def from_anchor(cls, anchor: Mapping[str, Any]) -> SignatureBox:
        return cls(slot=anchor["ma"], school_year=anchor["nam"], hint=anchor["ghi-chu"],
                   page=int(anchor["trang"]) - 1, x=float(anchor["x"]), y=float(anchor["y"]),
                   width=float(anchor["rong"]), height=float(anchor["cao"]))

    def field_name(self, *, book: bool) -> str:
        return f"{self.slot}_{self.school_year}" if book else self.slot


def _text(value: str) -> bytes:
    """A PDF text string: literal when printable ASCII, else UTF-16BE with its BOM."""
    if value.isascii() and value.isprintable():
        escaped = value.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)")
        return b"(" + escaped.encode("ascii") + b")"
    return b"<FEFF" + value.encode("utf-16-be").hex().upper().encode("ascii") + b">"


def _number(value: float) -> bytes:
    return (f"{value:.2f}".rstrip("0").rstrip(".") or "0").encode("ascii")


def _serialised(obj: generic.PdfObject) -> bytes:
    out = io.BytesIO()
    obj.write_to_stream(out)
    return out.getvalue()


def _check_names(boxes: list[SignatureBox], names: list[str]) -> None:
    seen: set[str] = set()
    for box, name in zip(boxes, names, strict=True):
        if name in seen:
            raise RenderError(f"Ô chữ ký {name} (năm học {box.school_year}) bị trùng trong "
                              "mẫu học bạ: mỗi vị trí ký chỉ có một ô.")
        if "." in name:  # a dot separates the parts of a field's full name (§12.7.3.2)
            raise RenderError(f"Ô chữ ký {name} (năm học {box.school_year}): tên ô chữ ký "
                              "không được có dấu chấm.")
        seen.add(name)


def add_signature_fields(pdf: bytes, boxes: Iterable[SignatureBox], *, book: bool) -> bytes:
    """``pdf`` with one empty signature field per box, appended as an incremental update."""
    boxes = list(boxes)
    names = [box.field_name(book=book) for box in boxes]
    _check_names(boxes, names)
    try:
        reader = PdfFileReader(io.BytesIO(pdf), strict=False)
        if reader.has_xref_stream:
            raise RenderError("Typst đã ghi PDF với bảng tham chiếu dạng luồng (xref stream); "
                              "chưa hỗ trợ thêm ô chữ ký vào dạng này.")
        root_ref = reader.root_ref
        catalog = reader.root
        if "/AcroForm" in catalog:
            raise RenderError("PDF do mẫu học bạ tạo ra đã có biểu mẫu (AcroForm); "
                              "không thêm được ô chữ ký.")
        page_count = int(catalog["/Pages"]["/Count"])
        pages: dict[int, tuple[generic.Reference, generic.DictionaryObject]] = {}
        for box in boxes:
            if box.page not in pages:
                if not 0 <= box.page < page_count:
                    raise RenderError(f"Ô chữ ký {box.slot} (năm học {box.school_year}) nằm "
                                      f"ở trang {box.page + 1}, nhưng PDF chỉ có "
                                      f"{page_count} trang.")
                ref = reader.find_page_for_modification(box.page)[0]
                pages[box.page] = (ref.reference, ref.get_object())
        trailer = reader.trailer
        size = int(trailer["/Size"])
        prev = reader.last_startxref
        if prev is None:
            raise RenderError("PDF do Typst tạo ra không có mục startxref.")
        info = trailer.raw_get("/Info") if "/Info" in trailer else None
        file_id = trailer["/ID"][0].original_bytes if "/ID" in trailer else None
    except PdfError as exc:
        raise RenderError(f"Không đọc được PDF do Typst tạo ra để thêm ô chữ ký: {exc}") \
            from exc

    objects: dict[int, bytes] = {}  # object number -> "<<…>>" or "<<…>>stream…endstream"
    next_number = size
    widgets_by_page: dict[int, list[int]] = {}
    fields = []
    for box, name in zip(boxes, names, strict=True):
        widget, appearance = next_number, next_number + 1
        next_number += 2
        page_ref, page = pages[box.page]
        media_box = [float(v) for v in page["/MediaBox"]]
        left, top = media_box[0] + box.x, media_box[3] - box.y
        rect = [_number(v) for v in (left, top - box.height, left + box.width, top)]
        objects[widget] = b"".join((
            b"<</FT/Sig/T", _text(name), b"/TU", _text(box.hint),
            b"/Type/Annot/Subtype/Widget/F %d/Rect[%s]" % (PRINT_FLAG, b" ".join(rect)),
            b"/P %d %d R/AP<</N %d 0 R>>>>" % (page_ref.idnum, page_ref.generation,
                                               appearance),
        ))
        objects[appearance] = (b"<</Type/XObject/Subtype/Form/BBox[0 0 %s %s]/Resources<<>>"
                               b"/Length 0>>stream\n\nendstream"
                               % (_number(box.width), _number(box.height)))
        widgets_by_page.setdefault(box.page, []).append(widget)
        fields.append(widget)

    acro_form = next_number
    next_number += 1
    objects[acro_form] = b"<</Fields[%s]/SigFlags %d>>" % (
        b" ".join(b"%d 0 R" % n for n in fields), SIGNATURES_EXIST)

    rewritten: dict[tuple[int, int], bytes] = {}
    new_catalog = generic.DictionaryObject(catalog)
    new_catalog[generic.NameObject("/AcroForm")] = generic.IndirectObject(acro_form, 0, reader)
    rewritten[(root_ref.idnum, root_ref.generation)] = _serialised(new_catalog)
    for page_index, widgets in widgets_by_page.items():
        page_ref, page = pages[page_index]
        annots = generic.ArrayObject(page["/Annots"] if "/Annots" in page else [])
        annots.extend(generic.IndirectObject(n, 0, reader) for n in widgets)
        new_page = generic.DictionaryObject(page)
        new_page[generic.NameObject("/Annots")] = annots
        rewritten[(page_ref.idnum, page_ref.generation)] = _serialised(new_page)

    return _append_update(pdf, rewritten | {(n, 0): body for n, body in objects.items()},
                          size=next_number, prev=prev, root=root_ref, info=info,
                          file_id=file_id)


def _append_update(pdf: bytes, bodies: dict[tuple[int, int], bytes], *, size: int, prev: int,
                   root: generic.Reference, info: Any, file_id: bytes | None) -> bytes:
    """``pdf`` + the objects + one xref section + the trailer (ISO 32000-1 §7.5.6)."""
    out = bytearray(pdf)
    if not out.endswith(b"\n"):
        out += b"\n"
    offsets: dict[int, tuple[int, int]] = {}
    for (number, generation), body in sorted(bodies.items()):
        offsets[number] = (len(out), generation)
        out += b"%d %d obj\n%s\nendobj\n" % (number, generation, body)
    xref_at = len(out)
    out += b"xref\n"
    numbers = sorted(offsets)
    start = 0
    while start < len(numbers):  # one subsection per run of consecutive numbers
        end = start
        while end + 1 < len(numbers) and numbers[end + 1] == numbers[end] + 1:
            end += 1
        out += b"%d %d\n" % (numbers[start], end - start + 1)
        for number in numbers[start:end + 1]:
            offset, generation = offsets[number]
            out += b"%010d %05d n\r\n" % (offset, generation)
        start = end + 1
    # The second identifier changes with the content (§14.4), computed from it rather than
    # drawn at random so that the same record gives the same file.
    changed = hashlib.sha256(out).digest()[:16]
    first = file_id if file_id is not None else changed
    out += b"trailer\n<</Size %d/Root %d %d R" % (size, root.idnum, root.generation)
    if info is not None:
        out += b"/Info %d %d R" % (info.idnum, info.generation)
    out += b"/ID[<%s><%s>]/Prev %d>>\nstartxref\n%d\n%%%%EOF\n" % (
        first.hex().upper().encode("ascii"), changed.hex().upper().encode("ascii"), prev,
        xref_at)
    return bytes(out)
