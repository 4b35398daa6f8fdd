"""The transparency log in the database (issue 6 §1): appends, stored nodes, signed heads,
proofs served from O(log n) stored hashes that agree with the pure RFC 9162 functions, the
public API and checkpoint URL, and the database triggers that keep it append-only."""

from __future__ import annotations

import base64
import datetime as dt
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.serialization import (
    Encoding,
    NoEncryption,
    PrivateFormat,
)
from django.db import DatabaseError, connection, transaction

from hocba.domain import ledger
from hocba.domain.ledger import LogEvent, TreeHead
from hocba.transparency import keys, selectors, services
from hocba.transparency.models import Leaf, Node, SignedTreeHead

pytestmark = pytest.mark.django_db
WHEN = dt.datetime(2025, 6, 20, 2, 0, tzinfo=dt.UTC)


@pytest.fixture(autouse=True)
def log_key(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Ed25519PrivateKey]:
    key = Ed25519PrivateKey.generate()
    path = tmp_path / "log-key.pem"
    path.write_bytes(key.private_bytes(Encoding.PEM, PrivateFormat.PKCS8, NoEncryption()))
    monkeypatch.setenv(keys.LOG_KEY_ENV, str(path))
    yield key


def _event(n: int, kind: str = ledger.ISSUED) -> LogEvent:
    return LogEvent(event=kind, lookup_code=str(uuid.UUID(int=n + 1, version=4)),
                    record_sha256=f"{n:064x}", school="27260001",
                    time=WHEN + dt.timedelta(seconds=n), xml_sha256="b" * 64,
                    pdf_sha256="c" * 64)


def _fill(count: int, chunk: int = 7) -> list[LogEvent]:
    events = [_event(n) for n in range(count)]
    for start in range(0, count, chunk):
        services.append_events(events[start:start + chunk])
    return events


def test_appends_store_each_perfect_subtree_once_and_sign_a_head_per_transaction(
        log_key: Ed25519PrivateKey) -> None:
    events = _fill(45, chunk=7)
    hashes = [ledger.leaf_hash(e.to_leaf()) for e in events]
    assert list(Leaf.objects.values_list("index", flat=True)) == list(range(45))
    assert Node.objects.count() == 45 - bin(45).count("1")  # n − popcount(n) inner nodes
    heads = selectors.tree_heads()
    assert [h.size for h in heads] == [7, 14, 21, 28, 35, 42, 45]
    for head in heads:
        assert head.verify(log_key.public_key())
        assert head.root == ledger.root(hashes[:head.size])
    assert selectors.latest_tree_head() == heads[-1]


def test_proofs_from_the_stored_nodes_are_the_rfc_9162_proofs() -> None:
    events = _fill(37)
    hashes = [ledger.leaf_hash(e.to_leaf()) for e in events]
    for n in (1, 2, 5, 16, 37):
        assert selectors.root_at(n) == ledger.root(hashes[:n])
        for i in range(n):
            assert selectors.inclusion_path(i, n) == ledger.inclusion_proof(i, hashes[:n])
    for n in (2, 8, 31, 37):
        for m in range(1, n + 1):
            assert selectors.consistency_between(m, n) == ledger.consistency_proof(m, hashes[:n])
    with pytest.raises(ledger.LedgerError, match="không có cây 38 lá"):
        selectors.consistency_between(3, 38)
    with pytest.raises(ledger.LedgerError, match="ít nhất 1 lá"):
        selectors.consistency_between(0, 5)


def test_a_records_inclusion_proof_verifies_against_the_latest_signed_head(
        log_key: Ed25519PrivateKey) -> None:
    events = _fill(13)
    proof = selectors.inclusion_for(events[4].lookup_code)
    assert proof is not None
    assert (proof.leaf_index, proof.tree_size, proof.event) == (4, 13, events[4])
    assert proof.verify(log_key.public_key())
    assert ledger.InclusionProof.from_json(proof.to_json()).verify(keys.log_public_key())
    assert selectors.inclusion_for(events[4].lookup_code, ledger.REVOKED) is None
    assert selectors.inclusion_for("không-phải-uuid") is None
    assert selectors.inclusion_at(12) is not None and selectors.inclusion_at(13) is None


def test_the_same_event_of_a_record_is_logged_once() -> None:
    services.append_events([_event(1)])
    with pytest.raises(DatabaseError), transaction.atomic():
        services.append_events([_event(1)])
    assert Leaf.objects.count() == 1


def _refused(sql: str) -> str:
    with pytest.raises(DatabaseError) as refused, transaction.atomic(), \
            connection.cursor() as cursor:
        cursor.execute(sql)
    return str(refused.value)


def test_the_database_refuses_to_change_or_delete_leaves_nodes_and_heads() -> None:
    _fill(4)
    for sql in ("UPDATE transparency_leaf SET event = 'revoked' WHERE index = 1",
                "DELETE FROM transparency_leaf WHERE index = 3",
                "UPDATE transparency_node SET hash = hash",
                "DELETE FROM transparency_node",
                "UPDATE transparency_signedtreehead SET size = 3",
                "DELETE FROM transparency_signedtreehead"):
        assert "append-only" in _refused(sql.replace(" index ", ' "index" '))
    assert Leaf.objects.count() == 4 and SignedTreeHead.objects.count() == 1


# --- the public API and the checkpoint URL ----------------------------------------------------

def test_the_api_serves_the_head_the_key_and_proofs_that_verify(client: Any) -> None:
    assert client.get("/api/v1/nhat-ky/dau-cay").json() == {
        "detail": "Nhật ký minh bạch chưa có sự kiện nào."}
    events = _fill(9)
    head = client.get("/api/v1/nhat-ky/dau-cay").json()
    assert head["tree_size"] == 9
    key = client.get("/api/v1/nhat-ky/khoa-cong-khai").json()
    assert key["algorithm"] == "Ed25519" and "BEGIN PUBLIC KEY" in key["public_key_pem"]
    public = keys.log_public_key()
    assert TreeHead.from_json(head).verify(public)
    body = client.get(f"/api/v1/nhat-ky/bang-chung/{events[6].lookup_code}").json()
    assert body["event"]["lookup_code"] == events[6].lookup_code
    assert ledger.InclusionProof.from_json(body).verify(public)
    by_index = client.get("/api/v1/nhat-ky/la/6").json()
    assert by_index == body
    consistency = client.get("/api/v1/nhat-ky/nhat-quan?first=3&second=9").json()
    path = [base64.b64decode(p) for p in consistency["consistency_path"]]
    assert ledger.verify_consistency(3, 9, selectors.root_at(3), TreeHead.from_json(head).root,
                                     path)


def test_the_api_answers_errors_in_vietnamese(client: Any) -> None:
    _fill(3)
    missing = client.get(f"/api/v1/nhat-ky/bang-chung/{uuid.uuid4()}")
    assert missing.status_code == 404 and "trong nhật ký minh bạch" in missing.json()["detail"]
    wrong = client.get(f"/api/v1/nhat-ky/bang-chung/{_event(0).lookup_code}?su_kien=sua")
    assert wrong.status_code == 400 and "su_kien" in wrong.json()["detail"]
    assert client.get("/api/v1/nhat-ky/la/3").json() == {"detail": "Nhật ký không có lá số 3."}
    assert client.get("/api/v1/nhat-ky/la/-1").status_code == 400
    bad = client.get("/api/v1/nhat-ky/nhat-quan?first=0&second=3")
    assert bad.status_code == 400 and "ít nhất 1 lá" in bad.json()["detail"]
    assert client.get("/api/v1/nhat-ky/nhat-quan?first=2&second=5").status_code == 400


def test_the_openapi_document_lists_the_log_endpoints(client: Any) -> None:
    paths = client.get("/api/v1/openapi.json").json()["paths"]
    for path in ("/api/v1/nhat-ky/dau-cay", "/api/v1/nhat-ky/khoa-cong-khai",
                 "/api/v1/nhat-ky/bang-chung/{ma_tra_cuu}", "/api/v1/nhat-ky/la/{chi_so}",
                 "/api/v1/nhat-ky/nhat-quan"):
        assert path in paths


def test_the_checkpoint_url_serves_the_latest_signed_head_as_a_note(client: Any) -> None:
    assert client.get("/nhat-ky/checkpoint").status_code == 404
    _fill(5)
    text = client.get("/nhat-ky/checkpoint").content.decode()
    head = TreeHead.from_checkpoint(text)
    assert head.size == 5 and head.verify(keys.log_public_key())
    assert text.startswith(f"{keys.log_origin()}\n5\n")


# --- the log key and the command line ---------------------------------------------------------

def test_the_demo_log_key_is_generated_once_beside_the_pki_and_a_configured_one_must_exist(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(keys.LOG_KEY_ENV)
    monkeypatch.setenv("HOCBA_VAR", str(tmp_path))
    first = keys.log_public_key()
    path = tmp_path / "pki" / "log-key.pem"
    assert path.exists() and path.stat().st_mode & 0o777 == 0o600
    keys._load.cache_clear()
    assert keys.log_public_key() == first  # read back, not generated again
    monkeypatch.setenv(keys.LOG_KEY_ENV, str(tmp_path / "missing.pem"))
    with pytest.raises(keys.LogKeyError, match="Không tìm thấy khoá nhật ký"):
        keys.log_private_key()


def test_the_hocba_log_commands_are_wired() -> None:
    from hocba.cli import build_parser
    from hocba.transparency import commands

    parser = build_parser()
    assert parser.parse_args(["log", "audit"]).func is commands.cmd_audit
    args = parser.parse_args(["log", "proof", "6f1c6c2e-1b1f-4d7e-9a43-6f2ad0f1e001",
                              "--event", "revoked"])
    assert (args.func, args.event, args.needs_django) == (commands.cmd_proof, "revoked", True)
    assert parser.parse_args(["log", "checkpoint"]).func is commands.cmd_checkpoint
    assert parser.parse_args(["log", "backfill"]).func is commands.cmd_backfill
