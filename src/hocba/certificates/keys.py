"""From a registered certificate to the signer that holds its key.

``backend_for(certificate)`` is what the signing workflow calls: it answers with a
``hocba.signing.backends.SignerBackend`` whose certificate is exactly the registered one.
How the key is held (``ma_kieu_chu_ky``) picks the backend:

- ``PKCS12_FILE`` (the demo): ``$HOCBA_VAR/pki/<key_ref>`` opened with the published demo
  password, once per process (reloading a key per signature is the slowness STACK.md §2
  measured);
- ``USB_TOKEN``: a PKCS#11 token (``hocba.signing.pkcs11_signer``), ``key_ref`` written
  ``token label/key label``, the driver from ``HOCBA_PKCS11_LIBRARY``, the PIN from the
  signer at signing time;
- ``REMOTE_SIGNING``: a remote signing service (``hocba.signing.remote_signer``) at
  ``HOCBA_REMOTE_SIGNING_URL``, ``key_ref`` written ``account/credential id`` (or one name
  for both), the account's password from the signer at signing time.
"""

from __future__ import annotations

import functools
import os
from pathlib import Path

from cryptography import x509

from hocba.certificates.models import KeyHolding, SigningCertificate
from hocba.signing.backends import Pkcs12Signer, SignerBackend, SigningError

PKCS11_LIBRARY_ENV = "HOCBA_PKCS11_LIBRARY"
DEFAULT_PKCS11_LIBRARY = "/usr/lib/softhsm/libsofthsm2.so"
REMOTE_SIGNING_URL_ENV = "HOCBA_REMOTE_SIGNING_URL"
DEFAULT_REMOTE_SIGNING_URL = "http://127.0.0.1:8766"  # the demo provider ('hocba demo')


def pki_dir() -> Path:
    from hocba.config import var_dir

    return var_dir() / "pki"


def backend_for(certificate: SigningCertificate, *, pin: str | None = None,
                password: str | None = None) -> SignerBackend:
    """The signer for ``certificate``'s key; SigningError (Vietnamese) if it cannot be had.

    ``pin`` unlocks a USB token, ``password`` opens the holder's remote-signing account; the
    signer types them for this signing session and hocba never stores them. A token session
    should be closed by the caller when the batch is done."""
    holding = certificate.key_holding
    if holding == KeyHolding.PKCS12_FILE:
        backend: SignerBackend = _pkcs12(certificate)
    elif holding == KeyHolding.USB_TOKEN:
        backend = _token(certificate, pin)
    elif holding == KeyHolding.REMOTE_SIGNING:
        backend = _remote(certificate, password)
    else:
        raise SigningError(f"Kiểu giữ khoá «{holding}» của chứng thư số chưa được hỗ trợ.")
    if backend.certificate != _registered(certificate):
        raise SigningError(
            f"Khoá tại «{certificate.key_ref}» không thuộc chứng thư số đã đăng ký của "
            f"{certificate.holder_name} (số hiệu {certificate.serial_number}).")
    return backend


def _registered(certificate: SigningCertificate) -> x509.Certificate:
    return x509.load_der_x509_certificate(bytes(certificate.der))


def key_file(key_ref: str) -> Path:
    """The demo key file named by ``key_ref``, which must stay inside ``$HOCBA_VAR/pki``."""
    base = pki_dir().resolve()
    path = (base / key_ref).resolve()
    if not key_ref or Path(key_ref).is_absolute() or not path.is_relative_to(base):
        raise SigningError(f"Đường dẫn tệp khoá «{key_ref}» phải nằm trong thư mục PKI demo "
                           f"({base}).")
    return path


def _pkcs12(certificate: SigningCertificate) -> Pkcs12Signer:
    from hocba.signing import DEMO_PKCS12_PASSWORD

    path = key_file(certificate.key_ref)
    try:
        stamp = path.stat().st_mtime_ns
    except OSError:
        raise SigningError(f"Không tìm thấy tệp khoá «{certificate.key_ref}» của "
                           f"{certificate.holder_name}.") from None
    return _load_pkcs12(str(path), stamp, DEMO_PKCS12_PASSWORD)


@functools.lru_cache(maxsize=4096)
def _load_pkcs12(path: str, _stamp: int, password: bytes) -> Pkcs12Signer:
    # Keyed on the file's mtime too: a re-issued demo key file is read again.
    return Pkcs12Signer.load(Path(path), password)


def token_labels(key_ref: str) -> tuple[str, str] | None:
    """``nhãn token/nhãn khoá`` → (token label, key label), or None if not in that form."""
    token, _, key = key_ref.strip().partition("/")
    return (token.strip(), key.strip()) if token.strip() and key.strip() else None


def pkcs11_library() -> str:
    """The token driver: ``HOCBA_PKCS11_LIBRARY``, else Debian's SoftHSM2 (tests, demo)."""
    return os.environ.get(PKCS11_LIBRARY_ENV) or DEFAULT_PKCS11_LIBRARY


def _token(certificate: SigningCertificate, pin: str | None) -> SignerBackend:
    from hocba.signing.pkcs11_signer import Pkcs11Signer

    labels = token_labels(certificate.key_ref)
    if labels is None:
        raise SigningError(f"Nơi giữ khoá «{certificate.key_ref}» phải ghi dạng «nhãn token/"
                           "nhãn khoá».")
    if not pin:
        raise SigningError(f"Cần mã PIN của USB token «{labels[0]}» để ký bằng chứng thư số "
                           f"của {certificate.holder_name}.")
    chain = _registered_chain(certificate)
    return Pkcs11Signer(pkcs11_library(), labels[0], pin, labels[1], chain=chain)


def _registered_chain(certificate: SigningCertificate) -> tuple[x509.Certificate, ...]:
    if not certificate.chain_pem:
        return ()
    return tuple(x509.load_pem_x509_certificates(certificate.chain_pem.encode("ascii")))


def remote_signing_url() -> str:
    """The remote-signing service: ``HOCBA_REMOTE_SIGNING_URL``, else the demo's provider."""
    return os.environ.get(REMOTE_SIGNING_URL_ENV) or DEFAULT_REMOTE_SIGNING_URL


def remote_account(key_ref: str) -> tuple[str, str]:
    """``tài khoản/mã chứng thư`` → (account, credential id); one name serves both (the demo
    provider names an account after its credential)."""
    account, _, credential = key_ref.strip().partition("/")
    return (account.strip(), credential.strip() or account.strip())


def _remote(certificate: SigningCertificate, password: str | None) -> SignerBackend:
    """A session at the remote-signing service (VNPT SmartCA, Viettel MySign style): the
    holder logs in, then confirms each batch on their phone (``hocba.signing.remote_signer``)."""
    from hocba.signing.remote_signer import RemoteSigner

    account, credential = remote_account(certificate.key_ref)
    if not password:
        raise SigningError(f"Cần mật khẩu tài khoản ký số từ xa «{account}» để ký bằng chứng "
                           f"thư số của {certificate.holder_name}.")
    return RemoteSigner.login(remote_signing_url(), account, password, credential)
