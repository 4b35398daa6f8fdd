"""Issue 6 §6 "Abuse": hostile uploads to the public verification API get a clear Vietnamese
refusal (400/413/415 with ``{"detail": ...}``) or a FAILED report — never a 500, never a hang.

Each case goes through the API with Django's test client (``POST /api/v1/verification/file``).
The byte-level pre-checks are ``hocba.verification.guard``; what passes them runs under its
deadline. The real files are a record the demo issues in this module (a primary class:
GVCN → CBQL → seal), truncated at every stride of its length.
"""

from __future__ import annotations

import json
import zlib
from collections.abc import Iterator
from typing import Any

import pytest
from django.db import transaction
from django.test import Client

from hocba.issuance import demo, selectors
from hocba.issuance.models import Artefacts
from hocba.signing.services import PkiServices
from hocba.verification import guard
from tests.test_issuance import _class, _composed, demo_db, pki_services  # noqa: F401

pytestmark = pytest.mark.django_db
URL = "/api/v1/verification/file"
OFF = {"lookup": (0, 60), "upload": (0, 60), "log": (0, 60)}


@pytest.fixture(autouse=True)
def _no_rate_limits(settings: Any) -> None:
    settings.VERIFICATION_RATE_LIMITS = OFF


@pytest.fixture(scope="module")
def issued(demo_db: Any, pki_services: PkiServices) -> Iterator[tuple[bytes, bytes]]:  # noqa: F811
    with demo_db.unblock(), transaction.atomic():
        school_class = _class("27260001", "4A")
        records = _composed(school_class, 1)
        assert demo.issue_class(school_class, base_url=pki_services.base_url,
                                records=records) == 1
        pdf = selectors.current_pdf(records[0])
        assert pdf is not None
        yield pdf, bytes(Artefacts.objects.get(record=records[0]).xml)
        transaction.set_rollback(True)


def upload(data: bytes, name: str) -> tuple[int, dict[str, Any]]:
    from django.core.files.uploadedfile import SimpleUploadedFile

    response = Client().post(URL, {"file": SimpleUploadedFile(name, data)})
    assert response["Content-Type"].startswith("application/json")
    return response.status_code, json.loads(response.content)


def refused_or_failed(status: int, body: dict[str, Any]) -> bool:
    """A clear refusal (4xx with a Vietnamese detail) or a report that is not valid."""
    if status in (400, 413, 415):
        return isinstance(body.get("detail"), str) and len(body["detail"]) > 20
    return status == 200 and body["valid"] is False and body["integrity"]["indication"] != \
        "PASSED"



def pdf_file(objects: list[bytes], root: int = 1, size: int | None = None) -> bytes:
    """A well-formed PDF around ``objects`` (numbered from 1): header, xref, trailer, %%EOF."""
    out, offsets = bytearray(b"%PDF-1.7\n"), []
    for number, body in enumerate(objects, 1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % at for at in offsets)
    out += b"trailer\n<< /Size %d /Root %d 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (
        size or len(objects) + 1, root, xref)
    return bytes(out)


PAGE = b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] >>"
CYCLIC = pdf_file([b"<< /Type /Catalog /Pages 2 0 R >>",
                   b"<< /Type /Pages /Kids [2 0 R 3 0 R] /Count 2 /Parent 2 0 R >>", PAGE])
SELF_REFERENCE = pdf_file([b"<< /Type /Catalog /Pages 1 0 R /Self 1 0 R >>"])
NESTED_ARRAYS = pdf_file([b"<< /Type /Catalog /Deep " + b"[" * 5000 + b"]" * 5000 + b" >>"])
NESTED_DICTS = pdf_file([b"<< /Type /Catalog /Deep " + b"<< /A " * 3000 + b">> " * 3000 + b">>"])
_deep = zlib.compress(b"1 0 " + b"[" * 3000 + b"]" * 3000)
NESTED_IN_OBJECT_STREAM = pdf_file([
    b"<< /Type /Catalog >>",
    b"<< /Type /ObjStm /N 1 /First 4 /Filter /FlateDecode /Length %d >>\nstream\n" % len(_deep)
    + _deep + b"\nendstream"])
_bomb = zlib.compress(b"\0" * (80 * 1024 * 1024), 9)
FLATE_BOMB = pdf_file([b"<< /Type /Catalog >>",
                       b"<< /Length %d /Filter /FlateDecode >>\nstream\n" % len(_bomb) + _bomb
                       + b"\nendstream"])
HUGE_XREF_SIZE = pdf_file([b"<< /Type /Catalog >>"], size=50_000_000)
HUGE_XREF_TABLE = (b"%PDF-1.7\nxref\n0 200001\n" + b"0000000000 65535 f \n" * 200_001
                   + b"trailer\n<< /Size 200001 >>\nstartxref\n9\n%%EOF\n")

BILLION_LAUGHS = b"""<?xml version="1.0" encoding="UTF-8"?>
<!DOCTYPE lolz [<!ENTITY lol "lol">
""" + b"".join(b'<!ENTITY lol%d "%s">\n' % (i, (b"&lol%d;" % (i - 1) if i > 1 else b"&lol;") * 10)
               for i in range(1, 10)) + b"]>\n<HOC_BA>&lol9;</HOC_BA>\n"
XXE = b"""<?xml version="1.0" encoding="UTF-8"?>
<!DOCTYPE HOC_BA [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>
<HOC_BA><HO_TEN>&xxe;</HO_TEN></HOC_BA>
"""
NETWORK_DTD = b"""<?xml version="1.0" encoding="UTF-8"?>
<!DOCTYPE HOC_BA SYSTEM "http://203.0.113.7/hocba.dtd">
<HOC_BA/>
"""
VIETNAMESE = "<?xml version=\"1.0\"?>\n<HOC_BA><HO_TEN>Nguyễn Thị Ánh</HO_TEN></HOC_BA>\n"
DEEP_XML = b"<HOC_BA>" + b"<a>" * 100_000 + b"</a>" * 100_000 + b"</HOC_BA>"
LATIN1_DECLARED = (b'<?xml version="1.0" encoding="ISO-8859-1"?>\n<HOC_BA><HO_TEN>'
                   + "Nguyễn Thị Ánh".encode() + b"</HO_TEN></HOC_BA>\n")
INVALID_UTF8 = (b'<?xml version="1.0" encoding="UTF-8"?>\n'
                b"<HOC_BA><HO_TEN>Nguy\xe1\xbb</HO_TEN></HOC_BA>")
RANDOM = bytes((i * 7919 + 13) % 251 for i in range(4096))  # fixed, not a PDF nor XML


# (case, bytes, file name, status, words the refusal must contain)
REFUSED = [
    ("empty", b"", "hocba.pdf", 400, "rỗng"),
    ("blank", b" \n\t ", "hocba.xml", 400, "rỗng"),
    ("random bytes", RANDOM, "hocba.pdf", 415, "không phải PDF hay XML"),
    ("a PNG", b"\x89PNG\r\n\x1a\n" + RANDOM, "anh.png", 415, "không phải PDF hay XML"),
    ("too large", b"%PDF-1.7\n" + b"0" * (5 * 1024 * 1024 + 10), "lon.pdf", 413, "vượt giới hạn"),
    ("nested arrays", NESTED_ARRAYS, "sau.pdf", 400, "lồng nhau quá 64 mức"),
    ("nested dictionaries", NESTED_DICTS, "sau.pdf", 400, "lồng nhau quá 64 mức"),
    ("nesting in an object stream", NESTED_IN_OBJECT_STREAM, "sau.pdf", 400, "lồng nhau"),
    ("FlateDecode bomb", FLATE_BOMB, "bom.pdf", 400, "bom nén"),
    ("huge xref /Size", HUGE_XREF_SIZE, "xref.pdf", 400, "xref"),
    ("huge xref table", HUGE_XREF_TABLE, "xref.pdf", 400, "xref"),
    ("billion laughs", BILLION_LAUGHS, "cuoi.xml", 400, "DOCTYPE/ENTITY"),
    ("XXE file:///etc/passwd", XXE, "xxe.xml", 400, "DOCTYPE/ENTITY"),
    ("DTD on the network", NETWORK_DTD, "dtd.xml", 400, "DOCTYPE/ENTITY"),
    ("UTF-16 with BOM", VIETNAMESE.encode("utf-16"), "u16.xml", 400, "UTF-16"),
    ("UTF-16BE without BOM", VIETNAMESE.encode("utf-16-be"), "u16.xml", 400, "UTF-16"),
    ("UTF-16LE without BOM", VIETNAMESE.encode("utf-16-le"), "u16.xml", 400, "UTF-16"),
    ("UTF-32", VIETNAMESE.encode("utf-32"), "u32.xml", 400, "UTF-16/UTF-32"),
    ("latin-1 declared, Vietnamese bytes", LATIN1_DECLARED, "l1.xml", 400, "ISO-8859-1"),
    ("invalid UTF-8", INVALID_UTF8, "hong.xml", 400, "không phải UTF-8"),
]


@pytest.mark.parametrize(("data", "name", "status", "words"),
                         [case[1:] for case in REFUSED], ids=[case[0] for case in REFUSED])
def test_a_hostile_upload_is_refused_in_vietnamese_naming_the_file(
        data: bytes, name: str, status: int, words: str) -> None:
    got, body = upload(data, name)
    assert got == status, body
    assert words in body["detail"]
    if status != 413:
        assert f"“{name}”" in body["detail"]


def test_an_external_entity_is_never_read() -> None:
    got, body = upload(XXE, "xxe.xml")
    assert got == 400
    assert "root:" not in json.dumps(body)


def test_a_pdf_renamed_xml_and_an_xml_renamed_pdf_are_told_apart(
        issued: tuple[bytes, bytes]) -> None:
    pdf, xml = issued
    got, body = upload(pdf, "hocba.xml")
    assert (got, body["detail"]) == (415, "Tệp “hocba.xml” có đuôi .xml nhưng nội dung là PDF: "
                                           "hãy đổi lại tên tệp cho đúng loại hoặc chọn đúng "
                                           "tệp.")
    got, body = upload(xml, "hocba.pdf")
    assert got == 415 and "có đuôi .pdf nhưng nội dung là XML" in body["detail"]


def test_the_real_issued_files_pass_the_pre_checks(issued: tuple[bytes, bytes]) -> None:
    pdf, xml = issued
    assert (guard.sniff(pdf, "hocba.pdf"), guard.sniff(xml, "hocba.xml")) == ("pdf", "xml")


@pytest.mark.parametrize("case", ["cyclic pages", "self reference", "deep XML"])
def test_cyclic_pdfs_and_deep_xml_get_a_refusal_or_a_failed_report(case: str) -> None:
    data, name = {"cyclic pages": (CYCLIC, "vong.pdf"),
                  "self reference": (SELF_REFERENCE, "vong.pdf"),
                  "deep XML": (DEEP_XML, "sau.xml")}[case]
    got, body = upload(data, name)
    assert refused_or_failed(got, body), (got, body)


def strided_prefixes(data: bytes, count: int = 25) -> list[bytes]:
    stride = max(1, len(data) // count)
    return [data[:n] for n in range(1, len(data), stride)]


def test_every_truncation_of_an_issued_pdf_is_refused_or_failed(
        issued: tuple[bytes, bytes]) -> None:
    pdf, _ = issued
    # ...and cut just after each revision's %%EOF: an earlier revision is a whole PDF that
    # passes the pre-checks and reaches pyHanko (its later signatures are missing).
    ends = [at + 6 for at in range(len(pdf)) if pdf.startswith(b"%%EOF", at)][:-1]
    cuts = [*strided_prefixes(pdf), *(pdf[:end] for end in ends), pdf[:pdf.rindex(b"%%EOF")]]
    for cut in cuts:
        got, body = upload(cut, "cat.pdf")
        assert refused_or_failed(got, body), (len(cut), got, body)
    # a download cut short is named as such
    got, body = upload(pdf[:len(pdf) // 2], "cat.pdf")
    assert got == 400 and "không đầy đủ" in body["detail"]


def test_every_truncation_of_an_issued_xml_is_refused_or_failed(
        issued: tuple[bytes, bytes]) -> None:
    _, xml = issued
    for cut in strided_prefixes(xml):
        got, body = upload(cut, "cat.xml")
        assert refused_or_failed(got, body), (len(cut), got, body)


def test_a_check_that_never_ends_is_cut_at_the_deadline(settings: Any, monkeypatch: Any) -> None:
    """A parser looping on hostile input (pyHanko or lxml are pure Python above C) is stopped:
    the watchdog raises in the request's thread; the answer is a refusal, not a hang."""
    from hocba.verification import services

    def forever(data: bytes, **_: Any) -> Any:
        while True:
            pass

    monkeypatch.setattr(services, "verify_file", forever)
    settings.VERIFICATION_DEADLINE_SECONDS = 0.3
    got, body = upload(SELF_REFERENCE, "vong.pdf")
    assert (got, body) == (400, {"detail": "Tệp “vong.pdf” cần hơn 0.3 giây để kiểm tra: tệp "
                                           "có cấu trúc bất thường (có thể bị hỏng hoặc được "
                                           "tạo để gây quá tải) và bị từ chối."})


def test_a_parser_crash_is_a_refusal_never_a_500(monkeypatch: Any) -> None:
    from hocba.verification import services

    def crash(data: bytes, **_: Any) -> Any:
        raise KeyError("/Root")

    monkeypatch.setattr(services, "verify_file", crash)
    got, body = upload(SELF_REFERENCE, "vong.pdf")
    assert got == 400 and "hỏng hoặc không đúng định dạng học bạ" in body["detail"]


def test_the_deadline_leaves_nothing_pending_when_the_work_ends_in_time() -> None:
    assert guard.run_with_deadline(lambda: sum(range(1000)), 5) == 499500
    with pytest.raises(guard.DeadlineExceeded):
        guard.run_with_deadline(lambda: [0 for _ in iter(int, 1)], 0.1)
    assert guard.run_with_deadline(lambda: "sau", 5) == "sau"


def test_an_upload_without_a_file_names_the_field() -> None:
    response = Client().post(URL, {"tep": "x"})
    assert (response.status_code, response.json()) == (
        400, {"detail": "Thiếu trường file: hãy chọn tệp học bạ PDF hoặc XML để tải lên."})


def test_a_declared_length_over_the_limit_is_refused_before_the_body_is_read() -> None:
    response = Client().generic("POST", URL, b"x", content_type="multipart/form-data; boundary=b",
                                CONTENT_LENGTH=str(50 * 1024 * 1024))
    assert response.status_code == 413
    assert "vượt giới hạn 5 MB" in response.json()["detail"]


def test_uploads_over_the_rate_limit_get_429_with_retry_after(settings: Any) -> None:
    settings.VERIFICATION_RATE_LIMITS = {**OFF, "upload": (2, 60)}
    from django.core.cache import cache

    cache.clear()
    codes = [upload(b"", "a.pdf")[0] for _ in range(2)]
    from django.core.files.uploadedfile import SimpleUploadedFile

    response = Client().post(URL, {"file": SimpleUploadedFile("a.pdf", b"")})
    assert codes == [400, 400] and response.status_code == 429
    assert 0 < int(response["Retry-After"]) <= 60
    assert response.json()["detail"].startswith("Bạn đã tra cứu quá nhiều lần")


def test_the_service_itself_refuses_a_bomb_and_cuts_a_loop_for_every_door(
        settings: Any, monkeypatch: Any) -> None:
    """The portal's upload page calls ``services.verify_file`` directly: the parser-exhausting
    PDFs and the deadline are enforced there too."""
    from hocba.verification import services

    with pytest.raises(services.VerificationRefused, match="bom nén"):
        services.verify_file(FLATE_BOMB, filename="bom.pdf")
    with pytest.raises(services.VerificationRefused, match="lồng nhau quá 64 mức"):
        services.verify_file(NESTED_ARRAYS, filename="sau.pdf")

    def forever(*_: Any, **__: Any) -> Any:
        while True:
            pass

    monkeypatch.setattr(services, "examine", forever)
    settings.VERIFICATION_DEADLINE_SECONDS = 0.3
    with pytest.raises(services.VerificationRefused, match=r"cần hơn 0\.3 giây"):
        services.verify_file(SELF_REFERENCE, filename="vong.pdf")
