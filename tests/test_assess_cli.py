"""``hocba assess INPUT.json``: the issue's contract, run as a separate process. No database."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from hocba.domain.assessment import contract


def flat(value: float, n: int) -> dict[str, Any]:
    return {"tx": [value] * n, "gk": value, "ck": value}


def comment(n: int = 2) -> dict[str, Any]:
    return {"tx": ["D"] * n, "gk": "D", "ck": "D"}


def score_subject(code: str, periods: int, hk1: float, hk2: float) -> dict[str, Any]:
    n = 2 if periods <= 35 else 3 if periods <= 70 else 4
    return {"code": code, "assessment": "score", "periods_per_year": periods,
            "hk1": flat(hk1, n), "hk2": flat(hk2, n)}


# The issue's TT 22 example, completed with the other subjects of a grade 8 student so that
# the listed output (HK I Tốt, HK II Khá, year Khá) is what TT 22 gives.
TT22_INPUT: dict[str, Any] = {"regime": "tt22", "grade": 8, "students": [{
    "id": "HS1", "absences": 3, "conduct": {"hk1": "TOT", "hk2": "KHA"},
    "subjects": [
        {"code": "TOAN", "assessment": "score", "periods_per_year": 140,
         "hk1": {"tx": [8, 7.5, 9, 8], "gk": 7.5, "ck": 8},
         "hk2": {"tx": [8, 8, 9, 8], "gk": 8, "ck": 8.5}, "retest": None},
        {"code": "GDTC", "assessment": "comment", "periods_per_year": 70,
         "hk1": comment(), "hk2": comment()},
        score_subject("NGU_VAN", 140, 8.5, 8),
        score_subject("NGOAI_NGU_1", 105, 8.5, 8),
        score_subject("KHTN", 140, 8.5, 8),
        score_subject("LICH_SU_DIA_LY", 105, 8.5, 7),
        score_subject("GDCD", 35, 8.5, 7),
        score_subject("TIN_HOC", 35, 8.5, 7),
    ]}]}

TT22_EXPECTED = {"students": [{
    "id": "HS1",
    "subjects": [{"code": "TOAN", "hk1": 7.9, "hk2": 8.3, "year": 8.2},
                 {"code": "GDTC", "hk1": "D", "hk2": "D", "year": "D"}],
    "hoc_tap": {"hk1": "TOT", "hk2": "KHA", "year": "KHA"}, "ren_luyen": {"year": "KHA"},
    "len_lop": True, "award": None}]}

TT27_INPUT: dict[str, Any] = {"regime": "tt27", "grade": 4, "students": [{
    "id": "A",
    "subjects": [{"code": "TIENG_VIET", "level": "T", "test": 9},
                 {"code": "DAO_DUC", "level": "H"}],
    "qualities": {"yeu_nuoc": "T", "nhan_ai": "T", "cham_chi": "D", "trung_thuc": "T",
                  "trach_nhiem": "T"},
    "competences": {"tu_chu_tu_hoc": "T", "giao_tiep_hop_tac": "T", "giai_quyet_van_de": "T",
                    "ngon_ngu": "T", "tinh_toan": "T", "khoa_hoc": "T", "tham_mi": "T",
                    "the_chat": "T"}}]}

TT27_EXPECTED = {"students": [{"id": "A", "evaluation": "HT", "award": None,
                               "completed_grade": True}]}


def run(tmp_path: Path, document: Any, *extra: str) -> subprocess.CompletedProcess[bytes]:
    path = tmp_path / "input.json"
    text = document if isinstance(document, str) else json.dumps(document, ensure_ascii=False)
    path.write_text(text, encoding="utf-8")
    return subprocess.run([sys.executable, "-m", "hocba.cli", "assess", str(path), *extra],
                          capture_output=True, check=False)


def subset(actual: Any, expected: Any) -> bool:
    """Every field the issue lists is present with exactly this value (more are allowed)."""
    if isinstance(expected, dict):
        return isinstance(actual, dict) and all(
            k in actual and subset(actual[k], v) for k, v in expected.items())
    if isinstance(expected, list):
        return isinstance(actual, list) and len(actual) >= len(expected) and all(
            subset(a, e) for a, e in zip(actual, expected, strict=False))
    return type(actual) is type(expected) and actual == expected


def test_issue_tt22_example_through_the_command(tmp_path: Path) -> None:
    done = run(tmp_path, TT22_INPUT)
    assert done.returncode == 0, done.stderr.decode()
    output = json.loads(done.stdout.decode("utf-8"))
    assert subset(output, TT22_EXPECTED), output
    # Scores are JSON numbers with one decimal, in the bytes themselves.
    text = done.stdout.decode("utf-8")
    assert '"hk1": 7.9' in text and '"year": 8.2' in text and '"hk2": 8.0' in text


def test_issue_tt27_example_through_the_command(tmp_path: Path) -> None:
    done = run(tmp_path, TT27_INPUT)
    assert done.returncode == 0, done.stderr.decode()
    output = json.loads(done.stdout.decode("utf-8"))
    assert subset(output, TT27_EXPECTED), output


def test_output_is_utf8_with_vietnamese_kept_and_explanations_cite_articles(
        tmp_path: Path) -> None:
    done = run(tmp_path, TT22_INPUT)
    text = done.stdout.decode("utf-8")
    assert "Điều 9.1.b" in text and "\\u" not in text
    student = json.loads(text)["students"][0]
    rules = {e["field"]: e["rule"] for e in student["explanations"]}
    assert rules["hoc_tap.hk1"] == "TT 22/2021 Điều 9.2.a"
    assert rules["ren_luyen.year"] == "TT 22/2021 Điều 8"
    assert rules["len_lop"] == "TT 22/2021 Điều 12"


def test_integral_averages_print_with_one_decimal() -> None:
    """8 → 8.0, in the JSON bytes."""
    from decimal import Decimal

    assert contract.dumps({"a": Decimal("8"), "b": [Decimal("7.9")]}, indent=None) == (
        '{"a": 8.0, "b": [7.9]}')


def test_every_one_decimal_score_prints_exactly() -> None:
    """0.0, 0.1, … 10.0: the JSON text is the one-decimal text, never a float artefact."""
    from decimal import Decimal

    values = [Decimal(k) / 10 for k in range(101)]
    text = contract.dumps(values, indent=None)
    assert text == "[" + ", ".join(f"{k // 10}.{k % 10}" for k in range(101)) + "]"


def test_compact_and_no_explanations(tmp_path: Path) -> None:
    done = run(tmp_path, TT27_INPUT, "--compact", "--no-explanations")
    assert done.returncode == 0
    lines = done.stdout.decode().strip().splitlines()
    assert len(lines) == 1 and "explanations" not in lines[0]


def test_stdin_is_read_with_a_dash() -> None:
    done = subprocess.run([sys.executable, "-m", "hocba.cli", "assess", "-"],
                          input=json.dumps(TT27_INPUT).encode(), capture_output=True,
                          check=False)
    assert done.returncode == 0 and json.loads(done.stdout)["students"][0]["evaluation"] == "HT"


def test_assess_does_not_import_django(tmp_path: Path) -> None:
    path = tmp_path / "in.json"
    path.write_text(json.dumps(TT27_INPUT), encoding="utf-8")
    code = ("import sys; from hocba.cli import main; rc = main(['assess', sys.argv[1], "
            "'--compact']); assert rc == 0; assert 'django' not in sys.modules, 'django!'")
    done = subprocess.run([sys.executable, "-c", code, str(path)], capture_output=True,
                          check=False)
    assert done.returncode == 0, done.stderr.decode()


# --- Bad inputs: exit non-zero, a Vietnamese message naming the path ------------------------

def _error(tmp_path: Path, document: Any) -> str:
    done = run(tmp_path, document)
    assert done.returncode != 0
    assert done.stdout == b""
    return done.stderr.decode("utf-8")


def _tt22(**changes: Any) -> dict[str, Any]:
    document = json.loads(json.dumps(TT22_INPUT))
    for path, value in changes.items():
        target = document
        *parents, last = path.split("__")
        for key in parents:
            target = target[int(key)] if key.isdigit() else target[key]
        target[int(last) if last.isdigit() else last] = value
    return document


def test_malformed_json_names_line_and_column(tmp_path: Path) -> None:
    message = _error(tmp_path, '{"regime": "tt22",\n "grade": }')
    assert "JSON không hợp lệ ở dòng 2" in message


def test_unknown_regime_is_refused(tmp_path: Path) -> None:
    message = _error(tmp_path, {**TT22_INPUT, "regime": "tt58"})
    assert "regime: chế độ đánh giá không được hỗ trợ" in message and "tt58" in message


def test_out_of_range_score_names_the_exact_path(tmp_path: Path) -> None:
    document = _tt22(students__0__subjects__2__hk1__tx__3=11)
    assert "students[0].subjects[2].hk1.tx[3]: điểm 11 ngoài khoảng 0–10" in _error(
        tmp_path, document)


def test_a_score_with_two_decimals_is_refused(tmp_path: Path) -> None:
    document = _tt22(students__0__subjects__0__hk1__gk=7.25)
    assert "students[0].subjects[0].hk1.gk: điểm 7.25 có quá một chữ số thập phân" in _error(
        tmp_path, document)


def test_wrong_types_are_refused_with_their_path(tmp_path: Path) -> None:
    message = _error(tmp_path, _tt22(students__0__absences="ba"))
    assert "students[0].absences: số buổi nghỉ phải là số nguyên" in message
    message = _error(tmp_path, _tt22(students__0__subjects__0__hk1__tx__0=True))
    assert "students[0].subjects[0].hk1.tx[0]: điểm phải là một số" in message
    message = _error(tmp_path, _tt22(students__0__conduct__hk2="GOOD"))
    assert "students[0].conduct.hk2: mức đánh giá phải là một trong TOT, KHA, DAT, CHUA_DAT" in (
        message)
    message = _error(tmp_path, _tt22(students__0__subjects="TOAN"))
    assert "students[0].subjects: cần một danh sách JSON" in message


def test_the_tx_count_rule_is_refused_with_the_expected_count(tmp_path: Path) -> None:
    document = _tt22(students__0__subjects__0__hk2__tx=[8, 8, 9])
    message = _error(tmp_path, document)
    assert "students[0].subjects[0].hk2.tx: môn TOAN có 140 tiết/năm nên cần đúng 4" in message


def test_unknown_field_and_missing_field_are_named(tmp_path: Path) -> None:
    document = _tt22(students__0__absense=3)
    assert "students[0].absense: trường không có trong hợp đồng" in _error(tmp_path, document)
    document = json.loads(json.dumps(TT22_INPUT))
    del document["students"][0]["subjects"][1]["hk2"]
    assert "students[0].subjects[1].hk2: thiếu trường bắt buộc" in _error(tmp_path, document)


def test_tt27_decimal_test_score_is_refused(tmp_path: Path) -> None:
    document = json.loads(json.dumps(TT27_INPUT))
    document["students"][0]["subjects"][0]["test"] = 8.5
    assert ("students[0].subjects[0].test: điểm kiểm tra định kì 8.5 phải là số nguyên"
            in _error(tmp_path, document))


def test_tt27_missing_test_for_a_tested_subject_is_refused(tmp_path: Path) -> None:
    document = json.loads(json.dumps(TT27_INPUT))
    del document["students"][0]["subjects"][0]["test"]
    assert "students[0].subjects[0].test: môn TIENG_VIET ở lớp 4" in _error(tmp_path, document)


def test_every_students_first_error_is_reported(tmp_path: Path) -> None:
    document = json.loads(json.dumps(TT27_INPUT))
    second = json.loads(json.dumps(document["students"][0]))
    second["id"] = "B"
    second["qualities"]["nhan_ai"] = "X"
    document["students"][0]["subjects"][1]["level"] = "Z"
    document["students"].append(second)
    message = _error(tmp_path, document)
    assert "students[0].subjects[1].level" in message and "students[1].qualities.nhan_ai" in (
        message)


def test_unreadable_file_exits_2() -> None:
    done = subprocess.run([sys.executable, "-m", "hocba.cli", "assess", "/nonexistent.json"],
                          capture_output=True, check=False)
    assert done.returncode == 2 and "Không đọc được tệp" in done.stderr.decode()


@pytest.mark.parametrize("value", [float("nan"), "NaN"])
def test_nan_is_not_a_score(value: Any) -> None:
    document = json.loads(json.dumps(TT22_INPUT))
    document["students"][0]["subjects"][0]["hk1"]["ck"] = value
    with pytest.raises(contract.ContractError) as caught:
        contract.assess(document)
    assert "students[0].subjects[0].hk1.ck" in caught.value.report()


def test_python_floats_are_read_through_their_decimal_text() -> None:
    """Decimal(str(x)), never the binary value: 7.5 stays 7,5 and 0.1 + 0.2 style noise never
    enters."""
    result = contract.assess(TT22_INPUT)
    assert str(result["students"][0]["subjects"][0]["hk1"]) == "7.9"


def test_the_readme_examples_match_the_issue_examples() -> None:
    """docs/examples/*.json (run in the README) are the inputs checked above."""
    import json

    root = Path(__file__).resolve().parents[1] / "docs" / "examples"
    assert json.loads((root / "tt22.json").read_text(encoding="utf-8")) == TT22_INPUT
    assert json.loads((root / "tt27.json").read_text(encoding="utf-8")) == TT27_INPUT
