"""Public transparency-log API: the latest signed tree head, the log's public key, inclusion
proofs (by look-up code or leaf index) and consistency proofs (RFC 9162 §2.1.3, §2.1.4).
No log-in; no personal data (a leaf names a record only by its look-up code and hashes)."""

from __future__ import annotations

import base64
from typing import Any

from django.http import HttpRequest
from ninja import Router, Schema
from ninja.errors import HttpError

from hocba.domain.ledger import EVENTS, ISSUED, LedgerError, vkey
from hocba.transparency import selectors
from hocba.transparency.keys import log_origin, log_public_key, log_public_key_pem

router = Router(tags=["Nhật ký minh bạch"], auth=None)


class TreeHeadOut(Schema):
    origin: str
    tree_size: int
    root_hash: str
    timestamp: int
    time: str
    key_id: str
    signature: str
    checkpoint: str


class PublicKeyOut(Schema):
    origin: str
    algorithm: str
    public_key_pem: str
    public_key: str
    verifier_key: str


class InclusionOut(Schema):
    leaf: str
    leaf_hash: str
    leaf_index: int
    tree_size: int
    inclusion_path: list[str]
    event: dict[str, Any]
    tree_head: TreeHeadOut


class ConsistencyOut(Schema):
    first: int
    second: int
    consistency_path: list[str]


class Error(Schema):
    detail: str


def _latest() -> Any:
    head = selectors.latest_tree_head()
    if head is None:
        raise HttpError(404, "Nhật ký minh bạch chưa có sự kiện nào.")
    return head


@router.get("/nhat-ky/dau-cay", response={200: TreeHeadOut, 404: Error},
            summary="Đầu cây đã ký mới nhất")
def latest_head(request: HttpRequest) -> Any:
    return _latest().to_json()


@router.get("/nhat-ky/khoa-cong-khai", response=PublicKeyOut,
            summary="Khoá công khai Ed25519 của nhật ký")
def public_key(request: HttpRequest) -> Any:
    from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

    key = log_public_key()
    raw = key.public_bytes(Encoding.Raw, PublicFormat.Raw)
    return {"origin": log_origin(), "algorithm": "Ed25519",
            "public_key_pem": log_public_key_pem(),
            "public_key": base64.b64encode(raw).decode(),
            "verifier_key": vkey(log_origin(), key)}


@router.get("/nhat-ky/bang-chung/{ma_tra_cuu}", response={200: InclusionOut, 404: Error},
            summary="Bằng chứng có mặt của một học bạ (theo mã tra cứu)")
def inclusion_by_code(request: HttpRequest, ma_tra_cuu: str, su_kien: str = ISSUED) -> Any:
    if su_kien not in EVENTS:
        raise HttpError(400, f"Tham số «su_kien» phải là một trong: {', '.join(EVENTS)}.")
    proof = selectors.inclusion_for(ma_tra_cuu, su_kien)
    if proof is None:
        raise HttpError(404, f"Không có sự kiện «{su_kien}» của mã tra cứu «{ma_tra_cuu}» "
                             "trong nhật ký minh bạch.")
    return proof.to_json()


@router.get("/nhat-ky/la/{chi_so}", response={200: InclusionOut, 400: Error, 404: Error},
            summary="Bằng chứng có mặt của lá theo số thứ tự")
def inclusion_by_index(request: HttpRequest, chi_so: int) -> Any:
    if chi_so < 0:
        raise HttpError(400, "Số thứ tự lá («chi_so») phải không âm.")
    proof = selectors.inclusion_at(chi_so)
    if proof is None:
        raise HttpError(404, f"Nhật ký không có lá số {chi_so}.")
    return proof.to_json()


@router.get("/nhat-ky/nhat-quan", response={200: ConsistencyOut, 400: Error},
            summary="Bằng chứng nhất quán giữa hai kích thước cây")
def consistency(request: HttpRequest, first: int, second: int) -> Any:
    try:
        path = selectors.consistency_between(first, second)
    except LedgerError as exc:
        raise HttpError(400, f"«first»/«second»: {exc}") from exc
    return {"first": first, "second": second,
            "consistency_path": [base64.b64encode(p).decode() for p in path]}
