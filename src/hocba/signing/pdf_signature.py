"""What every signature update shares: the signature dictionary with its placeholders, and
the /ByteRange digest (ISO 32000-1 §12.8.1).

The update is written once with a /Contents of zeros sized for the largest CMS (plus a
time-stamp token when the level has one) and a blank /ByteRange; the ranges are then patched in
place (fixed width), the digest taken over everything but /Contents, and the CMS written into
the zeros: no byte moves, so no offset in the xref changes.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import Protocol

from hocba.signing.backends import SigningError
from hocba.signing.pdf_incremental import IncrementalUpdate
from hocba.signing.pdf_objects import Ref

_BYTE_RANGE_WIDTH = 44


class PdfSigningError(SigningError):
    """The PDF cannot be signed as asked; the message is Vietnamese and names the field."""


class Timestamper(Protocol):
    """An RFC 3161 client (``online.HttpTimestamper``): a DER TimeStampToken over a SHA-256
    imprint."""

    def timestamp(self, message_imprint: bytes) -> bytes: ...


@dataclass
class Placeholder:
    """A written signature update waiting for its /Contents. Keeps the caller's original
    bytes by reference and only the appended update: a whole school prepared for one remote
    confirmation holds ~10 KB per record, not a copy of each file."""

    base: bytes  # the file before this update (not copied)
    tail: bytearray  # the update
    contents_start: int  # file offset of '<'
    contents_end: int  # file offset after '>'

    @property
    def capacity(self) -> int:
        return (self.contents_end - self.contents_start - 2) // 2

    def byte_range_digest(self) -> bytes:
        """SHA-256 of everything but /Contents: the base, then the update around it."""
        base = len(self.base)
        tail = memoryview(self.tail)
        digest = hashlib.sha256(self.base)
        digest.update(tail[:self.contents_start - base])
        digest.update(tail[self.contents_end - base:])
        return digest.digest()

    def fill(self, contents: bytes, what: str) -> bytes:
        """The signed file: ``contents`` (DER) hex-encoded into the zeros."""
        if len(contents) > self.capacity:
            raise PdfSigningError(f"Chữ ký {what} dài {len(contents)} byte, vượt chỗ dành sẵn "
                                  f"({self.capacity} byte) trong tệp PDF.")
        hexed = contents.hex().encode("ascii")
        at = self.contents_start + 1 - len(self.base)
        self.tail[at:at + len(hexed)] = hexed
        return self.base + self.tail


def signature_dictionary(kind: bytes, subfilter: bytes, size: int, extra: bytes) -> bytes:
    return (b"<</Type /" + kind + b" /Filter /Adobe.PPKLite /SubFilter /" + subfilter
            + b"\n/ByteRange [" + b" " * _BYTE_RANGE_WIDTH + b"]" + extra
            + b"\n/Contents <" + b"0" * (2 * size) + b">>>")


def write_with_placeholder(update: IncrementalUpdate, signature_ref: Ref) -> Placeholder:
    """Write ``update`` (which holds the signature dictionary ``signature_ref``) and patch in
    its /ByteRange: everything but the /Contents hex string."""
    base = update.pdf.data
    tail = update.write_tail()
    start = (b"\n" + tail).find(b"\n%d 0 obj\n" % signature_ref.num)  # at a line start
    if start < 0:
        raise AssertionError("signature dictionary not written")
    byte_range = tail.index(b"/ByteRange [", start) + len(b"/ByteRange [")
    contents_start = tail.index(b"/Contents <", start) + len(b"/Contents ")
    contents_end = tail.index(b">", contents_start) + 1
    total = len(base) + len(tail)
    ranges = b"0 %d %d %d" % (len(base) + contents_start, len(base) + contents_end,
                              total - len(base) - contents_end)
    if len(ranges) > _BYTE_RANGE_WIDTH:
        raise PdfSigningError("Tệp PDF quá lớn để ký.")
    tail[byte_range:byte_range + _BYTE_RANGE_WIDTH] = ranges.ljust(_BYTE_RANGE_WIDTH)
    return Placeholder(base, tail, len(base) + contents_start, len(base) + contents_end)
