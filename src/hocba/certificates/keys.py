"""From a registered certificate to the signer that holds its key.

``backend_for(certificate)`` is what the signing workflow calls: it answers with a
``hocba.signing.backends.SignerBackend`` whose certificate is exactly the registered one.
How the key is held (``ma_kieu_chu_ky``) picks the backend:

- ``PKCS12_FILE`` (the demo): ``$HOCBA_VAR/pki/<key_ref>`` opened with the published demo
  password, once per process (reloading a key per signature is the slowness STACK.md §2
  measured);
- ``USB_TOKEN``: a PKCS#11 token, ``key_ref`` naming the key's label;
- ``REMOTE_SIGNING``: a remote signing service, ``key_ref`` the provider's credential id.
"""

from __future__ import annotations

import functools
import importlib
from pathlib import Path
from typing import Any

from cryptography import x509

from hocba.certificates.models import KeyHolding, SigningCertificate
from hocba.signing.backends import Pkcs12Signer, SignerBackend, SigningError


def pki_dir() -> Path:
    from hocba.config import var_dir

    return var_dir() / "pki"


def backend_for(certificate: SigningCertificate) -> SignerBackend:
    """The signer for ``certificate``'s key; SigningError (Vietnamese) if it cannot be had."""
    holding = certificate.key_holding
    if holding == KeyHolding.PKCS12_FILE:
        backend: SignerBackend = _pkcs12(certificate)
    elif holding == KeyHolding.USB_TOKEN:
        backend = _optional_backend("hocba.signing.pkcs11_signer", "Pkcs11Signer", certificate,
                                    "USB token (PKCS#11)")
    elif holding == KeyHolding.REMOTE_SIGNING:
        backend = _optional_backend("hocba.signing.remote_signer", "RemoteSigner", certificate,
                                    "ký số từ xa")
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


def _optional_backend(module_name: str, class_name: str, certificate: SigningCertificate,
                      what: str) -> SignerBackend:
    """The token and remote backends are wired when their modules exist (issue 5 §2)."""
    try:
        module = importlib.import_module(module_name)
    except ImportError:
        module = None
    factory: Any = getattr(module, class_name, None)
    if factory is None:
        raise SigningError(f"Chưa hỗ trợ ký bằng {what} cho chứng thư số của "
                           f"{certificate.holder_name}; hãy dùng cách giữ khoá khác.")
    for constructor in ("for_certificate", "from_registration"):
        build = getattr(factory, constructor, None)
        if callable(build):
            backend: SignerBackend = build(certificate.key_ref, _registered(certificate))
            return backend
    raise SigningError(f"Bộ ký {what} chưa có cách mở theo chứng thư số đã đăng ký.")
