"""Signing adapter: the demo PKI and its online services (``services``, ``online``), signer
backends (``backends``: PKCS#12; ``pkcs11_signer``; ``remote_signer``); PAdES and XML
signatures build on them.

Django-free, like ``hocba.rendering``. Production replaces the demo PKI with the CA's
certificates (USB token, remote signing) and points the trust anchors at the Vietnamese roots
(DOMAIN.md §3.3); only the trust-anchor path is configuration.
"""

from typing import TYPE_CHECKING, Any

from hocba.signing.pki import (
    DEMO_PKCS12_PASSWORD,
    DemoPki,
    IssuedCertificate,
    PkiError,
    ServiceKey,
    ensure_demo_pki,
    trust_anchors,
)

if TYPE_CHECKING:
    from hocba.signing.online import HttpTimestamper, fetch_ocsp
    from hocba.signing.pdf_verify import PdfSignatureCheck, verify_pdf
    from hocba.signing.pkcs11_signer import Pkcs11Signer
    from hocba.signing.remote_provider import RemoteSigningProvider
    from hocba.signing.remote_signer import RemoteSigner
    from hocba.signing.services import PkiServices

# Imported on first use: the certificate app only needs the PKI, not HTTP, pyHanko or PKCS#11.
_LAZY = {
    "HttpTimestamper": "hocba.signing.online",
    "fetch_ocsp": "hocba.signing.online",
    "PdfSignatureCheck": "hocba.signing.pdf_verify",
    "Pkcs11Signer": "hocba.signing.pkcs11_signer",
    "PkiServices": "hocba.signing.services",
    "RemoteSigner": "hocba.signing.remote_signer",
    "RemoteSigningProvider": "hocba.signing.remote_provider",
    "verify_pdf": "hocba.signing.pdf_verify",
}

__all__ = [
    "DEMO_PKCS12_PASSWORD",
    "DemoPki",
    "HttpTimestamper",
    "IssuedCertificate",
    "PdfSignatureCheck",
    "Pkcs11Signer",
    "PkiError",
    "PkiServices",
    "RemoteSigner",
    "RemoteSigningProvider",
    "ServiceKey",
    "ensure_demo_pki",
    "fetch_ocsp",
    "trust_anchors",
    "verify_pdf",
]


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        import importlib

        return getattr(importlib.import_module(_LAZY[name]), name)
    raise AttributeError(f"module 'hocba.signing' has no attribute {name!r}")
