"""Benchmark: the Ministry's XML signatures (hocba.signing.xmldsig), ms per signature.

    .venv/bin/python bench/bench_sign_xml.py [--records 200] [--runs 3] [--profile xmldsig]

The primary example record (docs/examples/record-primary.json) goes through the three-slot
chain GVCN → CBQL → KY_PHAT_HANH with the demo PKI's ECDSA P-256 keys (PKCS#12, loaded once),
``--records`` times per run, each signature on the output of the previous one:

- ``sign_ms``: ``sign_xml`` per signature (parse, fill the slot, digests, SignedInfo, the
  key's signature, serialisation);
- ``sign_batch_ms``: the same through ``prepare_xml_signature`` for every record, one
  ``sign_digests`` call per slot (a remote service's one confirmation), then ``finish``;
- ``verify_ms``: ``verify_xml`` of the sealed file, per signature (python-xmlsec and the
  chain walk to the demo root);
- ``signed_bytes``: the size of the sealed file.

Prints one JSON line with the medians over ``--runs``.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
from datetime import datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

from hocba.domain import moet
from hocba.domain.moet.values import VIETNAM
from hocba.domain.record import HocBa
from hocba.signing import DEMO_PKCS12_PASSWORD, IssuedCertificate, ensure_demo_pki
from hocba.signing.backends import Pkcs12Signer
from hocba.signing.xmldsig import prepare_xml_signature, sign_xml, verify_xml

RECORD = Path(__file__).resolve().parents[1] / "docs" / "examples" / "record-primary.json"
SLOTS = ("GVCN", "CBQL", "KY_PHAT_HANH")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--records", type=int, default=200)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--profile", default="xmldsig", choices=("xmldsig", "xades-bes"))
    args = parser.parse_args()

    record = HocBa.from_json(json.loads(RECORD.read_text(encoding="utf-8")))
    data = record.to_json()
    pki = ensure_demo_pki(Path(tempfile.mkdtemp(prefix="hocba-bench-pki-")))

    def load(issued: IssuedCertificate) -> Pkcs12Signer:
        return Pkcs12Signer.load(issued.pkcs12_path, DEMO_PKCS12_PASSWORD)

    people = data["signers"]
    signers = {
        "GVCN": load(pki.issue_personal(people["homeroom"]["name"],
                                        people["homeroom"]["identity_number"], "Giáo viên")),
        "CBQL": load(pki.issue_personal(people["principal"]["name"],
                                        people["principal"]["identity_number"], "Hiệu trưởng")),
        "KY_PHAT_HANH": load(pki.issue_organisation(data["school"]["name"],
                                                    data["school"]["code"])),
    }
    xml = moet.write(record)
    start = datetime.now(VIETNAM).replace(microsecond=0)
    n = args.records * len(SLOTS)
    sign_ms, batch_ms, verify_ms = [], [], []
    sealed = b""
    for _ in range(args.runs):
        began = time.perf_counter()
        for _ in range(args.records):
            sealed = xml
            for minute, slot in enumerate(SLOTS):
                sealed = sign_xml(sealed, slot, signers[slot], profile=args.profile,
                                  signing_time=start + timedelta(minutes=minute))
        sign_ms.append((time.perf_counter() - began) * 1000 / n)

        began = time.perf_counter()
        files = [xml] * args.records
        for minute, slot in enumerate(SLOTS):
            signer = signers[slot]
            prepared = [prepare_xml_signature(f, slot, signer.certificate, signer.chain,
                                              signing_time=start + timedelta(minutes=minute),
                                              profile=args.profile) for f in files]
            values = signer.sign_digests([p.digest for p in prepared])
            files = [p.finish(v) for p, v in zip(prepared, values, strict=True)]
        batch_ms.append((time.perf_counter() - began) * 1000 / n)

        began = time.perf_counter()
        for _ in range(args.records):
            checks = verify_xml(sealed, [pki.root])
        verify_ms.append((time.perf_counter() - began) * 1000 / n)
        assert all(c.valid for c in checks), [c.reason for c in checks]
    print(json.dumps({
        "profile": args.profile, "records": args.records, "signatures_per_record": len(SLOTS),
        "sign_ms": round(statistics.median(sign_ms), 3),
        "sign_batch_ms": round(statistics.median(batch_ms), 3),
        "verify_ms": round(statistics.median(verify_ms), 3),
        "signed_bytes": len(sealed), "unsigned_bytes": len(xml),
    }))


if __name__ == "__main__":
    main()
