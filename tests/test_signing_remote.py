"""Remote signing (ký số từ xa, issue 5 §2): the holder confirms once on their phone for many
hashes, or declines, or never answers; the local CSC-style provider plays the service.
"""

from __future__ import annotations

import base64
import hashlib
import json
import threading
import time
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec, utils

from hocba.signing import DEMO_PKCS12_PASSWORD, IssuedCertificate, ensure_demo_pki
from hocba.signing.backends import SignerBackend, SigningDeclined, SigningError, SigningTimedOut
from hocba.signing.remote_provider import Confirmation, RemoteSigningProvider
from hocba.signing.remote_signer import RemoteSigner

PRINCIPAL = ("Phạm Văn Hùng", "027175000003", "Hiệu trưởng")
TEACHER = ("Lê Thị Thu", "027180000011", "Giáo viên chủ nhiệm")


@dataclass(frozen=True)
class Service:
    provider: RemoteSigningProvider
    url: str
    token: str  # the principal's bearer token
    principal: IssuedCertificate
    root: x509.Certificate


@pytest.fixture
def service(tmp_path: Path) -> Iterator[Service]:
    pki = ensure_demo_pki(tmp_path / "pki")
    principal = pki.issue_personal(*PRINCIPAL)
    teacher = pki.issue_personal(*TEACHER)
    with RemoteSigningProvider(approve_after=0.05) as provider:
        token = provider.add_user("hung.pv", "mat-khau-hung")
        provider.add_credential("hung.pv", "smartca-hung", principal.pkcs12_path,
                                DEMO_PKCS12_PASSWORD)
        provider.add_user("thu.lt", "mat-khau-thu")
        provider.add_credential("thu.lt", "smartca-thu", teacher.pkcs12_path,
                                DEMO_PKCS12_PASSWORD)
        yield Service(provider, provider.base_url, token, principal, pki.root)


def digests(count: int) -> list[bytes]:
    return [hashlib.sha256(f"học bạ {n}".encode()).digest() for n in range(count)]


def signer(service: Service, **options: Any) -> RemoteSigner:
    options.setdefault("poll_interval", 0.02)
    return RemoteSigner(service.url, "smartca-hung", service.token, **options)


def post(url: str, body: dict[str, Any], headers: dict[str, str]) -> tuple[int, dict[str, Any]]:
    request = urllib.request.Request(  # noqa: S310 (loopback)
        url, data=json.dumps(body).encode(), headers={"Content-Type": "application/json",
                                                      **headers})
    try:
        with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read())


def test_a_whole_class_is_signed_after_one_confirmation(service: Service) -> None:
    remote = signer(service)
    assert isinstance(remote, SignerBackend)
    assert remote.certificate == service.principal.certificate
    assert [c.subject.rfc4514_string() for c in remote.chain] \
        == ["CN=hocba Demo Issuing CA,O=hocba (demo\\, không dùng thật),C=VN"]
    values = digests(240)
    signatures = remote.sign_digests(values)
    public = service.principal.certificate.public_key()
    assert isinstance(public, ec.EllipticCurvePublicKey)
    for digest, signature in zip(values, signatures, strict=True):
        public.verify(signature, digest, ec.ECDSA(utils.Prehashed(hashes.SHA256())))
    [asked] = service.provider.authorizations("smartca-hung")  # one confirmation for all
    assert asked["status"] == "approved" and asked["hashes"] == 240


def test_the_holder_declines_on_the_phone(service: Service) -> None:
    service.provider.set_confirmation("smartca-hung", Confirmation.DECLINE)
    with pytest.raises(SigningDeclined, match="Người ký đã từ chối yêu cầu ký 3 văn bản"):
        signer(service).sign_digests(digests(3))


def test_the_holder_never_answers_and_the_signer_stops_waiting(service: Service) -> None:
    service.provider.set_confirmation("smartca-hung", Confirmation.NEVER)
    with pytest.raises(SigningTimedOut, match=r"chưa xác nhận yêu cầu ký 2 văn bản .* trong "
                                              r"0\.2 giây; chưa văn bản nào được ký"):
        signer(service, confirm_timeout=0.2).sign_digests(digests(2))
    [asked] = service.provider.authorizations("smartca-hung")
    assert asked["status"] == "pending"


def test_a_request_the_provider_lets_expire_is_a_time_out(service: Service) -> None:
    service.provider.set_confirmation("smartca-hung", Confirmation.NEVER)
    service.provider.confirm_within = 0.1
    with pytest.raises(SigningTimedOut):
        signer(service, confirm_timeout=30).sign_digests(digests(1))
    assert service.provider.authorizations("smartca-hung")[0]["status"] == "expired"


def test_the_holder_confirms_by_hand_while_the_signer_waits(service: Service) -> None:
    service.provider.set_confirmation("smartca-hung", Confirmation.MANUAL)
    result: dict[str, Any] = {}
    worker = threading.Thread(target=lambda: result.update(
        signatures=signer(service, confirm_timeout=30).sign_digests(digests(5))))
    worker.start()
    pending: list[dict[str, Any]] = []
    while not pending:  # the phone shows the request once the signer has asked
        with urllib.request.urlopen(f"{service.url}/_demo/pending") as response:  # noqa: S310
            pending = json.loads(response.read())["pending"]
        time.sleep(0.01)
    assert pending[0]["credentialID"] == "smartca-hung" and pending[0]["hashes"] == 5
    status, answer = post(f"{service.url}/_demo/confirm/{pending[0]['id']}", {}, {})
    assert (status, answer) == (200, {"done": True})
    worker.join()
    assert len(result["signatures"]) == 5


def test_a_credential_that_is_not_the_holders_is_refused(service: Service) -> None:
    with pytest.raises(SigningError, match="Không tìm thấy chứng thư số «khong-co»"):
        RemoteSigner(service.url, "khong-co", service.token)
    with pytest.raises(SigningError, match="Không tìm thấy chứng thư số «smartca-thu»"):
        RemoteSigner(service.url, "smartca-thu", service.token)  # the teacher's, not his
    with pytest.raises(SigningError, match="không hợp lệ hoặc đã hết hạn; hãy đăng nhập lại"):
        RemoteSigner(service.url, "smartca-hung", "token-gia")


def test_the_holder_logs_in_and_lists_credentials(service: Service) -> None:
    basic = base64.b64encode(b"thu.lt:mat-khau-thu").decode()
    status, login = post(f"{service.url}/csc/v2/auth/login", {},
                         {"Authorization": f"Basic {basic}"})
    assert status == 200
    bearer = {"Authorization": f"Bearer {login['access_token']}"}
    assert post(f"{service.url}/csc/v2/credentials/list", {}, bearer) \
        == (200, {"credentialIDs": ["smartca-thu"]})
    wrong = base64.b64encode(b"thu.lt:sai").decode()
    assert post(f"{service.url}/csc/v2/auth/login", {}, {"Authorization": f"Basic {wrong}"})[0] \
        == 401
    status, info = post(f"{service.url}/csc/v2/info", {}, {})
    assert status == 200 and "signatures/signHash" in info["methods"]


def test_a_confirmation_covers_only_the_hashes_shown_and_only_once(service: Service) -> None:
    bearer = {"Authorization": f"Bearer {service.token}"}
    api = f"{service.url}/csc/v2"
    shown = [base64.b64encode(d).decode() for d in digests(2)]
    _, pending = post(f"{api}/credentials/authorize", {
        "credentialID": "smartca-hung", "numSignatures": 2, "hashes": shown}, bearer)
    check: dict[str, Any] = {"status": "pending"}
    while check["status"] == "pending":
        _, check = post(f"{api}/credentials/authorizeCheck",
                        {"authorizationID": pending["authorizationID"]}, bearer)
    other = base64.b64encode(hashlib.sha256(b"a record not shown").digest()).decode()
    status, refused = post(f"{api}/signatures/signHash", {
        "credentialID": "smartca-hung", "SAD": check["SAD"], "hashes": [other]}, bearer)
    assert status == 400 and "chưa được người ký xác nhận" in refused["error_description"]
    assert post(f"{api}/signatures/signHash", {
        "credentialID": "smartca-hung", "SAD": check["SAD"], "hashes": shown}, bearer)[0] == 200
    status, again = post(f"{api}/signatures/signHash", {
        "credentialID": "smartca-hung", "SAD": check["SAD"], "hashes": shown}, bearer)
    assert status == 400 and "đã ký rồi" in again["error_description"]


def test_an_authorisation_must_count_its_hashes(service: Service) -> None:
    bearer = {"Authorization": f"Bearer {service.token}"}
    status, answer = post(f"{service.url}/csc/v2/credentials/authorize", {
        "credentialID": "smartca-hung", "numSignatures": 3,
        "hashes": [base64.b64encode(bytes(32)).decode()]}, bearer)
    assert status == 400 and "numSignatures" in answer["error_description"]


def test_a_class_of_records_is_signed_in_pades_after_one_confirmation(service: Service) -> None:
    """The principal's CBQL field in several records: every digest goes to the phone at once,
    and each record's signature validates in pyHanko."""
    pades = pytest.importorskip("hocba.signing.pades")  # written alongside (issue 5 §4)
    import datetime as dt
    import io
    from concurrent.futures import ThreadPoolExecutor

    from asn1crypto import x509 as asn1_x509
    from cryptography.hazmat.primitives.serialization import Encoding
    from pyhanko.pdf_utils.reader import PdfFileReader
    from pyhanko.sign.validation import validate_pdf_signature
    from pyhanko_certvalidator import ValidationContext

    from hocba.rendering import render_record

    record = Path(__file__).resolve().parents[1] / "docs" / "examples" / "record-primary.json"
    pdf = render_record(json.loads(record.read_text(encoding="utf-8")),
                        verify_url="http://127.0.0.1:8000/tra-cuu")
    remote = signer(service)
    start = dt.datetime.now(dt.UTC)
    prepared = [pades.prepare_pdf_signature(
        pdf, "CBQL", remote.certificate, remote.chain, level="B-B",
        signing_time=start + dt.timedelta(seconds=n),
        appearance=pades.StampText(PRINCIPAL[0], PRINCIPAL[2], start)) for n in range(4)]
    signatures = remote.sign_digests([p.digest for p in prepared])
    signed = [p.finish(s) for p, s in zip(prepared, signatures, strict=True)]
    [asked] = service.provider.authorizations("smartca-hung")
    assert asked["hashes"] == 4

    root = asn1_x509.Certificate.load(service.root.public_bytes(Encoding.DER))
    for document in signed:
        def check(document: bytes = document) -> Any:
            [embedded] = PdfFileReader(io.BytesIO(document)).embedded_signatures
            context = ValidationContext(trust_roots=[root], allow_fetching=False)
            return validate_pdf_signature(embedded, context)

        with ThreadPoolExecutor(max_workers=1) as pool:  # pyHanko runs its own event loop
            status = pool.submit(check).result()
        assert status.intact and status.valid and status.trusted, status.pretty_print_details()
        assert status.signing_cert.subject.native["common_name"] == PRINCIPAL[0]


def test_the_demo_provider_holds_every_demo_certificate_under_its_file_name(
        tmp_path: Path) -> None:
    pki = ensure_demo_pki(tmp_path / "pki")
    with RemoteSigningProvider(approve_after=0.0) as provider:
        provider.add_demo_pki(pki.directory)
        issued = pki.issue_personal(*TEACHER)  # issued while the provider runs
        account = issued.pkcs12_path.stem
        assert account == "CCCD-027180000011"
        remote = RemoteSigner.login(provider.base_url, account, "hocba-demo", account,
                                    poll_interval=0.01)
        assert remote.certificate == issued.certificate
        [signature] = remote.sign_digests(digests(1))
        public = issued.certificate.public_key()
        assert isinstance(public, ec.EllipticCurvePublicKey)
        public.verify(signature, digests(1)[0], ec.ECDSA(utils.Prehashed(hashes.SHA256())))

        with pytest.raises(SigningError, match="Sai tên đăng nhập hoặc mật khẩu"):
            RemoteSigner.login(provider.base_url, account, "sai", account)
        seal = pki.issue_organisation("Trường Tiểu học Phật Tích", "27260001").pkcs12_path.stem
        with pytest.raises(SigningError, match=f"Không tìm thấy chứng thư số «{seal}»"):
            RemoteSigner.login(provider.base_url, account, "hocba-demo", seal)
        with pytest.raises(SigningError, match="Sai tên đăng nhập"):
            RemoteSigner.login(provider.base_url, "../pki/issued/x", "hocba-demo", account)
