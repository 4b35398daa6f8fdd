"""Issue 6 "Measured": the status door (``hocba.verification.door``) answers
``POST /api/v1/verification/status`` in front of the full middleware stack, for the 500
look-ups a second with p99 under 100 ms. It must answer exactly as the django-ninja route does:
same status, same bytes, same headers (security, content security policy, language, no-store),
same refusals, rate limit and audited read. These tests ask both, through the WSGI application
the server runs (``hocba.wsgi.application``) and through Django's test client (the full stack).
"""

from __future__ import annotations

import datetime as dt
import io
import json
import sys
import uuid
from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.core import signals
from django.db import close_old_connections
from django.test import Client

from hocba.audit.models import AuditEvent
from hocba.records.models import HocBaRecord
from hocba.verification.door import STATUS_PATH, StatusDoor
from hocba.wsgi import application
from tests.test_issuance import demo_db, pki_services  # noqa: F401

# The API tests' issued primary record, their rate limits off (autouse) and sample code.
from tests.test_verification_api import OFF, SOME_CODE, _no_rate_limits, issued  # noqa: F401

pytestmark = pytest.mark.django_db


class Answer:
    def __init__(self, status: str, headers: list[tuple[str, str]], body: bytes) -> None:
        self.status_code = int(status.split()[0])
        self.headers = dict(headers)
        self.content = body


def through_door(body: bytes | str, *, method: str = "POST", path: str = STATUS_PATH,
                 address: str = "127.0.0.1", content_type: str = "application/json",
                 **extra: str) -> Answer:
    """A request to the WSGI application, as gunicorn hands it over."""
    data = body.encode() if isinstance(body, str) else body
    environ = {
        "REQUEST_METHOD": method, "PATH_INFO": path, "SCRIPT_NAME": "", "QUERY_STRING": "",
        "CONTENT_TYPE": content_type, "CONTENT_LENGTH": str(len(data)),
        "SERVER_NAME": "127.0.0.1", "SERVER_PORT": "8000", "SERVER_PROTOCOL": "HTTP/1.1",
        "REMOTE_ADDR": address, "HTTP_HOST": "127.0.0.1:8000", "wsgi.input": io.BytesIO(data),
        "wsgi.url_scheme": "http", "wsgi.errors": sys.stderr, **extra}
    started: list[Any] = []
    # As Django's test client does: the request's signals must not close the test's connection
    # (inside the test's transaction; on PostgreSQL the next query would find it closed).
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    try:
        chunks = application(environ, lambda status, headers, exc_info=None: started.extend(
            [status, headers]))
        try:
            content = b"".join(chunks)
        finally:
            getattr(chunks, "close", lambda: None)()
    finally:
        signals.request_started.connect(close_old_connections)
        signals.request_finished.connect(close_old_connections)
    return Answer(started[0], started[1], content)


def through_django(body: bytes | str, *, address: str = "127.0.0.1") -> Any:
    return Client(REMOTE_ADDR=address).post(STATUS_PATH, body, content_type="application/json")


def same_answer(door: Answer, full: Any) -> None:
    assert door.status_code == full.status_code
    assert door.content == full.content
    headers = {k: v for k, v in full.headers.items() if k != "Vary"}  # Vary: Cookie (session)
    assert door.headers == headers


QUESTIONS = [
    json.dumps({"lookup_code": SOME_CODE, "birth_date": "2014-05-09"}),
    json.dumps({"lookup_code": "' OR 1=1 --", "birth_date": "2014-05-09"}),
    json.dumps({"lookup_code": SOME_CODE}),
    json.dumps({"lookup_code": SOME_CODE, "birth_date": "31/02/2014"}),
    json.dumps({"lookup_code": SOME_CODE, "birth_date": "2014-05-09", "shared_code": "abc"}),
    json.dumps(["lookup_code", SOME_CODE]),
    "lookup_code=abc&birth_date=2014-05-09",
    json.dumps({"lookup_code": SOME_CODE, "birth_date": "2014-05-09", "x": "y" * 5000}),
]


@pytest.mark.parametrize("question", QUESTIONS)
def test_the_door_answers_byte_for_byte_as_the_full_stack(question: str) -> None:
    same_answer(through_door(question), through_django(question))


def test_the_door_sends_the_public_security_headers() -> None:
    answer = through_door(QUESTIONS[0])
    assert answer.headers["Cache-Control"] == "no-store"
    assert answer.headers["X-Content-Type-Options"] == "nosniff"
    assert answer.headers["X-Frame-Options"] == "DENY"
    assert "frame-ancestors 'none'" in answer.headers["Content-Security-Policy"]
    assert answer.headers["Content-Language"] == "vi"
    assert "Set-Cookie" not in answer.headers


def test_the_door_counts_the_same_rate_limit(settings: Any) -> None:
    settings.VERIFICATION_RATE_LIMITS = {**OFF, "lookup": (2, 60)}
    question = json.dumps({"lookup_code": "not-a-code", "birth_date": "2014-05-09"})
    assert [through_door(question).status_code, through_django(question).status_code] == [
        400, 400]
    refused = through_door(question)
    assert refused.status_code == 429 and 0 < int(refused.headers["Retry-After"]) <= 60
    assert through_door(question, address="198.51.100.9").status_code == 400


def test_other_methods_paths_and_hosts_go_through_the_full_stack() -> None:
    assert through_door("", method="GET").status_code == 405  # ninja: POST only
    assert through_door("", method="GET", path="/api/v1/openapi.json").status_code == 200
    assert through_door(QUESTIONS[0], HTTP_HOST="ke-gia-mao.example").status_code == 400


def test_a_door_in_front_of_another_application_passes_everything_else_on() -> None:
    seen: list[str] = []

    def other(environ: dict[str, Any], start_response: Any) -> list[bytes]:
        seen.append(environ["PATH_INFO"])
        start_response("204 No Content", [])
        return []

    door = StatusDoor(other)
    door({"REQUEST_METHOD": "POST", "PATH_INFO": "/api/v1/verification/file"},
         lambda *a: None)
    door({"REQUEST_METHOD": "GET", "PATH_INFO": STATUS_PATH}, lambda *a: None)
    assert seen == ["/api/v1/verification/file", STATUS_PATH]


# --- on an issued record ----------------------------------------------------------------------

def test_the_right_birth_date_through_the_door_is_answered_and_audited(
        issued: HocBaRecord) -> None:  # noqa: F811
    question = json.dumps({"lookup_code": str(issued.lookup_code),
                           "birth_date": issued.student.birth_date.isoformat()})
    reads = AuditEvent.objects.filter(object_id=str(issued.pk), action="xem")
    before = reads.count()
    door = through_door(question, address="203.0.113.5")
    answer = json.loads(door.content)
    assert door.status_code == 200 and answer["valid"] is True
    assert answer["facts"]["student_name"] == issued.student.full_name
    same_answer(door, through_django(question, address="203.0.113.5"))
    assert reads.count() == before + 2
    event = reads.order_by("-id").first()
    assert event is not None
    assert (event.channel, event.ip, event.actor_name, event.detail["xac_thuc"]) == (
        "api", "203.0.113.5", "(ẩn danh)", "ngay_sinh")


def test_a_wrong_birth_date_and_an_unknown_code_get_the_same_bytes_through_the_door(
        issued: HocBaRecord) -> None:  # noqa: F811
    wrong = (issued.student.birth_date + dt.timedelta(days=1)).isoformat()
    wrong_factor = through_door(json.dumps({"lookup_code": str(issued.lookup_code),
                                            "birth_date": wrong}))
    unknown = through_door(json.dumps({"lookup_code": str(uuid.uuid4()), "birth_date": wrong}))
    assert (wrong_factor.status_code, wrong_factor.content, wrong_factor.headers) == (
        unknown.status_code, unknown.content, unknown.headers)
    assert issued.student.full_name not in wrong_factor.content.decode()


def test_an_officers_look_up_with_a_session_is_logged_under_their_name(
        issued: HocBaRecord, settings: Any) -> None:  # noqa: F811
    """QĐ 1789 Điều 4: a read is logged with who made it. The door has no sessions, so a
    request with a session cookie takes the full stack, and the officer's name is logged."""
    officer = get_user_model().objects.create_user("thanh.tra.so", password="mật-khẩu-dài-123")
    client = Client()
    client.force_login(officer)
    session = client.cookies[settings.SESSION_COOKIE_NAME].value
    question = json.dumps({"lookup_code": str(issued.lookup_code),
                           "birth_date": issued.student.birth_date.isoformat()})
    answer = through_door(question, HTTP_COOKIE=f"{settings.SESSION_COOKIE_NAME}={session}")
    assert answer.status_code == 200 and json.loads(answer.content)["valid"] is True
    event = AuditEvent.objects.filter(object_id=str(issued.pk), action="xem").latest("id")
    assert (event.actor_id, event.actor_name) == (officer.pk, f"{officer} (thanh.tra.so)")
    # Another cookie, or none, is the public door's: logged as anonymous.
    through_door(question, HTTP_COOKIE="ngon_ngu=vi")
    event = AuditEvent.objects.filter(object_id=str(issued.pk), action="xem").latest("id")
    assert (event.actor_id, event.actor_name) == (None, "(ẩn danh)")
