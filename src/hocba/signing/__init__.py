"""Signing adapter: the demo PKI today; PAdES and XML signatures build on it.

Django-free, like ``hocba.rendering``. Production replaces the demo PKI with the CA's
certificates (USB token, remote signing) and points the trust anchors at the Vietnamese roots
(DOMAIN.md §3.3); only the trust-anchor path is configuration.
"""

from hocba.signing.pki import (
    DEMO_PKCS12_PASSWORD,
    DemoPki,
    IssuedCertificate,
    PkiError,
    ensure_demo_pki,
    trust_anchors,
)

__all__ = [
    "DEMO_PKCS12_PASSWORD",
    "DemoPki",
    "IssuedCertificate",
    "PkiError",
    "ensure_demo_pki",
    "trust_anchors",
]
