"""``hocba issue`` and ``hocba worker``: the signing chain on the command line.

``issue`` runs the whole chain of a class (or every class of a school) with the demo signers:
each GVBM, the GVCN, the principal and the văn thư sign in turn with their demo PKI
certificates, through the same services, authorisation and audit log as the web (channel
``cli``). It needs the demo PKI's TSA and OCSP (started here on 8765 unless a ``hocba pki
serve`` already runs there). ``worker`` runs the background signing jobs.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from typing import Any


def cmd_issue(args: argparse.Namespace) -> int:
    from django.core.exceptions import PermissionDenied

    from hocba.audit.context import Origin, acting_from
    from hocba.domain.issuance import IssuanceRefused
    from hocba.issuance import demo
    from hocba.organisation.models import School, SchoolYear
    from hocba.records.models import HocBaRecord
    from hocba.roster.models import SchoolClass
    from hocba.signing.backends import SigningError
    from hocba.signing.pki import DEFAULT_BASE_URL

    school = School.objects.filter(code=args.school).first()
    if school is None:
        print(f"Không tìm thấy trường “{args.school}”.", file=sys.stderr)
        return 2
    if args.year:
        year = SchoolYear.objects.filter(name=args.year).first()
    else:
        latest = HocBaRecord.objects.filter(school=school).order_by("-school_year__start").first()
        year = latest.school_year if latest is not None else None
    if year is None:
        print(f"Không tìm thấy năm học “{args.year or 'có học bạ'}” của trường.", file=sys.stderr)
        return 2
    classes = SchoolClass.objects.filter(school=school, school_year=year).order_by("grade", "name")
    if args.class_name:
        classes = classes.filter(name=args.class_name)
        if not classes:
            print(f"Trường không có lớp “{args.class_name}” năm học {year}.", file=sys.stderr)
            return 2
    services = _pki_services(args.pki_port)
    base_url = services.base_url if services is not None else DEFAULT_BASE_URL
    os.environ.setdefault("HOCBA_TSA_URL", f"{base_url}/tsa")
    started = time.perf_counter()
    issued = 0
    try:
        with acting_from(Origin(channel="cli")):
            for school_class in classes:
                try:
                    issued += demo.issue_class(school_class, report=print, base_url=base_url)
                except (PermissionDenied, IssuanceRefused, SigningError) as exc:
                    print(f"✗ Lớp {school_class.name}: {exc}", file=sys.stderr)
                    return 1
    finally:
        if services is not None:
            services.stop()
    seconds = time.perf_counter() - started
    print(f"✓ Đã phát hành {issued} học bạ của {school} năm học {year} trong "
          f"{seconds:.1f} giây.")
    return 0


def _pki_services(port: int) -> Any:
    """The demo PKI's TSA and OCSP in this process, unless the port is already served."""
    from hocba.certificates.keys import pki_dir
    from hocba.signing.services import PkiServices

    try:
        services = PkiServices.for_directory(pki_dir(), port=port)
    except OSError:
        print(f"• Dùng dịch vụ PKI demo đang chạy ở cổng {port}.", flush=True)
        return None
    services.start()
    return services


def cmd_worker(args: argparse.Namespace) -> int:
    from hocba.issuance import jobs

    done = jobs.run_worker(once=args.once, poll=args.poll)
    print(f"Đã xử lý {done} học bạ.")
    return 0


def add_parsers(sub: Any) -> None:
    p = sub.add_parser("issue", help="ký và phát hành học bạ của một lớp bằng người ký demo")
    p.add_argument("--school", required=True, help="mã trường")
    p.add_argument("--class", dest="class_name", help="tên lớp (mặc định: mọi lớp)")
    p.add_argument("--year", help="năm học, ví dụ 2024-2025 (mặc định: năm mới nhất có học bạ)")
    p.add_argument("--pki-port", type=int, default=8765,
                   help="cổng dịch vụ TSA/OCSP của PKI demo (mặc định 8765; 0: cổng trống bất kỳ)")
    p.set_defaults(func=cmd_issue, needs_django=True)

    p = sub.add_parser("worker", help="chạy các lượt ký học bạ hàng loạt đang chờ")
    p.add_argument("--once", action="store_true", help="xử lý hết việc đang chờ rồi dừng")
    p.add_argument("--poll", type=float, default=2.0, help="giây giữa hai lần tìm việc")
    p.set_defaults(func=cmd_worker, needs_django=True)
