"""Parsing an XML file received from outside, defensively.

A học bạ file comes from another school, a province portal or a parent's upload. Before
anything reads it: a size limit; UTF-8 only (CV 2088 PL1 II.1); no DTD, hence no entity
expansion (billion laughs) and no external entity (file or network read); libxml2's own
limits on depth and text size kept (``huge_tree=False``). Comments and processing
instructions are dropped: they carry no data in the specification.
"""

from __future__ import annotations

import re
from typing import Any

from lxml import etree

from hocba.domain.moet.errors import refuse

MAX_BYTES = 1_048_576  # one học bạ: about 6 kB unsigned, 60 kB with 20 signatures
_DECLARED = re.compile(rb"^<\?xml[^>]*?encoding\s*=\s*[\"']([A-Za-z0-9._-]+)[\"']")
_OTHER_BOMS = (b"\xff\xfe", b"\xfe\xff", b"\x00\x00\xfe\xff")
UTF8_BOM = b"\xef\xbb\xbf"
ROOT = "HOC_BA"


def _parser() -> Any:
    return etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False,
                           dtd_validation=False, huge_tree=False, remove_comments=True,
                           remove_pis=True)


def parse(data: bytes, *, max_bytes: int = MAX_BYTES) -> Any:
    """The root element of ``data``; ``MoetXmlError`` says why a file is refused."""
    if not isinstance(data, bytes | bytearray):
        raise refuse("/", "cần nội dung tệp XML dạng byte")
    if len(data) > max_bytes:
        raise refuse("/", (f"tệp {len(data):,} byte vượt giới hạn {max_bytes:,} byte của một "
                           f"học bạ").replace(",", "."))
    if not data.strip():
        raise refuse("/", "tệp rỗng")
    if data.startswith(_OTHER_BOMS):
        raise refuse("/", "tệp mã hóa UTF-16/UTF-32; đặc tả yêu cầu UTF-8 (CV 2088 PL1 II.1)")
    body = bytes(data[len(UTF8_BOM):] if data.startswith(UTF8_BOM) else data)
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = body[:exc.start].count(b"\n") + 1
        raise refuse("/", (f"tệp không phải UTF-8: byte 0x{body[exc.start]:02X} ở vị trí "
                           f"{exc.start} không hợp lệ (CV 2088 PL1 II.1 yêu cầu UTF-8)"),
                     line) from None
    declared = _DECLARED.match(body)
    if declared and declared.group(1).lower() not in (b"utf-8", b"utf8"):
        raise refuse("/", (f"khai báo encoding=\"{declared.group(1).decode()}\"; đặc tả yêu "
                           f"cầu UTF-8 (CV 2088 PL1 II.1)"), 1)
    if "\x00" in text:
        raise refuse("/", "tệp chứa byte 0 (có thể là UTF-16 không có BOM); đặc tả yêu cầu "
                          "UTF-8 (CV 2088 PL1 II.1)")
    for marker in ("<!DOCTYPE", "<!ENTITY"):
        at = text.find(marker)
        if at >= 0:
            raise refuse("/", (f"tệp có khai báo {marker[2:]} (DTD, thực thể): học bạ số không "
                               f"dùng DTD, và tệp bị từ chối để không mở rộng thực thể hay đọc "
                               f"tệp, mạng bên ngoài"), text.count("\n", 0, at) + 1)
    try:
        root = etree.fromstring(body, _parser())
    except etree.XMLSyntaxError as exc:
        raise refuse("/", f"XML sai cú pháp hoặc không đầy đủ: {exc.msg}",
                     exc.lineno) from None
    if root.getroottree().docinfo.internalDTD is not None:  # pragma: no cover - refused above
        raise refuse("/", "tệp có DTD")
    if root.tag != ROOT:
        raise refuse(f"/{root.tag}", f"phần tử gốc phải là {ROOT}", root.sourceline)
    return root
