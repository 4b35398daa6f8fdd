"""The holder's shared verification codes (issue 6 §2): a student or parent creates a code
for one issued record with an expiry, sees it once, can withdraw it; only its HMAC is kept
and compared in constant time; creation and withdrawal are in the audit log; an expired or
withdrawn code opens nothing in the portal.

On the demo's finished year: the record of the demo student (the one ``hocsinh`` and
``phuhuynh`` hold) is issued by the demo signers; each test rolls back.
"""
# ruff: noqa: F811  (the demo database and PKI fixtures of test_issuance, imported by name)

from __future__ import annotations

import datetime as dt
import html
from typing import Any

import pytest
from django.core.cache import cache
from django.core.exceptions import PermissionDenied
from django.test import Client
from django.utils import timezone

from hocba.accounts.models import RoleAssignment, User
from hocba.audit.models import AuditEvent
from hocba.domain.access import Role
from hocba.issuance import demo
from hocba.issuance import services as issuance_services
from hocba.issuance.models import FrozenError
from hocba.records import compose
from hocba.records.models import HocBaRecord, RecordStatus
from hocba.sharing import codes, services
from hocba.sharing.models import SharedCode
from hocba.sharing.selectors import shared_code_matches
from hocba.signing.services import PkiServices
from tests.test_issuance import _principal, db_demo, demo_db, pki_services  # noqa: F401

pytestmark = pytest.mark.django_db


def issue_demo_student_record(base_url: str) -> HocBaRecord:
    """The demo student's record of 2024-2025, composed and issued by the demo signers."""
    student = RoleAssignment.objects.get(user__username="hocsinh", role=Role.STUDENT).student
    assert student is not None
    school_class = student.enrolments.select_related(
        "school_class__school", "school_class__school_year").get(
        school_class__school_year__name="2024-2025").school_class
    compose.compose_class(_principal(school_class), school_class)
    record = HocBaRecord.objects.select_related("student", "school").get(
        student=student, school_year=school_class.school_year, status=RecordStatus.COMPOSED)
    assert demo.issue_class(school_class, base_url=base_url, records=[record]) == 1
    return HocBaRecord.objects.select_related("student", "school", "issue").get(pk=record.pk)


@pytest.fixture
def issued(db_demo: PkiServices) -> HocBaRecord:
    cache.clear()
    return issue_demo_student_record(db_demo.base_url)


def _user(name: str) -> User:
    return User.objects.get(username=name)


def test_a_parent_creates_a_code_only_its_hmac_is_kept_and_the_creation_is_audited(
        issued: HocBaRecord) -> None:
    parent = _user("phuhuynh")
    new = services.create_code(parent, issued, 30)
    assert codes.well_formed(new.code) and len(new.code) == 14  # XXXX-XXXX-XXXX
    stored = SharedCode.objects.get(pk=new.shared.pk)
    assert stored.code_hmac == codes.code_hmac(issued.pk, new.code) != new.code
    assert new.code.replace("-", "") not in stored.code_hmac.upper()
    assert stored.expires_at - stored.created_at == dt.timedelta(days=30)
    assert stored.role == "Phụ huynh"
    event = AuditEvent.objects.get(action="tao_ma_xac_minh")
    assert event.actor == parent and event.detail["ma_tra_cuu"] == str(issued.lookup_code)
    assert new.code not in str(event.detail) and new.code.replace("-", "") not in str(
        event.detail)
    # Typed back as a person might: lower case, spaces, O for 0 and I/L for 1 (Crockford).
    typed = new.code.lower().replace("-", " ").replace("0", "o").replace("1", "l")
    assert shared_code_matches(issued.pk, typed)
    assert not shared_code_matches(issued.pk, codes.new_code())
    assert not shared_code_matches(issued.pk + 1, new.code)  # bound to its record
    assert not shared_code_matches(issued.pk, "")


def test_an_expired_code_opens_nothing(issued: HocBaRecord) -> None:
    eight_days_ago = timezone.now() - dt.timedelta(days=8)
    new = services.create_code(_user("hocsinh"), issued, 7, now=eight_days_ago)
    assert not shared_code_matches(issued.pk, new.code)
    fresh = services.create_code(_user("hocsinh"), issued, 7)
    assert shared_code_matches(issued.pk, fresh.code)


def test_a_withdrawn_code_opens_nothing_and_is_withdrawn_once(issued: HocBaRecord) -> None:
    parent = _user("phuhuynh")
    new = services.create_code(parent, issued, 90)
    services.withdraw(parent, new.shared)
    assert not shared_code_matches(issued.pk, new.code)
    event = AuditEvent.objects.get(action="thu_hoi_ma_xac_minh")
    assert event.actor == parent and event.detail["ma_xac_minh_so"] == new.shared.pk
    with pytest.raises(services.SharingRefused, match="đã được thu hồi trước đó"):
        services.withdraw(parent, SharedCode.objects.get(pk=new.shared.pk))


def test_only_the_holder_shares_and_only_an_issued_record(issued: HocBaRecord) -> None:
    for name in ("gvcn", "hieutruong", "so"):
        user = User.objects.filter(username=name).first()
        if user is None:
            continue
        with pytest.raises(PermissionDenied):
            services.create_code(user, issued, 7)
    with pytest.raises(services.SharingRefused, match="«Thời hạn»: chọn 7, 30 hoặc 90 ngày"):
        services.create_code(_user("phuhuynh"), issued, 365)
    # Revoked and replaced before the closing date (QĐ 1789 Điều 21): the old record is no
    # longer shared, the replacement not yet (it is signed again from the start).
    june = dt.datetime(2025, 6, 20, 9, 0, tzinfo=dt.timezone(dt.timedelta(hours=7)))
    replacement = issuance_services.revoke_and_replace(
        _principal(issued.school_class), issued, "Sai ngày sinh", now=june)
    revoked = HocBaRecord.objects.get(pk=issued.pk)
    with pytest.raises(services.SharingRefused, match="đã bị thu hồi"):
        services.create_code(_user("phuhuynh"), revoked, 7)
    with pytest.raises(services.SharingRefused, match="chưa được phát hành"):
        services.create_code(_user("phuhuynh"), replacement, 7)
    stranger = HocBaRecord.objects.exclude(student=issued.student).first()
    assert stranger is not None
    with pytest.raises(PermissionDenied):  # another family's record
        services.create_code(_user("phuhuynh"), stranger, 7)
    assert not SharedCode.objects.exists()


def test_codes_are_append_only(issued: HocBaRecord) -> None:
    new = services.create_code(_user("phuhuynh"), issued, 7)
    shared = SharedCode.objects.get(pk=new.shared.pk)
    shared.expires_at += dt.timedelta(days=365)
    with pytest.raises(FrozenError):
        shared.save()
    with pytest.raises(FrozenError):
        shared.delete()


def _text(response: Any) -> str:
    return html.unescape(response.content.decode())


def test_the_holder_page_shows_a_new_code_once_and_the_portal_accepts_it_until_withdrawn(
        issued: HocBaRecord) -> None:
    holder = Client()
    holder.force_login(_user("hocsinh"))
    page = _text(holder.get("/chia-se-hoc-ba/"))
    assert str(issued.lookup_code) in page and issued.student.full_name in page
    assert "Chưa chia sẻ mã xác minh nào cho học bạ này." in page
    response = holder.post(f"/chia-se-hoc-ba/{issued.lookup_code}/tao-ma/", {"days": "7"})
    assert response.status_code == 302
    shown = holder.get("/chia-se-hoc-ba/")
    assert "no-store" in shown["Cache-Control"]
    page = _text(shown)
    assert "Mã xác minh mới" in page and "Còn hiệu lực" in page
    shared = SharedCode.objects.get(record=issued)
    code = page.split('data-testid="ma-xac-minh">')[1].split("<")[0]
    assert codes.code_hmac(issued.pk, code) == shared.code_hmac
    assert code not in _text(holder.get("/chia-se-hoc-ba/"))  # shown once

    verifier = Client()
    answer = _text(verifier.post("/tra-cuu", {"ma": str(issued.lookup_code),
                                              "ma_xac_minh": code}))
    assert "Học bạ hợp lệ" in answer and issued.student.full_name in answer

    assert holder.post(f"/chia-se-hoc-ba/ma/{shared.pk}/thu-hoi/").status_code == 302
    assert "Đã thu hồi lúc" in _text(holder.get("/chia-se-hoc-ba/"))
    refused = verifier.post("/tra-cuu", {"ma": str(issued.lookup_code), "ma_xac_minh": code})
    assert refused.status_code == 404
    assert issued.student.full_name not in _text(refused)

    stranger = Client()
    stranger.force_login(_user("gvcn"))
    assert stranger.post(f"/chia-se-hoc-ba/ma/{shared.pk}/thu-hoi/").status_code == 403
    assert stranger.post(f"/chia-se-hoc-ba/{issued.lookup_code}/tao-ma/",
                         {"days": "7"}).status_code == 404
