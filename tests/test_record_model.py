"""The canonical record (hocba.record/1): the contract examples, refusals with their path, the
canonical serialisation and its hash, the book rule, and the published JSON Schema.

Pure: no database. The examples under docs/examples are the contract the composer, the XML
writer and the PDF renderer share.
"""

from __future__ import annotations

import copy
import json
import re
import unicodedata
from pathlib import Path
from typing import Any

import pytest

from hocba.domain.record import (
    HocBa,
    RecordError,
    canonical_bytes,
    from_json,
    level_of_grade,
    opens_book,
    sha256_hex,
)
from hocba.domain.record.model import KEYS

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = ROOT / "docs" / "examples"
SCHEMA_FILE = ROOT / "docs" / "record.schema.json"


def example(kind: str) -> dict[str, Any]:
    return json.loads((EXAMPLES / f"record-{kind}.json").read_text(encoding="utf-8"))


def refused(document: dict[str, Any]) -> RecordError:
    with pytest.raises(RecordError) as caught:
        HocBa.from_json(document)
    return caught.value


# --- the contract examples ---------------------------------------------------------------

@pytest.mark.parametrize("kind", ["primary", "secondary"])
def test_contract_examples_read_and_write_back_unchanged(kind: str) -> None:
    document = example(kind)
    record = from_json(document)
    assert record.to_json() == document


def test_primary_example_holds_tt27_results() -> None:
    record = from_json(example("primary"))
    assert record.regime == "tt27" and record.level == "TH" and record.secondary is None
    assert record.primary is not None
    assert [s.code for s in record.primary.subjects] == ["TIENG_VIET", "TOAN", "DAO_DUC"]
    assert record.primary.rating("cham_chi").label == "Tốt"  # type: ignore[union-attr]
    assert record.primary.evaluation is not None and record.primary.evaluation.value == "HTXS"
    assert record.student.sex.label == "Nữ"
    assert record.composed_at.isoformat() == "2025-05-30T14:05:00+07:00"


def test_secondary_example_holds_tt22_results_and_one_signer_per_subject() -> None:
    record = from_json(example("secondary"))
    assert record.secondary is not None
    toan = record.secondary.subjects[0]
    assert (toan.hk1, toan.hk2, toan.year) == ("7.9", "8.3", "8.2")  # strings, never floats
    assert record.secondary.hoc_tap.year is not None
    assert record.secondary.hoc_tap.year.label == "Khá"
    assert [t.subjects for t in record.signers.subject_teachers] == [
        ("TOAN",), ("NGU_VAN",), ("GDTC",)]


# --- refusals name the path --------------------------------------------------------------

def test_a_missing_key_is_named_with_its_path() -> None:
    document = example("primary")
    del document["student"]["mother"]
    error = refused(document)
    assert error.path == "student.mother"
    assert "thiếu trường" in error.message


def test_a_key_outside_the_contract_is_refused() -> None:
    document = example("primary")
    document["student"]["nickname"] = "Bống"
    assert refused(document).path == "student.nickname"


def test_cv2088_pl1_ii1_lookup_code_must_be_a_uuid_v4() -> None:
    document = example("primary")
    document["lookup_code"] = "3f6c1d2e-8a4b-1c7d-9e0f-1a2b3c4d5e6f"  # version 1
    error = refused(document)
    assert error.path == "lookup_code"
    assert "UUID phiên bản 4" in error.message


def test_cv2088_pl1_ii1_composed_at_is_a_date_time_with_its_zone() -> None:
    document = example("primary")
    document["composed_at"] = "2025-05-30 14:05"
    error = refused(document)
    assert error.path == "composed_at"
    assert "2025-05-30T14:05:00+07:00" in error.message


def test_a_date_must_be_iso() -> None:
    document = example("primary")
    document["student"]["birth_date"] = "17/05/2014"
    error = refused(document)
    assert error.path == "student.birth_date"
    assert "YYYY-MM-DD" in error.message


def test_tt22_dieu_5_3_b_a_score_with_a_decimal_comma_is_refused() -> None:
    document = example("secondary")
    document["secondary"]["subjects"][0]["hk1"] = "7,9"
    error = refused(document)
    assert error.path == "secondary.subjects[0].hk1"
    assert "dấu chấm" in error.message and "Điều 5.3.b" in error.message


def test_tt22_dieu_5_3_b_a_score_is_a_string_not_a_float() -> None:
    document = example("secondary")
    document["secondary"]["subjects"][0]["year"] = 8.2
    assert refused(document).path == "secondary.subjects[0].year"


def test_tt22_dieu_5_3_a_a_comment_subject_holds_d_or_cd() -> None:
    document = example("secondary")
    document["secondary"]["subjects"][2]["year"] = "8.0"
    error = refused(document)
    assert error.path == "secondary.subjects[2].year"
    assert "D, CD" in error.message


def test_tt27_dieu_7_1_a_periodic_test_is_an_integer() -> None:
    document = example("primary")
    document["primary"]["subjects"][0]["test"] = 9.5
    assert refused(document).path == "primary.subjects[0].test"


def test_cv2088_pl1_ii1_weight_has_a_dot_and_at_most_four_decimals() -> None:
    document = example("primary")
    document["health"]["weight_kg"] = "28,5"
    assert refused(document).path == "health.weight_kg"


def test_tt07_2016_identity_number_needs_a_province_code() -> None:
    document = example("primary")
    document["signers"]["principal"]["identity_number"] = "999175000003"
    error = refused(document)
    assert error.path == "signers.principal.identity_number"
    assert "mã tỉnh" in error.message


def test_a_subject_appears_once() -> None:
    document = example("primary")
    document["primary"]["subjects"][1]["code"] = "TIENG_VIET"
    assert refused(document).path == "primary.subjects[1].code"


def test_a_subject_teacher_signs_a_subject_of_this_record() -> None:
    document = example("secondary")
    document["signers"]["subject_teachers"][0]["subjects"] = ["HOA_HOC"]
    assert refused(document).path == "signers.subject_teachers[0].subjects[0]"


def test_one_slot_per_subject_a_subject_is_signed_once() -> None:
    document = example("secondary")
    document["signers"]["subject_teachers"][1]["subjects"] = ["NGU_VAN", "TOAN"]
    assert refused(document).path == "signers.subject_teachers[1]"


def test_cv2088_pl1_phu_luc_1_1_a_primary_record_has_no_subject_teacher_slot() -> None:
    document = example("primary")
    document["signers"]["subject_teachers"] = [
        {"name": "Lê Văn A", "identity_number": "027185000021", "subjects": ["TOAN"]}]
    assert refused(document).path == "signers.subject_teachers"


def test_regime_and_level_agree() -> None:
    document = example("primary")
    document["level"] = "THCS"
    assert refused(document).path == "regime"


def test_tt27_record_carries_primary_results() -> None:
    document = example("primary")
    document["primary"] = None
    assert refused(document).path == "primary"


def test_a_year_belongs_to_its_levels_book() -> None:
    document = example("secondary")
    document["book"]["level"] = "TH"
    assert refused(document).path == "book.level"


def test_the_grade_lies_in_the_level() -> None:
    document = example("secondary")
    document["class"]["grade"] = 10
    error = refused(document)
    assert error.path == "class.grade"
    assert "6–9" in error.message


def test_a_book_cannot_open_after_the_year_it_holds() -> None:
    document = example("secondary")
    document["book"]["first_year"] = "2025-2026"
    assert refused(document).path == "book.first_year"


def test_a_control_character_xml_cannot_carry_is_refused() -> None:
    document = example("primary")
    document["homeroom_comment"] = "Em ngoan\x07"
    error = refused(document)
    assert error.path == "homeroom_comment"
    assert "U+0007" in error.message


# --- normalisation ------------------------------------------------------------------------

def test_stack_1_nfd_text_is_stored_nfc_and_hashes_the_same() -> None:
    document = example("primary")
    decomposed = copy.deepcopy(document)
    decomposed["student"]["full_name"] = unicodedata.normalize("NFD", "Nguyễn Thị Ngọc Ánh")
    assert decomposed["student"]["full_name"] != document["student"]["full_name"]
    a, b = from_json(document), from_json(decomposed)
    assert b.student.full_name == "Nguyễn Thị Ngọc Ánh"
    assert a == b and a.identity_hash() == b.identity_hash()


def test_an_empty_string_is_null_and_names_are_trimmed() -> None:
    document = example("primary")
    document["student"]["guardian"] = ""
    document["student"]["father"] = "  Nguyễn   Văn Bình "
    record = from_json(document)
    assert record.student.guardian is None
    assert record.student.father == "Nguyễn Văn Bình"


# --- canonical serialisation and identity hash -------------------------------------------

def test_canonical_form_sorts_keys_without_white_space() -> None:
    assert canonical_bytes({"b": 1, "a": [True, None, "x"]}) == b'{"a":[true,null,"x"],"b":1}'


def test_rfc8785_3_2_3_keys_sort_by_utf16_code_units() -> None:
    # U+1F600 is D83D DE00 in UTF-16: before U+FF21, although after it in code points.
    assert canonical_bytes({"\uff21": 1, "\U0001f600": 2, "1": 3}) == (
        '{"1":3,"\U0001f600":2,"\uff21":1}'.encode())


def test_rfc8785_3_2_2_2_strings_escape_like_json_stringify() -> None:
    text = 'a"b\\c\n\t\x0f\u20ac\u2028'
    assert canonical_bytes(text) == '"a\\"b\\\\c\\n\\t\\u000f\u20ac\u2028"'.encode()


def test_canonical_form_refuses_binary_floats() -> None:
    with pytest.raises(TypeError, match="chuỗi"):
        canonical_bytes({"score": 7.9})


def test_identity_hash_is_sha256_of_the_canonical_bytes() -> None:
    record = from_json(example("secondary"))
    canonical = record.canonical_bytes()
    assert record.identity_hash() == sha256_hex(canonical)
    assert re.fullmatch(r"[0-9a-f]{64}", record.identity_hash())
    assert b" " not in canonical.split(b'"')[0]  # no white space before the first string
    assert json.loads(canonical) == record.to_json()


def test_identity_hash_ignores_key_order_and_follows_every_value() -> None:
    document = example("primary")
    shuffled = dict(reversed(list(document.items())))
    assert from_json(shuffled).identity_hash() == from_json(document).identity_hash()
    changed = copy.deepcopy(document)
    changed["lookup_code"] = "3f6c1d2e-8a4b-4c7d-9e0f-1a2b3c4d5e60"
    assert from_json(changed).identity_hash() != from_json(document).identity_hash()


# --- the book rule -------------------------------------------------------------------------

@pytest.mark.parametrize(("grade", "level", "opens"), [
    (1, "TH", True), (4, "TH", False), (5, "TH", False), (6, "THCS", True), (9, "THCS", False),
    (10, "THPT", True), (12, "THPT", False)])
def test_hcmc_qd1789_dieu_14_a_new_book_at_grades_1_6_and_10(grade: int, level: str,
                                                             opens: bool) -> None:
    assert level_of_grade(grade) == level
    assert opens_book(grade) is opens


# --- the published JSON Schema ---------------------------------------------------------------

def schema_errors(schema: dict[str, Any], value: Any, root: dict[str, Any], path: str = ""
                  ) -> list[str]:
    """A small validator for the draft 2020-12 keywords the record schema uses ($ref,
    type, const, enum, pattern, minLength, minimum, maximum, minItems, properties, required,
    additionalProperties, items, anyOf, allOf, if/then/else). No jsonschema library is
    installed, and none is added for one test."""
    errors: list[str] = []
    if "$ref" in schema:
        target: Any = root
        for part in schema["$ref"].removeprefix("#/").split("/"):
            target = target[part]
        errors += schema_errors(target, value, root, path)
    kinds: dict[str, type] = {"object": dict, "array": list, "string": str,
                              "null": type(None)}
    if "type" in schema:
        allowed = schema["type"] if isinstance(schema["type"], list) else [schema["type"]]

        def fits(kind: str) -> bool:
            if kind == "integer":
                return isinstance(value, int) and not isinstance(value, bool)
            if kind == "boolean":
                return isinstance(value, bool)
            return isinstance(value, kinds[kind])

        if not any(fits(k) for k in allowed):
            return [f"{path}: type {type(value).__name__} not in {allowed}"]
    if "const" in schema and value != schema["const"]:
        errors.append(f"{path}: not {schema['const']!r}")
    if "enum" in schema and value not in schema["enum"]:
        errors.append(f"{path}: {value!r} not in enum")
    if isinstance(value, str):
        if "pattern" in schema and not re.search(schema["pattern"], value):
            errors.append(f"{path}: {value!r} does not match {schema['pattern']}")
        if len(value) < schema.get("minLength", 0):
            errors.append(f"{path}: too short")
    if isinstance(value, int) and not isinstance(value, bool):
        if value < schema.get("minimum", value) or value > schema.get("maximum", value):
            errors.append(f"{path}: {value} out of range")
    if isinstance(value, dict):
        for key in schema.get("required", []):
            if key not in value:
                errors.append(f"{path}.{key}: required")
        properties = schema.get("properties", {})
        for key, item in value.items():
            if key in properties:
                errors += schema_errors(properties[key], item, root, f"{path}.{key}")
            elif schema.get("additionalProperties") is False:
                errors.append(f"{path}.{key}: not allowed")
    if isinstance(value, list):
        if len(value) < schema.get("minItems", 0):
            errors.append(f"{path}: too few items")
        if "items" in schema:
            for i, item in enumerate(value):
                errors += schema_errors(schema["items"], item, root, f"{path}[{i}]")
    if "anyOf" in schema:
        tried: list[list[str]] = [schema_errors(s, value, root, path) for s in schema["anyOf"]]
        if all(tried):
            # Report the alternative of the right type, so a nested error keeps its path.
            typed = [t for t in tried if not t[0].startswith(f"{path}: type ")]
            fewest: list[str] = min(typed, key=len) if typed else []
            errors += fewest or [f"{path}: matches none of anyOf"]
    for sub in schema.get("allOf", []):
        errors += schema_errors(sub, value, root, path)
    if "if" in schema:
        branch = "else" if schema_errors(schema["if"], value, root, path) else "then"
        if branch in schema:
            errors += schema_errors(schema[branch], value, root, path)
    return errors


def published_schema() -> dict[str, Any]:
    return json.loads(SCHEMA_FILE.read_text(encoding="utf-8"))


def test_the_schema_is_draft_2020_12_and_lists_every_record_key() -> None:
    schema = published_schema()
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    assert tuple(schema["required"]) == KEYS
    assert set(schema["properties"]) == set(KEYS)
    assert schema["additionalProperties"] is False


@pytest.mark.parametrize("kind", ["primary", "secondary"])
def test_both_contract_examples_validate_against_the_published_schema(kind: str) -> None:
    schema = published_schema()
    assert schema_errors(schema, example(kind), schema) == []


def test_the_schema_refuses_what_the_model_refuses() -> None:
    schema = published_schema()
    for change, path in (
            (lambda d: d.update(lookup_code="not-a-uuid"), ".lookup_code"),
            (lambda d: d["secondary"]["subjects"][0].update(hk1="7,9"),
             ".secondary.subjects[0].hk1"),
            (lambda d: d.update(primary={}), ".primary"),
            (lambda d: d["student"].pop("sex"), ".student.sex")):
        document = example("secondary")
        change(document)
        assert any(e.startswith(path) for e in schema_errors(schema, document, schema)), path
        with pytest.raises(RecordError):
            HocBa.from_json(document)
