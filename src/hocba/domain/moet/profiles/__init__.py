"""The XML profiles: versioned configuration, one module per profile and version.

The Ministry will revise the specification (CV 119/BGDĐT-GDTH already attached an updated
primary spec that was not found; the secondary spec was not found at all). A revision is a
new module and a new entry in ``PROFILES``; files already written keep naming theirs through
PHIEN_BAN and THONG_TU, and ``detect`` finds it again when reading.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

from hocba.domain.moet.nodes import Block, Json

XSD_DIR = Path(__file__).resolve().parent.parent / "xsd"


@dataclass(frozen=True)
class SignatureSlot:
    """Where a signer's ds:Signature goes and which Id its Reference points at (issue 5)."""

    role: str  # GVCN, CBQL, KY_PHAT_HANH, GVBM
    slot: str  # XPath of the slot from HOC_BA; {code} for a subject
    reference: str  # the Id signed: data, thongtinhocba, dtk_{code}


@dataclass(frozen=True)
class Profile:
    key: str  # "tt27-primary/1.0"
    title: str
    source: str
    provisional: bool
    version: str  # the text of PHIEN_BAN
    levels: tuple[str, ...]  # the record levels written in this profile by default
    thong_tu: Mapping[str, str]  # regime → the text of THONG_TU
    xsd: str  # file name under xsd/
    slot_tags: frozenset[str]  # elements that may stay empty: the unsigned signature slots
    signatures: tuple[SignatureSlot, ...]
    ids: Mapping[str, str]  # Id → what carries it
    deviations: tuple[str, ...]  # where this profile departs from the text it follows
    tree: Block  # the mapping, root HOC_BA
    checks: tuple[Callable[[Json], Iterable[tuple[str, str]]], ...] = ()

    @property
    def xsd_path(self) -> Path:
        return XSD_DIR / self.xsd

    def check(self, record: Json) -> list[tuple[str, str]]:
        """Rules beyond single mandatory tags, as (record path, reason)."""
        return [problem for rule in self.checks for problem in rule(record)]


def _registry() -> dict[str, Profile]:
    from hocba.domain.moet.profiles import tt22_secondary_0_1, tt27_primary_1_0

    return {p.key: p for p in (tt27_primary_1_0.PROFILE, tt22_secondary_0_1.PROFILE)}


PROFILES: dict[str, Profile] = _registry()
DEFAULT_BY_LEVEL: dict[str, str] = {"TH": "tt27-primary/1.0",
                                    "THCS": "tt22-secondary/0.1-provisional",
                                    "THPT": "tt22-secondary/0.1-provisional"}


def detect(version: str | None, thong_tu: str | None) -> Profile | None:
    """The profile a received file follows, from its PHIEN_BAN and THONG_TU."""
    for profile in PROFILES.values():
        if profile.version == version and thong_tu in profile.thong_tu.values():
            return profile
    return None
