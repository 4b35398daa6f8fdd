"""Issue 6 §5: ``hocba verify FILE`` — the offline verifier, run as a separate process with no
server, no network and no database (``DATABASE_URL`` points nowhere, no Django settings).

The files are those of ``test_verification``'s scenario (real records issued through the
chain); the log's public key and inclusion proofs are written to files as the public API
serves them. Exit status: 0 only when all three verdicts PASSED (QĐ 1789 Điều 12), 1
otherwise, 2 when the input cannot be used.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from hocba.certificates.keys import pki_dir
from hocba.signing.services import PkiServices
from hocba.transparency.keys import log_public_key_pem
from hocba.transparency.selectors import inclusion_for
from tests.test_issuance import demo_db, pki_services  # noqa: F401
from tests.test_issuance_acceptance import page_content_flipped
from tests.test_verification import Scenario, scenario  # noqa: F401

pytestmark = pytest.mark.django_db
HOCBA = Path(sys.executable).with_name("hocba")


@dataclass(frozen=True)
class Inputs:
    directory: Path
    var: Path  # $HOCBA_VAR of the module: its pki/root-ca.pem is the default anchor
    root: Path
    log_key: Path
    proofs: dict[str, Path]  # name → proof JSON
    files: dict[str, Path]  # name → PDF/XML

    def run(self, *args: str | Path, var: bool = True) -> subprocess.CompletedProcess[str]:
        env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "LANG": "C.UTF-8",
               # no database and no server: a reach for either would fail loudly
               "DATABASE_URL": "postgres://nobody@127.0.0.1:1/none",
               "HOCBA_TSA_URL": "http://127.0.0.1:1/tsa"}
        if var:
            env["HOCBA_VAR"] = str(self.var)
        return subprocess.run([str(HOCBA), "verify", *map(str, args)], capture_output=True,
                              text=True, env=env, cwd=self.directory, timeout=120, check=False)


@pytest.fixture(scope="module")
def inputs(scenario: Scenario, demo_db: Any, pki_services: PkiServices,  # noqa: F811
           tmp_path_factory: pytest.TempPathFactory) -> Iterator[Inputs]:
    directory = tmp_path_factory.mktemp("verify-cli")
    files: dict[str, Path] = {}
    proofs: dict[str, Path] = {}

    def put(name: str, data: bytes) -> None:
        files[name] = directory / name
        files[name].write_bytes(data)

    with demo_db.unblock():
        genuine, replaced = scenario.of(scenario.genuine), scenario.of(scenario.replaced)
        put("genuine.pdf", genuine.pdf)
        put("genuine.xml", genuine.xml)
        put("tampered.pdf", page_content_flipped(genuine.pdf))
        put("replaced.pdf", replaced.pdf)
        put("foreign.xml", scenario.foreign.xml)
        put("foreign.pdf", scenario.foreign.pdf)
        put("picture.png", b"\x89PNG\r\n\x1a\n" + b"\x00" * 64)
        for name, record, event in (("genuine", scenario.genuine, "issued"),
                                    ("replaced-revoked", scenario.replaced, "revoked"),
                                    ("replacement", scenario.replacement, "issued")):
            proof = inclusion_for(str(record.lookup_code), event)
            assert proof is not None, (name, event)
            proofs[name] = directory / f"{name}.json"
            proofs[name].write_text(json.dumps(proof.to_json()))
        log_key = directory / "log-key.pem"
        log_key.write_text(log_public_key_pem())
    yield Inputs(directory, pki_dir().parent, pki_dir() / "root-ca.pem", log_key, proofs,
                 files)


def test_a_genuine_pdf_with_its_proof_passes_all_three_and_exits_0(inputs: Inputs) -> None:
    done = inputs.run(inputs.files["genuine.pdf"], "--trust-anchors", inputs.root,
                      "--log-key", inputs.log_key, "--proof", inputs.proofs["genuine"])
    assert done.returncode == 0, done.stdout + done.stderr
    out = done.stdout
    assert "✓ Toàn vẹn: Đạt" in out and "✓ Trạng thái: Đạt" in out
    assert "✓ Đơn vị phát hành: Đạt" in out and "KẾT LUẬN: HỢP LỆ" in out
    assert "Có trong nhật ký minh bạch" in out
    assert "không đối chiếu được danh bạ chứng thư số" in out  # no registry offline: said so


def test_a_genuine_xml_with_the_bundled_anchors_passes_as_json(inputs: Inputs) -> None:
    done = inputs.run(inputs.files["genuine.xml"], "--log-key", inputs.log_key, "--proof",
                      inputs.proofs["genuine"], "--json")
    assert done.returncode == 0, done.stdout + done.stderr
    report = json.loads(done.stdout)
    assert report["valid"] is True and report["record_status"] == "issued"
    assert [report[k]["indication"] for k in ("integrity", "status", "issuer")] == \
        ["PASSED"] * 3
    assert report["facts"]["school_name"] == "Trường Tiểu học Phật Tích"


def test_without_a_proof_the_status_is_indeterminate_and_the_file_not_valid(
        inputs: Inputs) -> None:
    done = inputs.run(inputs.files["genuine.pdf"], "--trust-anchors", inputs.root)
    assert done.returncode == 1, done.stdout + done.stderr
    assert "? Trạng thái: Chưa xác định được (TRY_LATER)" in done.stdout
    assert "✓ Toàn vẹn: Đạt" in done.stdout


def test_a_tampered_pdf_fails_integrity(inputs: Inputs) -> None:
    done = inputs.run(inputs.files["tampered.pdf"], "--trust-anchors", inputs.root,
                      "--log-key", inputs.log_key, "--proof", inputs.proofs["genuine"])
    assert done.returncode == 1
    assert "✗ Toàn vẹn: Không đạt (HASH_FAILURE)" in done.stdout, done.stdout
    assert "Tệp khác bản đã ghi vào nhật ký minh bạch" in done.stdout


def test_a_replaced_record_with_its_revocation_proof_fails_status(inputs: Inputs) -> None:
    done = inputs.run(inputs.files["replaced.pdf"], "--trust-anchors", inputs.root,
                      "--log-key", inputs.log_key, "--proof",
                      inputs.proofs["replaced-revoked"], "--json")
    assert done.returncode == 1
    report = json.loads(done.stdout)
    assert report["status"]["indication"] == "FAILED"
    assert report["status"]["sub_indication"] == "REVOKED"
    assert report["integrity"]["indication"] == "PASSED"


def test_another_records_proof_does_not_vouch_for_this_file(inputs: Inputs) -> None:
    done = inputs.run(inputs.files["genuine.pdf"], "--trust-anchors", inputs.root,
                      "--log-key", inputs.log_key, "--proof", inputs.proofs["replacement"])
    assert done.returncode == 1
    assert "✗ Trạng thái: Không đạt" in done.stdout, done.stdout


def test_a_proof_checked_with_another_key_fails(inputs: Inputs, tmp_path: Path) -> None:
    other = tmp_path / "other.pem"
    other.write_bytes(Ed25519PrivateKey.generate().public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo))
    done = inputs.run(inputs.files["genuine.pdf"], "--trust-anchors", inputs.root,
                      "--log-key", other, "--proof", inputs.proofs["genuine"])
    assert done.returncode == 1
    assert "chữ ký của cây băm hoặc đường dẫn Merkle sai" in done.stdout


@pytest.mark.parametrize("name", ["foreign.xml", "foreign.pdf"])
def test_a_seal_from_an_untrusted_ca_fails_issuer(inputs: Inputs, name: str) -> None:
    done = inputs.run(inputs.files[name], "--trust-anchors", inputs.root)
    assert done.returncode == 1
    assert "✗ Đơn vị phát hành: Không đạt (NO_CERTIFICATE_CHAIN_FOUND)" in done.stdout, \
        done.stdout
    assert "không chuỗi tới CA gốc tin cậy" in done.stdout


def test_unusable_input_exits_2_with_a_vietnamese_reason(inputs: Inputs,
                                                         tmp_path: Path) -> None:
    picture = inputs.run(inputs.files["picture.png"], "--trust-anchors", inputs.root)
    assert picture.returncode == 2 and "không phải PDF hay XML" in picture.stderr
    missing = inputs.run(tmp_path / "khong-co.pdf", "--trust-anchors", inputs.root)
    assert missing.returncode == 2 and "không đọc được tệp" in missing.stderr
    bad = tmp_path / "proof.json"
    bad.write_text('{"leaf": 1}')
    proof = inputs.run(inputs.files["genuine.pdf"], "--trust-anchors", inputs.root,
                       "--log-key", inputs.log_key, "--proof", bad)
    assert proof.returncode == 2 and "bằng chứng" in proof.stderr
    anchors = inputs.run(inputs.files["genuine.pdf"], var=False)
    assert anchors.returncode == 2 and "chứng thư gốc tin cậy" in anchors.stderr
