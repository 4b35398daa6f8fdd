"""The visible appearance of a signature in its box: who signed, in which role, when.

    Ký bởi: Phạm Văn Hùng
    Hiệu trưởng
    Thời gian: 30/05/2025 14:05

A person's stamp is dark blue text in a thin frame. The school's seal (``KY_PHAT_HANH``) is
drawn as a red round seal with the same lines inside; its box overlaps the left third of the
principal's box (HCMC QĐ 1789/QĐ-SGDĐT Điều 11), so a stamp whose box a seal covers keeps its
text in the part the seal leaves free (``free_from``).

Times are shown in Vietnam's time (UTC+7, no daylight saving), whatever zone the caller used.
"""

from __future__ import annotations

import datetime as dt
import functools
from dataclasses import dataclass

from hocba.signing.pdf_objects import Name, Ref, Stream
from hocba.signing.stamp_font import TrueTypeFont, load_font

VIETNAM = dt.timezone(dt.timedelta(hours=7), "ICT")
FONT_RESOURCE = "HocbaNotoSerif"  # the resource name later signatures look for
MAX_SIZE, UNWRAPPED_MIN, MIN_SIZE = 8.0, 6.0, 3.5
LEADING = 1.22
PERSON_RGB = (0.05, 0.15, 0.45)
SEAL_RGB = (0.80, 0.06, 0.06)
_N = Name


@dataclass(frozen=True)
class StampText:
    signer: str
    role: str
    time: dt.datetime

    def lines(self, *, seal: bool = False) -> list[str]:
        """The stamp's lines; in the narrow round seal the time goes without its label."""
        local = f"{self.time.astimezone(VIETNAM):%d/%m/%Y %H:%M}"
        return [f"Ký bởi: {self.signer}", self.role, local if seal else f"Thời gian: {local}"]


def _wrap(font: TrueTypeFont, text: str, size: float, width: float) -> list[list[int]] | None:
    """Greedy word wrap in glyph ids; None when a single word is wider than ``width``."""
    lines: list[list[int]] = []
    space = font.glyphs(" ")
    current: list[int] = []
    for word in text.split():
        glyphs = font.glyphs(word)
        if font.width(glyphs, size) > width:
            return None
        candidate = current + space + glyphs if current else glyphs
        if font.width(candidate, size) <= width:
            current = candidate
        else:
            lines.append(current)
            current = glyphs
    if current:
        lines.append(current)
    return lines


def _layout(font: TrueTypeFont, paragraphs: list[str], width: float,
            height: float) -> tuple[float, list[list[int]]]:
    """The largest size at which the lines fit: first one line per paragraph down to
    ``UNWRAPPED_MIN``, then wrapping words down to ``MIN_SIZE``."""
    unwrapped = [font.glyphs(p) for p in paragraphs]
    widest = max(font.width(g, 1.0) for g in unwrapped) or 1.0
    size = min(MAX_SIZE, width / widest, height / (len(unwrapped) * LEADING))
    if size >= UNWRAPPED_MIN:
        return _floor(size), unwrapped
    size = MAX_SIZE
    while size > MIN_SIZE:
        lines: list[list[int]] = []
        for index, paragraph in enumerate(paragraphs):
            # only the signer's name may wrap: a role or a time cut in two reads badly
            wrapped = _wrap(font, paragraph, size, width) if index == 0 else (
                [unwrapped[index]] if font.width(unwrapped[index], size) <= width else None)
            if wrapped is None:
                break
            lines.extend(wrapped)
        else:
            if len(lines) * size * LEADING <= height:
                return size, lines
        size -= 0.25
    return MIN_SIZE, unwrapped  # nothing fits: the smallest size, clipped by the BBox


def _floor(size: float) -> float:
    return int(size * 4) / 4


def _text(font: TrueTypeFont, lines: list[list[int]], size: float, x0: float, x1: float,
          top: float, *, centred: bool) -> list[bytes]:
    ops = [b"BT", b"/%s %s Tf" % (FONT_RESOURCE.encode(), _num(size))]
    y = top - size * font.ascent / font.units_per_em
    for glyphs in lines:
        width = font.width(glyphs, size)
        x = (x0 + x1 - width) / 2 if centred else x0
        ops.append(b"1 0 0 1 %s %s Tm <%s> Tj" % (
            _num(x), _num(y), "".join(f"{g:04X}" for g in glyphs).encode()))
        y -= size * LEADING
    ops.append(b"ET")
    return ops


def _num(value: float) -> bytes:
    return (b"%.3f" % value).rstrip(b"0").rstrip(b".")


def appearance(text: StampText, width: float, height: float, font_ref: Ref, *,
               seal: bool = False, free_from: float = 0.0) -> Stream:
    """The /AP /N form XObject of a signed field whose box is ``width`` × ``height`` points.

    ``free_from``: the left part (in points) another signature covers; text starts after it.
    """
    content = _content(text, width, height, seal, free_from)
    return Stream({
        _N("Type"): _N("XObject"), _N("Subtype"): _N("Form"),
        _N("BBox"): [0, 0, round(width, 3), round(height, 3)],
        _N("Resources"): {_N("Font"): {_N(FONT_RESOURCE): font_ref}},
    }, content)


@functools.lru_cache(maxsize=256)
def _content(text: StampText, width: float, height: float, seal: bool,
             free_from: float) -> bytes:
    # One confirmation stamps the same signer, slot and time on every record of the batch
    # (and the same box): lay the text out once, not once per record. Bytes, immutable.
    font = load_font()
    paragraphs = text.lines(seal=seal)
    ops: list[bytes] = [b"q"]
    if seal:
        r, g, b = SEAL_RGB
        diameter = min(width, height) - 2
        cx, cy = width / 2, height / 2
        ops.append(b"%s %s %s RG %s %s %s rg" % tuple(_num(v) for v in (r, g, b, r, g, b)))
        ops += _circle(cx, cy, diameter / 2, 1.4)
        ops += _circle(cx, cy, diameter / 2 - 3, 0.5)
        # a rectangle inside the inner ring: corners at (±0.35 d, ±0.31 d) from the centre
        inner_w, inner_h = 0.70 * (diameter - 6), 0.62 * (diameter - 6)
        size, lines = _layout(font, paragraphs, inner_w, inner_h)
        block = len(lines) * size * LEADING
        top = cy + block / 2
        ops += _text(font, lines, size, cx - inner_w / 2, cx + inner_w / 2, top, centred=True)
    else:
        r, g, b = PERSON_RGB
        left = min(max(free_from, 0.0), width * 0.6)
        pad = 3.0
        ops.append(b"%s %s %s RG %s %s %s rg 0.4 w" % tuple(
            _num(v) for v in (r, g, b, r, g, b)))
        ops.append(b"%s 0.5 %s %s re S" % (_num(left + 0.5), _num(width - left - 1),
                                          _num(height - 1)))
        size, lines = _layout(font, paragraphs, width - left - 2 * pad, height - 2 * pad)
        block = len(lines) * size * LEADING
        top = height / 2 + block / 2
        ops += _text(font, lines, size, left + pad, width - pad, top, centred=False)
    ops.append(b"Q")
    return b"\n".join(ops)


def _circle(cx: float, cy: float, radius: float, line_width: float) -> list[bytes]:
    k = 0.5523 * radius  # cubic Bézier approximation of a quarter circle
    points = [
        (cx + radius, cy),
        (cx + radius, cy + k, cx + k, cy + radius, cx, cy + radius),
        (cx - k, cy + radius, cx - radius, cy + k, cx - radius, cy),
        (cx - radius, cy - k, cx - k, cy - radius, cx, cy - radius),
        (cx + k, cy - radius, cx + radius, cy - k, cx + radius, cy),
    ]
    ops = [b"%s w" % _num(line_width),
           b"%s %s m" % (_num(points[0][0]), _num(points[0][1]))]
    ops += [b" ".join(_num(v) for v in p) + b" c" for p in points[1:]]
    ops.append(b"S")
    return ops
