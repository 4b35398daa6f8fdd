"""Verification journey (issue 6, "Done when": the browser journey scan → verdict passes).

The demo issues the record of the demo student (the one ``hocsinh`` and ``phuhuynh`` hold).
A verifier's phone — Chromium with a fake camera that films the record's printed QR (the
QR of ``hocba.rendering.qr``, drawn into a Y4M video: a text header and raw YUV 4:2:0
frames) — opens the scan page; the page decodes the QR in the browser and lands on
/tra-cuu?ma=<look-up code>; the verifier types the student's date of birth and sees three
"Đạt". A wrong date of birth gets the same "not found" answer as an unknown code. The parent
creates a verification code, a verifier uses it, the parent withdraws it and it stops
working. Choosing a photo of the QR (the camera's fallback) lands on the same page.
"""
# ruff: noqa: F811  (fixtures shared with test_issuance and test_signing_journey, by name)

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from playwright.sync_api import Browser, Page, expect

from hocba.accounts.models import RoleAssignment, User
from hocba.domain.access import Role
from hocba.issuance import demo
from hocba.records import compose
from hocba.records.models import HocBaRecord, RecordStatus
from hocba.rendering.qr import qr_code, verification_address
from hocba.roster.models import Student
from hocba.signing.services import PkiServices
from hocba.verification.views import NOT_FOUND
from tests.browser.conftest import (
    CHROMIUM,
    CHROMIUM_ARGS,
    login,
    new_page,
    shot_path,
)
from tests.browser.test_signing_journey import (  # noqa: F401
    _flushable_signatures,
    _one_at_a_time_on_sqlite,
)
from tests.test_issuance import _principal, pki_services  # noqa: F401
from tests.world import PASSWORD

pytestmark = [
    pytest.mark.browser,
    pytest.mark.filterwarnings("ignore:No directory at:UserWarning"),
]

PHONE = {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True}


@dataclass
class IssuedWorld:
    record: HocBaRecord
    student: Student
    qr_text: str


@pytest.fixture
def issued_world(_flushable_signatures: None, _one_at_a_time_on_sqlite: None,
                 live_server: Any, _password_hash: str,
                 pki_services: PkiServices) -> IssuedWorld:
    from hocba.demo import generator

    generator.seed(size="small")
    student = RoleAssignment.objects.get(user__username="hocsinh", role=Role.STUDENT).student
    assert student is not None
    enrolment = student.enrolments.select_related(
        "school_class__school", "school_class__school_year").get(
        school_class__school_year__name="2024-2025")
    school_class = enrolment.school_class
    compose.compose_class(_principal(school_class), school_class)
    record = HocBaRecord.objects.get(student=student, school_year=school_class.school_year,
                                     status=RecordStatus.COMPOSED)
    assert demo.issue_class(school_class, base_url=pki_services.base_url, records=[record]) == 1
    User.objects.filter(username__in=["hocsinh", "phuhuynh"]).update(password=_password_hash)
    return IssuedWorld(record, student,
                       verification_address(settings.HOCBA_VERIFY_URL, str(record.lookup_code)))


# --- the fake camera ---------------------------------------------------------------------------

WIDTH, HEIGHT = 640, 480


def qr_video(text: str, path: Path, frames: int = 2) -> Path:
    """A Y4M video (YUV4MPEG2: one text header, then ``FRAME\\n`` and the Y, U and V planes of
    each 4:2:0 frame) showing the QR of ``text`` black on white, centred, as a phone held over
    the printed page would see it."""
    rows = [list(row) for row in qr_code(text).matrix_iter(scale=1, border=4)]
    scale = min(WIDTH, HEIGHT) * 9 // 10 // len(rows)
    size = len(rows) * scale
    left, top = (WIDTH - size) // 2, (HEIGHT - size) // 2
    luma = bytearray(b"\xff" * (WIDTH * HEIGHT))
    for y, row in enumerate(rows):
        for x, dark in enumerate(row):
            if dark:
                for dy in range(scale):
                    start = (top + y * scale + dy) * WIDTH + left + x * scale
                    luma[start:start + scale] = b"\x00" * scale
    chroma = b"\x80" * (WIDTH * HEIGHT // 4)
    frame = b"FRAME\n" + bytes(luma) + chroma + chroma
    path.write_bytes(f"YUV4MPEG2 W{WIDTH} H{HEIGHT} F10:1 Ip A1:1 C420jpeg\n".encode()
                     + frame * frames)
    return path


@pytest.fixture
def camera_phone(browser: Browser, issued_world: IssuedWorld, tmp_path: Path,
                 request: pytest.FixtureRequest) -> Iterator[Page]:
    """A phone whose camera films the record's QR: Chromium's fake capture device fed from a
    file (the flags must be given at launch, so this is a browser of its own)."""
    video = qr_video(issued_world.qr_text, tmp_path / "qr.y4m")
    phone = browser.browser_type.launch(
        executable_path=str(CHROMIUM), headless=True,
        args=[*CHROMIUM_ARGS, "--use-fake-ui-for-media-stream",
              "--use-fake-device-for-media-stream", f"--use-file-for-fake-video-capture={video}"])
    try:
        context, page = new_page(phone, **PHONE)
        context.grant_permissions(["camera"])
        yield page
        report = getattr(request.node, "report_call", None)
        if report is not None and report.failed and not page.is_closed():
            page.screenshot(path=str(shot_path(request.node.name + "-camera")), full_page=True)
        context.close()
    finally:
        phone.close()


# --- the journeys ------------------------------------------------------------------------------

def _verdicts_all_passed(page: Page) -> None:
    expect(page.get_by_role("heading", level=1)).to_have_text("Kết quả xác minh học bạ")
    expect(page.get_by_test_id("ket-luan")).to_have_text("✓ Học bạ hợp lệ")
    for key in ("integrity", "status", "issuer"):
        expect(page.get_by_test_id(f"nhan-{key}")).to_have_text("Đạt")


def _enter(page: Page, *, birth: str = "", shared: str = "") -> None:
    if birth:
        page.get_by_label("Ngày sinh của học sinh").fill(birth)
    if shared:
        page.get_by_label("Mã xác minh được chia sẻ").fill(shared)
    page.get_by_role("button", name="Xác minh").click()


def test_a_phone_scans_the_printed_qr_and_sees_three_passed_verdicts(
        camera_phone: Page, open_page: Any, base_url: str, issued_world: IssuedWorld) -> None:
    code = str(issued_world.record.lookup_code)
    birth = f"{issued_world.student.birth_date:%d/%m/%Y}"
    phone = camera_phone
    phone.goto(f"{base_url}/tra-cuu/quet")
    expect(phone.get_by_role("heading", level=1)).to_have_text("Quét mã QR")
    phone.get_by_role("button", name="Bật camera để quét").click()
    phone.wait_for_url(f"{base_url}/tra-cuu?ma={code}", timeout=30_000)
    expect(phone.get_by_label("Mã tra cứu")).to_have_value(code)
    expect(phone.get_by_test_id("da-quet")).to_have_text("Đã đọc mã tra cứu từ mã QR.")
    phone.screenshot(path=str(shot_path("tra-cuu-da-quet")), full_page=True)

    # A wrong date of birth: the same answer as an unknown look-up code.
    _enter(phone, birth="01/01/2000")
    expect(phone.get_by_test_id("khong-tim-thay")).to_have_text(NOT_FOUND)
    expect(phone.get_by_test_id("ket-luan")).to_have_count(0)

    _enter(phone, birth=birth)
    _verdicts_all_passed(phone)
    expect(phone.get_by_test_id("ma-tra-cuu")).to_have_text(code)
    phone.screenshot(path=str(shot_path("tra-cuu-ket-qua")), full_page=True)
    # One column on a phone: the three verdicts stack, none wider than the screen.
    widths = phone.locator("li.verdict").evaluate_all("els => els.map(e => e.scrollWidth)")
    assert len(widths) == 3 and max(widths) <= PHONE["viewport"]["width"]

    # An unknown look-up code with the right date of birth: the same message.
    unknown = open_page(**PHONE)
    unknown.goto(f"{base_url}/tra-cuu?ma=8d7a3c52-6f1e-4b9a-9f3e-2b1c0d4e5f60")
    _enter(unknown, birth=birth)
    expect(unknown.get_by_test_id("khong-tim-thay")).to_have_text(NOT_FOUND)


def test_a_photo_of_the_qr_is_the_fallback_when_there_is_no_camera(
        open_page: Any, base_url: str, issued_world: IssuedWorld, tmp_path: Path) -> None:
    # A QR that is not our verification address is shown, never followed.
    foreign = tmp_path / "khac.png"
    elsewhere = f"https://example.com/tra-cuu?ma={issued_world.record.lookup_code}"
    qr_code(elsewhere).save(str(foreign), scale=8, border=4)
    page = open_page(**PHONE)
    page.goto(f"{base_url}/tra-cuu/quet")
    page.get_by_label("Hoặc chọn ảnh chụp mã QR").set_input_files(str(foreign))
    expect(page.get_by_test_id("trang-thai-quet")).to_have_text(
        f"Mã QR này không phải mã tra cứu học bạ: «{elsewhere}». Hãy quét mã QR in trên học bạ.")
    assert page.url == f"{base_url}/tra-cuu/quet"

    photo = tmp_path / "qr.png"
    qr_code(issued_world.qr_text).save(str(photo), scale=8, border=4)
    page.get_by_label("Hoặc chọn ảnh chụp mã QR").set_input_files(str(photo))
    page.wait_for_url(f"{base_url}/tra-cuu?ma={issued_world.record.lookup_code}")
    expect(page.get_by_test_id("da-quet")).to_be_visible()


def test_the_parent_shares_a_code_a_verifier_uses_it_then_it_is_withdrawn(
        open_page: Any, base_url: str, issued_world: IssuedWorld) -> None:
    code = str(issued_world.record.lookup_code)
    parent = open_page()
    login(parent, base_url, "phuhuynh", PASSWORD)
    parent.get_by_role("link", name="Chia sẻ học bạ").click()
    expect(parent.get_by_role("heading", level=1)).to_have_text("Chia sẻ học bạ để xác minh")
    card = parent.get_by_test_id(f"hoc-ba-{code}")
    card.get_by_label("Thời hạn của mã").select_option("7")
    card.get_by_role("button", name="Tạo mã xác minh").click()
    shared = parent.get_by_test_id("ma-xac-minh").inner_text()
    assert len(shared) == 14 and shared.count("-") == 2
    expect(parent.get_by_test_id("ma-moi")).to_contain_text("Mã chỉ hiện một lần")
    parent.screenshot(path=str(shot_path("chia-se-ma-moi")), full_page=True)
    parent.reload()  # shown once: a reload does not show it again
    expect(parent.get_by_test_id("ma-moi")).to_have_count(0)
    assert shared not in parent.content()

    verifier = open_page(**PHONE)
    verifier.goto(f"{base_url}/tra-cuu?ma={code}")
    _enter(verifier, shared=shared.lower().replace("-", " "))
    _verdicts_all_passed(verifier)
    expect(verifier.get_by_test_id("thong-tin")).to_contain_text(issued_world.student.full_name)

    # The parent withdraws the code: the verifier's next try finds nothing.
    card = parent.get_by_test_id(f"hoc-ba-{code}")
    expect(card).to_contain_text("Còn hiệu lực")
    card.get_by_role("button", name="Thu hồi mã").click()
    expect(parent.get_by_text("Đã thu hồi mã xác minh: mã này không còn dùng được.")
           ).to_be_visible()
    expect(parent.get_by_test_id(f"hoc-ba-{code}")).to_contain_text("Đã thu hồi lúc")
    verifier.goto(f"{base_url}/tra-cuu?ma={code}")
    _enter(verifier, shared=shared)
    expect(verifier.get_by_test_id("khong-tim-thay")).to_have_text(NOT_FOUND)

