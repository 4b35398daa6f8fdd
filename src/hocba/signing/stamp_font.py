"""The stamp's font: a shipped Noto Serif subset, embedded once per document as a Type 0
font (Identity-H, TrueType outlines) with /W widths and a /ToUnicode map (ISO 32000-1 §9.7).

Why Noto Serif and not the record's Liberation Serif: STACK.md §2 measured stamp text in
Liberation/DejaVu (2048 units per em) coming out letter-spaced and clipped in pyHanko's
stamps; Noto Serif (1000 units per em) rendered correctly, and it draws every Vietnamese letter
precomposed (U+1EA0–U+1EF9), so no shaping is needed. The subset (see ``fonts/OFL.txt``) has
about 470 glyphs; embedding it whole costs ~17 KB per document and lets any later signer's
name be drawn without re-embedding.

The TrueType tables we need (cmap, hmtx, head, hhea, OS/2) are read here with ``struct`` once
per process, and the PDF objects' bytes are built once too: a signature only copies them.
"""

from __future__ import annotations

import struct
import unicodedata
import zlib
from dataclasses import dataclass
from functools import cache, lru_cache
from pathlib import Path

from hocba.signing.pdf_incremental import IncrementalUpdate
from hocba.signing.pdf_objects import Name, Ref, Stream, Verbatim, serialize

FONT_PATH = Path(__file__).with_name("fonts") / "NotoSerif-Regular-vi.ttf"
# A subset font's name carries a six-letter tag (ISO 32000-1 §9.6.4).
BASE_FONT = "HOCBAV+NotoSerif-Regular"
_N = Name


@dataclass(frozen=True, eq=False)
class TrueTypeFont:
    data: bytes
    units_per_em: int
    advances: tuple[int, ...]  # by glyph id
    cmap: dict[int, int]  # code point -> glyph id
    bbox: tuple[int, int, int, int]
    ascent: int
    descent: int
    cap_height: int

    def glyphs(self, text: str) -> list[int]:
        """Glyph ids of ``text`` (NFC; a letter the subset lacks becomes '?')."""
        return list(_glyphs(self, text))

    def width(self, glyphs: list[int], size: float) -> float:
        return sum(map(self.advances.__getitem__, glyphs)) * size / self.units_per_em


@lru_cache(maxsize=4096)
def _glyphs(font: TrueTypeFont, text: str) -> tuple[int, ...]:
    fallback = font.cmap[ord("?")]
    return tuple(font.cmap.get(ord(c), fallback) for c in unicodedata.normalize("NFC", text))


def _tables(data: bytes) -> dict[bytes, bytes]:
    count = struct.unpack_from(">H", data, 4)[0]
    tables = {}
    for i in range(count):
        tag, _checksum, offset, length = struct.unpack_from(">4sIII", data, 12 + 16 * i)
        tables[tag] = data[offset:offset + length]
    return tables


def _cmap(table: bytes) -> dict[int, int]:
    count = struct.unpack_from(">H", table, 2)[0]
    subtables = {}
    for i in range(count):
        platform, encoding, offset = struct.unpack_from(">HHI", table, 4 + 8 * i)
        subtables[(platform, encoding)] = offset
    offset = subtables.get((3, 10), subtables.get((3, 1), subtables.get((0, 3))))
    if offset is None:
        raise ValueError("font has no Unicode cmap")
    fmt = struct.unpack_from(">H", table, offset)[0]
    mapping: dict[int, int] = {}
    if fmt == 4:
        segments = struct.unpack_from(">H", table, offset + 6)[0] // 2
        ends = struct.unpack_from(f">{segments}H", table, offset + 14)
        base = offset + 16 + 2 * segments
        starts = struct.unpack_from(f">{segments}H", table, base)
        deltas = struct.unpack_from(f">{segments}h", table, base + 2 * segments)
        range_base = base + 4 * segments
        ranges = struct.unpack_from(f">{segments}H", table, range_base)
        for i in range(segments):
            for code in range(starts[i], ends[i] + 1):
                if code == 0xFFFF:
                    continue
                if ranges[i] == 0:
                    glyph = (code + deltas[i]) & 0xFFFF
                else:
                    at = range_base + 2 * i + ranges[i] + 2 * (code - starts[i])
                    glyph = struct.unpack_from(">H", table, at)[0]
                    if glyph:
                        glyph = (glyph + deltas[i]) & 0xFFFF
                if glyph:
                    mapping[code] = glyph
    elif fmt == 12:
        groups = struct.unpack_from(">I", table, offset + 12)[0]
        for i in range(groups):
            start, end, glyph = struct.unpack_from(">III", table, offset + 16 + 12 * i)
            for code in range(start, end + 1):
                mapping[code] = glyph + code - start
    else:
        raise ValueError(f"unsupported cmap format {fmt}")
    return mapping


@cache
def load_font(path: Path = FONT_PATH) -> TrueTypeFont:
    data = path.read_bytes()
    tables = _tables(data)
    head, hhea, maxp, os2 = tables[b"head"], tables[b"hhea"], tables[b"maxp"], tables[b"OS/2"]
    units = struct.unpack_from(">H", head, 18)[0]
    bbox = struct.unpack_from(">hhhh", head, 36)
    glyph_count = struct.unpack_from(">H", maxp, 4)[0]
    metrics = struct.unpack_from(">H", hhea, 34)[0]
    hmtx = tables[b"hmtx"]
    advances = [struct.unpack_from(">H", hmtx, 4 * i)[0] for i in range(metrics)]
    advances += [advances[-1]] * (glyph_count - metrics)
    ascent, descent = struct.unpack_from(">hh", os2, 68)  # sTypoAscender, sTypoDescender
    cap_height = struct.unpack_from(">h", os2, 88)[0] if len(os2) >= 90 else ascent
    return TrueTypeFont(data, units, tuple(advances), _cmap(tables[b"cmap"]), bbox, ascent,
                        descent, cap_height)


@dataclass(frozen=True)
class FontObjects:
    """The four objects of the embedded font; ``type0`` is what resources point at."""

    type0: dict[Name, object]
    descendant: dict[Name, object]
    descriptor: dict[Name, object]
    font_file: Stream
    to_unicode: Stream


@cache
def font_objects() -> FontObjects:
    """The font's PDF objects with placeholder references (filled by ``embed``)."""
    font = load_font()
    scale = 1000 / font.units_per_em
    widths = [round(a * scale) for a in font.advances]
    descriptor = {
        _N("Type"): _N("FontDescriptor"), _N("FontName"): _N(BASE_FONT),
        _N("Flags"): 34,  # serif, non-symbolic (ISO 32000-1 Table 123)
        _N("FontBBox"): [round(v * scale) for v in font.bbox], _N("ItalicAngle"): 0,
        _N("Ascent"): round(font.ascent * scale), _N("Descent"): round(font.descent * scale),
        _N("CapHeight"): round(font.cap_height * scale), _N("StemV"): 80,
    }
    descendant = {
        _N("Type"): _N("Font"), _N("Subtype"): _N("CIDFontType2"), _N("BaseFont"): _N(BASE_FONT),
        _N("CIDSystemInfo"): {_N("Registry"): b"Adobe", _N("Ordering"): b"Identity",
                              _N("Supplement"): 0},
        # the width array is long: serialised once, copied into each document
        _N("DW"): 1000, _N("W"): Verbatim(serialize([0, widths])),
        _N("CIDToGIDMap"): _N("Identity"),
    }
    type0: dict[Name, object] = {
        _N("Type"): _N("Font"), _N("Subtype"): _N("Type0"), _N("BaseFont"): _N(BASE_FONT),
        _N("Encoding"): _N("Identity-H")}
    font_file = Stream({_N("Length1"): len(font.data), _N("Filter"): _N("FlateDecode")},
                       zlib.compress(font.data, 9))
    to_unicode = Stream({_N("Filter"): _N("FlateDecode")}, zlib.compress(_to_unicode(font), 9))
    return FontObjects(type0, descendant, descriptor, font_file, to_unicode)


def _to_unicode(font: TrueTypeFont) -> bytes:
    by_glyph: dict[int, int] = {}
    for code, glyph in sorted(font.cmap.items()):
        by_glyph.setdefault(glyph, code)
    entries = [b"<%04X> <%s>" % (glyph, chr(code).encode("utf-16-be").hex().upper().encode())
               for glyph, code in sorted(by_glyph.items())]
    chunks = [entries[i:i + 100] for i in range(0, len(entries), 100)]
    body = b"".join(b"%d beginbfchar\n" % len(chunk) + b"\n".join(chunk) + b"\nendbfchar\n"
                    for chunk in chunks)
    return (b"/CIDInit /ProcSet findresource begin\n12 dict begin\nbegincmap\n"
            b"/CIDSystemInfo << /Registry (Adobe) /Ordering (UCS) /Supplement 0 >> def\n"
            b"/CMapName /Adobe-Identity-UCS def\n/CMapType 2 def\n"
            b"1 begincodespacerange\n<0000> <FFFF>\nendcodespacerange\n" + body
            + b"endcmap\nCMapName currentdict /CMap defineresource pop\nend\nend\n")


def embed(update: IncrementalUpdate) -> Ref:
    """Add the font's objects to ``update``; returns the Type 0 font's reference."""
    objects = font_objects()
    file_ref = update.add(objects.font_file)
    descriptor = dict(objects.descriptor)
    descriptor[_N("FontFile2")] = file_ref
    descendant = dict(objects.descendant)
    descendant[_N("FontDescriptor")] = update.add(descriptor)
    type0 = dict(objects.type0)
    type0[_N("DescendantFonts")] = [update.add(descendant)]
    type0[_N("ToUnicode")] = update.add(objects.to_unicode)
    return update.add(type0)
