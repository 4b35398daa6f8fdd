"""The demo PKI (issue 5 §3): a root and an issuing CA, a CRL, and signing certificates for
people and schools that independent tools (openssl, poppler's pdfsig) and pyHanko accept.
"""

from __future__ import annotations

import io
import json
import shutil
import stat
import subprocess
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any, TypeVar

import pytest
from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.hazmat.primitives.serialization import Encoding
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID
from pyhanko.pdf_utils import generic
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.pdf_utils.writer import PageObject, PdfFileWriter
from pyhanko.sign import signers
from pyhanko.sign.fields import SigSeedSubFilter
from pyhanko.sign.validation import validate_pdf_signature
from pyhanko_certvalidator import ValidationContext

from hocba.signing import DEMO_PKCS12_PASSWORD, DemoPki, PkiError, ensure_demo_pki, trust_anchors
from hocba.signing.authority import DOCUMENT_SIGNING

RECORD = Path(__file__).resolve().parents[1] / "docs" / "examples" / "record-primary.json"
PRINCIPAL = ("Phạm Văn Hùng", "027175000003", "Hiệu trưởng")  # the example record's CBQL
SCHOOL = ("Trường Tiểu học Phật Tích", "27260001")


@pytest.fixture
def pki(tmp_path: Path) -> DemoPki:
    return ensure_demo_pki(tmp_path / "pki")


def openssl(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(["openssl", *args], capture_output=True, text=True, check=False)


def verify_chain(pki: DemoPki, chain: Path) -> str:
    done = openssl("verify", "-CAfile", str(pki.root_path), "-untrusted", str(pki.issuing_path),
                   str(chain))
    return done.stdout + done.stderr


def test_openssl_verifies_a_personal_and_a_seal_certificate_to_the_demo_root(pki: DemoPki) -> None:
    principal = pki.issue_personal(*PRINCIPAL)
    seal = pki.issue_organisation(*SCHOOL, province="Bắc Ninh")
    assert verify_chain(pki, principal.chain_path).strip().endswith(": OK")
    assert verify_chain(pki, seal.chain_path).strip().endswith(": OK")
    assert pki.root.subject.get_attributes_for_oid(NameOID.COMMON_NAME)[0].value \
        == "hocba Demo Root CA"
    assert pki.issuing.issuer == pki.root.subject


def test_the_vietnamese_name_and_the_cccd_round_trip_through_the_certificate(pki: DemoPki) -> None:
    issued = pki.issue_personal(*PRINCIPAL, organisation=SCHOOL[0])
    reread = x509.load_pem_x509_certificates(issued.chain_path.read_bytes())[0]
    subject = reread.subject
    assert subject.get_attributes_for_oid(NameOID.COMMON_NAME)[0].value == "Phạm Văn Hùng"
    assert subject.get_attributes_for_oid(NameOID.TITLE)[0].value == "Hiệu trưởng"
    assert subject.get_attributes_for_oid(NameOID.ORGANIZATION_NAME)[0].value == SCHOOL[0]
    assert subject.get_attributes_for_oid(NameOID.USER_ID)[0].value == "CCCD:027175000003"
    printed = openssl("x509", "-noout", "-subject", "-nameopt", "utf8,sep_comma_plus",
                      "-in", str(issued.chain_path)).stdout
    assert "CN=Phạm Văn Hùng" in printed and "UID=CCCD:027175000003" in printed


def test_the_school_seal_names_the_school_and_its_codes(pki: DemoPki) -> None:
    seal = pki.issue_organisation(*SCHOOL, tax_code="2300123456").certificate
    assert seal.subject.get_attributes_for_oid(NameOID.ORGANIZATION_NAME)[0].value == SCHOOL[0]
    assert [a.value for a in seal.subject.get_attributes_for_oid(NameOID.USER_ID)] \
        == ["MA_TRUONG:27260001", "MST:2300123456"]


def test_an_identity_number_that_is_not_twelve_digits_is_refused_by_name(pki: DemoPki) -> None:
    with pytest.raises(PkiError, match="Số định danh cá nhân «02717500» của Phạm Văn Hùng"):
        pki.issue_personal("Phạm Văn Hùng", "02717500", "Hiệu trưởng")


def test_signing_certificates_are_for_signing_documents_only(pki: DemoPki) -> None:
    for issued in (pki.issue_personal(*PRINCIPAL), pki.issue_organisation(*SCHOOL)):
        cert = issued.certificate
        usage = cert.extensions.get_extension_for_class(x509.KeyUsage)
        assert usage.critical
        assert usage.value.digital_signature and usage.value.content_commitment  # nonRepudiation
        assert not (usage.value.key_cert_sign or usage.value.crl_sign
                    or usage.value.key_encipherment)
        assert not cert.extensions.get_extension_for_class(x509.BasicConstraints).value.ca
        eku = list(cert.extensions.get_extension_for_class(x509.ExtendedKeyUsage).value)
        assert eku == [DOCUMENT_SIGNING, ExtendedKeyUsageOID.EMAIL_PROTECTION]
        crl_dp = cert.extensions.get_extension_for_class(x509.CRLDistributionPoints).value
        assert crl_dp[0].full_name[0].value == "http://127.0.0.1:8765/crl"
        aia = cert.extensions.get_extension_for_class(x509.AuthorityInformationAccess).value
        assert aia[0].access_location.value == "http://127.0.0.1:8765/ocsp"


def test_the_crl_and_ocsp_addresses_are_configurable(tmp_path: Path) -> None:
    pki = ensure_demo_pki(tmp_path / "pki", base_url="http://127.0.0.1:9911/")
    text = openssl("x509", "-noout", "-text", "-in",
                   str(pki.issue_personal(*PRINCIPAL).chain_path)).stdout
    assert "URI:http://127.0.0.1:9911/crl" in text
    assert "OCSP - URI:http://127.0.0.1:9911/ocsp" in text


def test_a_revoked_serial_appears_in_the_reissued_crl(pki: DemoPki) -> None:
    before = openssl("crl", "-inform", "DER", "-noout", "-text", "-in", str(pki.crl_path)).stdout
    assert "No Revoked Certificates." in before
    teacher = pki.issue_personal("Lê Thị Thu", "027180000011", "Giáo viên chủ nhiệm")
    pki.revoke(teacher.certificate.serial_number, x509.ReasonFlags.key_compromise)
    after = openssl("crl", "-inform", "DER", "-noout", "-text", "-in", str(pki.crl_path)).stdout
    assert "Serial Number:" in after and f"{teacher.certificate.serial_number:X}" in after
    assert "Key Compromise" in after
    assert "X509v3 CRL Number: \n                2" in after
    check = openssl("verify", "-crl_check", "-CAfile", str(pki.root_path), "-untrusted",
                    str(pki.issuing_path), "-CRLfile", str(pki.crl_path),
                    str(teacher.chain_path))
    assert "certificate revoked" in check.stdout + check.stderr
    # A revoked certificate is not handed out again: the next issue is a new one.
    again = pki.issue_personal("Lê Thị Thu", "027180000011", "Giáo viên chủ nhiệm")
    assert again.certificate.serial_number != teacher.certificate.serial_number


def test_the_crl_file_is_der_in_openssls_eyes(pki: DemoPki) -> None:
    assert openssl("crl", "-inform", "DER", "-noout", "-in", str(pki.crl_path)).returncode == 0


def test_a_second_start_reuses_the_root_the_ca_and_issued_certificates(tmp_path: Path) -> None:
    first = ensure_demo_pki(tmp_path / "pki")
    principal = first.issue_personal(*PRINCIPAL)
    second = ensure_demo_pki(tmp_path / "pki")
    assert second.root == first.root and second.issuing == first.issuing
    assert second.crl().public_bytes(Encoding.DER) == first.crl().public_bytes(Encoding.DER)
    assert second.issue_personal(*PRINCIPAL).certificate == principal.certificate


def test_private_keys_are_readable_by_the_owner_only(pki: DemoPki) -> None:
    issued = pki.issue_personal(*PRINCIPAL)
    for path in (pki.directory / "root-ca.key", pki.directory / "issuing-ca.key",
                 issued.pkcs12_path):
        assert stat.S_IMODE(path.stat().st_mode) == 0o600, path
    assert "CHỈ DÙNG ĐỂ THỬ" in (pki.directory / "README.txt").read_text(encoding="utf-8")


def test_trust_anchors_come_from_configuration(pki: DemoPki, tmp_path: Path,
                                               monkeypatch: pytest.MonkeyPatch) -> None:
    assert trust_anchors(pki.root_path) == [pki.root]
    monkeypatch.setenv("HOCBA_TRUST_ANCHORS", str(pki.root_path))
    assert trust_anchors() == [pki.root]
    monkeypatch.delenv("HOCBA_TRUST_ANCHORS")
    monkeypatch.setenv("HOCBA_VAR", str(tmp_path))  # the demo root under $HOCBA_VAR/pki
    assert trust_anchors() == [pki.root]
    with pytest.raises(PkiError, match="Không tìm thấy chứng thư gốc"):
        trust_anchors(pki.crl_path)


def test_pyhanko_loads_the_pkcs12(pki: DemoPki) -> None:
    issued = pki.issue_personal(*PRINCIPAL)
    signer = signers.SimpleSigner.load_pkcs12(str(issued.pkcs12_path),
                                              passphrase=DEMO_PKCS12_PASSWORD)
    assert signer is not None
    assert signer.signing_cert.subject.native["common_name"] == "Phạm Văn Hùng"
    assert {c.subject.native["common_name"] for c in signer.cert_registry} \
        >= {"hocba Demo Issuing CA", "hocba Demo Root CA"}


T = TypeVar("T")


def signed_record(pki: DemoPki) -> bytes:
    from hocba.rendering import render_record

    with RECORD.open(encoding="utf-8") as handle:
        pdf = render_record(json.load(handle), verify_url="http://127.0.0.1:8000/tra-cuu")
    issued = pki.issue_personal(*PRINCIPAL)
    signer = signers.SimpleSigner.load_pkcs12(str(issued.pkcs12_path),
                                              passphrase=DEMO_PKCS12_PASSWORD)
    assert signer is not None
    out = signers.sign_pdf(
        IncrementalPdfFileWriter(io.BytesIO(pdf)),
        signers.PdfSignatureMetadata(field_name="CBQL", subfilter=SigSeedSubFilter.PADES,
                                     reason="Ký duyệt học bạ", location="Phật Tích"),
        signer=signer,
    )
    return out.getvalue()


def off_the_event_loop(work: Callable[[], T]) -> T:
    """pyHanko's synchronous API calls ``asyncio.run``; the browser journeys' Playwright
    leaves an event loop in the main thread, so run it in a thread of its own."""
    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(work).result()


def blank_pdf() -> bytes:
    writer = PdfFileWriter()
    content = writer.add_object(generic.StreamObject(stream_data=b""))
    writer.insert_page(PageObject(contents=content, media_box=[0, 0, 595, 842]))
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def test_a_record_signed_with_the_principals_demo_certificate_validates(
        pki: DemoPki, tmp_path: Path) -> None:
    signed = off_the_event_loop(lambda: signed_record(pki))

    reader = PdfFileReader(io.BytesIO(signed))
    [embedded] = reader.embedded_signatures
    assert embedded.field_name == "CBQL"
    roots = [asn1_x509.Certificate.load(anchor.public_bytes(Encoding.DER))
             for anchor in trust_anchors(pki.root_path)]
    context = ValidationContext(trust_roots=roots, allow_fetching=False)
    status = off_the_event_loop(lambda: validate_pdf_signature(embedded, context))
    assert status.intact and status.valid and status.trusted, status.pretty_print_details()
    assert status.signing_cert.subject.native["common_name"] == "Phạm Văn Hùng"

    path = tmp_path / "hoc-ba-da-ky.pdf"
    path.write_bytes(signed)
    report = pdfsig(path, pki, tmp_path)
    assert "Signature #1:" in report and "Phạm Văn Hùng" in report
    assert "Signature Validation: Signature is Valid." in report
    assert "ETSI.CAdES.detached" in report
    if shutil.which("certutil"):
        assert "Certificate Validation: Certificate is Trusted." in report
    else:  # no NSS tools here: pdfsig cannot be told to trust the demo root
        assert "Certificate Validation: Certificate issuer isn't Trusted." in report


def pdfsig(pdf: Path, pki: DemoPki, tmp_path: Path) -> str:
    args = ["pdfsig", "-no-ocsp"]
    certutil = shutil.which("certutil")
    if certutil:
        nssdb = tmp_path / "nssdb"
        nssdb.mkdir()
        subprocess.run([certutil, "-N", "-d", f"sql:{nssdb}", "--empty-password"], check=True)
        subprocess.run([certutil, "-A", "-d", f"sql:{nssdb}", "-n", "hocba demo root",
                        "-t", "C,C,C", "-i", str(pki.root_path)], check=True)
        args += ["-nssdir", f"sql:{nssdb}"]
    done = subprocess.run([*args, str(pdf)], capture_output=True, text=True, check=False)
    return done.stdout + done.stderr


def test_hocba_demo_creates_the_demo_pki_in_var_quickly(settings: Any, tmp_path: Path) -> None:
    import time

    from hocba.cli import _ensure_pki

    settings.VAR_DIR = tmp_path
    started = time.perf_counter()
    directory = _ensure_pki()
    assert time.perf_counter() - started < 1.0
    assert directory == tmp_path / "pki"
    for name in ("root-ca.pem", "issuing-ca.pem", "issuing-ca.crl", "README.txt"):
        assert (directory / name).exists(), name
    root = (directory / "root-ca.pem").read_bytes()
    _ensure_pki()
    assert (directory / "root-ca.pem").read_bytes() == root
