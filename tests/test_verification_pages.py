"""The public verification portal (issue 6 §2–3), through Django's test client, no log-in.

Two halves. The first drives the pages with reports made by hand (the service is replaced),
so every shape of the three verdicts is shown as it must be: "Học bạ hợp lệ" only when all
three PASSED (HCMC QĐ 1789 Điều 12), INDETERMINATE never styled as valid, the replacement's
link, one answer for an unknown code and a wrong second factor, the 429 page, no-store
results, CSRF, the upload door's size and type checks. The second half runs the real
``hocba.verification.services`` on records the demo issues (genuine, revoked, replaced,
tampered upload).
"""
# ruff: noqa: F811  (the demo database and PKI fixtures of test_issuance, imported by name)

from __future__ import annotations

import datetime as dt
import html
import re
import uuid
from typing import Any

import pytest
from django.core.cache import cache
from django.test import Client, override_settings

from hocba.domain.verdict import (
    RecordStatus,
    SubIndication,
    Verdict,
    VerificationReport,
)
from hocba.verification import services
from tests.test_issuance import db_demo, demo_db, pki_services  # noqa: F401

pytestmark = pytest.mark.django_db

CODE = str(uuid.uuid4())
NEW_CODE = str(uuid.uuid4())
PASSED = Verdict.passed("Mọi chữ ký hợp lệ, tài liệu không bị thay đổi.")
ISSUED = Verdict.passed("Học bạ đã phát hành, còn hiệu lực.")
SCHOOL = Verdict.passed("Con dấu số của Trường Tiểu học Demo, chứng thư đã được duyệt.")


def _report(**changes: Any) -> VerificationReport:
    base: dict[str, Any] = {"integrity": PASSED, "status": ISSUED, "issuer": SCHOOL,
                            "lookup_code": CODE, "record_status": RecordStatus.ISSUED,
                            "facts": {"school": "Trường Tiểu học Demo", "school_year": "2024-2025",
                                      "student_name": "Nguyễn Văn An"}}
    base.update(changes)
    return VerificationReport(**base)


UNKNOWN = VerificationReport(
    integrity=Verdict.indeterminate("Không có học bạ.", SubIndication.SIGNED_DATA_NOT_FOUND),
    status=Verdict.indeterminate("Không có học bạ.", SubIndication.SIGNED_DATA_NOT_FOUND),
    issuer=Verdict.indeterminate("Không có học bạ.", SubIndication.SIGNED_DATA_NOT_FOUND),
    record_status=RecordStatus.UNKNOWN)


@pytest.fixture(autouse=True)
def _fresh_rate_limits() -> None:
    cache.clear()


@pytest.fixture
def answers(monkeypatch: pytest.MonkeyPatch) -> list[Any]:
    """Replace the service: ``answers[0]`` is the report check_code returns; calls are kept."""
    state: list[Any] = [_report()]
    calls: list[dict[str, Any]] = []

    def check_code(lookup_code: str, **kwargs: Any) -> VerificationReport:
        calls.append({"lookup_code": lookup_code, **kwargs})
        return state[0]

    monkeypatch.setattr(services, "check_code", check_code)
    state.append(calls)
    return state


def _text(response: Any) -> str:
    return html.unescape(response.content.decode())


def _post(client: Client, **data: str) -> Any:
    return client.post("/tra-cuu", {"ma": CODE, "ngay_sinh": "05/09/2014", **data})


def _verdict_block(page: str, key: str) -> str:
    found = re.search(rf'<li class="verdict verdict-(\w+)" data-testid="ket-qua-{key}".*?</li>',
                      page, re.S)
    assert found, key
    return found.group(0)


# --- the form --------------------------------------------------------------------------------

def test_the_portal_needs_no_log_in_and_fits_a_phone(client: Client) -> None:
    response = client.get("/tra-cuu")
    page = _text(response)
    assert response.status_code == 200
    assert "<h1>Xác minh học bạ số</h1>" in page
    assert '<meta name="viewport" content="width=device-width, initial-scale=1">' in page
    assert "verification/portal.css" in page and "max-width: 600px" in _static("portal.css")
    assert 'name="csrfmiddlewaretoken"' in page
    for label in ("Mã tra cứu", "Ngày sinh của học sinh", "Mã xác minh được chia sẻ"):
        assert f">{label}</label>" in page


def _static(name: str) -> str:
    from django.contrib.staticfiles import finders

    path = finders.find(f"verification/{name}")
    assert path, name
    with open(path, encoding="utf-8") as handle:
        return handle.read()


def test_a_scanned_qr_address_fills_the_look_up_code(client: Client) -> None:
    """The printed QR holds {HOCBA_VERIFY_URL}?ma={lookup_code} (hocba.rendering.qr)."""
    page = _text(client.get(f"/tra-cuu?ma={CODE}"))
    assert f'value="{CODE}"' in page and "Đã đọc mã tra cứu từ mã QR." in page
    raw = client.get("/tra-cuu?ma=<script>alert(1)</script>").content.decode()
    assert "<script>alert" not in raw and "Đã đọc mã tra cứu" not in raw
    assert 'id="id_ma" name="ma" value=""' in raw  # not a look-up code: nothing is filled


def test_the_second_factor_is_required_and_each_field_names_its_error(
        client: Client, answers: list[Any]) -> None:
    page = _text(client.post("/tra-cuu", {"ma": CODE}))
    assert "Cần nhập ngày sinh của học sinh, hoặc mã xác minh do người giữ học bạ chia sẻ." in page
    page = _text(client.post("/tra-cuu", {"ma": "12345", "ngay_sinh": "05/09/2014"}))
    assert "Trường «Mã tra cứu»: cần 36 ký tự" in page
    page = _text(client.post("/tra-cuu", {"ma": CODE, "ngay_sinh": "31/02/2014"}))
    assert "Trường «Ngày sinh»: nhập theo dạng ngày/tháng/năm" in page
    page = _text(client.post("/tra-cuu", {"ma": CODE, "ma_xac_minh": "abc"}))
    assert "Trường «Mã xác minh»: gồm 12 chữ và số" in page
    assert answers[1] == []  # nothing reached the service


def test_the_factor_reaches_the_service_as_a_date_or_a_normalised_code(
        client: Client, answers: list[Any]) -> None:
    _post(client)
    client.post("/tra-cuu", {"ma": CODE.upper(), "ma_xac_minh": "7kq2 m9xd 4hfa"})
    assert answers[1] == [
        {"lookup_code": CODE, "birth_date": dt.date(2014, 9, 5), "shared_code": None,
         "channel": "web"},
        {"lookup_code": CODE, "birth_date": None, "shared_code": "7KQ2M9XD4HFA",
         "channel": "web"}]


# --- the verdicts ----------------------------------------------------------------------------

def test_a_genuine_record_shows_three_passed_verdicts_and_the_valid_banner(
        client: Client, answers: list[Any]) -> None:
    response = _post(client)
    page = _text(response)
    assert response.status_code == 200
    assert response["Cache-Control"] == "no-store"
    assert "Học bạ hợp lệ" in page
    for key, title in (("integrity", "Toàn vẹn"), ("status", "Trạng thái"),
                       ("issuer", "Đơn vị phát hành")):
        block = _verdict_block(page, key)
        assert 'verdict-passed"' in block and f"{title}</span>: " in block
        assert ">Đạt</span>" in block and "✓" in block
    assert "Mọi chữ ký hợp lệ, tài liệu không bị thay đổi." in page
    assert "Nguyễn Văn An" in page and "2024-2025" in page  # the facts the report shares


def test_indeterminate_is_never_shown_as_valid(client: Client, answers: list[Any]) -> None:
    answers[0] = _report(issuer=Verdict.indeterminate(
        "Chưa có dữ liệu kiểm tra thu hồi của chứng thư.", SubIndication.TRY_LATER))
    page = _text(_post(client))
    block = _verdict_block(page, "issuer")
    assert 'verdict-indeterminate"' in block and ">Chưa xác định được</span>" in block
    assert "verdict-passed" not in block and "✓" not in block
    assert "Học bạ hợp lệ" not in page
    assert "Chưa xác định được học bạ có hợp lệ hay không" in page
    assert 'class="overall overall-indeterminate"' in page


def test_a_failed_verdict_makes_the_record_invalid(client: Client, answers: list[Any]) -> None:
    answers[0] = _report(integrity=Verdict.failed(
        "Chữ ký KY_PHAT_HANH không khớp nội dung: tài liệu đã bị thay đổi sau khi ký.",
        SubIndication.HASH_FAILURE))
    page = _text(_post(client))
    block = _verdict_block(page, "integrity")
    assert 'verdict-failed"' in block and ">Không đạt</span>" in block and "✗" in block
    assert "HASH_FAILURE" in block
    assert "Học bạ không hợp lệ" in page and "Học bạ hợp lệ" not in page


def test_a_replaced_record_links_to_its_replacement(client: Client, answers: list[Any]) -> None:
    answers[0] = _report(status=Verdict.failed("Học bạ đã bị thu hồi và được thay thế.",
                                               SubIndication.REVOKED),
                         record_status=RecordStatus.REPLACED, replaced_by=NEW_CODE)
    page = _text(_post(client))
    block = _verdict_block(page, "status")
    assert f'href="/tra-cuu?ma={NEW_CODE}"' in block and "xem học bạ thay thế" in block
    assert "Học bạ không hợp lệ" in page


def test_an_unknown_code_and_a_wrong_factor_get_the_same_answer(
        client: Client, answers: list[Any]) -> None:
    answers[0] = UNKNOWN
    unknown = _post(client)
    wrong = _post(client, ngay_sinh="06/09/2014")
    assert unknown.status_code == wrong.status_code == 404
    assert unknown["Cache-Control"] == "no-store"
    scrub = re.compile(r'name="csrfmiddlewaretoken" value="[^"]+"')
    assert scrub.sub("", _text(unknown)) == scrub.sub("", _text(wrong))
    page = _text(unknown)
    assert "Không tìm thấy học bạ khớp với mã tra cứu và thông tin xác minh đã nhập." in page
    assert "ket-qua-integrity" not in page and "06/09/2014" not in page


def test_only_the_facts_of_the_report_are_shown(client: Client, answers: list[Any]) -> None:
    """No factor, no name: the page shows the report's facts and nothing of its own."""
    answers[0] = _report(facts={"school": "Trường Tiểu học Demo", "school_year": "2024-2025"})
    page = _text(_post(client))
    assert "Trường Tiểu học Demo" in page
    assert "Nguyễn Văn An" not in page and "Học sinh</dt>" not in page


def test_a_post_without_the_csrf_token_is_refused() -> None:
    strict = Client(enforce_csrf_checks=True)
    assert strict.post("/tra-cuu", {"ma": CODE, "ngay_sinh": "05/09/2014"}).status_code == 403


@override_settings(VERIFICATION_RATE_LIMITS={"lookup": (3, 60), "upload": (1, 60)})
def test_too_many_look_ups_from_one_address_get_429_with_the_wait(
        client: Client, answers: list[Any]) -> None:
    for _ in range(3):
        assert _post(client).status_code == 200
    response = _post(client)
    assert response.status_code == 429
    wait = int(response["Retry-After"])
    assert 0 < wait <= 60
    assert (f"Bạn đã tra cứu quá nhiều lần trong thời gian ngắn. Vui lòng thử lại sau {wait} "
            "giây.") in _text(response)
    assert len(answers[1]) == 3  # the fourth never reached the service
    other = Client(REMOTE_ADDR="10.0.0.9")  # another address has its own count
    assert other.get("/tra-cuu").status_code == 200
    assert client.get("/tra-cuu/tep").status_code == 200
    assert client.get("/tra-cuu/tep").status_code == 429


# --- the scan page ---------------------------------------------------------------------------

def test_the_scan_page_reads_the_qr_in_the_browser_with_nothing_from_elsewhere(
        client: Client) -> None:
    response = client.get("/tra-cuu/quet")
    page = _text(response)
    assert "<h1>Quét mã QR</h1>" in page and "Bật camera để quét" in page
    assert 'data-verify-url="http://127.0.0.1:8000/tra-cuu"' in page
    assert 'type="file" id="anh-qr" accept="image/*" capture="environment"' in page
    scripts = re.findall(r'<script src="([^"]+)"', page)
    assert scripts == ["/static/verification/vendor/jsQR.js", "/static/verification/scan.js"]
    assert "<script>" not in page and "style=" not in page  # the CSP forbids inline code
    assert "script-src 'self'" in response["Content-Security-Policy"]
    assert "camera=(self)" in response["Permissions-Policy"]
    vendored = _static("vendor/jsQR.js")
    assert vendored.startswith("/*! jsQR 1.4.0") and "Apache License 2.0" in vendored[:300]
    assert "Apache License" in _static("vendor/LICENSE.jsQR.txt")
    assert "BarcodeDetector" in _static("scan.js")


# --- the upload door -------------------------------------------------------------------------

def _upload(client: Client, name: str, body: bytes) -> Any:
    from django.core.files.uploadedfile import SimpleUploadedFile

    return client.post("/tra-cuu/tep", {"tep": SimpleUploadedFile(name, body)})


def test_the_upload_door_refuses_other_types_and_large_files_in_vietnamese(
        client: Client, monkeypatch: pytest.MonkeyPatch) -> None:
    called: list[str] = []
    monkeypatch.setattr(services, "verify_file",
                        lambda data, **kw: called.append(kw["filename"]) or _report())
    page = _text(_upload(client, "hocba.docx", b"PK\x03\x04"))
    assert "Tệp «hocba.docx» không phải PDF hoặc XML" in page
    with override_settings(VERIFICATION_MAX_UPLOAD_BYTES=1024):
        response = _upload(client, "hocba.pdf", b"%PDF-1.7\n" + b"0" * 2048)
    assert response.status_code == 400
    assert "Tệp «hocba.pdf» nặng 0.0 MB, vượt giới hạn" in _text(response)
    assert "Tệp học bạ đã chọn rỗng" in _text(_upload(client, "hocba.xml", b""))
    assert called == []


def test_a_file_the_service_refuses_gets_its_message(
        client: Client, monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(data: bytes, **kwargs: Any) -> VerificationReport:
        raise services.VerificationRefused(
            f"Tệp «{kwargs['filename']}» không phải PDF đọc được (thiếu %PDF-).")

    monkeypatch.setattr(services, "verify_file", refuse)
    response = _upload(client, "hocba.pdf", b"not a pdf")
    assert response.status_code == 400
    assert "Tệp «hocba.pdf» không phải PDF đọc được (thiếu %PDF-)." in _text(response)


def test_an_uploaded_file_shows_the_verdicts_and_each_signature(
        client: Client, monkeypatch: pytest.MonkeyPatch) -> None:
    report = _report(signatures=(
        {"field": "GVCN", "signer": "Đỗ Thị Hương", "valid": True, "identity": None},
        {"field": "KY_PHAT_HANH", "signer": "UID=MST:0101,CN=Trường Tiểu học Demo,"
         "2.5.4.12=Văn thư", "valid": False, "signing_time": "2025-06-20T02:30:00+00:00",
         "reason": "Chữ ký không khớp nội dung."}))
    monkeypatch.setattr(services, "verify_file", lambda data, **kw: report)
    response = _upload(client, "hocba.pdf", b"%PDF-1.7\n")
    page = _text(response)
    assert response.status_code == 200 and response["Cache-Control"] == "no-store"
    assert "Học bạ hợp lệ" in page and "Các chữ ký số (2)" in page
    signatures = re.search(r'data-testid="chu-ky">(.*?)</ol>', page, re.S)
    assert signatures
    lines = re.findall(r'<li class="sig sig-(\w+)">(.*?)</li>', signatures.group(1), re.S)
    assert [state for state, _ in lines] == ["passed", "failed"]
    seal = re.sub(r"\s+", " ", lines[1][1])
    assert "<strong>Ký phát hành (chứng thư số của trường)</strong> — không hợp lệ" in seal
    assert "Trường Tiểu học Demo — Văn thư" in seal and "UID=" not in seal
    assert "· 09:30 20/06/2025" in seal and "Chữ ký không khớp nội dung." in seal


# --- the real service, on records the demo issues ----------------------------------------------

@pytest.fixture
def issued(db_demo: Any) -> Any:
    from tests.test_sharing import issue_demo_student_record

    return issue_demo_student_record(db_demo.base_url)


def _birth(record: Any) -> str:
    return f"{record.student.birth_date:%d/%m/%Y}"


def _states(page: str) -> dict[str, str]:
    states = {}
    for key in ("integrity", "status", "issuer"):
        found = re.search(r'verdict-(\w+)"', _verdict_block(page, key))
        assert found, key
        states[key] = found.group(1)
    return states


def test_an_issued_record_passes_and_its_name_shows_only_with_the_right_factor(
        client: Client, issued: Any) -> None:
    page = _text(_post(client, ma=str(issued.lookup_code), ngay_sinh=_birth(issued)))
    assert _states(page) == {"integrity": "passed", "status": "passed", "issuer": "passed"}
    assert page.count(">Đạt</span>") == 3 and "Học bạ hợp lệ" in page
    assert issued.student.full_name in page and issued.school.name in page
    wrong = _post(client, ma=str(issued.lookup_code), ngay_sinh="01/01/2000")
    assert wrong.status_code == 404
    for private in (issued.student.full_name, issued.school.name, "ket-qua-integrity"):
        assert private not in _text(wrong)


def test_a_revoked_record_fails_and_once_replaced_links_to_its_replacement(
        client: Client, issued: Any, db_demo: Any) -> None:
    from hocba.issuance import demo
    from hocba.issuance import services as issuance_services
    from tests.test_issuance import _principal

    june = dt.datetime(2025, 6, 20, 9, 0, tzinfo=dt.timezone(dt.timedelta(hours=7)))
    replacement = issuance_services.revoke_and_replace(
        _principal(issued.school_class), issued, "Sai ngày sinh", now=june)
    page = _text(_post(client, ma=str(issued.lookup_code), ngay_sinh=_birth(issued)))
    assert _states(page)["status"] == "failed"
    assert "Học bạ không hợp lệ" in page and "Học bạ hợp lệ" not in page
    assert "xem học bạ thay thế" not in page  # the replacement is not issued yet

    assert demo.issue_class(issued.school_class, base_url=db_demo.base_url,
                            records=[replacement]) == 1
    page = _text(_post(client, ma=str(issued.lookup_code), ngay_sinh=_birth(issued)))
    block = _verdict_block(page, "status")
    assert 'verdict-failed"' in block
    assert f'href="/tra-cuu?ma={replacement.lookup_code}"' in block
    new = _text(_post(client, ma=str(replacement.lookup_code), ngay_sinh=_birth(issued)))
    assert "Học bạ hợp lệ" in new
    assert f"Học bạ này thay thế học bạ có mã tra cứu {issued.lookup_code}." in new


def test_an_uploaded_original_passes_and_a_tampered_copy_fails(
        client: Client, issued: Any) -> None:
    from hocba.issuance import selectors
    from hocba.issuance.models import Artefacts

    pdf = selectors.current_pdf(issued)
    assert pdf is not None
    response = _upload(client, "hocba.pdf", pdf)
    page = _text(response)
    assert response.status_code == 200, page
    assert _states(page) == {"integrity": "passed", "status": "passed", "issuer": "passed"}
    assert page.count('<li class="sig sig-passed">') >= 3
    assert "Ký phát hành (chứng thư số của trường)</strong> — hợp lệ" in page

    xml = bytes(Artefacts.objects.get(record=issued).xml)
    name = issued.student.full_name.encode()
    tampered = xml.replace(name, name[:-1] + (b"X" if name[-1:] != b"X" else b"Y"), 1)
    assert tampered != xml
    page = _text(_upload(client, "hocba.xml", tampered))
    assert _states(page)["integrity"] == "failed"
    assert "Học bạ không hợp lệ" in page and "Học bạ hợp lệ" not in page
