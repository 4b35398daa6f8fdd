"""A teacher's certificate held at a remote-signing provider (ký số từ xa, as VNPT SmartCA or
Viettel MySign): registered as ``REMOTE_SIGNING``, and ``backend_for`` logs in to the
provider and signs after the holder confirms on their phone (the local CSC-style provider)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec, utils

from hocba.certificates import selectors, services
from hocba.certificates.keys import REMOTE_SIGNING_URL_ENV
from hocba.certificates.models import KeyHolding, Provider
from hocba.domain.access import Role
from hocba.signing import DEMO_PKCS12_PASSWORD, DemoPki
from hocba.signing.backends import SigningDeclined, SigningError
from hocba.signing.remote_provider import Confirmation, RemoteSigningProvider
from hocba.signing.remote_signer import RemoteSigner
from tests.certificates_support import (  # noqa: F401  (fixtures)
    GVCN_CCCD,
    issue_gvcn,
    pem,
    pki_fixture,
    pki_var_fixture,
    signers_fixture,
)

pytestmark = pytest.mark.django_db
ACCOUNT = f"CCCD-{GVCN_CCCD}"  # the demo provider names account and credential by the file


@pytest.fixture
def provider(pki: DemoPki, monkeypatch: pytest.MonkeyPatch) -> Iterator[RemoteSigningProvider]:
    with RemoteSigningProvider(approve_after=0.05) as running:
        running.add_demo_pki(pki.directory)
        monkeypatch.setenv(REMOTE_SIGNING_URL_ENV, running.start())
        yield running


def test_a_remote_signing_certificate_signs_after_the_holders_confirmation(
        pki: DemoPki, signers: Any, provider: RemoteSigningProvider) -> None:
    gvcn = signers.users[Role.GVCN]
    issued = issue_gvcn(pki)
    cert = services.register_certificate(gvcn, gvcn, pem(issued), KeyHolding.REMOTE_SIGNING,
                                         ACCOUNT, provider=Provider.VNPT)
    assert selectors.active_personal_certificate(signers.teacher_gvcn) == cert
    with pytest.raises(SigningError, match=f"Cần mật khẩu tài khoản ký số từ xa «{ACCOUNT}»"):
        selectors.backend_for(cert)
    backend = selectors.backend_for(cert, password=DEMO_PKCS12_PASSWORD.decode())
    assert isinstance(backend, RemoteSigner) and backend.certificate == issued.certificate
    digests = [bytes([n]) * 32 for n in range(3)]  # three records, one confirmation
    public = issued.certificate.public_key()
    assert isinstance(public, ec.EllipticCurvePublicKey)
    for digest, signature in zip(digests, backend.sign_digests(digests), strict=True):
        public.verify(signature, digest, ec.ECDSA(utils.Prehashed(hashes.SHA256())))
    provider.set_confirmation(ACCOUNT, Confirmation.DECLINE)
    with pytest.raises(SigningDeclined):
        backend.sign_digests(digests[:1])
