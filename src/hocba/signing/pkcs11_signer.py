"""A signer whose key never leaves a PKCS#11 token: the school's seal on its USB token (HCMC
CV 2817/SGDĐT-VP: the organisation certificate must be on a token kept at the school,
DOMAIN.md §3.3), or a teacher's own token (``ma_kieu_chu_ky`` = USB_TOKEN, CV 2088 PL1).

The token signs the digest itself:

- EC keys with raw ``CKM_ECDSA`` over the SHA-256 digest, because SoftHSM 2.6 (and some
  tokens) lack ``CKM_ECDSA_SHA256`` (STACK.md §2); the token returns r‖s, CMS and XMLDSig
  callers get DER ``Ecdsa-Sig-Value`` as ``SignerBackend`` promises;
- RSA keys with ``CKM_RSA_PKCS`` over the DER ``DigestInfo`` of the digest (RFC 8017 §9.2),
  the PKCS#1 v1.5 signature every RSA token offers.

One logged-in session is opened on construction and reused (a login per signature would make
batch signing of a whole school crawl); a lock keeps it to one operation at a time, as
PKCS#11 requires of a session.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import threading
from collections.abc import Sequence
from types import TracebackType
from typing import Any

import pkcs11
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature
from pkcs11 import Attribute, KeyType, Mechanism, ObjectClass
from pkcs11 import exceptions as p11

from hocba.signing.backends import SigningError

__all__ = ["Pkcs11Signer"]

# RFC 8017 §9.2 note 1: the DER DigestInfo prefix for SHA-256.
SHA256_DIGEST_INFO = bytes.fromhex("3031300d060960864801650304020105000420")

_REMOVED = (p11.DeviceRemoved, p11.TokenNotPresent, p11.SessionClosed,
            p11.SessionHandleInvalid, p11.DeviceError)


class Pkcs11Signer:
    """``SignerBackend`` over a key and its certificate object in a PKCS#11 token."""

    def __init__(self, library_path: str, token_label: str, pin: str, key_label: str, *,
                 chain: Sequence[x509.Certificate] = ()) -> None:
        self._label = token_label
        self._key_label = key_label
        library = _library(library_path)
        try:
            token = library.get_token(token_label=token_label)
        except p11.NoSuchToken as exc:
            raise SigningError(
                f"Không tìm thấy token «{token_label}». Hãy cắm USB token rồi thử lại.") from exc
        except p11.MultipleTokensReturned as exc:
            raise SigningError(
                f"Có nhiều token cùng tên «{token_label}»; hãy chỉ cắm một token.") from exc
        except p11.PKCS11Error as exc:
            raise SigningError(f"Không đọc được các khe token: {_name(exc)}.") from exc
        self._session = _login(token, library_path, token_label, pin)
        try:
            self._key = self._private_key()
            self.certificate = self._certificate_object()
            self.chain = tuple(chain) or self._chain_objects()
            self._key_type = self._key.key_type
        except BaseException:
            self.close()
            raise
        self._lock = threading.Lock()

    def sign_digests(self, digests: Sequence[bytes]) -> list[bytes]:
        for digest in digests:
            if len(digest) != 32:
                raise SigningError("Chỉ ký được giá trị băm SHA-256 (32 byte).")
        with self._lock:
            try:
                return [self._sign(digest) for digest in digests]
            except _REMOVED as exc:
                raise SigningError(
                    f"Mất kết nối với token «{self._label}» khi đang ký (token bị rút ra?). "
                    "Hãy cắm lại token và ký lại.") from exc
            except p11.PKCS11Error as exc:
                raise SigningError(
                    f"Token «{self._label}» không ký được: {_name(exc)}.") from exc

    def close(self) -> None:
        try:
            self._session.close()
        except p11.PKCS11Error:
            pass  # already gone with the token

    def __enter__(self) -> Pkcs11Signer:
        return self

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None,
                 trace: TracebackType | None) -> None:
        self.close()

    def _sign(self, digest: bytes) -> bytes:
        if self._key_type == KeyType.EC:
            raw = self._key.sign(digest, mechanism=Mechanism.ECDSA)
            half = len(raw) // 2
            return encode_dss_signature(int.from_bytes(raw[:half], "big"),
                                        int.from_bytes(raw[half:], "big"))
        return bytes(self._key.sign(SHA256_DIGEST_INFO + digest, mechanism=Mechanism.RSA_PKCS))

    def _private_key(self) -> Any:
        try:
            key = self._session.get_key(object_class=ObjectClass.PRIVATE_KEY,
                                        label=self._key_label)
        except p11.NoSuchKey as exc:
            raise SigningError(
                f"Không tìm thấy khoá ký «{self._key_label}» trong token «{self._label}».") from exc
        except p11.MultipleObjectsReturned as exc:
            raise SigningError(
                f"Token «{self._label}» có nhiều khoá cùng tên «{self._key_label}».") from exc
        if key.key_type not in (KeyType.EC, KeyType.RSA):
            raise SigningError(
                f"Khoá «{self._key_label}» không phải ECDSA hay RSA; chưa hỗ trợ loại khoá này.")
        return key

    def _certificate_object(self) -> x509.Certificate:
        """The certificate object with the key's CKA_ID (PKCS#11 §4.6.3 pairs them), else the
        one with the key's label; it must hold the key's public half."""
        key_id = self._key[Attribute.ID]
        found = list(self._session.get_objects({Attribute.CLASS: ObjectClass.CERTIFICATE,
                                                Attribute.ID: key_id})) if key_id else []
        found = found or list(self._session.get_objects({
            Attribute.CLASS: ObjectClass.CERTIFICATE, Attribute.LABEL: self._key_label}))
        if not found:
            raise SigningError(f"Token «{self._label}» không có chứng thư số đi kèm khoá "
                               f"«{self._key_label}».")
        certificate = x509.load_der_x509_certificate(found[0][Attribute.VALUE])
        if not self._matches(certificate):
            raise SigningError(f"Chứng thư số trong token «{self._label}» không khớp với khoá "
                               f"«{self._key_label}».")
        return certificate

    def _matches(self, certificate: x509.Certificate) -> bool:
        """Compare with the public key object beside the private one, when the token has it."""
        public = certificate.public_key()
        try:
            twin = self._session.get_key(object_class=ObjectClass.PUBLIC_KEY,
                                         id=self._key[Attribute.ID])
        except (p11.NoSuchKey, p11.MultipleObjectsReturned, p11.ArgumentsBad):
            return isinstance(public, ec.EllipticCurvePublicKey | rsa.RSAPublicKey)
        if isinstance(public, ec.EllipticCurvePublicKey):
            point = public.public_bytes(serialization.Encoding.X962,
                                        serialization.PublicFormat.UncompressedPoint)
            stored = bytes(twin[Attribute.EC_POINT])
            return stored in (point, bytes([0x04, len(point)]) + point)  # raw or DER OCTET STRING
        if isinstance(public, rsa.RSAPublicKey):
            return int.from_bytes(twin[Attribute.MODULUS], "big") == public.public_numbers().n
        return False

    def _chain_objects(self) -> tuple[x509.Certificate, ...]:
        """The CA certificates the token also holds, from the signer's issuer upwards."""
        pool = [x509.load_der_x509_certificate(obj[Attribute.VALUE]) for obj in
                self._session.get_objects({Attribute.CLASS: ObjectClass.CERTIFICATE})]
        chain: list[x509.Certificate] = []
        current = self.certificate
        while True:
            issuer = next((c for c in pool if c.subject == current.issuer
                           and c.subject != c.issuer and c not in chain), None)
            if issuer is None:
                return tuple(chain)
            chain.append(issuer)
            current = issuer


def _library(path: str) -> Any:
    try:
        return pkcs11.lib(path)
    except (p11.PKCS11Error, OSError) as exc:
        raise SigningError(
            f"Không nạp được thư viện PKCS#11 «{path}» (trình điều khiển USB token): {exc}"
        ) from exc


# PKCS#11 logs a user in per application, not per session: once one signer has logged in, a
# second C_Login fails with CKR_USER_ALREADY_LOGGED_IN whatever PIN it carries. Remember a salted
# hash of the PIN that worked, so a second signer with a wrong PIN is still refused.
_SALT = os.urandom(16)
_accepted_pins: dict[tuple[str, str], bytes] = {}


def _pin_hash(pin: str) -> bytes:
    return hashlib.sha256(_SALT + pin.encode("utf-8")).digest()


def _login(token: Any, library_path: str, label: str, pin: str) -> Any:
    slot = (library_path, f"{label}/{token.serial!r}")
    try:
        session = token.open(user_pin=pin)
    except p11.UserAlreadyLoggedIn as exc:
        known = _accepted_pins.get(slot)
        if known is not None and not hmac.compare_digest(known, _pin_hash(pin)):
            raise SigningError(f"Mã PIN của token «{label}» không đúng.") from exc
        return token.open()
    except p11.PinIncorrect as exc:
        raise SigningError(f"Mã PIN của token «{label}» không đúng.") from exc
    except p11.PinLocked as exc:
        raise SigningError(f"Token «{label}» đã bị khoá vì nhập sai PIN quá số lần cho phép; "
                           "hãy liên hệ nhà cung cấp chứng thư số để mở khoá.") from exc
    except (p11.PinLenRange, p11.PinInvalid) as exc:
        raise SigningError(f"Mã PIN của token «{label}» có độ dài hoặc ký tự không hợp lệ.") \
            from exc
    except p11.PinExpired as exc:
        raise SigningError(f"Mã PIN của token «{label}» đã hết hạn; hãy đổi PIN.") from exc
    except _REMOVED as exc:
        raise SigningError(f"Token «{label}» vừa bị rút ra; hãy cắm lại.") from exc
    _accepted_pins[slot] = _pin_hash(pin)
    return session


def _name(exc: Exception) -> str:
    return type(exc).__name__ + (f" ({exc})" if str(exc) else "")
