"""``hocba log …``: the transparency log on the command line (audit, tree head)."""

from __future__ import annotations

import argparse
from typing import Any


def add_parsers(sub: Any) -> None:
    p = sub.add_parser("log", help="nhật ký minh bạch: kiểm toán, cây băm đã ký")
    p.add_subparsers(dest="log_command", required=True)


__all__ = ["add_parsers", "argparse"]
