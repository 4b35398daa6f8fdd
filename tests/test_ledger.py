"""The transparency log's mathematics (``hocba.domain.ledger``) against RFC 9162 §2.1: the
Certificate Transparency reference tree (the RFC 6962 test vectors published by
transparency-dev/merkle), a naive recursive reference written straight from the RFC's
definitions for every (index, size) and (m, n) up to 64, and every mangled proof refused."""

from __future__ import annotations

import datetime as dt
import hashlib

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from hocba.domain import ledger
from hocba.domain.ledger import (
    Frontier,
    InclusionProof,
    LedgerError,
    LogEvent,
    TreeHead,
    consistency_proof,
    inclusion_proof,
    leaf_hash,
    root,
    verify_consistency,
    verify_inclusion,
)

# The CT reference leaves and the root after each of them (transparency-dev/merkle
# testonly/constants.go; the same figures as RFC 6962's reference implementation's tests).
CT_LEAVES = [bytes.fromhex(h) for h in (
    "", "00", "10", "2021", "3031", "40414243", "5051525354555657",
    "606162636465666768696a6b6c6d6e6f")]
CT_ROOTS = [
    "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
    "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
    "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
    "aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
    "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
    "4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
    "76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
    "ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
    "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328",
]
CT_INCLUSION = {
    (0, 8): ["96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
             "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
             "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4"],
    (5, 8): ["bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
             "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
             "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7"],
}
CT_CONSISTENCY = {
    (2, 8): ["5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
             "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4"],
    (6, 8): ["0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a",
             "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
             "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7"],
}
N = 64
HASHES = [leaf_hash(f"hocba/{i}".encode()) for i in range(N)]


# --- the naive reference: RFC 9162 §2.1 read literally ----------------------------------------

def _k(n: int) -> int:
    k = 1
    while k * 2 < n:
        k *= 2
    return k


def ref_mth(d: list[bytes]) -> bytes:
    if not d:
        return hashlib.sha256(b"").digest()
    if len(d) == 1:
        return d[0]
    k = _k(len(d))
    return hashlib.sha256(b"\x01" + ref_mth(d[:k]) + ref_mth(d[k:])).digest()


def ref_path(m: int, d: list[bytes]) -> list[bytes]:
    if len(d) == 1:
        return []
    k = _k(len(d))
    if m < k:
        return [*ref_path(m, d[:k]), ref_mth(d[k:])]
    return [*ref_path(m - k, d[k:]), ref_mth(d[:k])]


def ref_subproof(m: int, d: list[bytes], b: bool) -> list[bytes]:
    if m == len(d):
        return [] if b else [ref_mth(d)]
    k = _k(len(d))
    if m <= k:
        return [*ref_subproof(m, d[:k], b), ref_mth(d[k:])]
    return [*ref_subproof(m - k, d[k:], False), ref_mth(d[:k])]


ROOTS = [ref_mth(HASHES[:n]) for n in range(N + 1)]


# --- the CT reference tree --------------------------------------------------------------------

def test_roots_of_the_certificate_transparency_reference_tree() -> None:
    hashes = [leaf_hash(d) for d in CT_LEAVES]
    assert [root(hashes[:n]).hex() for n in range(9)] == CT_ROOTS
    assert root([]) == hashlib.sha256(b"").digest()  # RFC 9162 §2.1.1: the empty tree
    assert leaf_hash(b"").hex() == CT_ROOTS[1]  # SHA-256(0x00)


def test_reference_inclusion_and_consistency_proofs() -> None:
    hashes = [leaf_hash(d) for d in CT_LEAVES]
    for (index, size), want in CT_INCLUSION.items():
        assert [p.hex() for p in inclusion_proof(index, hashes[:size])] == want
        assert verify_inclusion(hashes[index], index, size, [bytes.fromhex(p) for p in want],
                                bytes.fromhex(CT_ROOTS[size]))
    for (m, n), want in CT_CONSISTENCY.items():
        assert [p.hex() for p in consistency_proof(m, hashes[:n])] == want
        assert verify_consistency(m, n, bytes.fromhex(CT_ROOTS[m]), bytes.fromhex(CT_ROOTS[n]),
                                  [bytes.fromhex(p) for p in want])


# --- every size up to 64, against the naive reference -----------------------------------------

def test_roots_and_the_frontier_agree_with_the_reference_for_every_size() -> None:
    frontier = Frontier()
    for n in range(N + 1):
        assert root(HASHES[:n]) == ROOTS[n]
        assert frontier.root() == ROOTS[n]
        assert Frontier.from_bytes(n, frontier.to_bytes()) == frontier
        if n < N:
            frontier.append(HASHES[n])


def test_every_inclusion_proof_matches_the_reference_and_verifies() -> None:
    for n in range(1, N + 1):
        for i in range(n):
            proof = inclusion_proof(i, HASHES[:n])
            assert proof == ref_path(i, HASHES[:n]), (i, n)
            assert verify_inclusion(HASHES[i], i, n, proof, ROOTS[n]), (i, n)


def test_every_consistency_proof_matches_the_reference_and_verifies() -> None:
    for n in range(1, N + 1):
        for m in range(1, n + 1):
            proof = consistency_proof(m, HASHES[:n])
            assert proof == ref_subproof(m, HASHES[:n], True), (m, n)
            assert verify_consistency(m, n, ROOTS[m], ROOTS[n], proof), (m, n)


def test_an_inclusion_proof_of_the_wrong_leaf_index_or_root_fails() -> None:
    other = leaf_hash(b"not in the log")
    for n in range(1, N + 1):
        for i in range(n):
            proof = inclusion_proof(i, HASHES[:n])
            assert not verify_inclusion(other, i, n, proof, ROOTS[n])
            assert not verify_inclusion(HASHES[i], i, n, proof, ROOTS[n - 1])
            # (A wrong size alone can walk the same path: the signed head binds the size.)
            if n > 1:
                assert not verify_inclusion(HASHES[i], (i + 1) % n, n, proof, ROOTS[n])
            assert not verify_inclusion(HASHES[i], i, n, [*proof, HASHES[0]], ROOTS[n])
            if proof:
                assert not verify_inclusion(HASHES[i], i, n, proof[:-1], ROOTS[n])
                flipped = [bytes([proof[0][0] ^ 1]) + proof[0][1:], *proof[1:]]
                assert not verify_inclusion(HASHES[i], i, n, flipped, ROOTS[n])
            assert not verify_inclusion(HASHES[i], n, n, proof, ROOTS[n])  # index ≥ size


def test_a_consistency_proof_of_the_wrong_sizes_or_roots_fails() -> None:
    for n in range(2, N + 1):
        for m in range(1, n):
            proof = consistency_proof(m, HASHES[:n])
            assert not verify_consistency(m, n, ROOTS[m - 1], ROOTS[n], proof)
            assert not verify_consistency(m, n, ROOTS[m], ROOTS[n - 1], proof)
            assert not verify_consistency(m, n, ROOTS[n], ROOTS[m], proof)
            assert not verify_consistency(n, m, ROOTS[n], ROOTS[m], proof)
            assert not verify_consistency(m, n, ROOTS[m], ROOTS[n], proof[:-1])
            assert not verify_consistency(m, n, ROOTS[m], ROOTS[n], [*proof, HASHES[0]])
            flipped = [bytes([proof[0][0] ^ 0x80]) + proof[0][1:], *proof[1:]]
            assert not verify_consistency(m, n, ROOTS[m], ROOTS[n], flipped)
            if m + 1 < n:
                assert not verify_consistency(m + 1, n, ROOTS[m + 1], ROOTS[n], proof)


def test_rfc_9162_corner_cases() -> None:
    # Size 1: the root is the leaf hash and the path is empty.
    assert inclusion_proof(0, HASHES[:1]) == []
    assert verify_inclusion(HASHES[0], 0, 1, [], HASHES[0])
    # Size 0: no leaf is in the empty tree.
    with pytest.raises(LedgerError):
        inclusion_proof(0, [])
    assert not verify_inclusion(HASHES[0], 0, 0, [], root([]))
    # m == n: the empty proof, and only for equal roots.
    assert consistency_proof(5, HASHES[:5]) == []
    assert verify_consistency(5, 5, ROOTS[5], ROOTS[5], [])
    assert not verify_consistency(5, 5, ROOTS[5], ROOTS[6], [])
    assert not verify_consistency(5, 5, ROOTS[5], ROOTS[5], [HASHES[0]])
    # m == 0 is refused: RFC 9162 §2.1.4 defines no proof from the empty tree.
    with pytest.raises(LedgerError):
        consistency_proof(0, HASHES[:8])
    assert not verify_consistency(0, 8, root([]), ROOTS[8], [])
    # m < n with an empty proof (§2.1.4.2 step 1), m > n, short hashes.
    assert not verify_consistency(4, 8, ROOTS[4], ROOTS[8], [])
    with pytest.raises(LedgerError):
        consistency_proof(9, HASHES[:8])
    assert not verify_inclusion(HASHES[5], 5, 8, [b"\x00" * 31] * 3, ROOTS[8])


def test_the_frontier_makes_each_perfect_node_once() -> None:
    frontier, made = Frontier(), []
    for h in HASHES[:16]:
        made += frontier.append(h)
    # 16 leaves: 8 + 4 + 2 + 1 inner nodes, each the root of its leaves.
    assert len(made) == 15
    for level, index, digest in made:
        assert digest == ref_mth(HASHES[index << level:(index + 1) << level])


# --- the canonical leaf -----------------------------------------------------------------------

WHEN = dt.datetime(2025, 6, 20, 9, 0, 0, 250000, tzinfo=dt.timezone(dt.timedelta(hours=7)))


def _issued() -> LogEvent:
    return LogEvent(event="issued", lookup_code="6f1c6c2e-1b1f-4d7e-9a43-6f2ad0f1e001",
                    record_sha256="a" * 64, school="27260001", time=WHEN,
                    xml_sha256="b" * 64, pdf_sha256="c" * 64,
                    predecessor="0d4f1a7e-2b9c-4e57-8f11-3c5a9e0b7d22")


def test_a_log_event_is_canonical_json_and_round_trips() -> None:
    event = _issued()
    leaf = event.to_leaf()
    assert leaf == (
        b'{"event":"issued","lookup_code":"6f1c6c2e-1b1f-4d7e-9a43-6f2ad0f1e001",'
        b'"pdf_sha256":"' + b"c" * 64 + b'","predecessor":"0d4f1a7e-2b9c-4e57-8f11-3c5a9e0b7d22",'
        b'"record_sha256":"' + b"a" * 64 + b'","school":"27260001",'
        b'"time":"2025-06-20T02:00:00.250000Z","v":1,"xml_sha256":"' + b"b" * 64 + b'"}')
    assert LogEvent.from_leaf(leaf) == event
    assert LogEvent.from_leaf(leaf).to_leaf() == leaf


@pytest.mark.parametrize("leaf", [
    b'{"event": "issued"}',
    _issued().to_leaf().replace(b'"v":1', b'"v":1, '),
    _issued().to_leaf().replace(b'"v":1,', b'"v":1,"extra":1,'),
    _issued().to_leaf().replace(b"2025-06-20T02:00:00.250000Z", b"2025-06-20T09:00:00.25+07:00"),
    b"\xff\xfe", b"[]",
])
def test_a_leaf_in_any_other_spelling_is_refused(leaf: bytes) -> None:
    with pytest.raises(LedgerError):
        LogEvent.from_leaf(leaf)


# --- the signed tree head and the inclusion proof ---------------------------------------------

KEY = Ed25519PrivateKey.from_private_bytes(bytes(range(32)))
ORIGIN = "hocba.example/nhat-ky"


def test_a_tree_head_is_a_signed_checkpoint_that_verifies_only_with_the_log_key() -> None:
    head = TreeHead.sign(ORIGIN, 8, bytes.fromhex(CT_ROOTS[8]), WHEN, KEY)
    text = head.to_checkpoint()
    lines = text.split("\n")
    assert lines[:5] == [ORIGIN, "8", "XcnaeacGWamtVZy3Ad7Zoqudgjqt L0lgz+Nw7/RgQyg=".replace(
        " ", ""), "Timestamp: 1750384800250", ""]
    assert lines[5].startswith(f"— {ORIGIN} ")
    assert TreeHead.from_checkpoint(text) == head
    assert TreeHead.from_json(head.to_json()) == head
    assert head.verify(KEY.public_key())
    assert not head.verify(Ed25519PrivateKey.generate().public_key())
    forged = TreeHead(ORIGIN, 9, head.root, head.timestamp, head.key_id, head.signature)
    assert not forged.verify(KEY.public_key())
    with pytest.raises(LedgerError):
        TreeHead.from_checkpoint(text.replace("Timestamp", "Time"))


def test_an_inclusion_proof_verifies_against_its_signed_head_and_nothing_else() -> None:
    leaves = [_issued().to_leaf()] + [f"x{i}".encode() for i in range(6)]
    hashes = [leaf_hash(b) for b in leaves]
    head = TreeHead.sign(ORIGIN, 7, root(hashes), WHEN, KEY)
    proof = InclusionProof(leaves[0], 0, 7, inclusion_proof(0, hashes), head)
    assert proof.verify(KEY.public_key())
    again = InclusionProof.from_json(proof.to_json())
    assert again == proof and again.verify(KEY.public_key())
    assert again.event.predecessor == "0d4f1a7e-2b9c-4e57-8f11-3c5a9e0b7d22"
    tampered = InclusionProof(leaves[0].replace(b'"c', b'"d'), 0, 7, proof.path, head)
    assert not tampered.verify(KEY.public_key())
    assert not InclusionProof(leaves[0], 1, 7, proof.path, head).verify(KEY.public_key())
    assert not proof.verify(Ed25519PrivateKey.generate().public_key())


def test_nodes_of_a_range_are_the_perfect_subtrees_the_rfc_split_makes() -> None:
    assert ledger.nodes_of(0, 7) == [(2, 0), (1, 2), (0, 6)]
    assert ledger.nodes_of(8, 13) == [(2, 2), (0, 12)]
    with pytest.raises(LedgerError):
        ledger.nodes_of(1, 3)
