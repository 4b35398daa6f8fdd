"""Issue 6 §4 and §6: the public verification API — status by look-up code with a second
factor, in the OpenAPI document, refusing malformed input with 400 and a Vietnamese message
naming the field before the database is touched, rate-limited per address (429 with
Retry-After), and giving an unknown code and a wrong second factor the same bytes.

The end-to-end cases ask about a record the demo issues in this module (a primary class:
GVCN → CBQL → seal), through the real ``check_code``.
"""

from __future__ import annotations

import datetime as dt
import json
import uuid
from collections.abc import Iterator
from typing import Any

import pytest
from django.core.cache import cache
from django.db import transaction
from django.test import Client

from hocba.domain.verdict import RecordStatus, Verdict, VerificationReport
from hocba.issuance import demo
from hocba.records.models import HocBaRecord
from hocba.signing.services import PkiServices
from hocba.verification import services
from tests.test_issuance import _class, _composed, demo_db, pki_services  # noqa: F401

pytestmark = pytest.mark.django_db
URL = "/api/v1/verification/status"
OFF = {"lookup": (0, 60), "upload": (0, 60), "log": (0, 60)}
SOME_CODE = "3f2b8c1e-7a4d-4e9b-9c2a-1b5d6e7f8a90"


@pytest.fixture(autouse=True)
def _no_rate_limits(settings: Any) -> None:
    settings.VERIFICATION_RATE_LIMITS = OFF
    cache.clear()


def ask(payload: Any, *, client: Client | None = None, **extra: Any) -> Any:
    body = payload if isinstance(payload, bytes | str) else json.dumps(payload)
    return (client or Client()).post(URL, body, content_type="application/json", **extra)


# --- the OpenAPI document ---------------------------------------------------------------------

def test_the_openapi_document_describes_both_doors_in_vietnamese() -> None:
    document = Client().get("/api/v1/openapi.json").json()
    status = document["paths"]["/api/v1/verification/status"]["post"]
    upload = document["paths"]["/api/v1/verification/file"]["post"]
    assert status["summary"] == "Tra cứu trạng thái học bạ theo mã tra cứu"
    assert "từng byte" in status["description"]
    body = status["requestBody"]["content"]["application/json"]["schema"]
    assert set(body["properties"]) == {"lookup_code", "birth_date", "shared_code"}
    assert "UUID phiên bản 4" in body["properties"]["lookup_code"]["description"]
    assert {"200", "400", "429"} <= set(status["responses"])
    assert {"200", "400", "413", "415", "429", "503"} <= set(upload["responses"])
    assert "file" in upload["requestBody"]["content"]["multipart/form-data"]["schema"][
        "properties"]
    assert "security" not in status or status["security"] in ([], [{}])


# --- refusals before the database ---------------------------------------------------------------

NOT_UUID4 = [
    "12345",
    "6ba7b810-9dad-11d1-80b4-00c04fd430c8",  # UUID v1 (time-based): not a look-up code
    "3f2b8c1e-7a4d-4e9b-7c2a-1b5d6e7f8a90",  # version 4 but the variant is not RFC 9562's
    "3f2b8c1e7a4d4e9b9c2a1b5d6e7f8a90",  # no dashes
    "' OR 1=1 --",
    "3f2b8c1e-7a4d-4e9b-9c2a-1b5d6e7f8a9",  # one digit short
]


@pytest.mark.parametrize("code", NOT_UUID4)
def test_a_code_that_is_not_a_uuid4_is_refused_without_touching_the_database(
        code: str, django_assert_num_queries: Any) -> None:
    with django_assert_num_queries(0):
        response = ask({"lookup_code": code, "birth_date": "2014-05-09"})
    assert response.status_code == 400
    assert response.json()["detail"].startswith(
        "Trường lookup_code (mã tra cứu) không đúng định dạng: mã tra cứu gồm 32 chữ số hệ 16")


@pytest.mark.parametrize(("payload", "detail"), [
    ({"birth_date": "2014-05-09"}, "Thiếu trường lookup_code (mã tra cứu in trên học bạ)."),
    ({"lookup_code": SOME_CODE},
     "Cần yếu tố thứ hai: trường birth_date (ngày sinh của học sinh) hoặc trường shared_code "
     "(mã xác minh người giữ học bạ đã chia sẻ)."),
    ({"lookup_code": SOME_CODE, "birth_date": "2014-05-09", "shared_code": "7KQ2-M9XD-4HFA"},
     "Chỉ gửi một yếu tố thứ hai: birth_date (ngày sinh) hoặc shared_code (mã xác minh), không "
     "gửi cả hai."),
    ({"lookup_code": SOME_CODE, "birth_date": "31/02/2014"},
     "Trường birth_date (ngày sinh) không hợp lệ: nhập ngày sinh của học sinh dạng YYYY-MM-DD "
     "hoặc dd/mm/yyyy, ví dụ 2012-09-05 hoặc 05/09/2012."),
    ({"lookup_code": SOME_CODE, "birth_date": 20140509},
     "Trường birth_date (ngày sinh) phải là chuỗi ký tự."),
    ({"lookup_code": 42, "birth_date": "2014-05-09"},
     "Trường lookup_code (mã tra cứu) phải là chuỗi ký tự."),
    ({"lookup_code": SOME_CODE, "shared_code": "x" * 65},
     "Trường shared_code (mã xác minh được chia sẻ) không hợp lệ: tối đa 64 ký tự in được."),
    (["lookup_code", SOME_CODE],
     "Nội dung yêu cầu phải là một đối tượng JSON có lookup_code và birth_date hoặc "
     "shared_code."),
])
def test_a_malformed_question_gets_400_naming_the_field(
        payload: Any, detail: str, django_assert_num_queries: Any) -> None:
    with django_assert_num_queries(0):
        response = ask(payload)
    assert (response.status_code, response.json()) == (400, {"detail": detail})


def test_a_body_that_is_not_json_is_refused() -> None:
    response = ask(b"lookup_code=abc&birth_date=2014-05-09")
    assert response.status_code == 400
    assert response.json()["detail"].startswith("Nội dung yêu cầu không phải JSON hợp lệ")


def test_an_oversized_body_is_refused_with_413() -> None:
    response = ask({"lookup_code": SOME_CODE, "birth_date": "2014-05-09", "x": "y" * 5000})
    assert response.status_code == 413


def test_the_second_factor_is_never_taken_from_the_query_string() -> None:
    """A date of birth in a URL would be written to access logs and browser history."""
    response = Client().get(URL, {"lookup_code": SOME_CODE, "birth_date": "2014-05-09"})
    assert response.status_code == 405


# --- rate limits --------------------------------------------------------------------------------

def test_over_the_limit_an_address_gets_429_with_retry_after(settings: Any) -> None:
    settings.VERIFICATION_RATE_LIMITS = {**OFF, "lookup": (3, 60)}
    question = {"lookup_code": "not-a-code", "birth_date": "2014-05-09"}
    answers = [ask(question).status_code for _ in range(3)]
    refused = ask(question)
    assert answers == [400, 400, 400]
    assert refused.status_code == 429
    assert 0 < int(refused["Retry-After"]) <= 60
    assert refused.json()["detail"] == (
        "Bạn đã tra cứu quá nhiều lần trong thời gian ngắn. Vui lòng thử lại sau "
        f"{refused['Retry-After']} giây.")
    # another address is counted on its own
    assert ask(question, REMOTE_ADDR="198.51.100.9").status_code == 400


def test_a_public_post_needs_no_csrf_token_nor_log_in() -> None:
    response = ask({"lookup_code": "x", "birth_date": "2014-05-09"},
                   client=Client(enforce_csrf_checks=True))
    assert response.status_code == 400


# --- the view adds nothing of its own to the service's answer ----------------------------------

def _fake_report(code: str) -> VerificationReport:
    unknown = Verdict.indeterminate("Không tìm thấy học bạ với mã tra cứu và yếu tố thứ hai đã "
                                    "nhập.")
    return VerificationReport(unknown, unknown, unknown, lookup_code=code,
                              record_status=RecordStatus.UNKNOWN)


def test_the_answer_is_the_services_report_as_json(monkeypatch: Any) -> None:
    asked: list[tuple[str, Any, Any, str]] = []

    def check_code(code: str, *, birth_date: Any = None, shared_code: Any = None,
                   channel: str = "web") -> VerificationReport:
        asked.append((code, birth_date, shared_code, channel))
        return _fake_report(code)

    monkeypatch.setattr(services, "check_code", check_code)
    response = ask({"lookup_code": SOME_CODE.upper(), "birth_date": "09/05/2014"})
    assert response.status_code == 200
    assert response["Cache-Control"] == "no-store"
    assert response.json() == _fake_report(SOME_CODE).as_dict()
    assert asked == [(SOME_CODE, dt.date(2014, 5, 9), None, "api")]


# --- end to end, on an issued record ------------------------------------------------------------

@pytest.fixture(scope="module")
def issued(demo_db: Any, pki_services: PkiServices) -> Iterator[HocBaRecord]:  # noqa: F811
    with demo_db.unblock(), transaction.atomic():
        school_class = _class("27260001", "4A")
        records = _composed(school_class, 1)
        assert demo.issue_class(school_class, base_url=pki_services.base_url,
                                records=records) == 1
        yield HocBaRecord.objects.select_related("student").get(pk=records[0].pk)
        transaction.set_rollback(True)


def test_the_right_birth_date_gets_three_passed_verdicts_and_the_facts(
        issued: HocBaRecord) -> None:
    response = ask({"lookup_code": str(issued.lookup_code),
                    "birth_date": issued.student.birth_date.isoformat()})
    answer = response.json()
    assert response.status_code == 200, answer
    assert (answer["valid"], answer["record_status"], answer["replaced_by"]) == (
        True, "issued", None)
    assert [answer[v]["indication"] for v in ("integrity", "status", "issuer")] == [
        "PASSED"] * 3
    assert issued.student.full_name in json.dumps(answer, ensure_ascii=False)


def test_an_unknown_code_and_a_wrong_birth_date_get_the_same_bytes(issued: HocBaRecord) -> None:
    code = str(issued.lookup_code)
    wrong = (issued.student.birth_date + dt.timedelta(days=1)).isoformat()
    unknown = str(uuid.uuid4())
    wrong_factor = ask({"lookup_code": code, "birth_date": wrong})
    no_such_code = ask({"lookup_code": unknown, "birth_date": wrong})
    assert wrong_factor.status_code == no_such_code.status_code == 200
    assert wrong_factor.content == no_such_code.content
    assert sorted(wrong_factor.items()) == sorted(no_such_code.items())
    assert issued.student.full_name not in wrong_factor.content.decode()
    assert wrong_factor.json()["valid"] is False


def test_a_matched_answer_kept_a_few_seconds_is_still_audited_every_time(
        issued: HocBaRecord, settings: Any, django_assert_num_queries: Any) -> None:
    """The status benchmark's cache (VERIFICATION_STATUS_CACHE_SECONDS): a second question with
    the right birth date is answered from memory, yet each read of the name is audited
    (QĐ 1789 Điều 4); a wrong birth date is never answered from memory."""
    from hocba.audit.models import AuditEvent

    settings.VERIFICATION_STATUS_CACHE_SECONDS = 60
    question = {"lookup_code": str(issued.lookup_code),
                "birth_date": issued.student.birth_date.isoformat()}
    reads = AuditEvent.objects.filter(object_id=str(issued.pk)).count
    try:
        before = reads()
        first = ask(question)
        with django_assert_num_queries(1):  # the audit INSERT alone
            second = ask(question)
        assert first.content == second.content and second.json()["valid"] is True
        assert reads() == before + 2
        wrong = {**question, "birth_date": "1999-01-01"}
        assert ask(wrong).json() == ask(wrong).json()
        assert services._ANSWERS.keys() == {(str(issued.lookup_code), question["birth_date"])}
    finally:
        services._ANSWERS.clear()


def test_a_kept_report_is_encoded_once_and_answered_with_the_same_bytes() -> None:
    """A report kept in the answer cache is answered many times a second (the status
    benchmark): its JSON is kept with it; another report, even an equal one, is encoded anew."""
    from hocba.verification import api

    report = _fake_report(SOME_CODE)
    first = api._report_json(report)
    assert api._report_json(report) is first
    assert json.loads(first) == report.as_dict()
    other = _fake_report(SOME_CODE)
    assert api._report_json(other) == first and api._report_json(other) is not first
