"""Signing adapter: the demo PKI and its online services (``services``, ``online``), signer
backends (``backends``: PKCS#12; ``pkcs11_signer``; ``remote_signer``); PAdES and XML
signatures build on them.

Django-free, like ``hocba.rendering``. Production replaces the demo PKI with the CA's
certificates (USB token, remote signing) and points the trust anchors at the Vietnamese roots
(DOMAIN.md §3.3); only the trust-anchor path is configuration.
"""

from hocba.signing.pki import (
    DEMO_PKCS12_PASSWORD,
    DemoPki,
    IssuedCertificate,
    PkiError,
    ServiceKey,
    ensure_demo_pki,
    trust_anchors,
)

__all__ = [
    "DEMO_PKCS12_PASSWORD",
    "DemoPki",
    "IssuedCertificate",
    "PkiError",
    "ServiceKey",
    "ensure_demo_pki",
    "trust_anchors",
]
