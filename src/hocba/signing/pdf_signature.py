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
    buffer: bytearray
    contents_start: int  # offset of '<'
    contents_end: int  # offset after '>'

    @property
    def capacity(self) -> int:
        return (self.contents_end - self.contents_start - 2) // 2

    def byte_range_digest(self) -> bytes:
        view = memoryview(self.buffer)
        digest = hashlib.sha256(view[:self.contents_start])
        digest.update(view[self.contents_end:])
        return digest.digest()

    def fill(self, contents: bytes, what: str) -> bytes:
        if len(contents) > self.capacity:
            raise PdfSigningError(f"Chữ ký {what} dài {len(contents)} byte, vượt chỗ dành sẵn "
                                  f"({self.capacity} byte) trong tệp PDF.")
        hexed = contents.hex().encode("ascii")
        self.buffer[self.contents_start + 1:self.contents_start + 1 + len(hexed)] = hexed
        return bytes(self.buffer)


def signature_dictionary(kind: bytes, subfilter: bytes, size: int, extra: bytes) -> bytes:
    return (b"<</Type /" + kind + b" /Filter /Adobe.PPKLite /SubFilter /" + subfilter
            + b"\n/ByteRange [" + b" " * _BYTE_RANGE_WIDTH + b"]" + extra
            + b"\n/Contents <" + b"0" * (2 * size) + b">>>")


def write_with_placeholder(update: IncrementalUpdate, signature_ref: Ref) -> Placeholder:
    buffer = update.write()
    start = buffer.rfind(b"\n%d 0 obj\n" % signature_ref.num)
    if start < 0:
        raise AssertionError("signature dictionary not written")
    byte_range = buffer.index(b"/ByteRange [", start) + len(b"/ByteRange [")
    contents_start = buffer.index(b"/Contents <", start) + len(b"/Contents ")
    contents_end = buffer.index(b">", contents_start) + 1
    ranges = b"0 %d %d %d" % (contents_start, contents_end, len(buffer) - contents_end)
    if len(ranges) > _BYTE_RANGE_WIDTH:
        raise PdfSigningError("Tệp PDF quá lớn để ký.")
    buffer[byte_range:byte_range + _BYTE_RANGE_WIDTH] = ranges.ljust(_BYTE_RANGE_WIDTH)
    return Placeholder(buffer, contents_start, contents_end)
