"""The certificate pages, through the Django test client: the school's certificates (văn thư
registers the seal), "Chứng thư số của tôi" (a teacher registers their own), and "Duyệt chứng
thư số" (the Phòng approves or rejects). Each refusal names its problem."""

from __future__ import annotations

import html
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from hocba.certificates.models import CertificateStatus, KeyHolding, Provider, SigningCertificate
from hocba.domain.access import Role
from hocba.signing import DemoPki, IssuedCertificate
from tests.certificates_support import (  # noqa: F401  (fixtures)
    der,
    issue_gvcn,
    issue_principal,
    issue_seal,
    key_ref,
    pem,
    pki_fixture,
    pki_var_fixture,
    signers_fixture,
)

pytestmark = pytest.mark.django_db


def page(response: Any) -> str:
    return html.unescape(response.content.decode())


def upload(data: bytes, name: str = "chung-thu.cer", holding: str = KeyHolding.USB_TOKEN,
           provider: str = Provider.BAN_CO_YEU, ref: str = "TRUONG/con-dau") -> dict[str, Any]:
    return {"tep": SimpleUploadedFile(name, data), "ma_kieu_chu_ky": holding,
            "nha_phat_hanh": provider, "noi_giu_khoa": ref}


def demo_upload(pki: DemoPki, issued: IssuedCertificate) -> dict[str, Any]:
    return upload(der(issued), holding=KeyHolding.PKCS12_FILE, provider=Provider.DEMO,
                  ref=key_ref(pki, issued))


def school_url(world: Any) -> str:
    return f"/truong/{world.school.pk}/chung-thu-so/"


# --- the school's page ---------------------------------------------------------------------------

def test_van_thu_registers_the_seal_and_sees_it_wait_for_the_phong(client: Any, pki: DemoPki,
                                                                   signers: Any) -> None:
    client.force_login(signers.users[Role.VAN_THU])
    before = page(client.get(school_url(signers)))
    assert "chưa có chứng thư số tổ chức được duyệt: chưa phát hành được học bạ" in before
    assert "Phòng GDĐT kiểm tra và duyệt" in before
    issued = issue_seal(pki, signers)
    response = client.post(school_url(signers), upload(pem(issued), "con-dau.pem"))
    assert response.status_code == 302
    after = page(client.get(response["Location"]))
    assert "Đã đăng ký chứng thư số của trường; chờ Phòng GDĐT duyệt." in after
    seal = SigningCertificate.objects.get()
    assert seal.status == CertificateStatus.REGISTERED and seal.key_ref == "TRUONG/con-dau"
    assert f'data-serial="{seal.serial_number}"' in after and "Đã đăng ký, chờ duyệt" in after


def test_a_personal_certificate_is_not_the_schools_seal(client: Any, pki: DemoPki,
                                                        signers: Any) -> None:
    client.force_login(signers.users[Role.VAN_THU])
    response = client.post(school_url(signers), upload(pem(issue_gvcn(pki))))
    assert response.status_code == 400
    text = page(response)
    assert "Chưa đăng ký được: chưa có gì được ghi" in text
    assert "Đây là chứng thư số của cá nhân, không phải của tổ chức" in text
    assert "Chứng thư số không ghi mã trường (UID=MA_TRUONG:<mã trường>)." in text
    assert not SigningCertificate.objects.exists()


def test_a_file_that_is_not_a_certificate_is_named(client: Any, pki: DemoPki,
                                                   signers: Any) -> None:
    client.force_login(signers.users[Role.SCHOOL_ADMIN])
    response = client.post(school_url(signers), upload(b"%PDF-1.7 not a certificate",
                                                       "quyet-dinh.pdf"))
    assert response.status_code == 400
    assert "Tệp «quyet-dinh.pdf» không chứa chứng thư số X.509 nào" in page(response)
    missing = client.post(school_url(signers), {"ma_kieu_chu_ky": KeyHolding.USB_TOKEN,
                                                "nha_phat_hanh": Provider.VNPT})
    assert missing.status_code == 400 and "Chưa chọn tệp chứng thư số." in page(missing)


def test_a_token_key_reference_names_token_and_key(client: Any, pki: DemoPki,
                                                   signers: Any) -> None:
    client.force_login(signers.users[Role.PRINCIPAL])
    response = client.post(school_url(signers), upload(pem(issue_seal(pki, signers)),
                                                       ref="con-dau"))
    assert response.status_code == 400
    assert "phải ghi dạng «nhãn token/nhãn khoá»" in page(response)


@pytest.mark.parametrize("role", [Role.GVCN, Role.HOC_VU, Role.PHONG_OFFICER])
def test_others_may_not_open_the_schools_certificates(client: Any, pki: DemoPki, signers: Any,
                                                      role: Role) -> None:
    client.force_login(signers.users[role])
    response = client.get(school_url(signers))
    assert response.status_code == 403
    assert "đăng ký chứng thư số của trường" in page(response)


# --- my certificates ---------------------------------------------------------------------------

def test_a_teacher_registers_their_own_certificate(client: Any, pki: DemoPki,
                                                   signers: Any) -> None:
    client.force_login(signers.users[Role.GVCN])
    first = page(client.get("/chung-thu-so/cua-toi/"))
    assert "001185000011" in first and "Bạn chưa có chứng thư số đang dùng" in first
    issued = issue_gvcn(pki)
    response = client.post("/chung-thu-so/cua-toi/", demo_upload(pki, issued))
    assert response.status_code == 302
    text = page(client.get("/chung-thu-so/cua-toi/"))
    cert = SigningCertificate.objects.get()
    assert cert.status == CertificateStatus.ACTIVE and cert.teacher == signers.teacher_gvcn
    assert f"Bạn đang ký học bạ bằng chứng thư số <code>{cert.serial_number}</code>" in text


def test_someone_elses_certificate_is_refused_on_my_page(client: Any, pki: DemoPki,
                                                         signers: Any) -> None:
    client.force_login(signers.users[Role.GVBM])
    response = client.post("/chung-thu-so/cua-toi/", upload(pem(issue_gvcn(pki)),
                                                            provider=Provider.VIETTEL,
                                                            ref="gvbm/ky-so"))
    assert response.status_code == 400
    assert ("Chứng thư số mang số định danh 001185000011, không khớp số định danh 001090000022 "
            "của Hoàng Văn Nam.") in page(response)
    assert not SigningCertificate.objects.exists()


def test_the_principal_registers_their_own_on_my_page(client: Any, pki: DemoPki,
                                                      signers: Any) -> None:
    client.force_login(signers.users[Role.PRINCIPAL])
    response = client.post("/chung-thu-so/cua-toi/", demo_upload(pki, issue_principal(pki)))
    assert response.status_code == 302
    assert SigningCertificate.objects.get().user == signers.users[Role.PRINCIPAL]


def test_who_signs_nothing_has_no_personal_certificate_page(client: Any, pki: DemoPki,
                                                            signers: Any) -> None:
    client.force_login(signers.users[Role.HOC_VU])
    response = client.get("/chung-thu-so/cua-toi/")
    assert response.status_code == 403
    assert "Chỉ người ký học bạ (giáo viên, hiệu trưởng) mới có chứng thư số cá nhân." in page(
        response)


def test_a_teacher_revokes_their_own_certificate(client: Any, pki: DemoPki,
                                                 signers: Any) -> None:
    client.force_login(signers.users[Role.GVCN])
    client.post("/chung-thu-so/cua-toi/", demo_upload(pki, issue_gvcn(pki)))
    cert = SigningCertificate.objects.get()
    refused = client.post(f"/chung-thu-so/{cert.pk}/thu-hoi/", {"ly_do": ""}, follow=True)
    assert "Thu hồi thì phải ghi lí do." in page(refused)
    client.post(f"/chung-thu-so/{cert.pk}/thu-hoi/", {"ly_do": "Mất USB token"})
    cert.refresh_from_db()
    assert cert.status == CertificateStatus.REVOKED and cert.revocation_reason == "Mất USB token"
    client.force_login(signers.users[Role.GVBM])
    assert client.post(f"/chung-thu-so/{cert.pk}/thu-hoi/", {"ly_do": "x"}).status_code == 403


# --- approval ------------------------------------------------------------------------------------

def registered_seal(client: Any, pki: DemoPki, world: Any) -> SigningCertificate:
    client.force_login(world.users[Role.VAN_THU])
    client.post(school_url(world), upload(pem(issue_seal(pki, world))))
    return SigningCertificate.objects.get(kind="to_chuc")


def test_the_phong_approves_and_the_school_may_issue(client: Any, pki: DemoPki,
                                                     signers: Any) -> None:
    seal = registered_seal(client, pki, signers)
    client.force_login(signers.users[Role.PHONG_OFFICER])
    listing = page(client.get("/chung-thu-so/duyet/"))
    assert "Trường THCS Nguyễn Trãi" in listing and f'data-serial="{seal.serial_number}"' in listing
    response = client.post(f"/chung-thu-so/{seal.pk}/duyet/", {"quyet_dinh": "duyet"})
    assert response.status_code == 302
    done = page(client.get(response["Location"]))
    assert "Đã duyệt chứng thư số của Trường THCS Nguyễn Trãi." in done
    assert "Không có chứng thư số nào chờ duyệt trong phạm vi của bạn." in done
    client.force_login(signers.users[Role.VAN_THU])
    school = page(client.get(school_url(signers)))
    assert ("Trường đang phát hành học bạ bằng chứng thư số "
            f"<code>{seal.serial_number}</code>") in school


def test_a_rejection_without_a_reason_is_refused(client: Any, pki: DemoPki,
                                                 signers: Any) -> None:
    seal = registered_seal(client, pki, signers)
    client.force_login(signers.users[Role.PHONG_OFFICER])
    response = client.post(f"/chung-thu-so/{seal.pk}/duyet/", {"quyet_dinh": "tu_choi"})
    assert response.status_code == 400
    assert "Từ chối thì phải ghi lí do để nhà trường biết cần sửa gì." in page(response)
    client.post(f"/chung-thu-so/{seal.pk}/duyet/", {"quyet_dinh": "tu_choi",
                                                    "ly_do": "Sai mã số thuế"})
    seal.refresh_from_db()
    assert seal.status == CertificateStatus.REJECTED
    client.force_login(signers.users[Role.VAN_THU])
    assert "Lí do: Sai mã số thuế" in page(client.get(school_url(signers)))


def test_the_so_does_not_approve_a_thcs_seal(client: Any, pki: DemoPki, signers: Any) -> None:
    seal = registered_seal(client, pki, signers)
    client.force_login(signers.users[Role.SO_OFFICER])
    assert f'data-serial="{seal.serial_number}"' not in page(client.get("/chung-thu-so/duyet/"))
    response = client.post(f"/chung-thu-so/{seal.pk}/duyet/", {"quyet_dinh": "duyet"})
    assert response.status_code == 403
    assert "Chứng thư số của trường THCS do Phòng GDĐT của khu vực duyệt" in page(response)
    seal.refresh_from_db()
    assert seal.status == CertificateStatus.REGISTERED


def test_school_staff_do_not_approve(client: Any, pki: DemoPki, signers: Any) -> None:
    seal = registered_seal(client, pki, signers)
    client.force_login(signers.users[Role.PRINCIPAL])
    response = client.get("/chung-thu-so/duyet/")
    assert response.status_code == 403
    assert "Chỉ cán bộ Phòng GDĐT hoặc Sở GDĐT duyệt chứng thư số của trường." in page(response)
    assert client.post(f"/chung-thu-so/{seal.pk}/duyet/",
                       {"quyet_dinh": "duyet"}).status_code == 403


# --- links -------------------------------------------------------------------------------------

def test_signers_approvers_and_school_staff_find_their_pages(client: Any, signers: Any) -> None:
    client.force_login(signers.users[Role.GVCN])
    assert 'href="/chung-thu-so/cua-toi/">Chứng thư số của tôi</a>' in page(client.get("/"))
    client.force_login(signers.users[Role.PHONG_OFFICER])
    home = page(client.get("/"))
    assert 'href="/chung-thu-so/duyet/">Duyệt chứng thư số</a>' in home
    assert "/chung-thu-so/cua-toi/" not in home
    school = f"/truong/{signers.school.pk}/"
    assert school_url(signers) not in page(client.get(school))
    client.force_login(signers.users[Role.VAN_THU])
    assert f'href="{school_url(signers)}">Chứng thư số của trường</a>' in page(client.get(school))


def test_the_pages_follow_the_english_switch(client: Any, pki: DemoPki, signers: Any) -> None:
    client.force_login(signers.users[Role.PRINCIPAL])
    client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    school = page(client.get(school_url(signers)))
    assert "Register the school's organisation certificate" in school
    assert "The school has no approved organisation certificate" in school
    assert "Đăng ký chứng thư số tổ chức của trường" not in school
    mine = page(client.get("/chung-thu-so/cua-toi/"))
    assert "<h1>My certificates</h1>" in mine and "Registered certificates" in mine
