"""The signing pages (issue 5 §5–§6): the signer sees what waits for their slot and exactly
what they sign, confirms once for the whole class, follows the background job's progress
bar (a static script polling JSON: the CSP forbids inline scripts), returns a record with a
reason; the principal revokes and replaces, asks the Sở for a correction after the closing
date, and the Sở decides."""
# ruff: noqa: F811  (the demo fixtures are shared with test_issuance, imported by name)

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.test import Client

from hocba.accounts.models import User
from hocba.domain import issuance as rules
from hocba.issuance import demo, jobs, selectors, services
from hocba.issuance.models import CorrectionRequest, IssuedRecord, SigningJob
from hocba.records.models import HocBaRecord, RecordStatus
from hocba.signing.services import PkiServices
from tests.test_issuance import (  # noqa: F401  (module fixtures shared with the services)
    _class,
    _composed,
    _pdfsig,
    _principal,
    _signers,
    db_demo,
    demo_db,
    pki_services,
)

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _no_thread(monkeypatch: pytest.MonkeyPatch) -> None:
    """The page starts a worker thread; here the test runs the worker itself, in its own
    transaction (a thread would not see the test's uncommitted data)."""
    monkeypatch.setattr(jobs, "kick", lambda: None)


def _client(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_the_principal_signs_a_class_in_one_confirmation_and_watches_the_progress(
        db_demo: PkiServices, tmp_path: Path) -> None:
    school_class = _class("27260001", "4A")
    records = _composed(school_class, 3)
    signers = _signers(school_class, db_demo)
    services.sign_records(signers["GVCN"], records, "GVCN")
    principal = _client(signers["CBQL"])
    page = principal.get(f"/ky-hoc-ba/lop/{school_class.pk}/").content.decode()
    assert 'data-testid="cho-ky-CBQL"' in page and "Ký tất cả" in page
    assert "Chờ bạn ký: 3" in page
    assert f"/ky-hoc-ba/hoc-ba/{records[0].lookup_code}/ban-dang-ky.pdf" in page
    # Without the confirmation box nothing is queued.
    refused = principal.post(f"/ky-hoc-ba/lop/{school_class.pk}/ky/", {"slot": "CBQL"},
                             follow=True)
    assert "xác nhận ký" in refused.content.decode() and not SigningJob.objects.exists()
    queued = principal.post(f"/ky-hoc-ba/lop/{school_class.pk}/ky/",
                            {"slot": "CBQL", "xac_nhan": "1"})
    job = SigningJob.objects.get()
    assert queued.status_code == 302 and queued["Location"] == f"/ky-hoc-ba/luot/{job.pk}/"
    assert (job.total, job.slot, job.state) == (3, "CBQL", SigningJob.State.QUEUED)
    shown = principal.get(f"/ky-hoc-ba/luot/{job.pk}/").content.decode()
    assert "<progress" in shown and 'src="/static/issuance/progress.js"' in shown
    assert not re.search(r"<script>(?!</script>)", shown)  # no inline script (CSP)
    assert principal.get(f"/ky-hoc-ba/luot/{job.pk}/tien-do.json").json()["done"] == 0
    jobs.run_worker(once=True)
    progress = principal.get(f"/ky-hoc-ba/luot/{job.pk}/tien-do.json").json()
    assert progress == {**progress, "done": 3, "total": 3, "failed": 0, "finished": True}
    assert all(selectors.chain_state(r).filled == {"GVCN", "CBQL"} for r in records)
    # Someone else's job is not theirs to watch.
    assert _client(signers["GVCN"]).get(f"/ky-hoc-ba/luot/{job.pk}/tien-do.json"
                                        ).status_code == 404


def test_the_van_thu_seals_the_whole_school_in_one_confirmation(db_demo: PkiServices) -> None:
    school_class = _class("27260001", "4A")
    records = _composed(school_class, 2)
    signers = _signers(school_class, db_demo)
    services.sign_records(signers["GVCN"], records, "GVCN")
    services.sign_records(signers["CBQL"], records, "CBQL")
    van_thu = _client(signers["KY_PHAT_HANH"])
    school, year = school_class.school, school_class.school_year
    assert f"/ky-hoc-ba/truong/{school.pk}/{year.pk}/" in van_thu.get(
        f"/ky-hoc-ba/lop/{school_class.pk}/").content.decode()
    page = van_thu.get(f"/ky-hoc-ba/truong/{school.pk}/{year.pk}/").content.decode()
    assert 'data-testid="cho-ky-KY_PHAT_HANH"' in page and "Chờ bạn ký: 2" in page
    van_thu.post(f"/ky-hoc-ba/truong/{school.pk}/{year.pk}/ky/",
                 {"slot": "KY_PHAT_HANH", "xac_nhan": "1"})
    job = SigningJob.objects.get()
    assert job.school_class is None and job.total == 2
    jobs.run_worker(once=True)
    assert IssuedRecord.objects.filter(record__in=records).count() == 2
    # A teacher has no school-wide page.
    assert _client(signers["GVCN"]).get(
        f"/ky-hoc-ba/truong/{school.pk}/{year.pk}/").status_code == 403


def test_the_signer_sees_exactly_the_pdf_they_sign_inline(db_demo: PkiServices,
                                                          tmp_path: Path) -> None:
    school_class = _class("27260001", "4A")
    records = _composed(school_class, 1)
    signers = _signers(school_class, db_demo)
    services.sign_records(signers["GVCN"], records, "GVCN")
    response = _client(signers["CBQL"]).get(
        f"/ky-hoc-ba/hoc-ba/{records[0].lookup_code}/ban-dang-ky.pdf")
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"].startswith("inline;")
    printed = _pdfsig(response.content, tmp_path)
    # What the principal signs: the GVCN's signature in place, CBQL and the seal still empty.
    assert printed.count("Signature is Valid") == 1
    assert printed.count("The signature form field is not signed") == 2
    chain = _client(signers["CBQL"]).get(
        f"/ky-hoc-ba/hoc-ba/{records[0].lookup_code}/").content.decode()
    assert "Đến lượt ký" in chain and records[0].student.full_name in chain
    assert signers["GVCN"].full_name in chain  # who signed


def test_a_teacher_of_another_class_cannot_open_the_signing_page(db_demo: PkiServices) -> None:
    school_class = _class("27260001", "4A")
    other = _class("27260001", "3A")
    records = _composed(school_class, 1)
    stranger = demo.signers_of_class(other)["GVCN"]
    assert _client(stranger).get(f"/ky-hoc-ba/lop/{school_class.pk}/").status_code == 403
    assert _client(stranger).get(f"/ky-hoc-ba/hoc-ba/{records[0].lookup_code}/"
                                 ).status_code == 403


def test_the_principal_returns_a_record_with_a_reason_from_its_page(db_demo: PkiServices) -> None:
    school_class = _class("27260001", "4A")
    records = _composed(school_class, 1)
    signers = _signers(school_class, db_demo)
    services.sign_records(signers["GVCN"], records, "GVCN")
    client = _client(signers["CBQL"])
    url = f"/ky-hoc-ba/hoc-ba/{records[0].lookup_code}/"
    assert "Trả lại học bạ" in client.get(url).content.decode()
    empty = client.post(f"{url}tra-lai/", {"ly_do": " "}, follow=True).content.decode()
    assert "«Lý do»" in empty
    client.post(f"{url}tra-lai/", {"ly_do": "Sai điểm Toán"})
    page = client.get(url).content.decode()
    assert "Đã bị trả lại" in page and "Sai điểm Toán" in page
    assert HocBaRecord.objects.get(pk=records[0].pk).status == RecordStatus.DISCARDED


def test_after_closing_the_school_asks_the_so_then_revokes_and_replaces_from_the_pages(
        db_demo: PkiServices) -> None:
    school_class = _class("27260001", "4A")
    records = _composed(school_class, 1)
    demo.issue_class(school_class, base_url=db_demo.base_url, records=records)
    assert IssuedRecord.objects.filter(record=records[0]).exists()
    principal = _client(_principal(school_class))
    url = f"/ky-hoc-ba/hoc-ba/{records[0].lookup_code}/"
    # Today is after 30 June 2025: revoking needs the Sở's approval of a correction first.
    late = principal.post(f"{url}thu-hoi/", {"ly_do": "Sai tên mẹ"}, follow=True)
    assert "Đã qua ngày chốt dữ liệu 30/06/2025" in late.content.decode()
    principal.post(f"{url}de-nghi-chinh-ly/", {"ly_do": "Sai tên mẹ"})
    request = CorrectionRequest.objects.get(record=records[0])
    so = _client(User.objects.get(username="so"))
    assert "Sai tên mẹ" in so.get("/ky-hoc-ba/chinh-ly/").content.decode()
    so.post(f"/ky-hoc-ba/chinh-ly/{request.pk}/quyet-dinh/", {"quyet_dinh": "duyet"})
    done = principal.post(f"{url}thu-hoi/", {"ly_do": "Sai tên mẹ"})
    replacement = HocBaRecord.objects.get(student=records[0].student, status="da_tao",
                                          school_year=records[0].school_year)
    assert done["Location"] == f"/ky-hoc-ba/hoc-ba/{replacement.lookup_code}/"
    page = principal.get(done["Location"]).content.decode()
    assert str(records[0].lookup_code) in page and "thay thế học bạ đã thu hồi" in page
    assert rules.next_slots(selectors.chain_state(replacement).required, set())


def test_the_class_and_record_pages_link_to_signing(db_demo: PkiServices) -> None:
    school_class = _class("27260001", "4A")
    records = _composed(school_class, 1)
    client = _client(_principal(school_class))
    assert f"/ky-hoc-ba/lop/{school_class.pk}/" in client.get(
        f"/hoc-ba/lop/{school_class.pk}/").content.decode()
    assert f"/ky-hoc-ba/hoc-ba/{records[0].lookup_code}/" in client.get(
        f"/hoc-ba/{records[0].lookup_code}/").content.decode()


def test_the_issue_command_has_the_phong_approve_the_waiting_demo_seal_in_the_audit_log(
        db_demo: PkiServices, capsys: pytest.CaptureFixture[str]) -> None:
    from hocba.audit.models import AuditEvent
    from hocba.certificates.models import CertificateKind, CertificateStatus, SigningCertificate
    from hocba.cli import main

    # Phật Tích's demo seal waits for the Phòng (hocba.demo.certificates.PENDING_SCHOOL).
    seal = SigningCertificate.objects.get(school__code="27260001",
                                          kind=CertificateKind.ORGANISATION)
    assert seal.status == CertificateStatus.REGISTERED
    assert main(["issue", "--school", "27260001", "--class", "4A", "--year", "2024-2025",
                 "--pki-port", "0"]) == 0
    out = capsys.readouterr().out
    seal.refresh_from_db()
    assert seal.status == CertificateStatus.APPROVED and seal.decided_by is not None
    assert f"số hiệu {seal.serial_number}) đang chờ duyệt: đã duyệt thay" in out
    assert seal.decided_by.username in out
    approval = AuditEvent.objects.get(action="duyet_chung_thu_so", object_id=str(seal.pk))
    assert approval.actor == seal.decided_by and approval.channel == "cli"


def test_a_record_someone_has_signed_is_not_discarded_and_the_refusal_says_why(
        db_demo: PkiServices) -> None:
    from hocba.records import compose

    school_class = _class("27260001", "4A")
    records = _composed(school_class, 2)
    signers = _signers(school_class, db_demo)
    services.sign_records(signers["GVCN"], records[:1], "GVCN")
    with pytest.raises(compose.DiscardRefused) as refused:
        compose.discard(_principal(school_class), records[0])
    assert str(refused.value) == (
        f"Học bạ của {records[0].student.full_name} (mã tra cứu {records[0].lookup_code}) đã "
        "có chữ ký (Giáo viên chủ nhiệm) nên không huỷ được. Người ký đến lượt trả lại học bạ "
        "kèm lý do ở trang «Ký học bạ», rồi tạo lại sau khi sửa dữ liệu.")
    assert HocBaRecord.objects.get(pk=records[0].pk).status == RecordStatus.COMPOSED
    # The database is still usable in the same transaction, and an unsigned one goes.
    compose.discard(_principal(school_class), records[1])
    assert HocBaRecord.objects.get(pk=records[1].pk).status == RecordStatus.DISCARDED


def test_the_signing_page_and_the_menu_are_english_after_the_switch(db_demo: PkiServices) -> None:
    school_class = _class("27260001", "4A")
    _composed(school_class, 1)
    gvcn = _client(demo.signers_of_class(school_class)["GVCN"])
    gvcn.post("/i18n/setlang/", {"language": "en", "next": "/"})
    page = gvcn.get(f"/ky-hoc-ba/lop/{school_class.pk}/").content.decode()
    assert "Sign all" in page and "Ký tất cả" not in page
    assert "I have reviewed and confirm signing" in page
    # The principal's turn comes after the GVCN's: the empty state says so.
    principal = _client(_principal(school_class))
    principal.post("/i18n/setlang/", {"language": "en", "next": "/"})
    waiting = principal.get(f"/ky-hoc-ba/lop/{school_class.pk}/").content.decode()
    assert "records are not your turn yet: the previous signers have not finished." in waiting
    so = _client(User.objects.get(username="so"))
    so.post("/i18n/setlang/", {"language": "en", "next": "/"})
    listing = so.get("/ky-hoc-ba/chinh-ly/").content.decode()
    assert ">Record corrections</a>" in listing  # the Sở's menu entry
    assert "No requests are awaiting approval." in listing
