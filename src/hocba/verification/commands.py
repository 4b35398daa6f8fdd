"""``hocba verify FILE``: the offline verifier (issue 6 §5) — no server, no network, no database.

    hocba verify hoc-ba.pdf                                  # the configured/demo trust anchors
    hocba verify hoc-ba.xml --trust-anchors roots.pem        # a PEM bundle, DER file or folder
    hocba verify hoc-ba.pdf --log-key log.pem --proof proof.json   # + the log's inclusion proof
    hocba verify hoc-ba.pdf --json                           # the report as JSON

Prints the three verdicts in Vietnamese (``hocba.verification.offline.verify_offline``).
Exit status: 0 only if all three PASSED (QĐ 1789 Điều 12: "if any check fails, the học bạ is
invalid"; INDETERMINATE is not valid), 1 otherwise, 2 when the input cannot be used at all
(no such file, not a PDF or XML, unreadable trust anchors, log key or proof).
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from hocba.domain.verdict import VERDICT_TITLES, VerificationReport

UNUSABLE = 2


def add_parsers(sub: Any) -> None:
    p = sub.add_parser("verify", help="kiểm tra một tệp học bạ PDF hoặc XML, không cần mạng")
    p.add_argument("file", help="tệp học bạ PDF hoặc XML")
    p.add_argument("--trust-anchors", metavar="PEM|DIR",
                   help="chứng thư gốc tin cậy (PEM, DER hoặc thư mục); mặc định: cấu hình "
                        "HOCBA_TRUST_ANCHORS hoặc CA gốc của PKI demo")
    p.add_argument("--log-key", metavar="PEM",
                   help="khoá công khai (PEM) của nhật ký minh bạch, để kiểm tra --proof")
    p.add_argument("--proof", metavar="PROOF.json",
                   help="bằng chứng ghi nhận (inclusion proof) của học bạ trong nhật ký "
                        "minh bạch, JSON như API /nhat-ky trả về")
    p.add_argument("--json", action="store_true", help="in kết quả dạng JSON")
    p.set_defaults(func=cmd_verify)


def _fail(message: str) -> int:
    print(f"Không kiểm tra được: {message}", file=sys.stderr)
    return UNUSABLE


def cmd_verify(args: argparse.Namespace) -> int:
    from hocba.signing.pki import trust_anchors
    from hocba.signing.subjects import SubjectError
    from hocba.verification.offline import Unusable, load_proof, verify_offline

    path = Path(args.file)
    try:
        data = path.read_bytes()
    except OSError as exc:
        return _fail(f"không đọc được tệp «{path}» ({exc.strerror}).")
    try:
        anchors = trust_anchors(args.trust_anchors)
    except (SubjectError, OSError, ValueError) as exc:
        where = args.trust_anchors or "cấu hình mặc định"
        return _fail(f"không đọc được chứng thư gốc tin cậy ({where}): {exc}")
    log_key = proof = None
    try:
        if args.log_key:
            log_key = _public_key(Path(args.log_key))
        if args.proof:
            proof = load_proof(Path(args.proof).read_bytes())
    except OSError as exc:
        return _fail(f"không đọc được tệp ({exc.filename}: {exc.strerror}).")
    except (Unusable, ValueError) as exc:
        return _fail(str(exc))
    try:
        report = verify_offline(data, anchors, filename=path.name, log_key=log_key,
                                proof=proof, max_bytes=max(len(data), 1))
    except Unusable as exc:
        return _fail(str(exc))
    if args.json:
        print(json.dumps(report.as_dict(), ensure_ascii=False, indent=2))
    else:
        print(render(report, path.name))
    return 0 if report.valid else 1


def _public_key(path: Path) -> Any:
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
    from cryptography.hazmat.primitives.serialization import load_pem_public_key

    try:
        key = load_pem_public_key(path.read_bytes())
    except ValueError as exc:
        raise ValueError(f"«{path}» không phải khoá công khai PEM ({exc}).") from exc
    if not isinstance(key, Ed25519PublicKey):
        raise ValueError(f"«{path}» không phải khoá Ed25519 của nhật ký minh bạch.")
    return key


MARKS = {"PASSED": "✓", "FAILED": "✗", "INDETERMINATE": "?"}


def render(report: VerificationReport, name: str) -> str:
    """The report as a person reads it: one block per verdict, then the signatures."""
    lines = [f"Kiểm tra học bạ số: {name}"]
    if report.lookup_code:
        lines.append(f"Mã tra cứu: {report.lookup_code}")
    for key, label in (("school_name", "Trường"), ("school_year", "Năm học"),
                       ("class_name", "Lớp")):
        if report.facts.get(key):
            lines.append(f"{label}: {report.facts[key]}")
    lines.append("")
    for key, verdict in report.verdicts:
        lines.append(f"{MARKS[verdict.indication.value]} {VERDICT_TITLES[key]}: {verdict.label}"
                     + (f" ({verdict.sub_indication.value})" if verdict.sub_indication else ""))
        lines.append(f"  {verdict.reason}")
    if report.signatures:
        lines.append("")
        lines.append("Chữ ký:")
        for line in report.signatures:
            mark = "✓" if line.get("valid") else "✗"
            when = f", {line['signing_time']}" if line.get("signing_time") else ""
            lines.append(f"  {mark} {line.get('field')}: {line.get('signer')}{when}")
    lines.append("")
    lines.append("KẾT LUẬN: HỢP LỆ" if report.valid else
                 "KẾT LUẬN: KHÔNG HỢP LỆ hoặc chưa xác định được (QĐ 1789 Điều 12: mọi kiểm tra "
                 "phải đạt).")
    return "\n".join(lines)
