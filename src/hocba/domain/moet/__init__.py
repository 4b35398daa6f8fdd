"""The Ministry's học bạ XML: write a record, read a file back, validate any file.

    xml = write(record)                  # profile chosen from the record's level
    xml = write_checked(document)        # the JSON of a record checked before (stored)
    record = read(xml)                   # the profile is found from PHIEN_BAN and THONG_TU
    validate(xml)                        # the profile's XSD and the format rules

Every refusal is a ``MoetXmlError`` whose problems name the exact path (an XML path when
reading, the record's JSON path when writing) and a Vietnamese reason. Profiles are versioned
configuration (``PROFILES``): "tt27-primary/1.0" follows CV 2088/BGDĐT-GDTH PL1 v1.0 (05/2024);
"tt22-secondary/0.1-provisional" is hocba's provisional secondary layout.
"""

from __future__ import annotations

from hocba.domain.moet import reader, schema, writer
from hocba.domain.moet.errors import MoetXmlError, Problem, refuse
from hocba.domain.moet.nodes import Json
from hocba.domain.moet.profiles import DEFAULT_BY_LEVEL, PROFILES, Profile, SignatureSlot
from hocba.domain.moet.safe import MAX_BYTES
from hocba.domain.record import HocBa

__all__ = ["MAX_BYTES", "PROFILES", "MoetXmlError", "Problem", "Profile", "SignatureSlot",
           "profile_for", "read", "validate", "write", "write_checked"]


def profile_for(record: HocBa, profile: str | None = None) -> Profile:
    """The named profile, or the default for the record's level; the record's regime must be
    one the profile writes (its THONG_TU)."""
    return _profile(record.level, record.regime, profile)


def _profile(level: str, regime: str, profile: str | None) -> Profile:
    key = profile or DEFAULT_BY_LEVEL[level]
    found = PROFILES.get(key)
    if found is None:
        raise refuse("profile", (f"không có hồ sơ XML “{key}”; các hồ sơ đã biết: "
                                 f"{', '.join(PROFILES)}"))
    if regime not in found.thong_tu:
        raise refuse("regime", (f"hồ sơ {found.key} không ghi được bản ghi chế độ "
                                f"{regime} (cấp {level})"))
    return found


def write(record: HocBa, profile: str | None = None) -> bytes:
    """The record as the profile's XML, UTF-8; validated against the profile's XSD before it
    is returned, so every file the system produces is valid."""
    return _write(profile_for(record, profile), record.to_json())


def write_checked(document: Json, profile: str | None = None) -> bytes:
    """``write`` for a record already checked, given as its JSON form: ``HocBa.to_json()``,
    or the canonical JSON stored when it was composed (a composed record is never edited,
    and it was built by ``HocBa.from_json``). Checking it a second time would give the same
    values back, so it is not checked again; the XSD check of the output still runs.
    A document from outside (an upload, an API call) goes through ``HocBa.from_json`` and
    ``write`` instead."""
    return _write(_profile(document["level"], document["regime"], profile), document)


def _write(chosen: Profile, document: Json) -> bytes:
    root = writer.build(chosen, document)
    problems = schema.check(root, chosen)
    if problems:  # a defect of the mapping, never of the record: say so plainly
        raise MoetXmlError(problems)
    return writer.serialise(root)


def read(data: bytes) -> HocBa:
    """The canonical record of a received file (``MoetXmlError`` with path and reason)."""
    return reader.read(data)


def validate(data: bytes, profile: str | None = None) -> Profile:
    """Check a file: safe parsing, its profile (or the one named), no empty tag, the XSD.
    Returns the profile the file follows."""
    _root, found = reader.checked_root(data)
    if profile is not None and found.key != profile:
        raise refuse("/HOC_BA/DU_LIEU_HOC_BA/THONG_TIN_CHUNG", (
            f"tệp theo hồ sơ {found.key}, không phải {profile}"))
    return found
