"""The ``hocba`` command: operators' verbs go through the same authorisation and audit log."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import openpyxl
import pytest

from hocba.audit.models import AuditEvent
from hocba.cli import main
from hocba.domain.access import Role
from hocba.roster.models import Student


def _class_list(path: Path, rows: list[list[Any]]) -> Path:
    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = "Danh sách lớp"
    sheet.append(["STT", "Mã học sinh", "Họ và tên", "Ngày sinh", "Giới tính", "Lớp",
                  "Số định danh cá nhân"])
    for row in rows:
        sheet.append(row)
    book.save(path)
    return path


def _import(path: Path, user: str) -> int:
    return main(["import", "classes", str(path), "--school", "01000101", "--year", "2025-2026",
                 "--as", user])


def test_the_template_command_writes_a_workbook(tmp_path: Path, db: Any) -> None:
    out = tmp_path / "mau.xlsx"
    assert main(["template", "classes", "--out", str(out)]) == 0
    assert openpyxl.load_workbook(out).sheetnames[0] == "Danh sách lớp"


def test_hoc_vu_imports_a_class_list_from_the_command_line(
        tmp_path: Path, world: Any, capsys: pytest.CaptureFixture[str]) -> None:
    path = _class_list(tmp_path / "6a.xlsx",
                       [[1, "HS0100", "Đặng Văn Hùng", "12/03/2013", "Nam", "6A", "001213000100"]])
    assert _import(path, "hocvu") == 0
    assert "Đã nhập" in capsys.readouterr().out
    assert Student.objects.get(student_code="HS0100").full_name == "Đặng Văn Hùng"
    event = AuditEvent.objects.filter(action="nhap_danh_sach_lop").latest("id")
    assert (event.channel, event.actor) == ("cli", world.users[Role.HOC_VU])


def test_a_file_with_errors_exits_non_zero_and_writes_nothing(
        tmp_path: Path, world: Any, capsys: pytest.CaptureFixture[str]) -> None:
    path = _class_list(tmp_path / "sai.xlsx",
                       [[1, "HS0101", "Lý Thị Hoa", "12/03/2013", "Nữ", "9Z", "001213000101"]])
    assert _import(path, "hocvu") == 1
    errors = capsys.readouterr().err
    assert "dòng 2" in errors and "9Z" in errors
    assert not Student.objects.filter(student_code="HS0101").exists()


def test_a_teacher_may_not_import_from_the_command_line_either(
        tmp_path: Path, world: Any, capsys: pytest.CaptureFixture[str]) -> None:
    path = _class_list(tmp_path / "6a.xlsx",
                       [[1, "HS0102", "Mai Văn Tú", "12/03/2013", "Nam", "6A", "001213000102"]])
    assert _import(path, "gvbm") == 3
    assert "Bị từ chối" in capsys.readouterr().err
    assert not Student.objects.filter(student_code="HS0102").exists()
    assert AuditEvent.objects.filter(kind="tu_choi", channel="cli").exists()


def test_unknown_names_are_reported_not_raised(
        tmp_path: Path, world: Any, capsys: pytest.CaptureFixture[str]) -> None:
    path = _class_list(tmp_path / "x.xlsx", [])
    assert main(["import", "classes", str(path), "--school", "99999999", "--year", "2025-2026",
                 "--as", "hocvu"]) == 2
    assert "Không tìm thấy trường “99999999”" in capsys.readouterr().err
    assert main(["import", "classes", str(tmp_path / "khong-co.xlsx"), "--school", "01000101",
                 "--year", "2025-2026", "--as", "hocvu"]) == 2
