"""The answer to "is this học bạ genuine?": three verdicts, each PASSED, FAILED or INDETERMINATE.

Modelled on the ETSI validation report (TS 119 102-2; main indications TOTAL-PASSED,
TOTAL-FAILED, INDETERMINATE with a sub-indication from EN 319 102-1) and split, as the
verification rule of HCMC QĐ 1789 Điều 2 and Điều 12 asks, into what a verifier must know:

* **integrity** (toàn vẹn): every signature is valid and the document is unchanged since the
  last one — and, where the stored original is at hand, the file *is* the stored original;
* **status** (trạng thái): issued, or revoked, or replaced (with the replacement's look-up
  code), or not issued at all — as the school's database and the transparency log say;
* **issuer** (đơn vị phát hành): the seal is the school's approved organisation certificate and
  chains to a trusted root.

"If any check fails, the học bạ is invalid" (QĐ 1789 Điều 12): ``VerificationReport.valid`` is
true only when all three PASSED. INDETERMINATE (the data to decide is missing: no validation
data, the record is not in the store, the log has no proof yet) is never valid.

Pure: no Django. The portal, the API and ``hocba verify`` all show this same report.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any


class Indication(StrEnum):
    PASSED = "PASSED"
    FAILED = "FAILED"
    INDETERMINATE = "INDETERMINATE"


INDICATION_LABELS = {
    Indication.PASSED: "Đạt",
    Indication.FAILED: "Không đạt",
    Indication.INDETERMINATE: "Chưa xác định được",
}


class SubIndication(StrEnum):
    """The sub-indications we use, spelt as ETSI EN 319 102-1 §5.1.3 spells them."""

    HASH_FAILURE = "HASH_FAILURE"  # the signed bytes changed
    SIG_CRYPTO_FAILURE = "SIG_CRYPTO_FAILURE"  # the signature value does not match
    FORMAT_FAILURE = "FORMAT_FAILURE"  # not a readable PDF/XML, or XML against its XSD
    NO_SIGNING_CERTIFICATE_FOUND = "NO_SIGNING_CERTIFICATE_FOUND"  # unsigned or no seal
    NO_CERTIFICATE_CHAIN_FOUND = "NO_CERTIFICATE_CHAIN_FOUND"  # not to a trusted root
    REVOKED = "REVOKED"  # a certificate, or (status) the record itself
    TRY_LATER = "TRY_LATER"  # validation data or the log's proof not yet at hand
    SIGNED_DATA_NOT_FOUND = "SIGNED_DATA_NOT_FOUND"  # no such record in the store
    GENERIC = "GENERIC"


@dataclass(frozen=True)
class Verdict:
    indication: Indication
    reason: str  # Vietnamese, for the person who reads it
    sub_indication: SubIndication | None = None

    @classmethod
    def passed(cls, reason: str) -> Verdict:
        return cls(Indication.PASSED, reason)

    @classmethod
    def failed(cls, reason: str, sub: SubIndication = SubIndication.GENERIC) -> Verdict:
        return cls(Indication.FAILED, reason, sub)

    @classmethod
    def indeterminate(cls, reason: str, sub: SubIndication = SubIndication.TRY_LATER) -> Verdict:
        return cls(Indication.INDETERMINATE, reason, sub)

    @property
    def ok(self) -> bool:
        return self.indication is Indication.PASSED

    @property
    def label(self) -> str:
        return INDICATION_LABELS[self.indication]

    def as_dict(self) -> dict[str, Any]:
        return {"indication": self.indication.value,
                "sub_indication": self.sub_indication.value if self.sub_indication else None,
                "reason": self.reason}


class RecordStatus(StrEnum):
    """What the store and the log say of a look-up code."""

    ISSUED = "issued"  # phát hành, còn hiệu lực
    REVOKED = "revoked"  # thu hồi, chưa có bản thay thế phát hành
    REPLACED = "replaced"  # thu hồi và đã có học bạ thay thế (``replaced_by``)
    NOT_ISSUED = "not_issued"  # đang ký, bị trả lại hoặc đã huỷ: chưa có giá trị
    UNKNOWN = "unknown"  # không có trong kho


@dataclass(frozen=True)
class VerificationReport:
    integrity: Verdict
    status: Verdict
    issuer: Verdict
    lookup_code: str | None = None
    record_status: RecordStatus = RecordStatus.UNKNOWN
    replaced_by: str | None = None  # the replacement's look-up code
    replaces: str | None = None  # the predecessor's look-up code
    # What the holder shared or the file itself shows (school, year, class; the name only
    # when the holder gave a second factor), and per-signature lines for the details view.
    facts: Mapping[str, str] = field(default_factory=dict)
    signatures: tuple[Mapping[str, Any], ...] = ()

    @property
    def verdicts(self) -> tuple[tuple[str, Verdict], ...]:
        return (("integrity", self.integrity), ("status", self.status), ("issuer", self.issuer))

    @property
    def valid(self) -> bool:
        """QĐ 1789 Điều 12: valid only if every check passed; INDETERMINATE is not valid."""
        return all(v.ok for _, v in self.verdicts)

    def as_dict(self) -> dict[str, Any]:
        return {
            "valid": self.valid,
            "lookup_code": self.lookup_code,
            "record_status": self.record_status.value,
            "replaced_by": self.replaced_by,
            "replaces": self.replaces,
            **{name: verdict.as_dict() for name, verdict in self.verdicts},
            "facts": dict(self.facts),
            "signatures": [dict(s) for s in self.signatures],
        }


VERDICT_TITLES = {
    "integrity": "Toàn vẹn",
    "status": "Trạng thái",
    "issuer": "Đơn vị phát hành",
}

__all__ = ["INDICATION_LABELS", "VERDICT_TITLES", "Indication", "RecordStatus",
           "SubIndication", "Verdict", "VerificationReport"]
