"""``hocba log …``: the transparency log on the command line.

- ``audit``: every difference between the log, its signed heads and the database's issued
  and revoked records, in Vietnamese (exit 1 on any difference, 0 when clean);
- ``checkpoint``: the latest signed tree head (C2SP checkpoint text);
- ``proof CODE``: a record's inclusion proof as JSON, for the offline verifier;
- ``backfill``: append the issues and revocations that predate the log.
"""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any


def cmd_audit(args: argparse.Namespace) -> int:
    from hocba.transparency.audit import audit
    from hocba.transparency.selectors import latest_tree_head

    problems = audit()
    for problem in problems:
        print(problem)
    if problems:
        print(f"Kiểm toán nhật ký: {len(problems)} chỗ không khớp.", file=sys.stderr)
        return 1
    head = latest_tree_head()
    print(f"Kiểm toán nhật ký: khớp — {head.size if head else 0} lá, mọi đầu cây đã ký hợp lệ "
          "và nhất quán, mọi học bạ phát hành/thu hồi đều có trong nhật ký.")
    return 0


def cmd_checkpoint(args: argparse.Namespace) -> int:
    from hocba.transparency.selectors import latest_tree_head

    head = latest_tree_head()
    if head is None:
        print("Nhật ký minh bạch chưa có sự kiện nào.", file=sys.stderr)
        return 1
    sys.stdout.write(head.to_checkpoint())
    return 0


def cmd_proof(args: argparse.Namespace) -> int:
    from hocba.transparency.selectors import inclusion_for

    proof = inclusion_for(args.code, args.event)
    if proof is None:
        print(f"Không có sự kiện «{args.event}» của mã tra cứu «{args.code}» trong nhật ký "
              "minh bạch.", file=sys.stderr)
        return 1
    print(json.dumps(proof.to_json(), ensure_ascii=False, indent=2))
    return 0


def cmd_backfill(args: argparse.Namespace) -> int:
    from hocba.transparency.services import backfill

    count = backfill()
    print(f"Đã ghi bổ sung {count} sự kiện vào nhật ký minh bạch.")
    return 0


def add_parsers(sub: Any) -> None:
    p = sub.add_parser("log", help="nhật ký minh bạch: kiểm toán, cây băm đã ký")
    log = p.add_subparsers(dest="log_command", required=True)
    a = log.add_parser("audit", help="đối chiếu nhật ký với các đầu cây đã ký và cơ sở dữ liệu")
    a.set_defaults(func=cmd_audit, needs_django=True)
    c = log.add_parser("checkpoint", help="in đầu cây đã ký mới nhất (checkpoint)")
    c.set_defaults(func=cmd_checkpoint, needs_django=True)
    pr = log.add_parser("proof", help="in bằng chứng có mặt (JSON) của một học bạ")
    pr.add_argument("code", help="mã tra cứu (UUID)")
    pr.add_argument("--event", choices=["issued", "revoked"], default="issued",
                    help="sự kiện: issued (phát hành, mặc định) hoặc revoked (thu hồi)")
    pr.set_defaults(func=cmd_proof, needs_django=True)
    b = log.add_parser("backfill", help="ghi bổ sung các học bạ đã phát hành trước khi có nhật ký")
    b.set_defaults(func=cmd_backfill, needs_django=True)
