"""The demo PKI's online services (issue 5 §3): an RFC 3161 time-stamp authority, an RFC 6960
OCSP responder and the CRL, checked by openssl and pyHanko, and the clients the signers use.
"""

from __future__ import annotations

import base64
import hashlib
import io
import subprocess
import time
import urllib.parse
import urllib.request
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest
from asn1crypto import cms
from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.x509 import ocsp
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign import fields, signers
from pyhanko.sign.validation import validate_pdf_signature
from pyhanko_certvalidator import ValidationContext

from hocba.signing import DEMO_PKCS12_PASSWORD, DemoPki, IssuedCertificate, authority, subjects
from hocba.signing.online import HttpTimestamper, OnlineServiceError, fetch_ocsp
from hocba.signing.services import PkiServices
from tests.test_signing_pki import blank_pdf, off_the_event_loop

PRINCIPAL = ("Phạm Văn Hùng", "027175000003", "Hiệu trưởng")
TEACHER = ("Lê Thị Thu", "027180000011", "Giáo viên chủ nhiệm")


@pytest.fixture
def services(tmp_path: Path) -> Iterator[PkiServices]:
    with PkiServices.for_directory(tmp_path / "pki") as running:
        yield running


def openssl(*args: str, stdin: bytes | None = None) -> str:
    done = subprocess.run(["openssl", *args], input=stdin, capture_output=True, check=False)
    return (done.stdout + done.stderr).decode("utf-8", "replace")


def leaf_pem(issued: IssuedCertificate, tmp_path: Path) -> Path:
    path = tmp_path / f"{issued.certificate.serial_number:x}.pem"
    path.write_bytes(issued.certificate.public_bytes(serialization.Encoding.PEM))
    return path


def ask_ocsp(services: PkiServices, certificate: Path) -> str:
    pki = services.pki
    return openssl("ocsp", "-issuer", str(pki.issuing_path), "-cert", str(certificate),
                   "-url", f"{services.base_url}/ocsp", "-CAfile", str(pki.root_path))


def get(url: str) -> bytes:
    with urllib.request.urlopen(url, timeout=10) as response:  # noqa: S310 (loopback)
        data: bytes = response.read()
        return data


def test_the_certificates_name_the_running_services(services: PkiServices) -> None:
    issued = services.pki.issue_personal(*PRINCIPAL)
    aia = issued.certificate.extensions.get_extension_for_class(
        x509.AuthorityInformationAccess).value
    assert [d.access_location.value for d in aia] == [
        f"{services.base_url}/ocsp", f"{services.base_url}/issuing-ca.crt"]
    assert get(f"{services.base_url}/issuing-ca.crt") == services.pki.issuing.public_bytes(
        serialization.Encoding.DER)


def test_openssl_reads_good_then_revoked_from_the_ocsp_responder(
        services: PkiServices, tmp_path: Path) -> None:
    teacher = services.pki.issue_personal(*TEACHER)
    pem = leaf_pem(teacher, tmp_path)
    before = ask_ocsp(services, pem)
    assert "Response verify OK" in before and f"{pem}: good" in before
    assert "Next Update:" in before

    services.pki.revoke(teacher.certificate.serial_number, x509.ReasonFlags.key_compromise)
    after = ask_ocsp(services, pem)
    assert "Response verify OK" in after and f"{pem}: revoked" in after
    assert "Reason: keyCompromise" in after


def test_a_certificate_the_ca_never_issued_is_unknown(services: PkiServices,
                                                      tmp_path: Path) -> None:
    pki = services.pki
    # Signed with the CA's key but never recorded: as if forged with a stolen CA key.
    stray = authority.make_signer(subjects.personal_subject(*TEACHER), authority.new_key(),
                                  pki.issuing, pki.issuing_key, pki.urls,
                                  pki.issuing.not_valid_before_utc)
    path = tmp_path / "stray.pem"
    path.write_bytes(stray.public_bytes(serialization.Encoding.PEM))
    assert f"{path}: unknown" in ask_ocsp(services, path)


def test_the_responder_answers_get_requests_and_is_delegated(services: PkiServices) -> None:
    pki = services.pki
    issued = pki.issue_organisation("Trường Tiểu học Phật Tích", "27260001")
    request = ocsp.OCSPRequestBuilder().add_certificate(
        issued.certificate, pki.issuing, hashes.SHA1()).build()  # noqa: S303 (openssl's default)
    encoded = base64.b64encode(request.public_bytes(serialization.Encoding.DER)).decode()
    answer = ocsp.load_der_ocsp_response(
        get(f"{services.base_url}/ocsp/{urllib.parse.quote(encoded, safe='')}"))
    assert answer.response_status == ocsp.OCSPResponseStatus.SUCCESSFUL
    assert answer.certificate_status == ocsp.OCSPCertStatus.GOOD
    assert answer.next_update_utc is not None and answer.next_update_utc > answer.this_update_utc
    [responder] = answer.certificates
    assert responder.issuer == pki.issuing.subject
    eku = responder.extensions.get_extension_for_class(x509.ExtendedKeyUsage).value
    assert list(eku) == [x509.oid.ExtendedKeyUsageOID.OCSP_SIGNING]
    assert responder.extensions.get_extension_for_class(x509.OCSPNoCheck)


def test_openssl_verifies_a_time_stamp_token_from_the_tsa(services: PkiServices,
                                                          tmp_path: Path) -> None:
    data = tmp_path / "hoc-ba.xml"
    data.write_text("<HocBa>Phạm Văn Hùng</HocBa>", encoding="utf-8")
    query = tmp_path / "query.tsq"
    openssl("ts", "-query", "-data", str(data), "-sha256", "-cert", "-out", str(query))
    post = urllib.request.Request(f"{services.base_url}/tsa", data=query.read_bytes(),  # noqa: S310
                                  headers={"Content-Type": "application/timestamp-query"})
    with urllib.request.urlopen(post, timeout=10) as response:  # noqa: S310 (loopback)
        assert response.headers["Content-Type"] == "application/timestamp-reply"
        (tmp_path / "reply.tsr").write_bytes(response.read())
    pki = services.pki
    verdict = openssl("ts", "-verify", "-in", str(tmp_path / "reply.tsr"), "-data", str(data),
                      "-CAfile", str(pki.root_path), "-untrusted", str(pki.issuing_path))
    assert "Verification: OK" in verdict
    data.write_text("<HocBa>Phạm Văn Hưng</HocBa>", encoding="utf-8")
    tampered = openssl("ts", "-verify", "-in", str(tmp_path / "reply.tsr"), "-data", str(data),
                       "-CAfile", str(pki.root_path), "-untrusted", str(pki.issuing_path))
    assert "Verification: FAILED" in tampered and "message imprint mismatch" in tampered


def test_the_tsa_certificate_is_for_time_stamping_only(services: PkiServices) -> None:
    tsa = services.pki.tsa().certificate
    eku = tsa.extensions.get_extension_for_class(x509.ExtendedKeyUsage)
    assert eku.critical and list(eku.value) == [x509.oid.ExtendedKeyUsageOID.TIME_STAMPING]
    assert services.pki.tsa().certificate == tsa  # created once, then reused
    assert tsa.serial_number in services.pki.issued_serials()


def test_the_crl_downloads_and_verifies_against_the_issuing_ca(services: PkiServices,
                                                               tmp_path: Path) -> None:
    teacher = services.pki.issue_personal(*TEACHER)
    services.pki.revoke(teacher.certificate.serial_number)
    crl = tmp_path / "issuing-ca.crl"
    crl.write_bytes(get(f"{services.base_url}/crl"))
    text = openssl("crl", "-inform", "DER", "-in", str(crl), "-CAfile",
                   str(services.pki.issuing_path), "-noout", "-text")
    assert "verify OK" in text
    assert f"{teacher.certificate.serial_number:X}" in text


def test_a_signer_gets_time_stamps_over_one_shared_client(services: PkiServices,
                                                          tmp_path: Path) -> None:
    timestamper = HttpTimestamper(f"{services.base_url}/tsa")
    digests = [hashlib.sha256(f"học bạ {n}".encode()).digest() for n in range(12)]
    with ThreadPoolExecutor(max_workers=4) as pool:
        tokens = list(pool.map(timestamper.timestamp, digests))
    for digest, token in zip(digests, tokens, strict=True):
        info = cms.ContentInfo.load(token)["content"]["encap_content_info"]["content"].parsed
        assert info["message_imprint"]["hashed_message"].native == digest
    path = tmp_path / "token.der"
    path.write_bytes(tokens[0])
    pki = services.pki
    verdict = openssl("ts", "-verify", "-token_in", "-in", str(path), "-digest",
                      digests[0].hex(), "-CAfile", str(pki.root_path),
                      "-untrusted", str(pki.issuing_path))
    assert "Verification: OK" in verdict
    with pytest.raises(OnlineServiceError, match="SHA-256"):
        timestamper.timestamp(b"short")


def test_a_stopped_tsa_is_named_in_the_error(tmp_path: Path) -> None:
    services = PkiServices.for_directory(tmp_path / "pki")
    url = f"{services.base_url}/tsa"
    services.stop()
    with pytest.raises(OnlineServiceError, match=f"Không kết nối được dịch vụ «{url}»"):
        HttpTimestamper(url).timestamp(bytes(32))


def test_fetch_ocsp_finds_the_responder_and_keeps_the_answer_until_next_update(
        services: PkiServices) -> None:
    pki = services.pki
    principal = pki.issue_personal(*PRINCIPAL)
    first = fetch_ocsp(principal.certificate, pki.issuing)
    answer = ocsp.load_der_ocsp_response(first)
    assert answer.certificate_status == ocsp.OCSPCertStatus.GOOD
    assert answer.serial_number == principal.certificate.serial_number
    # pyHanko hands asn1crypto certificates: same answer, from the cache.
    as_asn1 = asn1_x509.Certificate.load(principal.certificate.public_bytes(
        serialization.Encoding.DER))
    issuer = asn1_x509.Certificate.load(pki.issuing.public_bytes(serialization.Encoding.DER))
    pki.revoke(principal.certificate.serial_number)
    assert fetch_ocsp(as_asn1, issuer) == first


def test_fetch_ocsp_refuses_an_answer_for_another_ca(services: PkiServices,
                                                     tmp_path: Path) -> None:
    from hocba.signing import ensure_demo_pki

    other = ensure_demo_pki(tmp_path / "other")
    stranger = other.issue_personal(*TEACHER).certificate
    with pytest.raises(OnlineServiceError, match="UNAUTHORIZED"):
        fetch_ocsp(stranger, other.issuing, f"{services.base_url}/ocsp")




def sign_b_lt(pki: DemoPki, timestamper: HttpTimestamper) -> bytes:
    issued = pki.issue_personal(*PRINCIPAL)
    signer = signers.SimpleSigner.load_pkcs12(str(issued.pkcs12_path),
                                              passphrase=DEMO_PKCS12_PASSWORD)
    assert signer is not None
    root = asn1_x509.Certificate.load(pki.root.public_bytes(serialization.Encoding.DER))
    context = ValidationContext(trust_roots=[root], allow_fetching=True)
    metadata = signers.PdfSignatureMetadata(
        field_name="CBQL", subfilter=fields.SigSeedSubFilter.PADES,
        embed_validation_info=True, validation_context=context)
    out = signers.sign_pdf(IncrementalPdfFileWriter(io.BytesIO(blank_pdf())), metadata,
                           signer=signer, timestamper=timestamper)
    return out.getvalue()


def test_pyhanko_validates_a_b_lt_signature_stamped_and_checked_by_the_services(
        services: PkiServices) -> None:
    pki = services.pki
    timestamper = HttpTimestamper(f"{services.base_url}/tsa")
    signed = off_the_event_loop(lambda: sign_b_lt(pki, timestamper))

    reader = PdfFileReader(io.BytesIO(signed))
    dss = reader.root["/DSS"]
    assert len(dss["/OCSPs"]) >= 2  # the signer's and the TSA's status, from our responder
    [embedded] = reader.embedded_signatures
    root = asn1_x509.Certificate.load(pki.root.public_bytes(serialization.Encoding.DER))
    context = ValidationContext(trust_roots=[root], allow_fetching=True,
                                revocation_mode="hard-fail")
    status = off_the_event_loop(lambda: validate_pdf_signature(embedded, context))
    assert status.intact and status.valid and status.trusted, status.pretty_print_details()
    assert status.timestamp_validity is not None
    assert status.timestamp_validity.intact and status.timestamp_validity.valid
    assert status.timestamp_validity.trusted
    assert status.timestamp_validity.signing_cert.subject.native["common_name"] \
        == "hocba Demo TSA"


def test_hocba_pki_serve_serves_the_demo_pki_of_var(tmp_path: Path) -> None:
    import os
    import socket
    import sys

    from hocba.signing import ensure_demo_pki
    from hocba.signing.remote_signer import RemoteSigner

    ports = []
    for _ in range(2):
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            ports.append(probe.getsockname()[1])
    port, remote_port = ports
    hocba = Path(sys.executable).with_name("hocba")
    env = {**os.environ, "HOCBA_VAR": str(tmp_path)}
    with subprocess.Popen([str(hocba), "pki", "serve", "--port", str(port), "--remote-port",
                           str(remote_port)], env=env, stdout=subprocess.PIPE,
                          text=True) as server:
        try:
            assert server.stdout is not None
            first = server.stdout.readline()
            assert first.startswith(f"PKI demo tại http://127.0.0.1:{port}")
            crl = x509.load_der_x509_crl(get(f"http://127.0.0.1:{port}/crl"))
            assert crl.issuer.rfc4514_string().startswith("CN=hocba Demo Issuing CA,")
            assert (tmp_path / "pki" / "services" / "tsa.pem").exists()
            while "ký số từ xa" not in (line := server.stdout.readline()):
                assert line, "the remote-signing service did not start"
            assert f"http://127.0.0.1:{remote_port}" in line
            # A teacher's demo key, issued now, is a credential of the remote service at once.
            pki = ensure_demo_pki(tmp_path / "pki", base_url=f"http://127.0.0.1:{port}")
            teacher = pki.issue_personal(*TEACHER).pkcs12_path.stem
            remote = RemoteSigner.login(f"http://127.0.0.1:{remote_port}", teacher,
                                        "hocba-demo", teacher, poll_interval=0.05)
            assert "CN=Lê Thị Thu," in remote.certificate.subject.rfc4514_string()
        finally:
            server.terminate()


def test_the_demo_command_starts_the_services_and_warns_when_the_port_is_taken(
        settings: Any, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    import socket

    from hocba.cli import _start_pki_services

    settings.VAR_DIR = tmp_path
    services = _start_pki_services(0)
    try:
        assert f"Dịch vụ PKI demo (TSA, OCSP, CRL) tại {services.base_url}" \
            in capsys.readouterr().out
        x509.load_der_x509_crl(get(f"{services.base_url}/crl"))
    finally:
        services.stop()
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        assert _start_pki_services(taken.getsockname()[1]) is None
    assert "Không mở được cổng" in capsys.readouterr().err

    from hocba.cli import _start_remote_signing

    provider = _start_remote_signing(0, tmp_path / "pki")
    try:
        assert f"Dịch vụ ký số từ xa demo (kiểu CSC) tại {provider.base_url}" \
            in capsys.readouterr().out
    finally:
        provider.stop()


def test_an_older_pki_directory_gets_its_index_of_issued_serials(tmp_path: Path) -> None:
    from hocba.signing import ensure_demo_pki

    first = ensure_demo_pki(tmp_path / "pki")
    principal = first.issue_personal(*PRINCIPAL)
    tsa = first.tsa().certificate
    first.index_path.unlink()  # as made before the index existed
    again = ensure_demo_pki(tmp_path / "pki")
    assert {principal.certificate.serial_number, tsa.serial_number} <= again.issued_serials()


def test_malformed_requests_get_rfc_refusals_not_errors(services: PkiServices) -> None:
    from asn1crypto import algos, tsp

    def post(path: str, body: bytes) -> bytes:
        request = urllib.request.Request(f"{services.base_url}{path}", data=body)  # noqa: S310
        with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310
            data: bytes = response.read()
            return data

    from hocba.signing.online import TimeStampResponse

    garbage = TimeStampResponse.load(post("/tsa", b"not a request"))
    assert garbage["status"]["status"].native == "rejection"
    assert garbage["status"]["fail_info"].native == {"bad_data_format"}
    sha1 = tsp.TimeStampReq({"version": 1, "message_imprint": {
        "hash_algorithm": algos.DigestAlgorithm({"algorithm": "sha1"}),
        "hashed_message": bytes(20)}})
    refused = TimeStampResponse.load(post("/tsa", sha1.dump()))
    assert refused["status"]["fail_info"].native == {"bad_alg"}
    assert refused["status"]["status_string"].native == [
        "Chỉ chấp nhận giá trị băm SHA-256, SHA-384, SHA-512."]
    answer = ocsp.load_der_ocsp_response(post("/ocsp", b"not a request"))
    assert answer.response_status == ocsp.OCSPResponseStatus.MALFORMED_REQUEST


def test_a_tsa_refusal_reaches_the_signer_in_vietnamese(services: PkiServices,
                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    timestamper = HttpTimestamper(f"{services.base_url}/tsa")
    monkeypatch.setattr(timestamper, "request_cms", lambda digest, algorithm: (
        None, HttpTimestamper.request_cms(timestamper, bytes(20), "sha1")[1]))
    with pytest.raises(OnlineServiceError, match=r"Dịch vụ cấp dấu thời gian .* từ chối.*"
                                                 r"Chỉ chấp nhận giá trị băm SHA-256"):
        timestamper.timestamp(bytes(32))


def test_a_forked_worker_closes_its_copy_and_the_services_keep_serving(
        services: PkiServices) -> None:
    """gunicorn forks its workers after ``hocba demo`` started the services; a worker leaving
    through the demo's clean-up must not wait for a serving thread it does not have."""
    import os
    import signal

    child = os.fork()
    if child == 0:  # the worker
        services.stop()
        os._exit(0)
    for _ in range(500):
        done, status = os.waitpid(child, os.WNOHANG)
        if done:
            break
        time.sleep(0.01)
    else:
        os.kill(child, signal.SIGKILL)
        os.waitpid(child, 0)
        pytest.fail("the forked worker hung in PkiServices.stop()")
    assert os.waitstatus_to_exitcode(status) == 0
    x509.load_der_x509_crl(get(f"{services.base_url}/crl"))
