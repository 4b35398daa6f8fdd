"""The signature fields of a rendered học bạ: found by name, their state, their boxes.

Field names come from ``hocba.rendering.signature_fields``: ``GVCN``, ``CBQL``,
``KY_PHAT_HANH``, ``GVBM_<MA_MON>``, year-suffixed in a whole book. Fields are looked up
through the catalog's /AcroForm /Fields (ISO 32000-1 §12.7.2), by fully qualified name.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from hocba.signing.pdf_incremental import PdfFile
from hocba.signing.pdf_objects import Name, Ref, Stream
from hocba.signing.pdf_signature import PdfSigningError
from hocba.signing.stamp import FONT_RESOURCE

SEAL_FIELD = "KY_PHAT_HANH"  # hocba.rendering.signature_fields
_N = Name


def is_seal(field: str) -> bool:
    return field == SEAL_FIELD or field.startswith(SEAL_FIELD + "_")


@dataclass(frozen=True)
class SignatureField:
    name: str
    ref: Ref
    dictionary: dict[Name, Any]
    widget_ref: Ref
    widget: dict[Name, Any]

    @property
    def signed(self) -> bool:
        return self.dictionary.get(_N("V")) is not None

    def rect(self) -> tuple[float, float, float, float]:
        x0, y0, x1, y1 = (float(v) for v in self.widget[_N("Rect")])
        return min(x0, x1), min(y0, y1), max(x0, x1), max(y0, y1)


def _decode_text(value: Any) -> str:
    raw = bytes(value)
    if raw.startswith(b"\xfe\xff"):
        return raw[2:].decode("utf-16-be")
    return raw.decode("latin-1")


def signature_fields(pdf: PdfFile,
                     form: dict[Name, Any] | None = None) -> Iterator[SignatureField]:
    """Every signature field (terminal, /FT /Sig) with its first widget; ``form`` is the
    /AcroForm dictionary when the caller already has it."""
    if form is None:
        form = acroform(pdf)[1]
    stack: list[tuple[Any, str]] = [(ref, "") for ref in reversed(
        pdf.resolve(form.get(_N("Fields"), [])))]
    while stack:
        ref, prefix = stack.pop()
        node = pdf.resolve(ref)
        if not isinstance(node, dict):
            continue
        partial = node.get(_N("T"))
        name = prefix + ("." if prefix and partial is not None else "") + (
            _decode_text(partial) if partial is not None else "")
        kids = pdf.resolve(node.get(_N("Kids")))
        if kids and any(_N("T") in pdf.resolve(k) for k in kids):
            stack.extend((kid, name) for kid in reversed(kids))
            continue
        if node.get(_N("FT")) != "Sig":
            continue
        if kids:  # field with its widget(s) as kids: the first widget shows the stamp
            widget_ref = kids[0]
            yield SignatureField(name, ref, node, widget_ref, pdf.resolve(widget_ref))
        else:
            yield SignatureField(name, ref, node, ref, node)


def acroform(pdf: PdfFile) -> tuple[Ref | None, dict[Name, Any]]:
    value = pdf.root.get(_N("AcroForm"))
    if value is None:
        raise PdfSigningError("Tệp PDF không có ô chữ ký nào (thiếu /AcroForm).")
    if isinstance(value, Ref):
        return value, pdf.get(value)
    return None, value


def docmdp_level(pdf: PdfFile) -> int | None:
    perms = pdf.resolve(pdf.root.get(_N("Perms")))
    if not isinstance(perms, dict) or _N("DocMDP") not in perms:
        return None
    signature = pdf.resolve(perms[_N("DocMDP")])
    for reference in pdf.resolve(signature.get(_N("Reference"), [])):
        reference = pdf.resolve(reference)
        if reference.get(_N("TransformMethod")) == "DocMDP":
            return int(pdf.resolve(reference.get(_N("TransformParams"), {})).get(_N("P"), 2))
    return 2


def find_stamp_font(pdf: PdfFile, fields: list[SignatureField]) -> Ref | None:
    """The stamp font an earlier signature of ours embedded, to draw with it again."""
    for field in fields:
        if not field.signed:
            continue
        ap = pdf.resolve(field.widget.get(_N("AP")))
        normal = pdf.resolve(ap.get(_N("N"))) if isinstance(ap, dict) else None
        if not isinstance(normal, Stream):
            continue
        resources = pdf.resolve(normal.dictionary.get(_N("Resources")))
        fonts = pdf.resolve(resources.get(_N("Font"))) if isinstance(resources, dict) else None
        if isinstance(fonts, dict) and isinstance(fonts.get(_N(FONT_RESOURCE)), Ref):
            return fonts[_N(FONT_RESOURCE)]  # type: ignore[no-any-return]
    return None


def seal_overlap(target: SignatureField, fields: list[SignatureField]) -> float:
    """How far into ``target``'s box from the left a seal's box reaches (HCMC QĐ 1789
    Điều 11: the seal covers the left third of the principal's box)."""
    if is_seal(target.name):
        return 0.0
    x0, y0, x1, y1 = target.rect()
    reach = 0.0
    for other in fields:
        if other is target or not is_seal(other.name) or (
                other.widget.get(_N("P")) != target.widget.get(_N("P"))):
            continue
        ox0, oy0, ox1, oy1 = other.rect()
        if ox0 <= x0 < ox1 and oy0 < y1 and y0 < oy1:
            reach = max(reach, min(ox1, x1) - x0)
    return reach
