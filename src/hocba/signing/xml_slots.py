"""The signature slots of a học bạ XML file, their order, and what a signer fills in them.

A slot is named ``GVCN``, ``CBQL``, ``KY_PHAT_HANH`` or ``GVBM:<MA_MON>`` (secondary). Where a
slot sits and which Id it signs come from the file's profile (``Profile.signatures``,
``hocba.domain.moet``): primary CBQL and KY_PHAT_HANH sign Id ``data``, GVCN signs
``thongtinhocba``, a secondary GVBM slot ``gvbm_MA`` signs ``dtk_MA``.

The rules for dates and identity are in ``hocba.signing.xmldsig``'s docstring.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from cryptography import x509
from cryptography.x509.oid import NameOID
from lxml import etree

from hocba.domain.moet.profiles import Profile
from hocba.domain.moet.values import MIDNIGHT, VIETNAM
from hocba.signing.backends import SigningError

DSIG_NS = "http://www.w3.org/2000/09/xmldsig#"
DS_SIGNATURE = f"{{{DSIG_NS}}}Signature"
# Issue 5 §5, HCMC QĐ 1789 Điều 14: subject teachers → GVCN → CBQL → văn thư's seal.
CHAIN_ORDER = ("GVBM", "GVCN", "CBQL", "KY_PHAT_HANH")
ROLE_NAMES = {"GVBM": "giáo viên bộ môn", "GVCN": "giáo viên chủ nhiệm",
              "CBQL": "cán bộ quản lý (hiệu trưởng)", "KY_PHAT_HANH": "chữ ký phát hành"}
# Regions that contain THONG_TIN_CHUNG and so NGAY_KY_PHAT_HANH_HOC_BA.
COVERS_GENERAL_INFO = frozenset({"data", "thongtinhocba"})
ISSUE_DATE_TAG = "NGAY_KY_PHAT_HANH_HOC_BA"


class XmlSigningError(SigningError):
    """The file cannot be signed in this slot; the message is Vietnamese and names the slot."""


@dataclass(frozen=True)
class Slot:
    name: str  # GVCN, CBQL, KY_PHAT_HANH, GVBM:TOAN
    role: str  # GVCN, CBQL, KY_PHAT_HANH, GVBM
    element: Any
    region: str  # the Id the slot's signature covers: data, thongtinhocba, dtk_TOAN

    @property
    def signature(self) -> Any:
        return self.element.find(DS_SIGNATURE)

    @property
    def signed(self) -> bool:
        return self.signature is not None

    @property
    def key(self) -> str:
        """A lower-case token for Ids: cbql, gvcn, phathanh, gvbm-toan."""
        base = {"KY_PHAT_HANH": "phathanh"}.get(self.role, self.role.lower())
        code = self.name.partition(":")[2]
        return f"{base}-{code.lower().replace('_', '-')}" if code else base


def find_slots(root: Any, profile: Profile) -> list[Slot]:
    """Every slot present in the file, in the chain's order."""
    found: list[Slot] = []
    for entry in sorted(profile.signatures, key=lambda s: CHAIN_ORDER.index(s.role)):
        path, _, condition = entry.slot.partition("[")
        if not condition:
            element = root.find(path)
            if element is not None:
                found.append(Slot(entry.role, entry.role, element, entry.reference))
            continue
        id_format = re.search(r"@Id='([^']*)'", condition)
        assert id_format is not None, entry.slot
        prefix, _, suffix = id_format.group(1).partition("{code}")
        for element in root.iterfind(path):
            slot_id = element.get("Id") or ""
            if slot_id.startswith(prefix) and slot_id.endswith(suffix):
                code = slot_id[len(prefix):len(slot_id) - len(suffix)]
                found.append(Slot(f"{entry.role}:{code}", entry.role, element,
                                  entry.reference.format(code=code)))
    return found


def slot_named(slots: list[Slot], name: str, profile: Profile) -> Slot:
    for slot in slots:
        if slot.name == name:
            return slot
    known = ", ".join(s.name for s in slots) or "không có"
    raise XmlSigningError(f"Tệp học bạ (hồ sơ {profile.key}) không có chỗ ký «{name}»; các chỗ "
                          f"ký có trong tệp: {known}.")


def check_order(slots: list[Slot], slot: Slot) -> None:
    """One signature per slot, in the chain's order; nothing is signed after issuance."""
    if any(s.role == "KY_PHAT_HANH" and s.signed for s in slots):
        raise XmlSigningError(f"Học bạ đã được ký phát hành: không ký thêm chỗ «{slot.name}» "
                              f"(học bạ đã phát hành không được thay đổi, QĐ 1789 Điều 2).")
    if slot.signed:
        raise XmlSigningError(f"Chỗ ký «{slot.name}» đã có chữ ký số; mỗi chỗ ký chỉ ký một lần.")
    rank = CHAIN_ORDER.index(slot.role)
    waiting = [s.name for s in slots if CHAIN_ORDER.index(s.role) < rank and not s.signed]
    if waiting:
        raise XmlSigningError(
            f"Chưa ký được chỗ «{slot.name}»: các chỗ ký trước trong trình tự (GVBM → GVCN → "
            f"CBQL → phát hành, QĐ 1789 Điều 14) chưa ký: {', '.join(waiting)}.")
    later = [s.name for s in slots if CHAIN_ORDER.index(s.role) > rank and s.signed]
    if later:
        raise XmlSigningError(f"Chỗ «{slot.name}» phải ký trước các chỗ đã ký: {', '.join(later)}.")


def identity_of(certificate: x509.Certificate) -> str | None:
    """``CCCD:…`` (``CMND:…``) of a person or ``MA_TRUONG:…`` of a school, from the subject's
    UID as Vietnamese CAs write it (hocba.signing.subjects)."""
    for attribute in certificate.subject.get_attributes_for_oid(NameOID.USER_ID):
        value = str(attribute.value)
        if value.startswith(("CCCD:", "CMND:", "MA_TRUONG:")):
            return value
    return None


def vietnam_time(moment: datetime) -> str:
    """CV 2088 PL1 II.1 date-time, in Vietnam time: ``2025-05-30T14:05:00+07:00``."""
    if moment.tzinfo is None:
        raise XmlSigningError("Thời điểm ký phải có múi giờ (ví dụ 2025-05-30T14:05:00+07:00).")
    return moment.astimezone(VIETNAM).replace(microsecond=0).isoformat()


def fill_slot(root: Any, slot: Slot, certificate: x509.Certificate, signing_time: str) -> None:
    """The slot's own fields (CV 2088 PL1 Phụ lục 1.1 "Danh sách thông tin ký"): NGAY_KY is the
    signing time; SO_CCCD must be the signer's identity number (filled if the slot lacks it);
    the seal's certificate must be the record's school's (MA_TRUONG)."""
    element = slot.element
    identity = identity_of(certificate)
    if slot.role == "KY_PHAT_HANH":
        school = root.findtext("DU_LIEU_HOC_BA/THONG_TIN_CHUNG/MA_TRUONG")
        if identity != f"MA_TRUONG:{school}":
            raise XmlSigningError(
                f"Chỗ ký phát hành cần chứng thư số tổ chức của trường có MA_TRUONG {school}; "
                f"chứng thư số được chọn mang «{identity or 'không có mã định danh'}».")
    else:
        number = identity.partition(":")[2] if identity and identity.startswith(
            ("CCCD:", "CMND:")) else None
        if number is None:
            raise XmlSigningError(
                f"Chứng thư số ký chỗ «{slot.name}» không ghi số định danh cá nhân (UID=CCCD:…) "
                f"nên không đối chiếu được với SO_CCCD của học bạ.")
        present = element.find("SO_CCCD")
        if present is not None and (present.text or "").strip() != number:
            raise XmlSigningError(
                f"Chứng thư số mang CCCD {number}, khác SO_CCCD {present.text} của chỗ ký "
                f"«{slot.name}»: người ký phải là người học bạ ghi tên.")
        if present is None:
            _insert(element, "SO_CCCD", number, after=("NGAY_KY",))
    existing = element.find("NGAY_KY")
    if existing is not None:
        existing.text = signing_time
    else:
        _insert(element, "NGAY_KY", signing_time, after=())


def fix_issue_date(root: Any, slots: list[Slot], slot: Slot, signing_time: str) -> None:
    """NGAY_KY_PHAT_HANH_HOC_BA is fixed when the record enters the chain: the first signature
    whose region holds THONG_TIN_CHUNG writes it (the date of that signature) unless the
    record already carries it; no later signer changes it."""
    if slot.region not in COVERS_GENERAL_INFO:
        return
    info = root.find("DU_LIEU_HOC_BA/THONG_TIN_CHUNG")
    if info is None or info.find(ISSUE_DATE_TAG) is not None:
        return
    covering = [s.name for s in slots if s.signed and s.region in COVERS_GENERAL_INFO]
    if covering:
        raise XmlSigningError(
            f"Tệp thiếu {ISSUE_DATE_TAG} trong khi chỗ {', '.join(covering)} đã ký phần chứa nó: "
            f"không thể thêm ngày phát hành mà không làm hỏng chữ ký đã có.")
    _insert(info, ISSUE_DATE_TAG, f"{signing_time[:10]}{MIDNIGHT}", after=("NGAY_TAO_HOC_BA",))


def ensure_id(slot: Slot, token: str) -> str:
    """The slot's Id, so its signature covers its own NGAY_KY and SO_CCCD (GVBM slots have one)."""
    slot_id: str | None = slot.element.get("Id")
    if not slot_id:
        slot_id = f"cho-ky-{slot.key}-{token}"
        slot.element.set("Id", slot_id)
    return slot_id


def _insert(parent: Any, tag: str, text: str, *, after: tuple[str, ...]) -> None:
    """A new child after the last of ``after`` present (else first), indented like its
    neighbours; the serialised whitespace of everything else stays as it was."""
    index = 0
    for i, child in enumerate(parent):
        if child.tag in after:
            index = i + 1
    element = etree.Element(tag)
    element.text = text
    if not len(parent):  # an empty slot (<KY_PHAT_HANH/>): indent as the writer would
        before = parent.getprevious()
        indent = before.tail if before is not None and (before.tail or "").isspace() else None
        parent.text = f"{indent}  " if indent else None
        element.tail = indent
    elif index == 0:
        element.tail = parent.text
    else:
        previous = parent[index - 1]
        element.tail = previous.tail
        if index == len(parent):  # the new last child closes the parent, as the old one did
            previous.tail = parent.text
    parent.insert(index, element)
