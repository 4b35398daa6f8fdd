"""The look-up QR code printed on the identity page.

It holds the verification address and the record's look-up code, nothing else: no name, no
identity number, no school (issue 4; personal data stays off anything a camera can read at a
distance, NĐ 13/2023). The address form is ``{verify_url}?ma={lookup_code}``: the look-up
code is the MOET ``MA_TRA_CUU_UUID`` (UUID v4, CV 2088 PL1 mục II.1), and ``ma`` is the query
parameter the verification page reads.
"""

from __future__ import annotations

import io
import uuid
from urllib.parse import urlsplit

import segno

from hocba.rendering.errors import RenderError


def verification_address(verify_url: str, lookup_code: str) -> str:
    """``{verify_url}?ma={lookup_code}``, after checking both parts.

    ``verify_url`` is the verification page (http or https, no query or fragment of its
    own); ``lookup_code`` must be a UUID in its canonical 36-character form.
    """
    parts = urlsplit(verify_url)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise RenderError(
            f"Địa chỉ tra cứu «{verify_url}» không hợp lệ: cần dạng https://tên-miền/đường-dẫn."
        )
    if parts.query or parts.fragment:
        raise RenderError(
            f"Địa chỉ tra cứu «{verify_url}» không được có phần «?…» hoặc «#…»: "
            "mã tra cứu được thêm vào dưới dạng ?ma=…"
        )
    try:
        canonical = str(uuid.UUID(lookup_code))
    except (ValueError, TypeError, AttributeError):
        canonical = ""
    if canonical != lookup_code:
        raise RenderError(
            f"Trường lookup_code: «{lookup_code}» không phải mã tra cứu học bạ hợp lệ "
            "(UUID 36 ký tự, chữ thường, CV 2088 PL1 mục II.1)."
        )
    return f"{verify_url}?ma={lookup_code}"


# The data mask is fixed rather than chosen per code. ISO/IEC 18004:2015 §7.8.3 has the
# encoder score all eight masks and keep the lowest penalty; segno does that in pure Python
# and it was most of the QR's cost (≈ 4 of 5 ms per record). Any mask decodes (the mask
# number is in the format information). For our payload, a fixed-length URL with random
# hex, mask 2 is the one the evaluation itself picks for about 3 codes in 4, and on 400
# random look-up codes its penalty was on average 16 points (≈ 1 %) above the best mask's.
# tests/test_rendering_pdf.py reads codes back with zbarimg.
QR_MASK = 2


def qr_code(text: str) -> segno.QRCode:
    """The QR code of ``text`` at error-correction level M."""
    return segno.make_qr(text, error="m", boost_error=False, mask=QR_MASK)


def qr_svg(text: str) -> str:
    """An SVG QR code of ``text`` at error-correction level M with the standard quiet zone."""
    code = qr_code(text)
    out = io.BytesIO()
    code.save(out, kind="svg", xmldecl=False, svgclass=None, lineclass=None, border=4)
    return out.getvalue().decode("ascii")
