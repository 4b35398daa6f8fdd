"""Benchmark: the demo PKI's online services and the three signer backends, ms per operation.

    .venv/bin/python bench/bench_signing_backends.py [--n 300] [--runs 3]

- ``tsa_ms``: one RFC 3161 token through ``HttpTimestamper`` (kept-alive HTTP, loopback);
- ``ocsp_ms``: one ``fetch_ocsp`` with the cache emptied (request, signed answer, checks);
- ``pkcs12_ms``, ``pkcs11_ms``, ``remote_ms``: one SHA-256 digest signed by ``Pkcs12Signer``,
  ``Pkcs11Signer`` (SoftHSM2, EC P-256 made in the token, raw CKM_ECDSA) and
  ``RemoteSigner`` (the local CSC-style provider, ``--n`` digests in one confirmation; the
  holder's reaction time set to 0, the client's polling interval to 10 ms).

Prints one JSON line with the medians over ``--runs``.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import pkcs11
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from pkcs11 import Attribute, CertificateType, KeyType, ObjectClass
from pkcs11.util.ec import encode_ec_public_key, encode_named_curve_parameters

from hocba.signing import DEMO_PKCS12_PASSWORD, DemoPki, subjects
from hocba.signing import online as online_module
from hocba.signing.backends import Pkcs12Signer
from hocba.signing.online import HttpTimestamper, fetch_ocsp
from hocba.signing.pkcs11_signer import Pkcs11Signer
from hocba.signing.remote_provider import RemoteSigningProvider
from hocba.signing.remote_signer import RemoteSigner
from hocba.signing.services import PkiServices

SOFTHSM = "/usr/lib/softhsm/libsofthsm2.so"
PRINCIPAL = ("Phạm Văn Hùng", "027175000003", "Hiệu trưởng")


def per_op(work: Callable[[], object], n: int) -> float:
    started = time.perf_counter()
    for _ in range(n):
        work()
    return (time.perf_counter() - started) / n * 1000


def token_signer(base: Path, pki: DemoPki) -> Pkcs11Signer:
    (base / "tokens").mkdir()
    conf = base / "softhsm2.conf"
    conf.write_text(f"directories.tokendir = {base / 'tokens'}\nobjectstore.backend = file\n",
                    encoding="utf-8")
    os.environ["SOFTHSM2_CONF"] = str(conf)
    subprocess.run(["softhsm2-util", "--init-token", "--free", "--label", "bench",
                    "--pin", "1234", "--so-pin", "12345678"], check=True, capture_output=True)
    library = pkcs11.lib(SOFTHSM)
    library.reinitialize()  # SoftHSM reads SOFTHSM2_CONF when initialised
    token = library.get_token(token_label="bench")  # noqa: S106 (a label, not a password)
    with token.open(user_pin="1234", rw=True) as session:
        parameters = session.create_domain_parameters(KeyType.EC, {
            Attribute.EC_PARAMS: encode_named_curve_parameters("secp256r1")}, local=True)
        public, _ = parameters.generate_keypair(store=True, label="k", id=b"\x01")
        key = serialization.load_der_public_key(encode_ec_public_key(public))
        assert isinstance(key, ec.EllipticCurvePublicKey)
        certificate = pki.certify(subjects.personal_subject(*PRINCIPAL), key)
        session.create_object({
            Attribute.CLASS: ObjectClass.CERTIFICATE,
            Attribute.CERTIFICATE_TYPE: CertificateType.X_509, Attribute.TOKEN: True,
            Attribute.LABEL: "k", Attribute.ID: b"\x01",
            Attribute.SUBJECT: certificate.subject.public_bytes(),
            Attribute.VALUE: certificate.public_bytes(serialization.Encoding.DER)})
    return Pkcs11Signer(SOFTHSM, "bench", "1234", "k")


def run(n: int) -> dict[str, float]:
    base = Path(tempfile.mkdtemp(prefix="hocba-bench-"))
    digests = [hashlib.sha256(str(i).encode()).digest() for i in range(n)]
    with PkiServices.for_directory(base / "pki") as services:
        pki = services.pki
        issued = pki.issue_personal(*PRINCIPAL)
        stamper = HttpTimestamper(f"{services.base_url}/tsa")
        stamper.timestamp(digests[0])
        results = {"tsa_ms": per_op(lambda: stamper.timestamp(digests[0]), n)}

        def one_ocsp() -> None:
            online_module._ocsp_cache.clear()
            fetch_ocsp(issued.certificate, pki.issuing)

        results["ocsp_ms"] = per_op(one_ocsp, n)
        pkcs12 = Pkcs12Signer.load(issued.pkcs12_path, DEMO_PKCS12_PASSWORD)
        results["pkcs12_ms"] = per_op(lambda: pkcs12.sign_digests(digests[:1]), n)
        with token_signer(base, pki) as token:
            results["pkcs11_ms"] = per_op(lambda: token.sign_digests(digests[:1]), n)
        with RemoteSigningProvider(approve_after=0.0) as provider:
            bearer = provider.add_user("hung", "x")
            provider.add_credential("hung", "c", issued.pkcs12_path, DEMO_PKCS12_PASSWORD)
            remote = RemoteSigner(provider.base_url, "c", bearer, poll_interval=0.01)
            started = time.perf_counter()
            remote.sign_digests(digests)
            results["remote_ms"] = (time.perf_counter() - started) / n * 1000
    return results


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--n", type=int, default=300)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    runs = [run(args.n) for _ in range(args.runs)]
    medians = {key: round(statistics.median(r[key] for r in runs), 3) for key in runs[0]}
    print(json.dumps({"bench": "signing_backends", "n": args.n, **medians}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
