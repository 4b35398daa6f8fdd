"""The shape of a shared verification code, and its keyed hash.

A code is 12 characters of Crockford's Base32 (no I, L, O, U: nothing to misread on a phone
or over the telephone), shown in groups of four: ``7KQ2-M9XD-4HFA``, 60 random bits from
``secrets``. With the look-up code (a UUID v4) and the portal's rate limits, guessing is out
of reach. Only ``code_hmac`` — HMAC-SHA256 (RFC 2104) under the server's secret key, bound to
the record — is stored; answers are compared in constant time.
"""

from __future__ import annotations

import secrets

from django.utils.crypto import constant_time_compare, salted_hmac

ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"  # Crockford Base32
LENGTH = 12
# Crockford's decoding: the letters people type for the digits they see.
_READ_AS = str.maketrans({"O": "0", "I": "1", "L": "1"})
_SALT = "hocba.sharing.code"


def new_code() -> str:
    raw = "".join(secrets.choice(ALPHABET) for _ in range(LENGTH))
    return "-".join(raw[i:i + 4] for i in range(0, LENGTH, 4))


def normalise(code: str) -> str:
    """Upper case, no spaces or dashes, Crockford's look-alikes read as digits."""
    cleaned = "".join(ch for ch in code.upper() if ch not in " -\t")
    return cleaned.translate(_READ_AS)


def well_formed(code: str) -> bool:
    value = normalise(code)
    return len(value) == LENGTH and all(ch in ALPHABET for ch in value)


def code_hmac(record_id: int, code: str) -> str:
    return salted_hmac(_SALT, f"{record_id}:{normalise(code)}", algorithm="sha256").hexdigest()


def same(stored_hmac: str, record_id: int, code: str) -> bool:
    return constant_time_compare(stored_hmac, code_hmac(record_id, code))
