"""Text hygiene for everything that enters the system.

Vietnamese may arrive precomposed (NFC) or decomposed (NFD, common from macOS and some
Excel exports). Renderers such as ReportLab detach NFD tone marks and string comparison
fails across forms, so every string is normalised to NFC on the way in (STACK.md §1).
"""

from __future__ import annotations

import re
import unicodedata

_SPACES = re.compile(r"\s+")


def nfc(value: str) -> str:
    """Return ``value`` in Unicode NFC."""
    return unicodedata.normalize("NFC", value)


def clean(value: str | None) -> str:
    """NFC, trimmed, inner runs of white space collapsed to one space."""
    if value is None:
        return ""
    return _SPACES.sub(" ", nfc(value)).strip()


def is_nfc(value: str) -> bool:
    return unicodedata.is_normalized("NFC", value)


def fold(value: str) -> str:
    """A comparison key: NFC, case-folded, without diacritics, spaces or hyphens.

    Used to match names typed in different ways ("H'Mông", "Hmông", "Mông").
    """
    decomposed = unicodedata.normalize("NFD", clean(value).casefold())
    letters = "".join(c for c in decomposed if not unicodedata.combining(c))
    letters = letters.replace("đ", "d")
    return re.sub(r"[\s\-'’.]", "", letters)
