"""The registration checks of a signing certificate (issue 5 §1; TT 15/2025/TT-BKHCN Phụ lục
II): chain to the trust anchors, validity, key usage, algorithm, the holder's identity number
or school code, and the kind. Pure: certificates from the demo PKI and from a foreign root."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.serialization import pkcs7

from hocba.domain import certificate_check as check
from hocba.domain.certificate_approval import Approver, approver_for, why
from hocba.signing import DemoPki, ensure_demo_pki, subjects
from hocba.signing.authority import Urls, make_issuing, make_root, make_signer, new_key

PRINCIPAL = ("Phạm Văn Hùng", "027175000003", "Hiệu trưởng")
SCHOOL = ("Trường Tiểu học Phật Tích", "27260001")
NOW = dt.datetime.now(dt.UTC)
HUNG = check.Holder.person("Phạm Văn Hùng", "027175000003")
PHAT_TICH = check.Holder.school(*SCHOOL)


@pytest.fixture(scope="module")
def pki(tmp_path_factory: pytest.TempPathFactory) -> DemoPki:
    return ensure_demo_pki(tmp_path_factory.mktemp("pki"))


def codes(found: list[check.Problem]) -> list[check.Code]:
    return [p.code for p in found]


def personal(pki: DemoPki) -> x509.Certificate:
    return pki.issue_personal(*PRINCIPAL).certificate


def run(pki: DemoPki, certificate: x509.Certificate, holder: check.Holder,
        at: dt.datetime = NOW, chain: list[x509.Certificate] | None = None
        ) -> list[check.Problem]:
    return check.problems(certificate, [pki.issuing] if chain is None else chain, [pki.root],
                          holder, at)


def test_a_demo_personal_certificate_passes_for_its_holder(pki: DemoPki) -> None:
    assert run(pki, personal(pki), HUNG) == []


def test_a_demo_seal_passes_for_its_school(pki: DemoPki) -> None:
    seal = pki.issue_organisation(*SCHOOL, tax_code="2300123456").certificate
    assert run(pki, seal, PHAT_TICH) == []
    assert check.school_code_of(seal) == "27260001"
    assert check.kind_of(seal) is check.Kind.ORGANISATION


def test_without_the_issuing_ca_the_chain_does_not_reach_the_root(pki: DemoPki) -> None:
    found = run(pki, personal(pki), HUNG, chain=[])
    assert codes(found) == [check.Code.CHAIN]
    assert "hocba Demo Issuing CA" in found[0].message


def foreign_certificate(subject: x509.Name) -> x509.Certificate:
    """The same subject, issued under a root nobody configured: anyone can make one."""
    root_key, issuing_key, key = new_key(), new_key(), new_key()
    root = make_root(root_key, NOW)
    issuing = make_issuing(issuing_key, root, root_key, NOW)
    return make_signer(subject, key, issuing, issuing_key, Urls.on("http://127.0.0.1:1"), NOW)


def test_a_certificate_under_a_foreign_root_is_refused_even_with_the_right_cccd(
        pki: DemoPki) -> None:
    fake = foreign_certificate(subjects.personal_subject(*PRINCIPAL))
    found = run(pki, fake, HUNG)
    assert codes(found) == [check.Code.CHAIN]
    assert "không dẫn tới chứng thư gốc tin cậy" in found[0].message


def test_a_foreign_root_is_not_trusted_because_it_was_sent_along(pki: DemoPki) -> None:
    root_key, key = new_key(), new_key()
    foreign_root = make_root(root_key, NOW)
    fake = make_signer(subjects.personal_subject(*PRINCIPAL), key, foreign_root, root_key,
                       Urls.on("http://127.0.0.1:1"), NOW)
    assert codes(run(pki, fake, HUNG, chain=[foreign_root, pki.issuing])) == [check.Code.CHAIN]
    assert check.build_path(fake, [foreign_root], [foreign_root]) == [fake, foreign_root]


def test_validity_is_checked_at_the_given_time(pki: DemoPki) -> None:
    certificate = personal(pki)
    before = certificate.not_valid_before_utc - dt.timedelta(days=1)
    after = certificate.not_valid_after_utc + dt.timedelta(days=1)
    early = [p for p in run(pki, certificate, HUNG, at=before)
             if p.code is check.Code.NOT_YET_VALID]
    assert early and early[0].message.startswith("Chứng thư số chưa có hiệu lực: hiệu lực từ")
    late = [p for p in run(pki, certificate, HUNG, at=after) if p.code is check.Code.EXPIRED]
    assert late and certificate.not_valid_after_utc.strftime("%d/%m/%Y") in late[0].message


def signer_with_usage(pki: DemoPki, usage: x509.KeyUsage | None,
                      subject: x509.Name | None = None) -> x509.Certificate:
    key = new_key()
    builder = (x509.CertificateBuilder()
               .subject_name(subject or subjects.personal_subject(*PRINCIPAL))
               .issuer_name(pki.issuing.subject).public_key(key.public_key())
               .serial_number(x509.random_serial_number())
               .not_valid_before(NOW - dt.timedelta(hours=1))
               .not_valid_after(NOW + dt.timedelta(days=30)))
    if usage is not None:
        builder = builder.add_extension(usage, critical=True)
    return builder.sign(pki.issuing_key, hashes.SHA256())


def usage(digital_signature: bool, non_repudiation: bool) -> x509.KeyUsage:
    return x509.KeyUsage(digital_signature=digital_signature,
                         content_commitment=non_repudiation, key_encipherment=True,
                         data_encipherment=False, key_agreement=False, key_cert_sign=False,
                         crl_sign=False, encipher_only=False, decipher_only=False)


def test_key_usage_needs_digital_signature_and_non_repudiation(pki: DemoPki) -> None:
    encryption_only = run(pki, signer_with_usage(pki, usage(False, False)), HUNG)
    assert codes(encryption_only) == [check.Code.KEY_USAGE]
    assert "digitalSignature và nonRepudiation" in encryption_only[0].message
    no_commitment = run(pki, signer_with_usage(pki, usage(True, False)), HUNG)
    assert codes(no_commitment) == [check.Code.KEY_USAGE]
    assert "thiếu nonRepudiation" in no_commitment[0].message
    absent = run(pki, signer_with_usage(pki, None), HUNG)
    assert codes(absent) == [check.Code.KEY_USAGE] and "Key Usage" in absent[0].message
    assert run(pki, signer_with_usage(pki, usage(True, True)), HUNG) == []


def test_a_ca_certificate_does_not_sign(pki: DemoPki) -> None:
    found = run(pki, pki.issuing, HUNG, chain=[])
    assert check.Code.KEY_USAGE in codes(found)


def test_the_cccd_must_be_the_holders(pki: DemoPki) -> None:
    someone_else = check.Holder.person("Phạm Văn Hùng", "027175000004")
    found = run(pki, personal(pki), someone_else)
    assert codes(found) == [check.Code.IDENTITY]
    assert found[0].message == ("Chứng thư số mang số định danh 027175000003, không khớp số "
                                "định danh 027175000004 của Phạm Văn Hùng.")
    no_number = run(pki, personal(pki), check.Holder.person("Phạm Văn Hùng", None))
    assert codes(no_number) == [check.Code.IDENTITY]
    assert "chưa có số định danh cá nhân 12 chữ số" in no_number[0].message


def test_a_personal_certificate_without_a_cccd_is_refused(pki: DemoPki) -> None:
    subject = x509.Name([x509.NameAttribute(x509.NameOID.COUNTRY_NAME, "VN"),
                         x509.NameAttribute(x509.NameOID.COMMON_NAME, "Phạm Văn Hùng")])
    found = run(pki, signer_with_usage(pki, usage(True, True), subject), HUNG)
    assert codes(found) == [check.Code.IDENTITY]
    assert "UID=CCCD:<12 chữ số>" in found[0].message


def test_the_school_code_must_be_the_schools(pki: DemoPki) -> None:
    seal = pki.issue_organisation("Trường THCS Nguyễn Đăng Đạo", "27260002").certificate
    found = run(pki, seal, PHAT_TICH)
    assert codes(found) == [check.Code.SCHOOL_CODE]
    assert "mã trường 27260002, không khớp mã 27260001" in found[0].message


def test_a_seal_is_not_a_persons_certificate_and_the_other_way_round(pki: DemoPki) -> None:
    seal = pki.issue_organisation(*SCHOOL).certificate
    as_person = run(pki, seal, HUNG)
    assert codes(as_person) == [check.Code.KIND, check.Code.IDENTITY]
    assert as_person[0].message.startswith("Đây là chứng thư số của tổ chức, không phải của cá "
                                           "nhân")
    as_school = run(pki, personal(pki), PHAT_TICH)
    assert codes(as_school) == [check.Code.KIND, check.Code.SCHOOL_CODE]


def test_every_problem_is_listed_at_once(pki: DemoPki) -> None:
    fake = foreign_certificate(subjects.organisation_subject("Trường khác", "99999999"))
    later = NOW + dt.timedelta(days=365 * 3)
    assert codes(run(pki, fake, HUNG, at=later)) == [
        check.Code.CHAIN, check.Code.EXPIRED, check.Code.KIND, check.Code.IDENTITY]


def test_weak_keys_and_hashes_are_refused(pki: DemoPki) -> None:
    key = ec.generate_private_key(ec.SECP192R1())
    weak = (x509.CertificateBuilder().subject_name(subjects.personal_subject(*PRINCIPAL))
            .issuer_name(pki.issuing.subject).public_key(key.public_key())
            .serial_number(1).not_valid_before(NOW - dt.timedelta(hours=1))
            .not_valid_after(NOW + dt.timedelta(days=1))
            .add_extension(usage(True, True), critical=True)
            .sign(pki.issuing_key, hashes.SHA256()))
    found = run(pki, weak, HUNG)
    assert codes(found) == [check.Code.ALGORITHM] and "ECDSA 192 bit" in found[0].message


def test_files_are_read_as_pem_der_or_pkcs7_with_their_chain(pki: DemoPki,
                                                             tmp_path: Path) -> None:
    issued = pki.issue_personal(*PRINCIPAL)
    bundle = issued.chain_path.read_bytes()  # the certificate, the issuing CA, the root
    leaf, chain = check.read_certificates(bundle)
    assert leaf == issued.certificate and chain == [pki.issuing, pki.root]
    der = issued.certificate.public_bytes(serialization.Encoding.DER)
    assert check.read_certificates(der) == (issued.certificate, [])
    p7b = pkcs7.serialize_certificates([pki.issuing, issued.certificate],
                                       serialization.Encoding.DER)
    assert check.read_certificates(p7b) == (issued.certificate, [pki.issuing])
    with pytest.raises(check.UnreadableCertificate, match=r"«ảnh\.png» không chứa"):
        check.read_certificates(b"\x89PNG not a certificate", "ảnh.png")
    ca_only = pki.root_path.read_bytes()
    with pytest.raises(check.UnreadableCertificate, match="chỉ chứa chứng thư của CA"):
        check.read_certificates(ca_only, "root.pem")


def test_a_der_file_ending_in_a_whitespace_byte_is_read_whole(pki: DemoPki) -> None:
    """DER is binary: a last byte 0x20 or 0x0a is part of the signature, not padding."""
    subject = subjects.personal_subject(*PRINCIPAL)
    for _ in range(2000):
        certificate = make_signer(subject, new_key(), pki.issuing, pki.issuing_key,
                                  Urls.on("http://127.0.0.1:1"), NOW)
        der = certificate.public_bytes(serialization.Encoding.DER)
        if der[-1:].isspace():
            break
    else:
        pytest.fail("no certificate ended in a whitespace byte")
    assert check.read_certificates(der) == (certificate, [])


def test_serial_and_subject_are_shown_as_cas_print_them(pki: DemoPki) -> None:
    certificate = personal(pki)
    serial = check.serial_hex(certificate)
    assert int(serial, 16) == certificate.serial_number and len(serial) % 2 == 0
    assert serial == serial.upper()
    readable = check.readable_name(certificate.subject)
    assert "CN=Phạm Văn Hùng" in readable and "UID=CCCD:027175000003" in readable
    assert check.identity_number_of(certificate) == "027175000003"
    assert check.common_name(certificate) == "Phạm Văn Hùng"



def test_a_signers_subject_reads_as_name_title_and_unit(pki: DemoPki) -> None:
    """What the signing history and the verification portal show of a signature's signer."""
    teacher = check.readable_name(personal(pki).subject)
    assert check.readable_subject(teacher).startswith("Phạm Văn Hùng")
    assert check.readable_subject(
        "UID=CCCD:024190000001,CN=Nguyễn Thanh Hiền,2.5.4.12=Giáo viên,"
        "O=Trường THCS Lê Lợi\\, Quận 1") == (
        "Nguyễn Thanh Hiền — Giáo viên, Trường THCS Lê Lợi, Quận 1")
    assert check.readable_subject("CN=Trường THCS Lê Lợi,O=Trường THCS Lê Lợi") == (
        "Trường THCS Lê Lợi")


@pytest.mark.parametrize(("levels", "has_area", "approver"), [
    (["TH"], True, Approver.PHONG), (["THCS"], True, Approver.PHONG),
    (["TH", "THCS"], True, Approver.PHONG), (["THPT"], False, Approver.SO),
    (["THPT"], True, Approver.SO), (["THCS", "THPT"], False, Approver.SO),
    (["THCS"], False, Approver.SO), (["GDTX"], True, Approver.SO),
])
def test_who_approves_a_schools_seal(levels: list[str], has_area: bool,
                                     approver: Approver) -> None:
    # QĐ 1789 Điều 7–10: the Phòng for TH and THCS, the Sở for THPT and schools without a Phòng.
    assert approver_for(levels, has_area) is approver
    assert approver.label in why(levels, has_area)


def test_a_certificate_the_ca_revoked_is_refused(tmp_path: Path) -> None:
    own = ensure_demo_pki(tmp_path / "pki")  # revoking touches the CRL: a PKI of its own
    certificate = own.issue_personal(*PRINCIPAL).certificate
    assert check.problems(certificate, [own.issuing], [own.root], HUNG, NOW, [own.crl()]) == []
    own.revoke(certificate.serial_number, now=NOW - dt.timedelta(minutes=1))
    found = check.problems(certificate, [own.issuing], [own.root], HUNG, NOW, [own.crl()])
    assert codes(found) == [check.Code.REVOKED]
    assert found[0].message.startswith("Chứng thư số đã bị CA thu hồi ngày")
    # Before the revocation it was good; a CRL nobody can vouch for is not believed.
    earlier = NOW - dt.timedelta(minutes=5)
    assert check.problems(certificate, [own.issuing], [own.root], HUNG, earlier,
                          [own.crl()]) == []
    stranger = ensure_demo_pki(tmp_path / "other")
    assert check.problems(certificate, [own.issuing], [own.root], HUNG, NOW,
                          [stranger.crl()]) == []
