"""The ``hocba`` command: the operator's verbs.

    hocba demo                 set up var/, migrate, demo PKI, seed if empty, serve, print logins
                               (the PKI's TSA, OCSP and CRL on 127.0.0.1:8765 and a remote
                               signing service holding the demo keys on 8766, alongside)
    hocba pki serve [--port] [--remote-port]   those two services only
    hocba serve                serve the web application (gunicorn) on 127.0.0.1:8000
    hocba seed [--size large]  generate the deterministic demo data into an empty database
    hocba import classes FILE --school CODE --year 2025-2026 --as USERNAME
    hocba import teachers FILE --school CODE --year 2025-2026 --as USERNAME
    hocba template classes|teachers --out FILE
    hocba assess INPUT.json    TT 22 / TT 27 / GDTX results as JSON (no database; - = stdin)
    hocba compose --school CODE --year 2024-2025 [--class 7A] --as USERNAME
    hocba export UUID --format xml|pdf|json --out FILE [--book] [--as USERNAME]
    hocba issue --school CODE [--class 7A] [--year 2024-2025]   sign and issue (demo signers)
    hocba worker [--once]      run the background signing jobs
    hocba manage ARGS...       any Django management command (migrate, createsuperuser, ...)

Commands that touch students' data act as a named user (``--as``) and go through the same
authorisation and audit log as the web interface.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path
from typing import Any


def _django() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "hocba.settings")
    import django

    django.setup()


def _migrate(verbosity: int = 0) -> None:
    from django.core.management import call_command

    call_command("migrate", interactive=False, verbosity=verbosity)


def _ensure_pki() -> Path:
    """The demo PKI in var/pki: root and issuing CA, CRL, README (demo only; reused)."""
    from django.conf import settings

    from hocba.signing import ensure_demo_pki

    return ensure_demo_pki(Path(settings.VAR_DIR) / "pki").directory


def _start_pki_services(port: int) -> Any:
    """The demo PKI's TSA, OCSP responder and CRL in a background thread, or None (with a
    Vietnamese warning) when the port is taken, e.g. by a running ``hocba pki serve``."""
    from django.conf import settings

    from hocba.signing.services import PkiServices

    try:
        services = PkiServices.for_directory(Path(settings.VAR_DIR) / "pki", port=port)
    except OSError as exc:
        print(f"• Không mở được cổng {port} cho dịch vụ PKI demo (TSA, OCSP, CRL): "
              f"{exc.strerror}. Chữ ký vẫn tạo được nhưng không có dấu thời gian và OCSP.",
              file=sys.stderr)
        return None
    print(f"• Dịch vụ PKI demo (TSA, OCSP, CRL) tại {services.start()}", flush=True)
    return services


def _start_remote_signing(port: int, directory: Path) -> Any:
    """The demo remote-signing provider (CSC-style, like VNPT SmartCA): every demo PKCS#12 is a
    credential and an account named by its file (CCCD-…, MA_TRUONG-…), password "hocba-demo";
    the "phone" approves after a second. None (with a warning) when the port is taken."""
    from hocba.signing.remote_provider import RemoteSigningProvider

    try:
        provider = RemoteSigningProvider(port=port, approve_after=1.0)
    except OSError as exc:
        print(f"• Không mở được cổng {port} cho dịch vụ ký số từ xa demo: {exc.strerror}.",
              file=sys.stderr)
        return None
    provider.add_demo_pki(directory)
    print(f"• Dịch vụ ký số từ xa demo (kiểu CSC) tại {provider.start()}: tài khoản = tên tệp "
          "khoá (CCCD-…, MA_TRUONG-…), mật khẩu hocba-demo", flush=True)
    return provider


def _print_logins(logins: list[Any], host: str, port: int) -> None:
    print(f"\nhocba đang chạy tại http://{host}:{port}/  (Ctrl+C để dừng)\n")
    print("Tài khoản demo (mật khẩu chung ở cột cuối):")
    width = max(len(item.role) for item in logins)
    for item in logins:
        print(f"  {item.role:<{width}}  {item.username:<16} {item.password}   {item.note}")
    print()


def cmd_demo(args: argparse.Namespace) -> int:
    os.environ.setdefault("HOCBA_SECURE_COOKIES", "0")  # plain HTTP on loopback
    _django()
    from hocba.demo import generator

    print("• Chuẩn bị cơ sở dữ liệu…", flush=True)
    _migrate()
    _ensure_pki()
    if generator.is_empty():
        print("• Sinh dữ liệu demo (một lần)…", flush=True)
        generator.seed(size="small", progress=_progress_printer())
    from django.conf import settings

    running = [_start_pki_services(args.pki_port),
               _start_remote_signing(args.remote_port, Path(settings.VAR_DIR) / "pki")]
    _print_logins(generator.demo_logins(), args.host, args.port)
    try:
        return _serve(args.host, args.port, args.workers, args.threads)
    finally:  # gunicorn's master exits with SystemExit on Ctrl+C or SIGTERM
        for service in running:
            if service is not None:
                service.stop()


def cmd_pki(args: argparse.Namespace) -> int:
    """Django-free: the same var/pki as ``hocba demo`` (``HOCBA_VAR``), nothing else."""
    from hocba.config import var_dir
    from hocba.signing.services import PkiServices

    try:
        services = PkiServices.for_directory(var_dir() / "pki", args.host, args.port)
    except OSError as exc:
        print(f"Không mở được cổng {args.port}: {exc.strerror}.", file=sys.stderr)
        return 1
    base = services.base_url
    print(f"PKI demo tại {base}  (Ctrl+C để dừng)\n  TSA  {base}/tsa\n  OCSP {base}/ocsp\n"
          f"  CRL  {base}/crl\n  CA   {base}/issuing-ca.crt", flush=True)
    provider = _start_remote_signing(args.remote_port, services.pki.directory) \
        if args.remote_port else None
    try:
        services.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        if provider is not None:
            provider.stop()
    return 0


def _progress_printer():  # type: ignore[no-untyped-def]
    def show(done: int, total: int, label: str) -> None:
        width = 30
        filled = int(width * done / max(total, 1))
        print(f"\r  [{'#' * filled}{'.' * (width - filled)}] {done}/{total} {label:<40}",
              end="" if done < total else "\n", flush=True)

    return show


def cmd_serve(args: argparse.Namespace) -> int:
    _django()
    _migrate()
    return _serve(args.host, args.port, args.workers, args.threads)


def _serve(host: str, port: int, workers: int, threads: int = 1) -> int:
    from django.conf import settings
    from django.core.management import call_command
    from gunicorn.app.base import BaseApplication

    call_command("collectstatic", interactive=False, verbosity=0)
    from django.db import connections

    from hocba.wsgi import application

    # The migration check opened a connection here, in gunicorn's master: a forked worker
    # would inherit its socket, and two workers reading one PostgreSQL connection get each
    # other's rows (seen under the status benchmark). Each worker opens its own.
    connections.close_all()

    class Server(BaseApplication):  # type: ignore[misc]
        def load_config(self) -> None:
            self.cfg.set("bind", f"{host}:{port}")
            self.cfg.set("workers", workers)
            # Threads per worker with keep-alive: the public status API at 64 connections
            # answers twice as many requests as with sync workers (BENCHMARKS.md).
            if threads > 1:
                self.cfg.set("worker_class", "gthread")
                self.cfg.set("threads", threads)
                self.cfg.set("keepalive", 5)
            self.cfg.set("accesslog", str(Path(settings.VAR_DIR) / "access.log"))
            self.cfg.set("timeout", 120)

        def load(self) -> Any:
            return application

    Server().run()
    return 0


def cmd_seed(args: argparse.Namespace) -> int:
    _django()
    _migrate()
    from hocba.demo import generator

    if not generator.is_empty():
        print("Cơ sở dữ liệu đã có dữ liệu; không sinh lại dữ liệu demo.", file=sys.stderr)
        return 1
    summary = generator.seed(size=args.size, progress=_progress_printer())
    print(summary.describe())
    return 0


def cmd_import(args: argparse.Namespace) -> int:
    _django()
    from hocba.audit.context import Origin, acting_from
    from hocba.roster.excel import services

    actor, school, year = _actor_school_year(args)
    if actor is None:
        return 2
    from django.core.exceptions import PermissionDenied

    try:
        data = Path(args.file).read_bytes()
    except OSError as exc:
        print(f"Không đọc được tệp “{args.file}”: {exc.strerror}.", file=sys.stderr)
        return 2
    with acting_from(Origin(channel="cli", actor=actor)):
        run = services.import_class_list if args.kind == "classes" else services.import_teacher_list
        try:
            result = run(data, filename=Path(args.file).name, school=school, school_year=year,
                         actor=actor)
        except PermissionDenied as exc:
            print(f"Bị từ chối: {exc}", file=sys.stderr)
            return 3
    if result.errors:
        print(result.error_report(), file=sys.stderr)
        return 1
    print(result.summary())
    return 0


def _actor_school_year(args: argparse.Namespace) -> tuple[Any, Any, Any]:
    from hocba.accounts.models import User
    from hocba.organisation.models import School, SchoolYear

    actor = User.objects.filter(username=args.as_user).first()
    school = School.objects.filter(code=args.school).first()
    year = SchoolYear.objects.filter(name=args.year).first()
    for value, what, given in ((actor, "người dùng", args.as_user), (school, "trường", args.school),
                               (year, "năm học", args.year)):
        if value is None:
            print(f"Không tìm thấy {what} “{given}”.", file=sys.stderr)
            return None, None, None
    return actor, school, year


def cmd_template(args: argparse.Namespace) -> int:
    _django()
    from hocba.roster.excel import templates

    data = templates.class_list_template() if args.kind == "classes" else (
        templates.teacher_list_template())
    Path(args.out).write_bytes(data)
    print(f"Đã ghi mẫu vào {args.out}")
    return 0


def cmd_assess(args: argparse.Namespace) -> int:
    """Pure computation: no Django, no database (docs/assessment.md)."""
    from hocba.domain.assessment import contract

    try:
        data = sys.stdin.buffer.read() if args.file == "-" else Path(args.file).read_bytes()
    except OSError as exc:
        print(f"Không đọc được tệp “{args.file}”: {exc.strerror}.", file=sys.stderr)
        return 2
    try:
        result = contract.assess_text(data, explanations=not args.no_explanations)
    except contract.ContractError as exc:
        print(f"Dữ liệu đầu vào không hợp lệ:\n{exc.report()}", file=sys.stderr)
        return 1
    text = contract.dumps(result, indent=None if args.compact else 2)
    sys.stdout.buffer.write(text.encode("utf-8") + b"\n")
    sys.stdout.flush()
    return 0


def cmd_manage(args: argparse.Namespace) -> int:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "hocba.settings")
    from django.core.management import execute_from_command_line

    execute_from_command_line(["hocba manage", *args.rest])
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="hocba", description="Học bạ số — công cụ vận hành")
    sub = parser.add_subparsers(dest="command", required=True)

    for name, func, help_text in (
        ("demo", cmd_demo, "chuẩn bị, sinh dữ liệu demo nếu trống và chạy máy chủ"),
        ("serve", cmd_serve, "chạy máy chủ web"),
    ):
        p = sub.add_parser(name, help=help_text)
        p.add_argument("--host", default="127.0.0.1")
        p.add_argument("--port", type=int, default=8000)
        p.add_argument("--workers", type=int, default=2)
        p.add_argument("--threads", type=int, default=4,
                       help="luồng mỗi tiến trình (mặc định 4: gunicorn gthread, giữ kết nối; "
                            "1: tiến trình đồng bộ)")
        p.set_defaults(func=func)
        if name == "demo":
            p.add_argument("--pki-port", type=int, default=8765,
                           help="cổng của TSA, OCSP và CRL demo (mặc định 8765; chứng thư "
                                "số đã cấp giữ địa chỉ ghi lúc cấp)")
            p.add_argument("--remote-port", type=int, default=8766,
                           help="cổng của dịch vụ ký số từ xa demo (mặc định 8766)")

    p = sub.add_parser("pki", help="PKI demo: dấu thời gian (TSA), OCSP, CRL")
    pki_sub = p.add_subparsers(dest="pki_command", required=True)
    p = pki_sub.add_parser("serve", help="chạy TSA, OCSP và CRL của PKI demo")
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, default=8765)
    p.add_argument("--remote-port", type=int, default=8766,
                   help="cổng của dịch vụ ký số từ xa demo; 0 = không chạy")
    p.set_defaults(func=cmd_pki)

    p = sub.add_parser("seed", help="sinh dữ liệu demo vào cơ sở dữ liệu trống")
    p.add_argument("--size", choices=["small", "large"], default="small")
    p.set_defaults(func=cmd_seed)

    p = sub.add_parser("import", help="nhập danh sách lớp hoặc giáo viên từ Excel")
    p.add_argument("kind", choices=["classes", "teachers"])
    p.add_argument("file")
    p.add_argument("--school", required=True, help="mã trường")
    p.add_argument("--year", required=True, help="năm học, ví dụ 2025-2026")
    p.add_argument("--as", dest="as_user", required=True, help="tên đăng nhập người nhập")
    p.set_defaults(func=cmd_import)

    p = sub.add_parser("template", help="tải mẫu Excel")
    p.add_argument("kind", choices=["classes", "teachers"])
    p.add_argument("--out", required=True)
    p.set_defaults(func=cmd_template)

    p = sub.add_parser("assess", help="tính kết quả đánh giá (TT 22, TT 27, GDTX) từ tệp JSON")
    p.add_argument("file", help="tệp JSON đầu vào, hoặc - để đọc từ stdin")
    p.add_argument("--compact", action="store_true", help="JSON trên một dòng")
    p.add_argument("--no-explanations", action="store_true",
                   help="bỏ trường explanations (căn cứ và lí do của từng kết quả)")
    p.set_defaults(func=cmd_assess)

    from hocba.records.commands import add_parsers as add_record_parsers

    add_record_parsers(sub)

    from hocba.issuance.commands import add_parsers as add_issuance_parsers

    add_issuance_parsers(sub)

    from hocba.transparency.commands import add_parsers as add_log_parsers

    add_log_parsers(sub)

    from hocba.verification.commands import add_parsers as add_verify_parsers

    add_verify_parsers(sub)

    p = sub.add_parser("manage", help="lệnh quản trị Django")
    p.add_argument("rest", nargs=argparse.REMAINDER)
    p.set_defaults(func=cmd_manage)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    if getattr(args, "needs_django", False):
        _django()
    return int(args.func(args) or 0)


if __name__ == "__main__":
    sys.exit(main())
