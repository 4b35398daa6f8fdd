"""A school's seal held on a USB token (HCMC CV 2817/SGDĐT-VP: the organisation certificate
lives on a token kept at the school): registered as ``USB_TOKEN``, approved by the Phòng, and
``backend_for`` signs through the token (Debian's SoftHSM2, key generated inside it)."""

from __future__ import annotations

import os
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pkcs11
import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, utils
from pkcs11 import Attribute, CertificateType, KeyType, ObjectClass
from pkcs11.util.ec import encode_ec_public_key, encode_named_curve_parameters

from hocba.certificates import selectors, services
from hocba.certificates.keys import DEFAULT_PKCS11_LIBRARY, PKCS11_LIBRARY_ENV
from hocba.certificates.models import KeyHolding, Provider
from hocba.domain.access import Role
from hocba.signing import DemoPki, subjects
from hocba.signing.backends import SigningError
from hocba.signing.pkcs11_signer import Pkcs11Signer
from tests.certificates_support import (  # noqa: F401  (fixtures)
    pki_fixture,
    pki_var_fixture,
    signers_fixture,
)

pytestmark = pytest.mark.django_db
TOKEN, PIN, SO_PIN = "TRUONG-01000101", "135790", "24680135"


@pytest.fixture
def token(pki: DemoPki, tmp_path: Path, world: Any) -> Iterator[x509.Certificate]:
    """A fresh SoftHSM token whose key "con-dau" the demo CA certified as the school's seal."""
    (tmp_path / "tokens").mkdir()
    conf = tmp_path / "softhsm2.conf"
    conf.write_text(f"directories.tokendir = {tmp_path / 'tokens'}\nobjectstore.backend = "
                    "file\nlog.level = ERROR\n", encoding="utf-8")
    previous = os.environ.get("SOFTHSM2_CONF")
    os.environ["SOFTHSM2_CONF"] = str(conf)
    subprocess.run(["softhsm2-util", "--init-token", "--free", "--label", TOKEN, "--pin", PIN,
                    "--so-pin", SO_PIN], check=True, capture_output=True)
    library = pkcs11.lib(DEFAULT_PKCS11_LIBRARY)
    library.reinitialize()  # SoftHSM reads SOFTHSM2_CONF when initialised
    with library.get_token(token_label=TOKEN).open(user_pin=PIN, rw=True) as session:
        parameters = session.create_domain_parameters(KeyType.EC, {
            Attribute.EC_PARAMS: encode_named_curve_parameters("secp256r1")}, local=True)
        public, _ = parameters.generate_keypair(
            store=True, label="con-dau", id=b"\x01",
            private_template={Attribute.SENSITIVE: True, Attribute.EXTRACTABLE: False,
                              Attribute.SIGN: True})
        loaded = serialization.load_der_public_key(encode_ec_public_key(public))
        assert isinstance(loaded, ec.EllipticCurvePublicKey)
        seal = pki.certify(subjects.organisation_subject(world.school.name, world.school.code),
                           loaded)
        session.create_object({
            Attribute.CLASS: ObjectClass.CERTIFICATE,
            Attribute.CERTIFICATE_TYPE: CertificateType.X_509, Attribute.TOKEN: True,
            Attribute.LABEL: "con-dau", Attribute.ID: b"\x01",
            Attribute.SUBJECT: seal.subject.public_bytes(),
            Attribute.VALUE: seal.public_bytes(serialization.Encoding.DER)})
    yield seal
    if previous is None:
        os.environ.pop("SOFTHSM2_CONF", None)
    else:
        os.environ["SOFTHSM2_CONF"] = previous


def test_a_seal_on_a_usb_token_is_approved_and_signs_through_the_token(
        token: x509.Certificate, signers: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(PKCS11_LIBRARY_ENV, raising=False)
    seal = services.register_certificate(
        signers.users[Role.VAN_THU], signers.school,
        token.public_bytes(serialization.Encoding.PEM), KeyHolding.USB_TOKEN,
        f"{TOKEN}/con-dau", provider=Provider.BAN_CO_YEU)
    services.approve_organisation_certificate(signers.users[Role.PHONG_OFFICER], seal, True)
    approved = selectors.approved_seal(signers.school)
    assert approved == seal
    with pytest.raises(SigningError, match=f"Cần mã PIN của USB token «{TOKEN}»"):
        selectors.backend_for(approved)
    with pytest.raises(SigningError, match=r"Mã PIN .* không đúng"):
        selectors.backend_for(approved, pin="000000")
    backend = selectors.backend_for(approved, pin=PIN)
    try:
        assert isinstance(backend, Pkcs11Signer) and backend.certificate == token
        digest = bytes(range(32))
        (signature,) = backend.sign_digests([digest])
        public = token.public_key()
        assert isinstance(public, ec.EllipticCurvePublicKey)
        public.verify(signature, digest, ec.ECDSA(utils.Prehashed(hashes.SHA256())))
    finally:
        backend.close()
