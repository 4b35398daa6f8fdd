"""The signing chain's rules (``hocba.domain.issuance``): which signatures a học bạ needs, in
which order, who may give each, returning a record, and the closing dates of HCMC QĐ 1789
Điều 21 for revocation, replacement and correction. Pure: no database."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from hocba.domain import issuance as rules
from hocba.domain.access import Role
from hocba.domain.issuance import IssuanceRefused, SignerIdentity

EXAMPLES = Path(__file__).resolve().parents[1] / "docs" / "examples"


def _example(name: str) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((EXAMPLES / name).read_text(encoding="utf-8"))
    return data


@pytest.fixture
def primary() -> dict[str, Any]:
    return _example("record-primary.json")


@pytest.fixture
def secondary() -> dict[str, Any]:
    return _example("record-secondary.json")


def _slots(record: dict[str, Any]) -> list[str]:
    return [s.slot for s in rules.required_slots(record)]


def _subject_codes(record: dict[str, Any]) -> list[str]:
    taught = {c for t in record["signers"]["subject_teachers"] for c in t["subjects"]}
    return [s["code"] for s in record["secondary"]["subjects"] if s["code"] in taught]


def _ids(record: dict[str, Any]) -> tuple[str, str]:
    return (record["signers"]["principal"]["identity_number"],
            record["signers"]["homeroom"]["identity_number"])


# --- which slots, in which order -----------------------------------------------------------

def test_a_primary_record_needs_the_homeroom_teacher_the_principal_and_the_seal(
        primary: dict[str, Any]) -> None:
    assert _slots(primary) == ["GVCN", "CBQL", "KY_PHAT_HANH"]
    specs = rules.required_slots(primary)
    assert [s.role for s in specs] == [Role.GVCN, Role.PRINCIPAL, Role.VAN_THU]
    principal_id, homeroom_id = _ids(primary)
    assert specs[0].identity_number == homeroom_id and specs[1].identity_number == principal_id
    assert specs[2].identity_number is None  # the seal is the school's, not a person's


def test_a_primary_record_without_a_homeroom_teacher_has_no_gvcn_slot(
        primary: dict[str, Any]) -> None:
    """CV 2088 PL1 Phụ lục 1.1: GVCN is optional in v1.0, CBQL and KY_PHAT_HANH mandatory."""
    primary["signers"]["homeroom"] = None
    assert _slots(primary) == ["CBQL", "KY_PHAT_HANH"]


def test_a_secondary_record_has_one_gvbm_slot_per_taught_subject_then_the_chain(
        secondary: dict[str, Any]) -> None:
    codes = _subject_codes(secondary)
    assert codes, "the example names its subject teachers"
    assert _slots(secondary) == [f"GVBM:{c}" for c in codes] + ["GVCN", "CBQL",
                                                                "KY_PHAT_HANH"]


def test_a_subject_nobody_taught_has_no_gvbm_slot(secondary: dict[str, Any]) -> None:
    teacher = secondary["signers"]["subject_teachers"][0]
    dropped = teacher["subjects"].pop(0)
    if not teacher["subjects"]:
        secondary["signers"]["subject_teachers"].pop(0)
    assert f"GVBM:{dropped}" not in _slots(secondary)


def test_subject_teachers_sign_first_in_any_order_then_gvcn_then_cbql_then_the_seal(
        secondary: dict[str, Any]) -> None:
    required = rules.required_slots(secondary)
    gvbm = [s.slot for s in required if s.stage is rules.Stage.SUBJECTS]
    assert {s.slot for s in rules.next_slots(required, set())} == set(gvbm)
    # Any one subject first: the others are still due, and GVCN is not yet.
    later = {s.slot for s in rules.next_slots(required, {gvbm[-1]})}
    assert later == set(gvbm[:-1])
    assert [s.slot for s in rules.next_slots(required, set(gvbm))] == ["GVCN"]
    assert [s.slot for s in rules.next_slots(required, {*gvbm, "GVCN"})] == ["CBQL"]
    assert [s.slot for s in rules.next_slots(required, {*gvbm, "GVCN", "CBQL"})] == [
        "KY_PHAT_HANH"]
    assert rules.next_slots(required, {s.slot for s in required}) == ()
    assert rules.is_complete(required, {s.slot for s in required})


def test_slot_names_map_to_the_pdf_fields_of_the_printed_record() -> None:
    assert rules.pdf_field("GVBM:TOAN") == "GVBM_TOAN"
    assert [rules.pdf_field(s) for s in ("GVCN", "CBQL", "KY_PHAT_HANH")] == [
        "GVCN", "CBQL", "KY_PHAT_HANH"]
    assert rules.subject_of("GVBM:NGU_VAN") == "NGU_VAN" and rules.subject_of("GVCN") is None
    with pytest.raises(IssuanceRefused, match="«HIEU_PHO»"):
        rules.stage_of("HIEU_PHO")


# --- who may sign ----------------------------------------------------------------------------

def test_the_named_homeroom_teacher_signs_gvcn(primary: dict[str, Any]) -> None:
    _principal, homeroom = _ids(primary)
    spec = rules.check_may_sign(primary, set(), "GVCN", role=Role.GVCN,
                                signer=SignerIdentity(identity_number=homeroom))
    assert spec.slot == "GVCN"


def test_another_teachers_certificate_is_refused_for_gvcn_naming_the_signer(
        primary: dict[str, Any]) -> None:
    _principal, homeroom = _ids(primary)
    with pytest.raises(IssuanceRefused) as refused:
        rules.check_may_sign(primary, set(), "GVCN", role=Role.GVCN,
                             signer=SignerIdentity(identity_number="001099000001"))
    assert "001099000001" in str(refused.value) and homeroom in str(refused.value)


def test_the_principal_cannot_sign_before_the_homeroom_teacher(primary: dict[str, Any]) -> None:
    principal, _homeroom = _ids(primary)
    with pytest.raises(IssuanceRefused, match=r"Chưa đến lượt ký «Hiệu trưởng.*Giáo viên chủ"):
        rules.check_may_sign(primary, set(), "CBQL", role=Role.PRINCIPAL,
                             signer=SignerIdentity(identity_number=principal))
    spec = rules.check_may_sign(primary, {"GVCN"}, "CBQL", role=Role.PRINCIPAL,
                                signer=SignerIdentity(identity_number=principal))
    assert spec.stage is rules.Stage.PRINCIPAL


def test_the_cbql_slot_is_the_principals_not_the_vice_principals(primary: dict[str, Any]) -> None:
    principal, _ = _ids(primary)
    with pytest.raises(IssuanceRefused, match="dành cho Hiệu trưởng, không phải Phó hiệu"):
        rules.check_may_sign(primary, {"GVCN"}, "CBQL", role=Role.VICE_PRINCIPAL,
                             signer=SignerIdentity(identity_number=principal))


def test_the_gvcn_waits_for_every_subject_teacher(secondary: dict[str, Any]) -> None:
    _principal, homeroom = _ids(secondary)
    codes = _subject_codes(secondary)
    with pytest.raises(IssuanceRefused, match="còn chờ Giáo viên bộ môn"):
        rules.check_may_sign(secondary, {f"GVBM:{c}" for c in codes[1:]}, "GVCN",
                             role=Role.GVCN, signer=SignerIdentity(identity_number=homeroom))


def test_a_gvbm_slot_needs_the_subject_teacher_role_only(secondary: dict[str, Any]) -> None:
    """The GVBM's scope (their class × subject) is the access policy's; the record's named
    teacher may have left (QĐ 1789 Điều 23: the new teacher signs that year)."""
    code = _subject_codes(secondary)[0]
    spec = rules.check_may_sign(secondary, set(), f"GVBM:{code}", role=Role.GVBM,
                                signer=SignerIdentity(identity_number="001099000001"))
    assert spec.role is Role.GVBM
    with pytest.raises(IssuanceRefused, match="dành cho Giáo viên bộ môn"):
        rules.check_may_sign(secondary, set(), f"GVBM:{code}", role=Role.GVCN,
                             signer=SignerIdentity(identity_number="001099000001"))


def test_a_slot_is_signed_once(primary: dict[str, Any]) -> None:
    _principal, homeroom = _ids(primary)
    with pytest.raises(IssuanceRefused, match="đã được ký"):
        rules.check_may_sign(primary, {"GVCN"}, "GVCN", role=Role.GVCN,
                             signer=SignerIdentity(identity_number=homeroom))


def test_a_primary_record_has_no_gvbm_slot(primary: dict[str, Any]) -> None:
    with pytest.raises(IssuanceRefused, match="không có chỗ ký «Giáo viên bộ môn \\(TOAN\\)»"):
        rules.check_may_sign(primary, set(), "GVBM:TOAN", role=Role.GVBM,
                             signer=SignerIdentity(identity_number="001099000001"))


def test_the_seal_must_be_this_schools_organisation_certificate(primary: dict[str, Any]) -> None:
    filled = {"GVCN", "CBQL"}
    code = primary["school"]["code"]
    spec = rules.check_may_sign(primary, filled, "KY_PHAT_HANH", role=Role.VAN_THU,
                                signer=SignerIdentity(school_code=code))
    assert spec.stage is rules.Stage.SEAL
    with pytest.raises(IssuanceRefused, match=rf"mã trường 99999999.*\({code}\)"):
        rules.check_may_sign(primary, filled, "KY_PHAT_HANH", role=Role.VAN_THU,
                             signer=SignerIdentity(school_code="99999999"))
    with pytest.raises(IssuanceRefused, match="dành cho Văn thư"):
        rules.check_may_sign(primary, filled, "KY_PHAT_HANH", role=Role.PRINCIPAL,
                             signer=SignerIdentity(school_code=code))


def test_nothing_is_signed_on_an_issued_or_returned_record(primary: dict[str, Any]) -> None:
    _principal, homeroom = _ids(primary)
    me = SignerIdentity(identity_number=homeroom)
    with pytest.raises(IssuanceRefused, match="đã phát hành"):
        rules.check_may_sign(primary, set(), "GVCN", role=Role.GVCN, signer=me, issued=True)
    with pytest.raises(IssuanceRefused, match="đã bị trả lại"):
        rules.check_may_sign(primary, set(), "GVCN", role=Role.GVCN, signer=me, returned=True)


# --- returning a record ----------------------------------------------------------------------

def test_the_signer_whose_turn_it_is_returns_the_record_with_a_reason(
        primary: dict[str, Any]) -> None:
    spec = rules.check_may_return(primary, {"GVCN"}, role=Role.PRINCIPAL,
                                  reason="Sai điểm môn Toán")
    assert spec.slot == "CBQL"
    with pytest.raises(IssuanceRefused, match="«Lý do»"):
        rules.check_may_return(primary, {"GVCN"}, role=Role.PRINCIPAL, reason="  ")
    with pytest.raises(IssuanceRefused, match="Chỉ người đang đến lượt ký"):
        rules.check_may_return(primary, {"GVCN"}, role=Role.VAN_THU, reason="Sai")
    with pytest.raises(IssuanceRefused, match="đã phát hành"):
        rules.check_may_return(primary, {"GVCN", "CBQL", "KY_PHAT_HANH"}, role=Role.VAN_THU,
                               reason="Sai", issued=True)


# --- closing dates (QĐ 1789 Điều 21) ---------------------------------------------------------

def test_the_year_closes_on_30_june_or_15_august_after_a_supplementary_evaluation() -> None:
    assert rules.closing_date("2024-2025", supplementary=False) == date(2025, 6, 30)
    assert rules.closing_date("2024-2025", supplementary=True) == date(2025, 8, 15)
    with pytest.raises(IssuanceRefused, match="2024-2026"):
        rules.closing_date("2024-2026", supplementary=False)


def test_a_retest_or_summer_training_or_an_unfinished_primary_grade_closes_in_august(
        primary: dict[str, Any], secondary: dict[str, Any]) -> None:
    for subject in secondary["secondary"]["subjects"]:
        subject["retest"] = None
    for part in ("hoc_tap", "ren_luyen"):
        secondary["secondary"][part]["after_summer"] = None
    assert not rules.needs_supplementary(secondary)
    secondary["secondary"]["subjects"][0]["retest"] = "6.5"
    assert rules.needs_supplementary(secondary)
    assert rules.record_closing_date(secondary).month == 8
    primary["primary"]["completed_grade"] = True
    assert not rules.needs_supplementary(primary)
    primary["primary"]["completed_grade"] = False
    assert rules.needs_supplementary(primary)


def _closed(record: dict[str, Any]) -> date:
    return rules.record_closing_date(record)


def test_revoke_and_replace_only_an_issued_record_and_only_up_to_the_closing_date(
        primary: dict[str, Any]) -> None:
    primary["primary"]["completed_grade"] = True
    closing = _closed(primary)
    rules.check_may_revoke(primary, today=closing, issued=True, revoked=False)
    with pytest.raises(IssuanceRefused, match=f"{closing:%d/%m/%Y}.*đề nghị chỉnh lý"):
        rules.check_may_revoke(primary, today=date(closing.year, 7, 1), issued=True,
                               revoked=False)
    with pytest.raises(IssuanceRefused, match="Chỉ thu hồi học bạ đã phát hành"):
        rules.check_may_revoke(primary, today=closing, issued=False, revoked=False)
    with pytest.raises(IssuanceRefused, match="đã bị thu hồi"):
        rules.check_may_revoke(primary, today=closing, issued=True, revoked=True)


def test_after_closing_an_approved_correction_lets_the_school_re_create_the_record(
        primary: dict[str, Any]) -> None:
    primary["primary"]["completed_grade"] = True
    rules.check_may_revoke(primary, today=date(2026, 1, 5), issued=True, revoked=False,
                           correction_approved=True)


def test_a_correction_is_requested_only_after_closing_one_at_a_time_with_its_content(
        primary: dict[str, Any]) -> None:
    primary["primary"]["completed_grade"] = True
    after = date(2025, 9, 1)
    rules.check_may_request_correction(primary, today=after, issued=True, revoked=False,
                                       pending=False, reason="Sai ngày sinh")
    with pytest.raises(IssuanceRefused, match="Chưa đến ngày chốt dữ liệu 30/06/2025"):
        rules.check_may_request_correction(primary, today=date(2025, 6, 1), issued=True,
                                           revoked=False, pending=False, reason="Sai")
    with pytest.raises(IssuanceRefused, match="đang chờ Sở GDĐT duyệt"):
        rules.check_may_request_correction(primary, today=after, issued=True, revoked=False,
                                           pending=True, reason="Sai")
    with pytest.raises(IssuanceRefused, match="«Lý do»"):
        rules.check_may_request_correction(primary, today=after, issued=True, revoked=False,
                                           pending=False, reason="")
    with pytest.raises(IssuanceRefused, match="đã phát hành và chưa bị thu hồi"):
        rules.check_may_request_correction(primary, today=after, issued=True, revoked=True,
                                           pending=False, reason="Sai")


def test_the_so_decides_a_correction_once_and_gives_a_reason_to_reject() -> None:
    rules.check_may_decide_correction(decided=False, approve=True, note="")
    with pytest.raises(IssuanceRefused, match="«Ghi chú»"):
        rules.check_may_decide_correction(decided=False, approve=False, note=" ")
    with pytest.raises(IssuanceRefused, match="đã được quyết định"):
        rules.check_may_decide_correction(decided=True, approve=True, note="")
