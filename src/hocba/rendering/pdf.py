"""The printable học bạ (bản thể hiện, bản giấy học bạ số) as a PDF/A-2b file.

    render_record(record, verify_url="https://hocba.example.vn/tra-cuu")   # one school year
    render_book([y1, y2, y3], verify_url=...)                               # a whole level

``record`` is the canonical record as a JSON dict (docs/examples/record-primary.json,
record-secondary.json). A book is a list of such records of one student at one level; they
are printed oldest first, and the cover and identity page come from the latest year (CV 2088
PL1 mục 4).

What a file holds:

- the pages of ``templates/hocba-tieu-hoc.typ`` (primary: cover, identity page with the
  look-up code and QR, sections 1–6 per year) or ``templates/hocba-trung-hoc.typ``
  (secondary: cover, identity page and learning history, per year the subject table and
  the summary page), A4, fonts embedded from ``fonts/``;
- a QR code holding only ``{verify_url}?ma={lookup_code}`` (see ``qr.py``);
- PDF metadata: the title (level, student's name, school year or years), the school as
  author, the language, and the creation date = the record's ``composed_at`` (the latest
  year's for a book), so that rendering the same record twice gives the same pages;
- one empty signature field per signing slot, named as ``signature_fields.py`` documents,
  added in one incremental update.

PDF/A: Typst writes PDF/A-2b. The fields' update adds only the fields (each widget printable
with an appearance, as PDF/A-2 asks), the AcroForm, and the catalog and pages that point to
them; incremental updates are allowed by PDF/A-2. The Info dictionary and the XMP packet stay
as Typst wrote them and agree (``pdfaid:part`` 2, ``pdfaid:conformance`` B, the modification
date = the creation date = ``composed_at``). The second file identifier is a hash of the
content, so the same record renders to the same bytes. No veraPDF is available here, so
conformance is not validated by an independent tool.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from hocba.rendering.payload import prepare
from hocba.rendering.signature_fields import SignatureBox, add_signature_fields
from hocba.rendering.typst_engine import compile_pdf


def _render(records: Sequence[Mapping[str, Any]], *, verify_url: str, book: bool) -> bytes:
    document = prepare(records, verify_url=verify_url)
    pdf, anchors = compile_pdf(document.template, document.data,
                               timestamp=document.timestamp)
    boxes = [SignatureBox.from_anchor(a) for a in anchors]
    return add_signature_fields(pdf, boxes, book=book)


def render_record(record: Mapping[str, Any], *, verify_url: str) -> bytes:
    """The PDF of one school year's học bạ, with fields ``GVCN``, ``CBQL``, ``KY_PHAT_HANH``
    and, for secondary, ``GVBM_<MA_MON>`` per subject."""
    return _render([record], verify_url=verify_url, book=False)


def render_book(records: Sequence[Mapping[str, Any]], *, verify_url: str) -> bytes:
    """The PDF of a whole level's học bạ (one record per school year, any order); every
    signature field name ends with its school year, e.g. ``GVCN_2024-2025``."""
    return _render(records, verify_url=verify_url, book=True)
