"""XML signatures of the học bạ (issue 5 §4 "XML"): the Ministry's XMLDSig profile, one
ds:Signature per slot in the chain's order (GVBM → GVCN → CBQL → KY_PHAT_HANH), and XAdES-BES.

Every signature is checked by an independent tool, Debian's ``xmlsec1 --verify`` with the demo
root trusted, as well as by ``verify_xml``; the signed file still validates against its
profile's XSD and reads back to the record.
"""

from __future__ import annotations

import json
import re
import subprocess
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric import rsa
from lxml import etree

from hocba.domain import moet
from hocba.domain.moet.values import VIETNAM
from hocba.domain.record import HocBa
from hocba.signing import DEMO_PKCS12_PASSWORD, DemoPki, IssuedCertificate, ensure_demo_pki
from hocba.signing.authority import certify
from hocba.signing.backends import Pkcs12Signer, SigningError
from hocba.signing.subjects import personal_subject
from hocba.signing.xmldsig import (
    XmlSigningError,
    prepare_xml_signature,
    sign_xml,
    slots_of,
    verify_xml,
)

EXAMPLES = Path(__file__).resolve().parents[1] / "docs" / "examples"
DS = "http://www.w3.org/2000/09/xmldsig#"
XADES = "http://uri.etsi.org/01903/v1.3.2#"
NS = {"ds": DS, "xades": XADES}
# Elements carrying an Id a Reference points at, for xmlsec1 (no DTD or schema tells it).
ID_ELEMENTS = ("DU_LIEU_HOC_BA", "THONG_TIN_CHUNG", "DIEM_TONG_KET", "GVBM", "GVCN", "CBQL",
               "KY_PHAT_HANH", f"{DS}:Signature", f"{DS}:SignatureProperties",
               f"{XADES}:SignedProperties")



@dataclass
class Chain:
    record: HocBa
    pki: DemoPki
    signers: dict[str, Pkcs12Signer]  # slot → signer
    start: datetime

    @property
    def slots(self) -> list[str]:
        return list(self.signers)

    def sign(self, xml: bytes, *, profile: str = "xmldsig") -> bytes:
        for minutes, (slot, signer) in enumerate(self.signers.items()):
            xml = sign_xml(xml, slot, signer, signing_time=self.start + timedelta(minutes=minutes),
                           profile=profile)
        return xml


@pytest.fixture(scope="module")
def pki(tmp_path_factory: pytest.TempPathFactory) -> DemoPki:
    return ensure_demo_pki(tmp_path_factory.mktemp("pki"))


def _load(pki: DemoPki, issued: IssuedCertificate) -> Pkcs12Signer:
    return Pkcs12Signer.load(issued.pkcs12_path, DEMO_PKCS12_PASSWORD)


def chain_for(pki: DemoPki, example: str) -> Chain:
    record = HocBa.from_json(json.loads((EXAMPLES / example).read_text(encoding="utf-8")))
    data = record.to_json()
    people = data["signers"]
    signers = {}
    for teacher in people["subject_teachers"]:
        signer = _load(pki, pki.issue_personal(teacher["name"], teacher["identity_number"],
                                               "Giáo viên bộ môn"))
        for code in teacher["subjects"]:
            signers[f"GVBM:{code}"] = signer
    signers["GVCN"] = _load(pki, pki.issue_personal(
        people["homeroom"]["name"], people["homeroom"]["identity_number"], "Giáo viên"))
    signers["CBQL"] = _load(pki, pki.issue_personal(
        people["principal"]["name"], people["principal"]["identity_number"], "Hiệu trưởng"))
    signers["KY_PHAT_HANH"] = _load(pki, pki.issue_organisation(data["school"]["name"],
                                                                data["school"]["code"]))
    start = datetime.now(VIETNAM).replace(microsecond=0) - timedelta(minutes=30)
    return Chain(record, pki, signers, start)


@pytest.fixture(scope="module")
def primary(pki: DemoPki) -> Chain:
    return chain_for(pki, "record-primary.json")


@pytest.fixture(scope="module")
def secondary(pki: DemoPki) -> Chain:
    return chain_for(pki, "record-secondary.json")


@pytest.fixture(scope="module")
def signed_primary(primary: Chain) -> bytes:
    return primary.sign(moet.write(primary.record))


@pytest.fixture(scope="module")
def signed_secondary(secondary: Chain) -> bytes:
    return secondary.sign(moet.write(secondary.record))


def signature_ids(xml: bytes) -> list[str]:
    root = etree.fromstring(xml)
    return [s.get("Id") for s in root.iterfind(".//ds:Signature", NS)]


def xmlsec1(xml: bytes, node_id: str, trusted: Path, untrusted: Path, tmp: Path) -> str:
    path = tmp / f"{node_id}.xml"
    path.write_bytes(xml)
    command = ["xmlsec1", "--verify", "--trusted-pem", str(trusted),
               "--untrusted-pem", str(untrusted), "--node-id", node_id]
    for element in ID_ELEMENTS:
        command += ["--id-attr:Id", element]
    done = subprocess.run([*command, str(path)], capture_output=True, text=True, check=False)
    return (done.stdout + done.stderr).strip()


def accepted(report: str) -> bool:
    lines = report.splitlines()
    return "OK" in lines and not any(line.startswith("Error") for line in lines)


def expected_record(chain: Chain) -> HocBa:
    """The record as signed: NGAY_KY_PHAT_HANH_HOC_BA fixed by the first signature covering
    THONG_TIN_CHUNG, the GVCN's (the rule of hocba.signing.xmldsig)."""
    data = chain.record.to_json()
    gvcn_minutes = chain.slots.index("GVCN")
    data["issued_on"] = (chain.start + timedelta(minutes=gvcn_minutes)).date().isoformat()
    return HocBa.from_json(data)


# --- the chain, fully signed ----------------------------------------------------------------


def test_a_primary_record_signed_by_gvcn_cbql_and_the_seal_verifies_every_signature(
        primary: Chain, signed_primary: bytes) -> None:
    checks = verify_xml(signed_primary, [primary.pki.root])
    assert [c.slot for c in checks] == ["GVCN", "CBQL", "KY_PHAT_HANH"]
    assert all(c.valid for c in checks), [c.reason for c in checks]
    assert [c.identity_number for c in checks] == [
        "CCCD:027180000011", "CCCD:027175000003", "MA_TRUONG:27260001"]
    assert checks[1].signer.startswith("UID=CCCD:027175000003,CN=Phạm Văn Hùng,")
    assert checks[2].signing_time == primary.start + timedelta(minutes=2)
    assert checks[0].reason.startswith("Hợp lệ")


def test_a_secondary_record_signed_by_each_subject_teacher_then_gvcn_cbql_and_seal(
        secondary: Chain, signed_secondary: bytes) -> None:
    checks = verify_xml(signed_secondary, [secondary.pki.root])
    assert [c.slot for c in checks] == ["GVCN", "GVBM:TOAN", "GVBM:NGU_VAN", "GVBM:GDTC",
                                        "CBQL", "KY_PHAT_HANH"]  # document order
    assert all(c.valid for c in checks), [c.reason for c in checks]
    root = etree.fromstring(signed_secondary)
    math = root.find("DANH_SACH_THONG_TIN_KY/DANH_SACH_GVBM/GVBM[@Id='gvbm_TOAN']")
    uris = [r.get("URI") for r in math.iterfind("ds:Signature/ds:SignedInfo/ds:Reference", NS)]
    assert uris[:2] == ["#dtk_TOAN", "#gvbm_TOAN"]  # only the teacher's subject, and the slot
    assert math.findtext("NGAY_KY") == (secondary.start).isoformat()


@pytest.mark.parametrize("which", ["primary", "secondary"])
def test_the_signed_file_validates_against_its_xsd_and_reads_back_to_the_record(
        which: str, request: pytest.FixtureRequest) -> None:
    chain: Chain = request.getfixturevalue(which)
    signed: bytes = request.getfixturevalue(f"signed_{which}")
    profile = moet.validate(signed)
    assert profile.key == moet.profile_for(chain.record).key
    assert moet.read(signed).to_json() == expected_record(chain).to_json()


@pytest.mark.parametrize("which", ["primary", "secondary"])
def test_xmlsec1_accepts_every_signature_with_the_demo_root_trusted(
        which: str, request: pytest.FixtureRequest, tmp_path: Path) -> None:
    chain: Chain = request.getfixturevalue(which)
    signed: bytes = request.getfixturevalue(f"signed_{which}")
    ids = signature_ids(signed)
    assert len(ids) == len(chain.slots)
    for node_id in ids:
        report = xmlsec1(signed, node_id, chain.pki.root_path, chain.pki.issuing_path, tmp_path)
        assert accepted(report), report
        assert "SignedInfo References (ok/all): 3/3" in report


# --- the profile's shape ---------------------------------------------------------------------


def test_each_signature_has_its_own_ids_and_signs_its_signing_time(signed_secondary: bytes
                                                                   ) -> None:
    root = etree.fromstring(signed_secondary)
    ids = [e.get("Id") for e in root.iter() if e.get("Id")]
    assert len(ids) == len(set(ids))
    assert "prop" not in ids
    for signature in root.iterfind(".//ds:Signature", NS):
        properties = signature.find("ds:Object/ds:SignatureProperties", NS)
        time = properties.findtext("ds:SignatureProperty/SigningTime", namespaces=NS)
        assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+07:00", time)
        reference = signature.find(
            f"ds:SignedInfo/ds:Reference[@URI='#{properties.get('Id')}']", NS)
        assert reference.get("Type") == f"{DS}SignatureProperties"
        assert signature.getparent().findtext("NGAY_KY") == time  # the slot's own date


def test_the_subject_name_is_readable_vietnamese_and_the_chain_is_embedded(
        primary: Chain, signed_primary: bytes) -> None:
    root = etree.fromstring(signed_primary)
    cbql = root.find("DANH_SACH_THONG_TIN_KY/CBQL/ds:Signature/ds:KeyInfo/ds:X509Data", NS)
    name = cbql.findtext("ds:X509SubjectName", namespaces=NS)
    assert name == "UID=CCCD:027175000003,CN=Phạm Văn Hùng,title=Hiệu trưởng,C=VN"
    assert "\\" not in name
    assert len(cbql.findall("ds:X509Certificate", NS)) == 2  # signer + issuing CA, no root
    method = root.find(".//ds:SignatureMethod", NS).get("Algorithm")
    assert method == "http://www.w3.org/2001/04/xmldsig-more#ecdsa-sha256"
    value = root.findtext(".//ds:SignatureValue", namespaces=NS)
    assert len(value) == 88  # raw r||s, 64 bytes, not DER


# --- tampering and trust -------------------------------------------------------------------


def _flip(xml: bytes, old: bytes, new: bytes) -> bytes:
    assert xml.count(old) >= 1, old
    return xml.replace(old, new, 1)


def test_changing_a_score_breaks_the_signatures_that_cover_it(
        secondary: Chain, signed_secondary: bytes, tmp_path: Path) -> None:
    root = etree.fromstring(signed_secondary)
    score = root.findtext("DU_LIEU_HOC_BA/BANG_DIEM/DIEM_TONG_KET[@Id='dtk_TOAN']/CA_NAM")
    tampered = _flip(signed_secondary, f"<CA_NAM>{score}</CA_NAM>".encode(),
                     f"<CA_NAM>{'9.9' if score != '9.9' else '9.8'}</CA_NAM>".encode())
    checks = {c.slot: c for c in verify_xml(tampered, [secondary.pki.root])}
    broken = {slot for slot, c in checks.items() if not c.valid}
    assert broken == {"GVBM:TOAN", "CBQL", "KY_PHAT_HANH"}  # the maths teacher's and data's
    assert "dữ liệu đã bị sửa" in checks["CBQL"].reason
    by_slot = dict(zip([c.slot for c in verify_xml(signed_secondary, [secondary.pki.root])],
                       signature_ids(signed_secondary), strict=True))
    for slot in ("GVBM:TOAN", "CBQL", "KY_PHAT_HANH"):
        report = xmlsec1(tampered, by_slot[slot], secondary.pki.root_path,
                         secondary.pki.issuing_path, tmp_path)
        assert not accepted(report), report
    assert accepted(xmlsec1(tampered, by_slot["GVBM:NGU_VAN"], secondary.pki.root_path,
                            secondary.pki.issuing_path, tmp_path))


def test_changing_a_signing_time_or_a_slot_date_is_detected(
        primary: Chain, signed_primary: bytes, tmp_path: Path) -> None:
    seal_time = (primary.start + timedelta(minutes=2)).isoformat()
    later = (primary.start + timedelta(minutes=2, seconds=1)).isoformat()
    in_properties = _flip(signed_primary, f"<SigningTime>{seal_time}</SigningTime>".encode(),
                          f"<SigningTime>{later}</SigningTime>".encode())
    in_slot = _flip(signed_primary, f"<NGAY_KY>{seal_time}</NGAY_KY>".encode(),
                    f"<NGAY_KY>{later}</NGAY_KY>".encode())
    seal_id = signature_ids(signed_primary)[2]
    for tampered in (in_properties, in_slot):
        checks = verify_xml(tampered, [primary.pki.root])
        assert [c.valid for c in checks] == [True, True, False]
        assert not accepted(xmlsec1(tampered, seal_id, primary.pki.root_path,
                                    primary.pki.issuing_path, tmp_path))


def test_every_single_byte_flip_of_the_data_is_detected_by_verify_xml(
        primary: Chain, signed_primary: bytes) -> None:
    """Flip one character in each leaf of DU_LIEU_HOC_BA: the CBQL and seal signatures fail."""
    root = etree.fromstring(signed_primary)
    leaves = [e for e in root.find("DU_LIEU_HOC_BA").iter() if len(e) == 0 and e.text
              and e.tag not in ("PHIEN_BAN", "THONG_TU")]  # these name the profile itself
    assert len(leaves) > 40
    for leaf in leaves[::7]:
        original = leaf.text
        leaf.text = original[:-1] + ("X" if original[-1] != "X" else "Y")
        tampered = etree.tostring(root, encoding="UTF-8", xml_declaration=True)
        leaf.text = original
        checks = {c.slot: c.valid for c in verify_xml(tampered, [primary.pki.root])}
        assert checks["CBQL"] is False and checks["KY_PHAT_HANH"] is False, leaf.tag


def test_a_certificate_from_another_root_is_rejected(
        primary: Chain, signed_primary: bytes, tmp_path: Path) -> None:
    other = ensure_demo_pki(tmp_path / "other-pki")
    checks = verify_xml(signed_primary, [other.root])
    assert not any(c.valid for c in checks)
    assert all("không chuỗi tới CA gốc tin cậy" in c.reason for c in checks)
    # and a signer whose certificate comes from the other PKI, trusted nowhere here
    impostor = _load(other, other.issue_personal("Lê Thị Thu", "027180000011", "Giáo viên"))
    forged = sign_xml(moet.write(primary.record), "GVCN", impostor, signing_time=primary.start)
    assert verify_xml(forged, [primary.pki.root])[0].valid is False
    report = xmlsec1(forged, signature_ids(forged)[0], primary.pki.root_path,
                     primary.pki.issuing_path, tmp_path)
    assert not accepted(report), report


# --- XAdES-BES, RSA, two phases ------------------------------------------------------------


def test_a_xades_bes_chain_verifies_with_signed_properties_and_certificate_digest(
        primary: Chain, tmp_path: Path) -> None:
    signed = primary.sign(moet.write(primary.record), profile="xades-bes")
    checks = verify_xml(signed, [primary.pki.root])
    assert all(c.valid for c in checks) and {c.profile for c in checks} == {"xades-bes"}
    root = etree.fromstring(signed)
    seal = root.find("DANH_SACH_THONG_TIN_KY/KY_PHAT_HANH/ds:Signature", NS)
    signed_properties = seal.find("ds:Object/xades:QualifyingProperties/xades:SignedProperties",
                                  NS)
    reference = seal.find(f"ds:SignedInfo/ds:Reference[@URI='#{signed_properties.get('Id')}']",
                          NS)
    assert reference.get("Type") == "http://uri.etsi.org/01903#SignedProperties"
    assert signed_properties.find(".//xades:SigningCertificateV2/xades:Cert/xades:CertDigest",
                                  NS) is not None
    for node_id in signature_ids(signed):
        report = xmlsec1(signed, node_id, primary.pki.root_path, primary.pki.issuing_path,
                         tmp_path)
        assert accepted(report) and "References (ok/all): 4/4" in report, report
    moet.validate(signed)
    tampered = _flip(signed, b"<xades:SigningTime>", b"<xades:SigningTime>1")
    assert not verify_xml(tampered, [primary.pki.root])[0].valid


def test_an_rsa_principal_signs_with_rsa_sha256(primary: Chain, tmp_path: Path) -> None:
    pki = primary.pki
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    principal = primary.record.to_json()["signers"]["principal"]
    certificate = certify(personal_subject(principal["name"], principal["identity_number"],
                                           "Hiệu trưởng"), key.public_key(), pki.issuing,
                          pki.issuing_key, pki.urls, datetime.now(VIETNAM) - timedelta(hours=1))
    signers = dict(primary.signers, CBQL=Pkcs12Signer(key, certificate, (pki.issuing,)))
    signed = Chain(primary.record, pki, signers, primary.start).sign(moet.write(primary.record))
    assert all(c.valid for c in verify_xml(signed, [pki.root]))
    cbql = etree.fromstring(signed).find("DANH_SACH_THONG_TIN_KY/CBQL/ds:Signature", NS)
    assert cbql.find("ds:SignedInfo/ds:SignatureMethod", NS).get("Algorithm") \
        == "http://www.w3.org/2001/04/xmldsig-more#rsa-sha256"
    assert accepted(xmlsec1(signed, cbql.get("Id"), pki.root_path, pki.issuing_path, tmp_path))


def test_one_confirmation_signs_the_digests_of_many_records(primary: Chain) -> None:
    gvcn = primary.signers["GVCN"]
    xml = moet.write(primary.record)
    prepared = [prepare_xml_signature(xml, "GVCN", gvcn.certificate, gvcn.chain,
                                      signing_time=primary.start) for _ in range(3)]
    values = gvcn.sign_digests([p.digest for p in prepared])  # one call, as a remote service
    signed = [p.finish(v) for p, v in zip(prepared, values, strict=True)]
    assert len({signature_ids(s)[0] for s in signed}) == 3
    assert all(verify_xml(s, [primary.pki.root])[0].valid for s in signed)
    with pytest.raises(SigningError, match="khoá khác"):
        prepared[0].finish(values[1])  # a value made for another record's digest


# --- refusals --------------------------------------------------------------------------------


def test_slots_are_signed_once_each_in_the_chains_order_by_the_people_the_record_names(
        primary: Chain, signed_primary: bytes) -> None:
    xml = moet.write(primary.record)
    at = primary.start
    with pytest.raises(XmlSigningError, match="chưa ký: GVCN"):
        sign_xml(xml, "CBQL", primary.signers["CBQL"], signing_time=at)
    with pytest.raises(XmlSigningError, match="CCCD 027175000003, khác SO_CCCD 027180000011"):
        sign_xml(xml, "GVCN", primary.signers["CBQL"], signing_time=at)
    once = sign_xml(xml, "GVCN", primary.signers["GVCN"], signing_time=at)
    with pytest.raises(XmlSigningError, match="đã có chữ ký số"):
        sign_xml(once, "GVCN", primary.signers["GVCN"], signing_time=at)
    twice = sign_xml(once, "CBQL", primary.signers["CBQL"], signing_time=at)
    with pytest.raises(XmlSigningError, match="chứng thư số tổ chức của trường có MA_TRUONG"):
        sign_xml(twice, "KY_PHAT_HANH", primary.signers["CBQL"], signing_time=at)
    with pytest.raises(XmlSigningError, match="đã được ký phát hành"):
        sign_xml(signed_primary, "GVCN", primary.signers["GVCN"], signing_time=at)
    with pytest.raises(XmlSigningError, match="không có chỗ ký «GVBM:TOAN»"):
        sign_xml(xml, "GVBM:TOAN", primary.signers["GVCN"], signing_time=at)
    with pytest.raises(XmlSigningError, match="không có hiệu lực tại thời điểm ký"):
        sign_xml(xml, "GVCN", primary.signers["GVCN"], signing_time=at - timedelta(days=400))


def test_the_issue_date_is_fixed_when_the_record_enters_the_chain(primary: Chain) -> None:
    """NGAY_KY_PHAT_HANH_HOC_BA: written by the first signature covering THONG_TIN_CHUNG
    unless the record already carries it; the seal's NGAY_KY is the moment of issuance."""
    planned = primary.record.to_json() | {"issued_on": "2026-06-15"}
    xml = moet.write(HocBa.from_json(planned))
    signed = primary.sign(xml)
    root = etree.fromstring(signed)
    info = root.find("DU_LIEU_HOC_BA/THONG_TIN_CHUNG")
    assert info.findtext("NGAY_KY_PHAT_HANH_HOC_BA") == "2026-06-15T00:00:00+07:00"
    assert root.findtext("DANH_SACH_THONG_TIN_KY/KY_PHAT_HANH/NGAY_KY") \
        == (primary.start + timedelta(minutes=2)).isoformat()
    assert moet.read(signed).to_json()["issued_on"] == "2026-06-15"
    assert all(c.valid for c in verify_xml(signed, [primary.pki.root]))


def test_without_a_homeroom_teacher_the_principal_fixes_the_issue_date(primary: Chain) -> None:
    data = primary.record.to_json()
    data["signers"] = data["signers"] | {"homeroom": None}
    xml = moet.write(HocBa.from_json(data))
    assert slots_of(xml) == [("CBQL", False), ("KY_PHAT_HANH", False)]
    at = primary.start
    signed = sign_xml(xml, "CBQL", primary.signers["CBQL"], signing_time=at)
    assert slots_of(signed) == [("CBQL", True), ("KY_PHAT_HANH", False)]
    signed = sign_xml(signed, "KY_PHAT_HANH", primary.signers["KY_PHAT_HANH"],
                      signing_time=at + timedelta(days=1))
    assert all(c.valid for c in verify_xml(signed, [primary.pki.root]))
    assert moet.read(signed).to_json()["issued_on"] == at.date().isoformat()


def test_a_reference_outside_the_file_is_refused_without_being_fetched(
        primary: Chain, signed_primary: bytes) -> None:
    hostile = _flip(signed_primary, b'URI="#data"', b'URI="file:///etc/passwd"')
    check = verify_xml(hostile, [primary.pki.root])[1]
    assert not check.valid
    assert "không trỏ vào chính tệp" in check.reason


def test_a_tree_kept_between_slots_signs_the_same_bytes_as_parsing_the_file_again(
        secondary: Chain, monkeypatch: pytest.MonkeyPatch) -> None:
    """``xmldsig`` keeps the tree of each file it wrote and starts the record's next slot from
    it instead of parsing the bytes again: the files must be the same, byte for byte (the
    same Ids, times and signature values replayed; only the parsing differs)."""
    import uuid

    from hocba.signing import xmldsig

    def run(keep: int, values: list[bytes] | None) -> tuple[list[bytes], list[bytes]]:
        monkeypatch.setattr(xmldsig, "_TREES", xmldsig._ParsedTrees(keep))
        tokens = iter(range(10_000))
        monkeypatch.setattr(uuid, "uuid4", lambda: uuid.UUID(int=next(tokens)))
        xml, files, used = moet.write(secondary.record), [], []
        for minutes, (slot, signer) in enumerate(secondary.signers.items()):
            prepared = xmldsig.prepare_xml_signature(
                xml, slot, signer.certificate, signer.chain,
                signing_time=secondary.start + timedelta(minutes=minutes))
            value = values[minutes] if values else signer.sign_digests([prepared.digest])[0]
            xml = prepared.finish(value)
            files.append(xml)
            used.append(value)
        return files, used

    kept, values = run(128, None)
    parsed, _ = run(0, values)
    assert kept == parsed
    assert len(kept) == len(secondary.signers) and b"SignatureValue" in kept[-1]
