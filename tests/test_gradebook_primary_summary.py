"""The homeroom teacher's primary class summary (TT 27/2020): qualities and competences
entered per point (Điều 7.2), the year evaluation (Điều 9.2), award (Điều 13) and grade
completion (Điều 11) computed by the engine with their article, nothing guessed when data is
missing, the supplementary evaluation of pupils rated Chưa hoàn thành, and ``year_results``,
the values the record composition reads."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied

from hocba.audit.models import AuditEvent
from hocba.domain.access import Role
from hocba.gradebook import primary_summary_page, primary_summary_services, services
from hocba.gradebook.models import PrimaryClassRecord, PrimarySubjectResult
from hocba.gradebook.primary_summary import NotPrimary, year_results
from hocba.roster.models import SchoolClass
from tests.primary_world import ALL_T, PrimaryWorld, build_primary, fill_year
from tests.world import PASSWORD

URL = "/so-diem/tieu-hoc/lop/{}/tong-hop/"


@pytest.fixture
def pw(world: Any) -> PrimaryWorld:
    return build_primary(world)


def results_of(pw: PrimaryWorld) -> dict[str, Any]:
    return {r.student.student_code: r for r in year_results(pw.class_4a)}


def save(pw: PrimaryWorld, pupil: Any, point: int, version: int = 0, **values: str) -> int:
    return primary_summary_services.save_records(pw.homeroom, pw.class_4a, [
        primary_summary_services.RecordEdit(pupil, point, values, version)]).written


# --- TT 27/2020 Điều 9.2, 11, 13: the engine's results ------------------------------------

def test_all_t_and_tests_of_9_is_htxs_with_the_award_and_the_completed_grade(
        pw: PrimaryWorld) -> None:
    fill_year(pw, pw.an, "T", 9)
    an = results_of(pw)["TH0001"]
    assert (an.evaluation, an.year_evaluation, an.award) == ("HTXS", "HTXS", "HS_XUAT_SAC")
    assert an.completed_grade is True and an.completed_primary is None
    assert an.completion_text == "Hoàn thành chương trình lớp 4; Được lên lớp 5"
    toan = next(s for s in an.subjects if s.code == "TOAN")
    dao_duc = next(s for s in an.subjects if s.code == "DAO_DUC")
    assert (toan.name, toan.level, toan.test, toan.comment) == ("Toán", "T", 9, None)
    assert (dao_duc.level, dao_duc.test) == ("T", None)
    assert an.qualities["cham_chi"] == "T" and an.competences["tin_hoc"] is None
    assert (an.weight_kg, an.height_cm) == (Decimal("28.5"), Decimal("132.0"))
    assert (an.absences_excused, an.absences_unexcused) == (2, 0)
    assert an.comment_qualities == "Chăm chỉ." and an.homeroom_comment == "Em ngoan."
    assert an.missing == ()
    # Tiếng dân tộc is optional: not studied, not listed.
    assert "TIENG_DAN_TOC" not in {s.code for s in an.subjects}


def test_htt_is_awarded_only_with_the_class_recognition(pw: PrimaryWorld) -> None:
    fill_year(pw, pw.an, "T", 8)
    fill_year(pw, pw.anh, "T", 8)
    PrimaryClassRecord.objects.filter(student=pw.anh, point=4).update(
        recognised_outstanding=True)
    results = results_of(pw)
    assert (results["TH0001"].evaluation, results["TH0001"].award) == ("HTT", None)
    assert (results["TH0002"].evaluation, results["TH0002"].award) == ("HTT", "HS_TIEU_BIEU")


def test_grade_5_completes_primary(pw: PrimaryWorld) -> None:
    SchoolClass.objects.filter(pk=pw.class_4a.pk).update(grade=5, name="5A")
    pw.class_4a.refresh_from_db()
    fill_year(pw, pw.an, "H", 6, ratings={**ALL_T, "cham_chi": "D"})
    an = results_of(pw)["TH0001"]
    assert (an.evaluation, an.award, an.completed_grade, an.completed_primary) == (
        "HT", None, True, True)
    assert an.completion_text == "Hoàn thành chương trình tiểu học"


def test_nothing_is_guessed_when_a_test_or_a_rating_is_missing(pw: PrimaryWorld) -> None:
    fill_year(pw, pw.an, "T", 9)
    PrimarySubjectResult.objects.filter(student=pw.an, subject__code="TOAN", point=4).update(
        test=None)
    PrimaryClassRecord.objects.filter(student=pw.an, point=4).update(cham_chi="", weight_kg=None)
    an = results_of(pw)["TH0001"]
    assert (an.evaluation, an.award, an.completed_grade, an.completion_text) == (
        None, None, None, "")
    assert an.missing == ("Toán cuối năm: thiếu điểm KTĐK",
                          "Phẩm chất chăm chỉ cuối năm: chưa đánh giá", "Cân nặng: chưa nhập")
    bao = results_of(pw)["TH0003"]  # nothing entered at all
    assert "Tiếng Việt cuối năm: thiếu mức đạt được" in bao.missing
    assert "Khoa học cuối năm: thiếu điểm KTĐK" in bao.missing
    assert "Nhận xét của GVCN cuối năm: chưa có" in bao.missing
    assert bao.evaluation is None and bao.absences_excused == 0


def test_a_chua_hoan_thanh_pupil_is_evaluated_again_and_completes_the_grade(
        pw: PrimaryWorld) -> None:
    fill_year(pw, pw.bao, "H", 6)
    PrimarySubjectResult.objects.filter(student=pw.bao, subject__code="TOAN", point=4).update(
        level="C", test=4)
    bao = results_of(pw)["TH0003"]
    assert (bao.evaluation, bao.completed_grade) == ("CHT", False)
    assert bao.completion_text == "Chưa hoàn thành chương trình lớp 4"

    written = primary_summary_services.save_supplementary(pw.homeroom, pw.class_4a, [
        primary_summary_services.SupplementaryEdit(pw.bao, {"TOAN": ("h", "6")}, {}, 0)])
    assert written == 1
    bao = results_of(pw)["TH0003"]
    assert (bao.year_evaluation, bao.evaluation, bao.completed_grade) == ("CHT", "HT", True)
    toan = next(s for s in bao.subjects if s.code == "TOAN")
    assert (toan.level, toan.test) == ("H", 6)  # the học bạ shows the last assessment
    event = AuditEvent.objects.get(action="danh_gia_bo_sung")
    assert event.detail["thay_doi"]["supplementary"]["moi"] == {
        "subjects": {"TOAN": {"level": "H", "test": 6}}}


def test_the_supplementary_evaluation_is_refused_when_incomplete_or_not_needed(
        pw: PrimaryWorld) -> None:
    fill_year(pw, pw.an, "T", 9)
    fill_year(pw, pw.bao, "C", 3)
    edit = primary_summary_services.SupplementaryEdit
    with pytest.raises(primary_summary_services.PrimarySummaryError) as refused:
        primary_summary_services.save_supplementary(pw.homeroom, pw.class_4a, [
            edit(pw.an, {"TOAN": ("T", "10")}, {}, 1),
            edit(pw.bao, {"TOAN": ("H", "")}, {"cham_chi": "x"}, 1)])
    assert refused.value.problems == [
        "Lê Thị An: chỉ học sinh Chưa hoàn thành mới được đánh giá bổ sung (TT 27/2020 "
        "Điều 11).",
        "Trần Văn Bảo, đánh giá bổ sung, Toán: cần cả mức đạt được và điểm kiểm tra "
        "(TT 27/2020 Điều 7.1, 11).",
        "Trần Văn Bảo, đánh giá bổ sung, phẩm chất chăm chỉ: “x” không phải là mức đánh giá "
        "phẩm chất, năng lực: chỉ nhận T (Tốt), Đ (Đạt) hoặc C (Cần cố gắng) (TT 27/2020 "
        "Điều 7.2)."]
    assert PrimaryClassRecord.objects.get(student=pw.bao, point=4).supplementary == {}


# --- writing the class record -------------------------------------------------------------

def test_ratings_are_typed_t_d_or_c_and_the_year_end_facts_are_parsed(
        pw: PrimaryWorld) -> None:
    assert save(pw, pw.an, 4, yeu_nuoc="t", nhan_ai="Đ", cham_chi="d", trung_thuc="c",
                comment_qualities="  Lễ phép  ", weight_kg="28,5", height_cm="131,5",
                absences_excused="3", recognised_outstanding="1",
                adhoc_award="Giải Nhì hội khỏe Phù Đổng cấp xã") == 1
    rec = PrimaryClassRecord.objects.get(student=pw.an, point=4)
    assert (rec.yeu_nuoc, rec.nhan_ai, rec.cham_chi, rec.trung_thuc) == ("T", "D", "D", "C")
    assert (rec.weight_kg, rec.height_cm, rec.absences_excused) == (
        Decimal("28.5"), Decimal("131.5"), 3)
    assert rec.comment_qualities == "Lễ phép" and rec.recognised_outstanding
    assert rec.version == 1 and rec.updated_by == pw.homeroom
    event = AuditEvent.objects.get(action="sua_tong_hop_lop")
    assert event.detail["thay_doi"]["weight_kg"] == {"cu": None, "moi": "28.5"}
    assert event.detail["thoi_diem"] == 4 and event.school_id == pw.school.pk


def test_impossible_values_are_refused_whole_with_the_pupil_and_the_field(
        pw: PrimaryWorld) -> None:
    with pytest.raises(primary_summary_services.PrimarySummaryError) as refused:
        primary_summary_services.save_records(pw.homeroom, pw.class_4a, [
            primary_summary_services.RecordEdit(pw.an, 4, {"cham_chi": "x", "weight_kg": "300",
                                                            "height_cm": "13,25"}, 0),
            primary_summary_services.RecordEdit(pw.anh, 1, {"weight_kg": "28"}, 0),
            primary_summary_services.RecordEdit(pw.bao, 4, {"absences_excused": "-2"}, 0)])
    assert refused.value.problems == [
        "Lê Thị An, phẩm chất chăm chỉ (cuối năm học): “x” không phải là mức đánh giá phẩm "
        "chất, năng lực: chỉ nhận T (Tốt), Đ (Đạt) hoặc C (Cần cố gắng) (TT 27/2020 Điều "
        "7.2).",
        "Lê Thị An, cân nặng (cuối năm học): phải từ 5 đến 150 kg.",
        "Lê Thị An, chiều cao (cuối năm học): chỉ lấy một chữ số thập phân, ví dụ 132.",
        "Nguyễn Minh Ánh: không có ô “weight_kg” ở thời điểm giữa học kì I.",
        "Trần Văn Bảo, nghỉ có phép (cuối năm học): số buổi nghỉ phải là số nguyên không âm "
        "(nhận được “-2”)."]
    assert not PrimaryClassRecord.objects.exists()


def test_a_stale_row_is_refused_with_who_changed_it_and_nothing_is_written(
        pw: PrimaryWorld) -> None:
    save(pw, pw.an, 1, cham_chi="T")
    with pytest.raises(primary_summary_services.PrimarySummaryError) as refused:
        primary_summary_services.save_records(pw.homeroom, pw.class_4a, [
            primary_summary_services.RecordEdit(pw.anh, 1, {"cham_chi": "D"}, 0),
            primary_summary_services.RecordEdit(pw.an, 1, {"cham_chi": "C"}, 0)])
    assert refused.value.conflict
    assert refused.value.problems[0].startswith(
        "Lê Thị An, giữa học kì I: dòng này vừa được Phạm Thị Lan sửa lúc ")
    assert PrimaryClassRecord.objects.get(student=pw.an, point=1).cham_chi == "T"
    assert not PrimaryClassRecord.objects.filter(student=pw.anh, cham_chi="D").exists()


def test_only_the_homeroom_teacher_writes_and_a_locked_term_is_closed(
        pw: PrimaryWorld) -> None:
    for user in (pw.english, pw.principal, pw.world.users[Role.GVCN]):
        with pytest.raises(PermissionDenied):
            primary_summary_services.save_records(user, pw.class_4a, [
                primary_summary_services.RecordEdit(pw.an, 1, {"cham_chi": "T"}, 0)])
    services.lock_term(pw.principal, pw.school, pw.world.year, 1)
    with pytest.raises(primary_summary_services.PrimarySummaryError,
                       match="Lê Thị An, cuối học kì I: học kì đã khoá"):
        save(pw, pw.an, 2, cham_chi="T")
    assert save(pw, pw.an, 3, cham_chi="T") == 1


# --- the page -------------------------------------------------------------------------------

def test_the_page_opens_at_the_first_incomplete_point_and_shows_the_engine_results(
        client: Any, pw: PrimaryWorld) -> None:
    client.login(username="gvth", password=PASSWORD)
    html = client.get(URL.format(pw.class_4a.pk)).content.decode()
    assert 'aria-current="page">Giữa HK I</a>' in html
    assert 'aria-label="Chăm chỉ Giữa HK I — Lê Thị An"' in html
    assert 'name="can-' not in html  # weight and height only at the end of the year

    fill_year(pw, pw.an, "T", 9)
    fill_year(pw, pw.bao, "C", 3)
    html = client.get(URL.format(pw.class_4a.pk) + "?diem=cn").content.decode()
    assert 'data-testid="danh-gia-TH0001">Hoàn thành xuất sắc</summary>' in html
    assert "<strong>TT 27/2020 Điều 9.2.a</strong>" in html
    assert 'data-testid="khen-thuong-TH0001">Học sinh Xuất sắc</summary>' in html
    assert "<strong>TT 27/2020 Điều 13</strong>" in html
    assert ('data-testid="hoan-thanh-TH0001">Hoàn thành chương trình lớp 4; Được lên lớp 5'
            "</summary>") in html
    assert 'data-testid="danh-gia-TH0002">chưa đủ dữ liệu</span>' in html
    assert 'value="28,5"' in html and 'value="132"' in html
    # The lists, and the supplementary evaluation offered to Bảo only.
    lists = html[html.index('id="danh-sach-hoan-thanh"'):]
    assert "Hoàn thành chương trình lớp 4 (1)" in lists
    assert "Chưa hoàn thành chương trình (1)" in lists and "Trần Văn Bảo" in lists
    assert "Học sinh Xuất sắc (1)" in lists
    assert f'name="bs-{pw.bao.pk}-TOAN-muc"' in html
    assert f'name="bs-{pw.an.pk}-TOAN-muc"' not in html
    assert "gradebook/primary_keys.js" in html and "<script>" not in html
    assert "style=" not in html


def test_the_form_saves_the_changed_rows_and_refuses_with_the_values_kept(
        client: Any, pw: PrimaryWorld) -> None:
    client.login(username="gvth", password=PASSWORD)
    data = primary_summary_page.class_summary(pw.homeroom, pw.class_4a, 4)
    post: dict[str, str] = {"diem": "cn"}
    for row in data.rows:
        post.update(row.form)
        post[f"o-{row.student.pk}"] = row.originals_json
    post.pop(f"tb-{pw.an.pk}")
    sid = pw.an.pk
    post.update({f"r-cham_chi-{sid}": "đ", f"can-{sid}": "27,5", f"cao-{sid}": "130",
                 f"tb-{sid}": "1"})
    answer = client.post(URL.format(pw.class_4a.pk), post)
    assert answer.status_code == 302 and answer.url.endswith("?diem=cn")
    rec = PrimaryClassRecord.objects.get(student=pw.an, point=4)
    assert (rec.cham_chi, rec.weight_kg, rec.height_cm) == ("D", Decimal("27.5"),
                                                            Decimal("130.0"))
    assert rec.recognised_outstanding
    assert PrimaryClassRecord.objects.count() == 1  # the unchanged rows are not written

    post[f"r-cham_chi-{sid}"] = "k"
    refused = client.post(URL.format(pw.class_4a.pk), post)
    html = refused.content.decode()
    assert refused.status_code == 400
    assert "“k” không phải là mức đánh giá phẩm chất, năng lực" in html
    assert f'name="r-cham_chi-{sid}" value="k"' in html  # what was typed is shown again

    post[f"r-cham_chi-{sid}"] = "c"  # the page still says version 0; the row is at 1
    refused = client.post(URL.format(pw.class_4a.pk), post)
    assert refused.status_code == 409
    assert "dòng này vừa được Phạm Thị Lan sửa" in refused.content.decode()
    assert PrimaryClassRecord.objects.get(student=pw.an, point=4).cham_chi == "D"


def test_the_summary_is_for_primary_classes_and_is_linked_from_the_home_page(
        client: Any, pw: PrimaryWorld) -> None:
    with pytest.raises(NotPrimary):
        year_results(pw.world.class_6a)
    client.login(username="gvth", password=PASSWORD)
    assert client.get(URL.format(pw.world.class_6a.pk)).status_code in (403, 404)
    assert client.get(f"/so-diem/lop/{pw.class_4a.pk}/tong-hop/").status_code == 404
    home = client.get("/").content.decode()
    assert f'href="{URL.format(pw.class_4a.pk)}">Tổng hợp lớp</a>' in home
    client.login(username="gvta", password=PASSWORD)
    assert client.post(URL.format(pw.class_4a.pk), {"diem": "gk1"}).status_code == 403


def test_the_supplementary_form_recomputes_the_result_even_after_the_lock(
        client: Any, pw: PrimaryWorld) -> None:
    # TT 27/2020 Điều 11: the supplementary evaluation comes after the year is closed.
    fill_year(pw, pw.bao, "H", 6, ratings={**ALL_T, "cham_chi": "C"})
    services.lock_term(pw.principal, pw.school, pw.world.year, 2)
    client.login(username="gvth", password=PASSWORD)
    html = client.get(URL.format(pw.class_4a.pk) + "?diem=cn").content.decode()
    assert 'data-testid="danh-gia-TH0003">Chưa hoàn thành</summary>' in html
    assert "phẩm chất, năng lực chưa ở mức Tốt hoặc Đạt: chăm chỉ" in html
    sid = pw.bao.pk
    assert f'name="bs-{sid}-cham_chi"' in html and f'name="bs-{sid}-TOAN-muc"' not in html
    answer = client.post(URL.format(pw.class_4a.pk), {
        "diem": "cn", "thao_tac": "bo_sung", f"bsv-{sid}": "0", f"bs-{sid}-cham_chi": "đ"},
        follow=True)
    html = answer.content.decode()
    assert "Đã lưu 1 dòng." in html
    assert 'data-testid="sau-bo-sung-TH0003">Hoàn thành</summary>' in html
    assert "<strong>TT 27/2020 Điều 11</strong>" in html
    bao = results_of(pw)["TH0003"]
    assert (bao.year_evaluation, bao.evaluation, bao.qualities["cham_chi"]) == ("CHT", "HT", "D")
    # The year's own values are kept on the record.
    assert PrimaryClassRecord.objects.get(student=pw.bao, point=4).cham_chi == "C"


def test_a_past_year_keeps_the_pupils_who_finished_it_in_the_class(pw: PrimaryWorld) -> None:
    from hocba.roster.models import Enrolment

    Enrolment.objects.filter(student=pw.an).update(
        end_date=pw.world.year.end, exit_reason=Enrolment.Exit.YEAR_END)
    Enrolment.objects.filter(student=pw.bao).update(
        end_date=pw.world.year.start, exit_reason=Enrolment.Exit.TRANSFER_OUT)
    assert [p.student.full_name for p in year_results(pw.class_4a)] == [
        "Lê Thị An", "Nguyễn Minh Ánh"]


def test_the_htt_award_explains_what_it_needs_in_the_teachers_words(
        client: Any, pw: PrimaryWorld) -> None:
    fill_year(pw, pw.an, "T", 8)
    client.login(username="gvth", password=PASSWORD)
    html = client.get(URL.format(pw.class_4a.pk) + "?diem=cn").content.decode()
    assert 'data-testid="khen-thuong-TH0001">Không</summary>' in html
    assert "cần tập thể lớp công nhận thành tích nổi bật (ô “Tập thể lớp công nhận”)" in html


def test_an_optional_subject_counts_once_a_teacher_has_entered_it(pw: PrimaryWorld) -> None:
    fill_year(pw, pw.an, "T", 9)
    PrimarySubjectResult.objects.create(student=pw.an, school_class=pw.class_4a,
                                        subject=pw.subjects["TIENG_DAN_TOC"], point=1,
                                        level="H")
    # An empty row (left by a refused save) does not make Ánh study it.
    PrimarySubjectResult.objects.create(student=pw.anh, school_class=pw.class_4a,
                                        subject=pw.subjects["TIENG_DAN_TOC"], point=1)
    results = results_of(pw)
    an = results["TH0001"]
    assert an.evaluation is None
    assert an.missing == ("Tiếng dân tộc thiểu số cuối năm: thiếu mức đạt được",)
    assert "TIENG_DAN_TOC" not in {s.code for s in results["TH0002"].subjects}
