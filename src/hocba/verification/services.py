"""Checking a học bạ for anyone: by look-up code plus a second factor, or by its file.

The contract the portal, the API and the benches build on. Every answer is a
``hocba.domain.verdict.VerificationReport`` (three verdicts). Owned by the verification work;
the bodies below are placeholders until it lands.
"""

from __future__ import annotations

import datetime as dt

from hocba.domain.verdict import VerificationReport


class VerificationRefused(ValueError):
    """The input cannot be checked at all (too large, not a PDF or XML, hostile). The message
    is Vietnamese and names what is wrong; nothing is stored."""


def check_code(lookup_code: str, *, birth_date: dt.date | None = None,
               shared_code: str | None = None, channel: str = "web") -> VerificationReport:
    """The three verdicts of the record with ``lookup_code``, when the second factor (the
    student's date of birth, or a verification code the holder shared) matches.

    An unknown code and a wrong second factor give the same answer (no oracle for
    enumeration); comparisons are constant-time. Cheap enough for the status API's 500
    requests/s: no signature is validated per request (the stored original's validation is
    cached by its hash). The read is audited when it shows personal data."""
    raise NotImplementedError


def verify_file(data: bytes, *, filename: str = "", channel: str = "web") -> VerificationReport:
    """Full validation of an uploaded PDF or XML: every signature, the XML against its XSD,
    the comparison with the stored original, and the log's inclusion proof.
    ``VerificationRefused`` when the file cannot be checked at all."""
    raise NotImplementedError
