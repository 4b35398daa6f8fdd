"""``hocba verify FILE``: the offline verifier (no server, no network)."""

from __future__ import annotations

from typing import Any


def add_parsers(sub: Any) -> None:
    sub.add_parser("verify", help="kiểm tra một tệp học bạ PDF hoặc XML, không cần mạng")
