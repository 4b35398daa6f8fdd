"""Subject names as Vietnamese CAs write them.

Identity in the subject: Vietnamese CAs (VNPT-CA, Viettel-CA, BKAV-CA, Ban Cơ yếu) put the
holder's identity number in the ``UID`` attribute (OID 0.9.2342.19200300.100.1.1) as a typed
value, ``CCCD:<12 digits>`` for a person (older certificates ``CMND:``), ``MST:<tax code>``
for an organisation. This is observed practice of the CAs named in DOMAIN.md §3.3, not a
rule quoted there; the personal identity number itself is the 12-digit mã số định danh cá
nhân (DOMAIN.md §4), which the học bạ stores for the signers (SO_CCCD_GIAM_HIEU_KY_HOC_BA,
GVCN/SO_CCCD: CV 2088 PL1, DOMAIN.md §2). A verifier can therefore match the certificate to
the CCCD the record names.

The school seal carries ``O`` = ``CN`` = the school's name and ``UID=MA_TRUONG:<code>``, the
CSDL ngành school code the record carries as MA_TRUONG (DOMAIN.md §4, TT 42/2021), so the seal
ties to the record's school; when the school's tax code is known a second
``UID=MST:<tax code>`` is added, as a licensed CA issues it.

Text attributes are UTF-8 strings (NFC), so "Phạm Văn Hùng" reads back unchanged.
"""

from __future__ import annotations

import re
import unicodedata

from cryptography import x509
from cryptography.x509.oid import NameOID

CCCD_PATTERN = re.compile(r"^\d{12}$")  # DOMAIN.md §4: 12 digits, issued by the Bộ Công an


class SubjectError(ValueError):
    """A subject the CA refuses; the message says which field, in Vietnamese."""


def _text(value: str, field: str) -> str:
    cleaned = unicodedata.normalize("NFC", value.strip())
    if not cleaned:
        raise SubjectError(f"Trường «{field}» của chứng thư số không được để trống.")
    return cleaned


def personal_subject(name: str, identity_number: str, role_title: str,
                     organisation: str | None = None, province: str | None = None) -> x509.Name:
    number = identity_number.strip()
    if not CCCD_PATTERN.match(number):
        raise SubjectError(
            f"Số định danh cá nhân «{identity_number}» của {name} phải gồm đúng 12 chữ số "
            "(mã số định danh cá nhân)."
        )
    attributes = [x509.NameAttribute(NameOID.COUNTRY_NAME, "VN")]
    if province:
        attributes.append(x509.NameAttribute(NameOID.STATE_OR_PROVINCE_NAME,
                                             _text(province, "Tỉnh/Thành phố")))
    if organisation:
        attributes.append(x509.NameAttribute(NameOID.ORGANIZATION_NAME,
                                             _text(organisation, "Đơn vị")))
    attributes += [
        x509.NameAttribute(NameOID.TITLE, _text(role_title, "Chức vụ")),
        x509.NameAttribute(NameOID.COMMON_NAME, _text(name, "Họ và tên")),
        x509.NameAttribute(NameOID.USER_ID, f"CCCD:{number}"),
    ]
    return x509.Name(attributes)


def organisation_subject(school_name: str, school_code: str, tax_code: str | None = None,
                         province: str | None = None) -> x509.Name:
    code = _text(school_code, "Mã trường")
    school = _text(school_name, "Tên trường")
    attributes = [x509.NameAttribute(NameOID.COUNTRY_NAME, "VN")]
    if province:
        attributes.append(x509.NameAttribute(NameOID.STATE_OR_PROVINCE_NAME,
                                             _text(province, "Tỉnh/Thành phố")))
    attributes += [
        x509.NameAttribute(NameOID.ORGANIZATION_NAME, school),
        x509.NameAttribute(NameOID.COMMON_NAME, school),
        x509.NameAttribute(NameOID.USER_ID, f"MA_TRUONG:{code}"),
    ]
    if tax_code:
        tax = _text(tax_code, "Mã số thuế")
        attributes.append(x509.NameAttribute(NameOID.USER_ID, f"MST:{tax}"))
    return x509.Name(attributes)


def file_stem(subject: x509.Name) -> str:
    """A file name from the subject's UID: ``CCCD-027175000003``, ``MA_TRUONG-27260001``."""
    uid = subject.get_attributes_for_oid(NameOID.USER_ID)[0].value
    return re.sub(r"[^A-Za-z0-9_-]", "-", str(uid))
