"""The CAdES-detached CMS of a PAdES signature (ETSI EN 319 142-1 §6.3, EN 319 122-1), in DER.

A PAdES baseline signature's CMS is small and fixed in shape: SHA-256, the signed attributes
content-type, message-digest and signing-certificate-v2 (no signing-time: PAdES puts the time
in the signature dictionary's /M), the signer's certificate and chain, and for B-T and above a
signature time-stamp token (RFC 3161) as an unsigned attribute. Writing its DER directly takes
12–20 µs; building the same SignedData with asn1crypto (as pyHanko's ``pdf_cms`` helpers do)
measured 17–19 ms here, because it re-encodes every embedded certificate, which alone would
exceed the few milliseconds a signature may take (issue 5 "Measured"). pyHanko's validator
and poppler read the result.

The per-certificate parts (DER, issuer-and-serial, the ESS hash) are computed once per signer.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from functools import lru_cache

from cryptography import x509
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.hazmat.primitives.serialization import Encoding


def _length(n: int) -> bytes:
    if n < 0x80:
        return bytes([n])
    raw = n.to_bytes((n.bit_length() + 7) // 8, "big")
    return bytes([0x80 | len(raw)]) + raw


def tlv(tag: int, content: bytes) -> bytes:
    return bytes([tag]) + _length(len(content)) + content


def seq(*parts: bytes) -> bytes:
    return tlv(0x30, b"".join(parts))


def der_set(*parts: bytes) -> bytes:
    """A DER SET OF: members in ascending order of their encodings (X.690 §11.6)."""
    return tlv(0x31, b"".join(sorted(parts)))


def oid(dotted: str) -> bytes:
    arcs = [int(a) for a in dotted.split(".")]
    body = bytearray([40 * arcs[0] + arcs[1]])
    for arc in arcs[2:]:
        chunk = [arc & 0x7F]
        arc >>= 7
        while arc:
            chunk.append(0x80 | (arc & 0x7F))
            arc >>= 7
        body += bytes(reversed(chunk))
    return tlv(0x06, bytes(body))


def integer(value: int) -> bytes:
    raw = value.to_bytes(value.bit_length() // 8 + 1, "big", signed=True)
    return tlv(0x02, raw)


def octets(value: bytes) -> bytes:
    return tlv(0x04, value)


ID_DATA = oid("1.2.840.113549.1.7.1")
ID_SIGNED_DATA = oid("1.2.840.113549.1.7.2")
SHA256 = seq(oid("2.16.840.1.101.3.4.2.1"))  # parameters absent (RFC 5754 §2)
ECDSA_SHA256 = seq(oid("1.2.840.10045.4.3.2"))
RSA_SHA256 = seq(oid("1.2.840.113549.1.1.11"), b"\x05\x00")
ATTR_CONTENT_TYPE = oid("1.2.840.113549.1.9.3")
ATTR_MESSAGE_DIGEST = oid("1.2.840.113549.1.9.4")
ATTR_SIGNING_CERTIFICATE_V2 = oid("1.2.840.113549.1.9.16.2.47")
ATTR_SIGNATURE_TIMESTAMP = oid("1.2.840.113549.1.9.16.2.14")


@dataclass(frozen=True)
class CmsSigner:
    """What the CMS says about one signer, computed once per certificate."""

    certificates: bytes  # the [0] IMPLICIT certificate set's content: signer, then chain
    issuer_and_serial: bytes
    signing_certificate_v2: bytes  # the whole attribute
    signature_algorithm: bytes
    max_signature_size: int

    @classmethod
    def of(cls, certificate: x509.Certificate,
           chain: tuple[x509.Certificate, ...] = ()) -> CmsSigner:
        return _signer(certificate, tuple(chain))

    def signed_attributes(self, content_digest: bytes) -> bytes:
        """The DER ``SET OF Attribute`` whose SHA-256 the signer signs (RFC 5652 §5.4)."""
        return der_set(
            seq(ATTR_CONTENT_TYPE, der_set(ID_DATA)),
            seq(ATTR_MESSAGE_DIGEST, der_set(octets(content_digest))),
            self.signing_certificate_v2,
        )

    def signed_data(self, signed_attributes: bytes, signature: bytes,
                    timestamp_token: bytes | None = None) -> bytes:
        """The ContentInfo (SignedData, detached) for the PDF's /Contents."""
        unsigned = b""
        if timestamp_token is not None:
            unsigned = tlv(0xA1, seq(ATTR_SIGNATURE_TIMESTAMP, der_set(timestamp_token)))
        signer_info = seq(
            integer(1), self.issuer_and_serial, SHA256,
            b"\xa0" + signed_attributes[1:],  # [0] IMPLICIT SET OF Attribute
            self.signature_algorithm, octets(signature), unsigned)
        signed_data = seq(
            integer(1), der_set(SHA256), seq(ID_DATA),
            tlv(0xA0, self.certificates), der_set(signer_info))
        return seq(ID_SIGNED_DATA, tlv(0xA0, signed_data))

    def placeholder_size(self, timestamp_reserve: int) -> int:
        """Bytes to reserve in /Contents: the CMS with the largest signature, plus room."""
        attributes = self.signed_attributes(bytes(32))
        largest = self.signed_data(attributes, bytes(self.max_signature_size))
        return len(largest) + (timestamp_reserve + 32 if timestamp_reserve else 0) + 16


@lru_cache(maxsize=256)
def _signer(certificate: x509.Certificate, chain: tuple[x509.Certificate, ...]) -> CmsSigner:
    der = certificate.public_bytes(Encoding.DER)
    issuer = certificate.issuer.public_bytes()
    serial = integer(certificate.serial_number)
    ess_cert_id = seq(octets(hashlib.sha256(der).digest()),
                      seq(seq(tlv(0xA4, issuer)), serial))  # hashAlgorithm: default SHA-256
    attribute = seq(ATTR_SIGNING_CERTIFICATE_V2, der_set(seq(seq(ess_cert_id))))
    key = certificate.public_key()
    if isinstance(key, ec.EllipticCurvePublicKey):
        algorithm = ECDSA_SHA256
        order_bytes = (key.curve.key_size + 7) // 8
        largest = 2 + 2 * (2 + 1 + order_bytes) + 2  # SEQUENCE of two INTEGERs, worst case
    elif isinstance(key, rsa.RSAPublicKey):
        algorithm = RSA_SHA256
        largest = (key.key_size + 7) // 8
    else:
        raise ValueError("only ECDSA and RSA signers are supported")
    certificates = der + b"".join(c.public_bytes(Encoding.DER) for c in chain)
    return CmsSigner(certificates, seq(issuer, serial), attribute, algorithm, largest)


# --- reading back what a CMS carries --------------------------------------------------------

def _read_tlv(data: bytes, pos: int) -> tuple[int, int, int]:
    """(tag, start of content, end of content) of the DER element at ``pos``."""
    tag = data[pos]
    first = data[pos + 1]
    if first < 0x80:
        return tag, pos + 2, pos + 2 + first
    count = first & 0x7F
    length = int.from_bytes(data[pos + 2:pos + 2 + count], "big")
    start = pos + 2 + count
    return tag, start, start + length


def _children(data: bytes, start: int, end: int) -> list[tuple[int, int, int, int]]:
    """(tag, element start, content start, content end) of each child in a constructed value."""
    out = []
    pos = start
    while pos < end:
        tag, content, stop = _read_tlv(data, pos)
        out.append((tag, pos, content, stop))
        pos = stop
    return out


def embedded_certificates(der: bytes) -> list[bytes]:
    """The DER certificates of a SignedData ContentInfo and of the signature time-stamp tokens
    in its unsigned attributes; walks the DER without a general ASN.1 parser (a B-LT seal
    reads every earlier signature of the record). Raises ValueError on a malformed CMS."""
    try:
        _tag, content, end = _read_tlv(der, 0)
        _oid, explicit = _children(der, content, end)[:2]
        _tag, signed_start, signed_end = _read_tlv(der, explicit[2])
        found: list[bytes] = []
        for tag, at, start, stop in _children(der, signed_start, signed_end):
            if tag == 0xA0:  # certificates [0] IMPLICIT
                found += [der[c_at:c_stop] for _t, c_at, _c, c_stop
                          in _children(der, start, stop)]
            elif tag == 0x31 and at > signed_start:  # signerInfos (digestAlgorithms come first)
                for _t, _at, info_start, info_stop in _children(der, start, stop):
                    for child in _children(der, info_start, info_stop):
                        if child[0] != 0xA1:  # unsignedAttrs [1] IMPLICIT
                            continue
                        for _t, _a, attr_start, attr_stop in _children(der, child[2], child[3]):
                            oid_, values = _children(der, attr_start, attr_stop)[:2]
                            if der[oid_[1]:oid_[3]] != ATTR_SIGNATURE_TIMESTAMP:
                                continue
                            for _t, v_at, _v, v_stop in _children(der, values[2], values[3]):
                                found += embedded_certificates(der[v_at:v_stop])
        return found
    except (IndexError, ValueError) as exc:
        raise ValueError(f"malformed CMS: {exc}") from exc
