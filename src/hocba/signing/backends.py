"""Where a signer's private key lives, behind one small interface.

Every format we sign (PAdES CMS signed attributes, the MOET XMLDSig ``SignedInfo``, RFC 3161
requests do not need a key) reduces to one operation: sign a SHA-256 digest with the signer's
key. That is also all a USB token (PKCS#11) or a remote signing service (VNPT SmartCA, Viettel
MySign, the Cipher Committee's service: DOMAIN.md §3.4) offers, and the remote ones sign
*many* digests per user confirmation. So a backend is:

- ``certificate`` and ``chain`` (the signer's certificate, then its issuing CAs up to but not
  including the trust anchor), read once;
- ``sign_digests(digests)``: one signature per SHA-256 digest, in order, for one
  confirmation. ECDSA signatures are DER ``Ecdsa-Sig-Value``; RSA ones PKCS#1 v1.5.

Callers build the bytes to sign, hash them, and put the returned signatures in place; the
backend never sees a document. Implementations: ``Pkcs12Signer`` here (the demo), the
PKCS#11 token and the remote service in their own modules.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol, runtime_checkable

from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa, utils
from cryptography.hazmat.primitives.serialization import pkcs12


class SigningError(Exception):
    """A signature could not be made; the message is Vietnamese and says what to do."""


class SigningDeclined(SigningError):
    """The signer refused to confirm (a remote service's user said no)."""


class SigningTimedOut(SigningError):
    """The signer did not confirm in time."""


@runtime_checkable
class SignerBackend(Protocol):
    @property
    def certificate(self) -> x509.Certificate: ...

    @property
    def chain(self) -> tuple[x509.Certificate, ...]: ...

    def sign_digests(self, digests: Sequence[bytes]) -> list[bytes]:
        """One signature per 32-byte SHA-256 digest, in order (one user confirmation)."""
        ...


def signature_algorithm(certificate: x509.Certificate) -> str:
    """The CMS/XMLDSig name of the key's algorithm: ``ecdsa`` or ``rsa``."""
    key = certificate.public_key()
    if isinstance(key, ec.EllipticCurvePublicKey):
        return "ecdsa"
    if isinstance(key, rsa.RSAPublicKey):
        return "rsa"
    raise SigningError("Chứng thư số dùng loại khoá chưa được hỗ trợ (chỉ ECDSA hoặc RSA).")


def signature_matches(certificate: x509.Certificate, digest: bytes, signature: bytes) -> bool:
    """Whether ``signature`` is the certificate's key's signature of the SHA-256 ``digest``
    (the inverse of ``sign_digests``). Callers check what a token or a remote service returns
    before it goes into a record."""
    key = certificate.public_key()
    prehashed = utils.Prehashed(hashes.SHA256())
    try:
        if isinstance(key, ec.EllipticCurvePublicKey):
            key.verify(signature, digest, ec.ECDSA(prehashed))
        elif isinstance(key, rsa.RSAPublicKey):
            key.verify(signature, digest, padding.PKCS1v15(), prehashed)
        else:
            raise SigningError(
                "Chứng thư số dùng loại khoá chưa được hỗ trợ (chỉ ECDSA hoặc RSA).")
    except (InvalidSignature, ValueError):
        return False
    return True


@dataclass(frozen=True)
class Pkcs12Signer:
    """A key and certificate from a PKCS#12 file, loaded once (the demo signers).

    Loading a key once matters: pyHanko's own file signer reloads it on every signature,
    which costs 46 ms per RSA-2048 signature (STACK.md §2).
    """

    key: ec.EllipticCurvePrivateKey | rsa.RSAPrivateKey
    certificate: x509.Certificate
    chain: tuple[x509.Certificate, ...]

    @classmethod
    def load(cls, path: Path, password: bytes) -> Pkcs12Signer:
        try:
            key, certificate, extra = pkcs12.load_key_and_certificates(
                path.read_bytes(), password)
        except (OSError, ValueError) as exc:
            raise SigningError(f"Không mở được tệp khoá «{path.name}»: {exc}") from exc
        if certificate is None or not isinstance(
                key, ec.EllipticCurvePrivateKey | rsa.RSAPrivateKey):
            raise SigningError(f"Tệp «{path.name}» không chứa khoá và chứng thư số ký được.")
        # The chain stops before the self-signed anchor: verifiers bring their own root.
        chain = tuple(c for c in extra or () if c.issuer != c.subject)
        return cls(key, certificate, chain)

    def sign_digests(self, digests: Sequence[bytes]) -> list[bytes]:
        prehashed = utils.Prehashed(hashes.SHA256())
        signatures = []
        for digest in digests:
            if len(digest) != 32:
                raise SigningError("Chỉ ký được giá trị băm SHA-256 (32 byte).")
            if isinstance(self.key, ec.EllipticCurvePrivateKey):
                signatures.append(self.key.sign(digest, ec.ECDSA(prehashed)))
            else:
                signatures.append(self.key.sign(digest, padding.PKCS1v15(), prehashed))
        return signatures
