"""Empty signature fields where the printed học bạ has its signature boxes.

The template draws each box with ``o-ky`` (``templates/hocba-chung.typ``) and tags it with
its slot, school year and position; this module turns those tags into empty PDF signature
fields (pyHanko, one incremental update), ready for the signing issue.

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

Coordinates: Typst gives the box's top-left corner in points from the top-left of the page;
PDF places a field by its lower-left and upper-right corners from the bottom-left, so the
page height (read from the page's MediaBox) flips the y axis.
"""

from __future__ import annotations

import io
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.pdf_utils.misc import PdfWriteError
from pyhanko.sign.fields import SigFieldSpec, append_signature_field

from hocba.rendering.errors import RenderError


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


def add_signature_fields(pdf: bytes, boxes: Iterable[SignatureBox], *, book: bool) -> bytes:
    """``pdf`` with one empty signature field per box, appended as an incremental update."""
    writer = IncrementalPdfFileWriter(io.BytesIO(pdf))
    heights: dict[int, float] = {}
    for box in boxes:
        if box.page not in heights:
            page = writer.find_page_for_modification(box.page)[0].get_object()
            media_box = [float(v) for v in page["/MediaBox"]]
            heights[box.page] = media_box[3] - media_box[1]
        top = heights[box.page] - box.y
        spec = SigFieldSpec(
            sig_field_name=box.field_name(book=book), on_page=box.page,
            box=(round(box.x, 2), round(top - box.height, 2),  # type: ignore[arg-type]
                 round(box.x + box.width, 2), round(top, 2)),
            readable_field_name=box.hint)
        try:
            append_signature_field(writer, spec)
        except PdfWriteError as exc:
            raise RenderError(f"Ô chữ ký {spec.sig_field_name} (năm học {box.school_year}) "
                              f"bị trùng trong mẫu học bạ: {exc}") from exc
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()
