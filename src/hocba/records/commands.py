"""``hocba compose`` and ``hocba export``: the record verbs of the command line.

Both are audited on the ``cli`` channel. ``compose`` acts as a named user (``--as``) through
the same authorisation as the web. ``export`` reads one record: with ``--as`` it is authorised
as that user; without, it is the operator at the server's console, and the read is logged as
such (the operator can read the database anyway; the log says they did).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any


def cmd_export(args: argparse.Namespace) -> int:
    from django.core.exceptions import PermissionDenied

    from hocba.accounts.authz import require
    from hocba.accounts.models import User
    from hocba.audit.context import Origin, acting_from
    from hocba.audit.services import record_read
    from hocba.domain.access import Action
    from hocba.records import renditions, selectors

    record = selectors.record_by_code(args.code)
    if record is None:
        print(f"Không có học bạ với mã tra cứu “{args.code}”.", file=sys.stderr)
        return 2
    actor: Any = None
    if args.as_user:
        actor = User.objects.filter(username=args.as_user).first()
        if actor is None:
            print(f"Không tìm thấy người dùng “{args.as_user}”.", file=sys.stderr)
            return 2
    fmt = renditions.Format(args.format)
    with acting_from(Origin(channel="cli", actor=actor)):
        if actor is not None:
            try:
                require(actor, Action.VIEW_RESULTS, record)
            except PermissionDenied as exc:
                print(f"Bị từ chối: {exc}", file=sys.stderr)
                return 3
        body = renditions.book_pdf(record) if args.book else renditions.rendition(record, fmt)
        record_read(actor, record, detail={"tai_ve": "so_hoc_ba_pdf" if args.book else fmt.value,
                                           "ma_tra_cuu": str(record.lookup_code)})
    Path(args.out).write_bytes(body)
    print(f"Đã ghi {len(body):,} byte vào {args.out}".replace(",", "."))
    return 0


def cmd_compose(args: argparse.Namespace) -> int:
    from django.core.exceptions import PermissionDenied

    from hocba.accounts.models import User
    from hocba.audit.context import Origin, acting_from
    from hocba.organisation.models import School, SchoolYear
    from hocba.records import compose
    from hocba.roster.models import SchoolClass

    actor = User.objects.filter(username=args.as_user).first()
    school = School.objects.filter(code=args.school).first()
    year = SchoolYear.objects.filter(name=args.year).first()
    for value, what, given in ((actor, "người dùng", args.as_user),
                               (school, "trường", args.school), (year, "năm học", args.year)):
        if value is None:
            print(f"Không tìm thấy {what} “{given}”.", file=sys.stderr)
            return 2
    classes = SchoolClass.objects.filter(school=school, school_year=year).order_by("grade", "name")
    if args.class_name:
        classes = classes.filter(name=args.class_name)
        if not classes:
            print(f"Trường không có lớp “{args.class_name}” năm học {args.year}.", file=sys.stderr)
            return 2
    status = 0
    with acting_from(Origin(channel="cli", actor=actor)):
        for school_class in classes:
            try:
                done = compose.compose_class(actor, school_class)
            except PermissionDenied as exc:
                print(f"Bị từ chối: {exc}", file=sys.stderr)
                return 3
            except compose.CompositionRefused as refused:
                status = 1
                print(f"✗ {refused}", file=sys.stderr)
                for who, items in sorted(refused.gaps.items.items()):
                    for item in items:
                        print(f"    {who or 'Cả lớp'}: {item}", file=sys.stderr)
                continue
            print(f"✓ Lớp {school_class.name}: tạo {len(done.created)} học bạ"
                  + (f", {done.already} học sinh đã có" if done.already else ""))
    return status


def add_parsers(sub: Any) -> None:
    p = sub.add_parser("compose", help="tạo học bạ số của một lớp hoặc cả trường")
    p.add_argument("--school", required=True, help="mã trường")
    p.add_argument("--year", required=True, help="năm học, ví dụ 2024-2025")
    p.add_argument("--class", dest="class_name", help="tên lớp (mặc định: mọi lớp)")
    p.add_argument("--as", dest="as_user", required=True, help="tên đăng nhập người tạo")
    p.set_defaults(func=cmd_compose, needs_django=True)

    p = sub.add_parser("export", help="xuất một học bạ ra XML, PDF hoặc JSON")
    p.add_argument("code", help="mã tra cứu (UUID)")
    p.add_argument("--format", choices=["xml", "pdf", "json"], required=True)
    p.add_argument("--out", required=True, help="tệp ghi ra")
    p.add_argument("--book", action="store_true",
                   help="PDF của cả sổ học bạ cấp học đến năm này")
    p.add_argument("--as", dest="as_user", help="tên đăng nhập (mặc định: người vận hành)")
    p.set_defaults(func=cmd_export, needs_django=True)
