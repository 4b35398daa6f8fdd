"""Signing with a key that never leaves a PKCS#11 token (issue 5 §2), on Debian's SoftHSM2.

The keys are generated inside the token (sensitive, never extractable), the demo issuing CA
certifies their public halves, the certificates are written back into the token, and every
signature is checked against the certificate. Nothing here is skipped: without SoftHSM2
(``scripts/test.sh`` installs it) these tests fail.
"""

from __future__ import annotations

import asyncio
import hashlib
import io
import os
import shutil
import subprocess
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pkcs11
import pytest
from asn1crypto import algos
from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa, utils
from pkcs11 import Attribute, CertificateType, KeyType, ObjectClass
from pkcs11.util.ec import encode_ec_public_key, encode_named_curve_parameters
from pkcs11.util.rsa import encode_rsa_public_key
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign import fields, signers
from pyhanko.sign.validation import validate_pdf_signature
from pyhanko_certvalidator import ValidationContext
from pyhanko_certvalidator.registry import SimpleCertificateStore

from hocba.signing import DemoPki, subjects
from hocba.signing.backends import SignerBackend, SigningError
from hocba.signing.online import HttpTimestamper
from hocba.signing.pkcs11_signer import Pkcs11Signer
from hocba.signing.services import PkiServices
from tests.test_signing_pki import blank_pdf, off_the_event_loop

LIBRARY = "/usr/lib/softhsm/libsofthsm2.so"  # Debian softhsm2
TOKEN = "hocba-truong"
PIN, SO_PIN = "246810", "13579246"
SEAL = ("Trường THCS Nguyễn Trãi", "79760001")
PRINCIPAL = ("Trần Quốc Tuấn", "079175000021", "Hiệu trưởng")


@dataclass(frozen=True)
class Token:
    services: PkiServices  # the PKI's TSA and OCSP, for B-LT
    pki: DemoPki
    seal: x509.Certificate  # EC P-256, key label "con-dau"
    principal: x509.Certificate  # RSA-2048, key label "hieu-truong"


@pytest.fixture(scope="module")
def token(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Token]:
    base = tmp_path_factory.mktemp("softhsm")
    (base / "tokens").mkdir()
    conf = base / "softhsm2.conf"
    conf.write_text(f"directories.tokendir = {base / 'tokens'}\nobjectstore.backend = file\n"
                    "log.level = ERROR\n", encoding="utf-8")
    previous = os.environ.get("SOFTHSM2_CONF")
    os.environ["SOFTHSM2_CONF"] = str(conf)
    subprocess.run(["softhsm2-util", "--init-token", "--free", "--label", TOKEN,
                    "--pin", PIN, "--so-pin", SO_PIN], check=True, capture_output=True)
    library = pkcs11.lib(LIBRARY)
    library.reinitialize()  # SoftHSM reads SOFTHSM2_CONF when initialised
    services = PkiServices.for_directory(base / "pki")
    pki = services.pki
    with library.get_token(token_label=TOKEN).open(user_pin=PIN, rw=True) as session:
        seal = _certify_in_token(session, pki, "con-dau", b"\x01", KeyType.EC,
                                 subjects.organisation_subject(*SEAL))
        principal = _certify_in_token(session, pki, "hieu-truong", b"\x02", KeyType.RSA,
                                      subjects.personal_subject(*PRINCIPAL))
        _store_certificate(session, pki.issuing, "hocba Demo Issuing CA", b"\xca")
    with services:
        yield Token(services, pki, seal, principal)
    if previous is None:
        os.environ.pop("SOFTHSM2_CONF", None)
    else:
        os.environ["SOFTHSM2_CONF"] = previous


def _certify_in_token(session: Any, pki: DemoPki, label: str, key_id: bytes,
                      key_type: KeyType, subject: x509.Name) -> x509.Certificate:
    """Generate the key pair inside the token, have the CA certify it, store the certificate."""
    private = {Attribute.SENSITIVE: True, Attribute.EXTRACTABLE: False, Attribute.SIGN: True}
    if key_type == KeyType.EC:
        parameters = session.create_domain_parameters(KeyType.EC, {
            Attribute.EC_PARAMS: encode_named_curve_parameters("secp256r1")}, local=True)
        public, _ = parameters.generate_keypair(store=True, label=label, id=key_id,
                                                private_template=private)
        spki = encode_ec_public_key(public)
        loaded = serialization.load_der_public_key(spki)
    else:
        public, _ = session.generate_keypair(KeyType.RSA, 2048, store=True, label=label,
                                             id=key_id, private_template=private)
        loaded = serialization.load_der_public_key(encode_rsa_public_key(public))
    assert isinstance(loaded, ec.EllipticCurvePublicKey | rsa.RSAPublicKey)
    certificate = pki.certify(subject, loaded)
    _store_certificate(session, certificate, label, key_id)
    return certificate


def _store_certificate(session: Any, certificate: x509.Certificate, label: str,
                       key_id: bytes) -> None:
    session.create_object({
        Attribute.CLASS: ObjectClass.CERTIFICATE,
        Attribute.CERTIFICATE_TYPE: CertificateType.X_509,
        Attribute.TOKEN: True, Attribute.LABEL: label, Attribute.ID: key_id,
        Attribute.SUBJECT: certificate.subject.public_bytes(),
        Attribute.VALUE: certificate.public_bytes(serialization.Encoding.DER),
    })


def digests(count: int) -> list[bytes]:
    return [hashlib.sha256(f"học bạ số {n}".encode()).digest() for n in range(count)]


def test_softhsm2_is_installed() -> None:
    assert shutil.which("softhsm2-util"), "cần gói Debian softhsm2 (scripts/test.sh cài nó)"
    assert Path(LIBRARY).exists(), LIBRARY


def test_the_seal_key_was_made_inside_the_token_and_cannot_leave_it(token: Token) -> None:
    library = pkcs11.lib(LIBRARY)
    with library.get_token(token_label=TOKEN).open(user_pin=PIN) as session:
        key = session.get_key(object_class=ObjectClass.PRIVATE_KEY, label="con-dau")
        assert key[Attribute.LOCAL] and key[Attribute.NEVER_EXTRACTABLE]
        assert key[Attribute.SENSITIVE] and not key[Attribute.EXTRACTABLE]
        with pytest.raises(pkcs11.exceptions.AttributeSensitive):
            key[Attribute.VALUE]


def test_the_school_seal_signs_many_digests_with_its_ec_key_in_the_token(token: Token) -> None:
    with Pkcs11Signer(LIBRARY, TOKEN, PIN, "con-dau") as signer:
        assert isinstance(signer, SignerBackend)
        assert signer.certificate == token.seal
        assert signer.chain == (token.pki.issuing,)  # read from the token too
        values = digests(50)
        signatures = signer.sign_digests(values)
    public = token.seal.public_key()
    assert isinstance(public, ec.EllipticCurvePublicKey)
    for digest, signature in zip(values, signatures, strict=True):
        assert signature[0] == 0x30  # DER Ecdsa-Sig-Value, not the token's raw r‖s
        public.verify(signature, digest, ec.ECDSA(utils.Prehashed(hashes.SHA256())))


def test_an_rsa_key_in_the_token_signs_pkcs1_v1_5(token: Token) -> None:
    with Pkcs11Signer(LIBRARY, TOKEN, PIN, "hieu-truong") as signer:
        assert signer.certificate == token.principal
        values = digests(3)
        signatures = signer.sign_digests(values)
    public = token.principal.public_key()
    assert isinstance(public, rsa.RSAPublicKey)
    for digest, signature in zip(values, signatures, strict=True):
        public.verify(signature, digest, padding.PKCS1v15(), utils.Prehashed(hashes.SHA256()))


def test_a_wrong_pin_is_refused_in_vietnamese(token: Token) -> None:
    with pytest.raises(SigningError, match=f"Mã PIN của token «{TOKEN}» không đúng"):
        Pkcs11Signer(LIBRARY, TOKEN, "000000", "con-dau")
    # PKCS#11 logs in per application: while one signer holds the token, a second signer with
    # a wrong PIN must still be refused, not ride on the first one's login.
    with Pkcs11Signer(LIBRARY, TOKEN, PIN, "con-dau"), \
            pytest.raises(SigningError, match=f"Mã PIN của token «{TOKEN}» không đúng"):
        Pkcs11Signer(LIBRARY, TOKEN, "000000", "hieu-truong")
    with Pkcs11Signer(LIBRARY, TOKEN, PIN, "con-dau"), \
            Pkcs11Signer(LIBRARY, TOKEN, PIN, "hieu-truong") as second:
        assert second.sign_digests(digests(1))


def test_a_missing_key_or_token_or_driver_is_named(token: Token) -> None:
    with pytest.raises(SigningError, match=f"Không tìm thấy khoá ký «pho-hieu-truong» trong "
                                           f"token «{TOKEN}»"):
        Pkcs11Signer(LIBRARY, TOKEN, PIN, "pho-hieu-truong")
    with pytest.raises(SigningError, match="Không tìm thấy token «truong-khac»"):
        Pkcs11Signer(LIBRARY, "truong-khac", PIN, "con-dau")
    with pytest.raises(SigningError, match=r"Không nạp được thư viện PKCS#11 «/khong/co\.so»"):
        Pkcs11Signer("/khong/co.so", TOKEN, PIN, "con-dau")


def test_only_sha256_digests_are_signed(token: Token) -> None:
    with Pkcs11Signer(LIBRARY, TOKEN, PIN, "con-dau") as signer, \
            pytest.raises(SigningError, match="SHA-256"):
        signer.sign_digests([b"not a digest"])


def test_one_session_serves_concurrent_batches(token: Token) -> None:
    with Pkcs11Signer(LIBRARY, TOKEN, PIN, "con-dau") as signer, \
            ThreadPoolExecutor(max_workers=4) as pool:
        batches = list(pool.map(signer.sign_digests, [digests(20)] * 8))
    public = token.seal.public_key()
    assert isinstance(public, ec.EllipticCurvePublicKey)
    for batch in batches:
        public.verify(batch[19], digests(20)[19], ec.ECDSA(utils.Prehashed(hashes.SHA256())))


class BackendSigner(signers.Signer):
    """pyHanko's CMS around our backend: pyHanko builds and hashes the signed attributes, the
    token signs the digest (how a PAdES module plugs a ``SignerBackend`` in)."""

    def __init__(self, backend: SignerBackend) -> None:
        def asn1(cert: x509.Certificate) -> asn1_x509.Certificate:
            return asn1_x509.Certificate.load(cert.public_bytes(serialization.Encoding.DER))

        mechanism = "sha256_ecdsa" if isinstance(backend.certificate.public_key(),
                                                 ec.EllipticCurvePublicKey) else "sha256_rsa"
        super().__init__(
            signing_cert=asn1(backend.certificate),
            cert_registry=SimpleCertificateStore.from_certs([asn1(c) for c in backend.chain]),
            signature_mechanism=algos.SignedDigestAlgorithm({"algorithm": mechanism}))
        self.backend = backend

    async def async_sign_raw(self, data: bytes, digest_algorithm: str,
                             dry_run: bool = False) -> bytes:
        assert digest_algorithm == "sha256"
        digest = hashlib.sha256(data).digest()
        return await asyncio.to_thread(lambda: self.backend.sign_digests([digest])[0])




def test_a_pdf_sealed_with_the_token_validates_in_pyhanko_and_pdfsig(token: Token,
                                                                     tmp_path: Path) -> None:
    with Pkcs11Signer(LIBRARY, TOKEN, PIN, "con-dau") as backend:
        signer = BackendSigner(backend)
        signed = off_the_event_loop(lambda: signers.sign_pdf(
            IncrementalPdfFileWriter(io.BytesIO(blank_pdf())),
            signers.PdfSignatureMetadata(field_name="DongDau",
                                         subfilter=fields.SigSeedSubFilter.PADES),
            signer=signer).getvalue())
    [embedded] = PdfFileReader(io.BytesIO(signed)).embedded_signatures
    root = asn1_x509.Certificate.load(token.pki.root.public_bytes(serialization.Encoding.DER))
    context = ValidationContext(trust_roots=[root], allow_fetching=False)
    status = off_the_event_loop(lambda: validate_pdf_signature(embedded, context))
    assert status.intact and status.valid and status.trusted, status.pretty_print_details()
    assert status.signing_cert.subject.native["common_name"] == SEAL[0]

    pdf = tmp_path / "hoc-ba-dong-dau.pdf"
    pdf.write_bytes(signed)
    nssdb = nss_trusting(token.pki.root_path, tmp_path)
    done = subprocess.run(["pdfsig", "-no-ocsp", "-nssdir", f"sql:{nssdb}", str(pdf)],
                          capture_output=True, text=True, check=False)
    assert "Signature Validation: Signature is Valid." in done.stdout, done.stdout + done.stderr
    assert "Certificate Validation: Certificate is Trusted." in done.stdout


def nss_trusting(root: Path, tmp_path: Path) -> Path:
    nssdb = tmp_path / "nssdb"
    nssdb.mkdir()
    subprocess.run(["certutil", "-N", "-d", f"sql:{nssdb}", "--empty-password"], check=True)
    subprocess.run(["certutil", "-A", "-d", f"sql:{nssdb}", "-n", "hocba demo root",
                    "-t", "C,C,C", "-i", str(root)], check=True)
    return nssdb


def test_the_school_seals_a_record_from_its_token_at_b_lt(token: Token, tmp_path: Path) -> None:
    """The seal through hocba's own PAdES writer: time-stamped by the demo TSA, its OCSP
    status in the DSS, and it verifies offline."""
    pades = pytest.importorskip("hocba.signing.pades")  # written alongside (issue 5 §4)
    import datetime as dt
    import json

    from pyhanko.sign.validation.dss import DocumentSecurityStore

    from hocba.rendering import render_record

    record = Path(__file__).resolve().parents[1] / "docs" / "examples" / "record-primary.json"
    pdf = render_record(json.loads(record.read_text(encoding="utf-8")),
                        verify_url="http://127.0.0.1:8000/tra-cuu")
    now = dt.datetime.now(dt.UTC)
    with Pkcs11Signer(LIBRARY, TOKEN, PIN, "con-dau") as seal:
        sealed = pades.sign_pdf(pdf, "KY_PHAT_HANH", seal, signing_time=now,
                                appearance=pades.StampText(SEAL[0], "Đóng dấu", now),
                                timestamper=HttpTimestamper(f"{token.services.base_url}/tsa"))

    def offline() -> Any:
        reader = PdfFileReader(io.BytesIO(sealed))
        [embedded] = reader.embedded_signatures
        root = asn1_x509.Certificate.load(token.pki.root.public_bytes(
            serialization.Encoding.DER))
        context = DocumentSecurityStore.read_dss(reader).as_validation_context({
            "trust_roots": [root], "allow_fetching": False, "revocation_mode": "hard-fail"})
        return validate_pdf_signature(embedded, context)

    status = off_the_event_loop(offline)
    assert status.intact and status.valid and status.trusted, status.pretty_print_details()
    assert status.timestamp_validity is not None and status.timestamp_validity.trusted
    path = tmp_path / "hoc-ba-dong-dau-token.pdf"
    path.write_bytes(sealed)
    nssdb = nss_trusting(token.pki.root_path, tmp_path)
    done = subprocess.run(["pdfsig", "-no-ocsp", "-nssdir", f"sql:{nssdb}", str(path)],
                          capture_output=True, text=True, check=False)
    assert "Signature Validation: Signature is Valid." in done.stdout, done.stdout + done.stderr
    assert f"Signer Certificate Common Name: {SEAL[0]}" in done.stdout
